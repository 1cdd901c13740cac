"""The one place that decides the shape rules of sklearn_har.

Two kinds of input exist (see ``DESIGN.md``):

* **windows** -- ``X`` of shape ``(n_windows, n_channels, n_timesteps)``, channels
  first. float64 (or any real dtype) is accepted and cast to float32. A 2-D ``X``
  is read as ``(n_windows, 1, n_timesteps)`` (one channel), so scikit-learn's
  estimator checks can run on window estimators.
* **stream tables** -- a 2-D table (numpy array or pandas DataFrame), rows =
  time samples, columns = channels, optionally with one or more *group*
  columns (user, recording, ...), and one label per row.

Every error says what was expected and what was received. NaN and inf are
refused with their count and the position of the first one, unless the caller
passes ``allow_nan=True`` (an estimator that documents a ``nan_policy``).

The rules live in two private modules, one concept each: windows, their axes
and labels in ``_windows``; stream tables, group columns and row labels in
``_tables``. Import from here.
"""

from ._tables import (  # noqa: F401
    StreamTable,
    _changes,
    _is_missing_scalar,
    _missing_group_values,
    _resolve_group_columns,
    check_row_labels,
    check_table,
    factorize,
)
from ._windows import (  # noqa: F401
    _WINDOWS_SHAPE,
    _as_real_array,
    _check_finite,
    _describe,
    _is_missing,
    _nonfinite_message,
    channel_feature_names_out,
    check_axes_order,
    check_labels_present,
    check_windows,
    input_ndim,
    is_dataframe,
    validate_windows,
    warn_unseen_labels,
)

__all__ = [
    "check_windows",
    "validate_windows",
    "check_table",
    "check_row_labels",
    "check_labels_present",
    "check_axes_order",
    "StreamTable",
    "is_dataframe",
]
