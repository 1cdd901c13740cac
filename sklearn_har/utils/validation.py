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
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_array, validate_data

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

_WINDOWS_SHAPE = "(n_windows, n_channels, n_timesteps)"


def is_dataframe(X):
    """True for a pandas DataFrame (pandas is not imported to find out)."""
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _describe(X):
    shape = getattr(X, "shape", None)
    if shape is None:
        return f"an object of type {type(X).__name__}"
    return f"an array of shape {tuple(shape)} ({len(shape)}-D)"


def _nonfinite_message(values, *, unit, input_name, axes_names, channel_names=None):
    """Message for NaN / inf in ``values``: how many and where the first one is."""
    bad = ~np.isfinite(values)
    n_nan = int(np.isnan(values).sum())
    n_inf = int(bad.sum()) - n_nan
    first = np.unravel_index(int(np.argmax(bad)), values.shape)
    where = ", ".join(f"{name} {int(i)}" for name, i in zip(axes_names, first))
    if channel_names is not None:
        where += f" (column {channel_names[first[1]]!r})"
    n_units = int(bad.reshape(values.shape[0], -1).any(axis=1).sum())
    return (
        f"{input_name} contains {n_nan} NaN and {n_inf} inf values in {n_units} "
        f"{unit}(s); the first is at {where}. Expected finite values: remove or "
        "impute them first."
    )


def _check_finite(values, *, unit, input_name, axes_names, channel_names=None):
    # np.isfinite over the whole array is the cost; a sum is a cheap pre-test.
    if np.isfinite(values.sum(dtype=np.float64)):
        return
    if np.isfinite(values).all():  # overflow of the sum only
        return
    raise ValueError(_nonfinite_message(values, unit=unit, input_name=input_name,
                                        axes_names=axes_names, channel_names=channel_names))


def _as_real_array(X, input_name):
    if hasattr(X, "__array__") or isinstance(X, (list, tuple)):
        try:
            return np.asarray(X)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{input_name} could not be read as an array: {exc}") from exc
    raise TypeError(
        f"Expected {input_name} as an array-like of shape {_WINDOWS_SHAPE}; got "
        f"{_describe(X)}."
    )


def check_windows(X, *, allow_nan=False, input_name="X", dtype=np.float32, copy=False):
    """Validate windows and return them as a float32 array ``(n, C, T)``.

    Parameters
    ----------
    X : array-like of shape (n_windows, n_channels, n_timesteps) or (n_windows, n_timesteps)
        Windows, channels first. A 2-D array is one channel.
    allow_nan : bool, default=False
        Let NaN / inf through (for estimators with a documented ``nan_policy``).
    input_name : str, default="X"
        Name used in error messages.
    dtype : numpy dtype, default=np.float32
        Output dtype.
    copy : bool, default=False
        Force a copy even when no conversion is needed.

    Returns
    -------
    X : ndarray of shape (n_windows, n_channels, n_timesteps)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.utils.validation import check_windows
    >>> check_windows(np.zeros((4, 100))).shape
    (4, 1, 100)
    >>> check_windows(np.zeros((4, 3, 100))).dtype
    dtype('float32')
    """
    if is_dataframe(X):
        X = X.to_numpy()
    if hasattr(X, "toarray"):  # scipy.sparse
        raise TypeError(
            f"Sparse input is not supported: expected {input_name} as dense windows "
            f"of shape {_WINDOWS_SHAPE}; got a sparse {type(X).__name__} of shape "
            f"{X.shape}. Use X.toarray()."
        )
    X = _as_real_array(X, input_name)
    if X.ndim not in (2, 3):
        raise ValueError(
            f"Expected {input_name} as windows of shape {_WINDOWS_SHAPE} (3-D) or "
            f"(n_windows, n_timesteps) (2-D, one channel); got {_describe(X)}."
            + (" Reshape your data: X.reshape(1, -1) for a single window of one "
               "channel." if X.ndim == 1 else "")
        )
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported; got {input_name} of dtype {X.dtype}.")
    if X.dtype.kind not in "biuf":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"Expected {input_name} with real numbers; got dtype {X.dtype} that "
                f"cannot be converted: {exc}"
            ) from exc
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported; got {input_name} of dtype {X.dtype}.")
    if X.ndim == 2 and X.shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
            f"required: {input_name} has windows of 0 time steps."
        )
    if X.ndim == 2:
        X = X[:, None, :]
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is "
            f"required: {input_name} holds no window."
        )
    if X.shape[1] == 0 or X.shape[2] == 0:
        raise ValueError(
            f"Expected {input_name} with at least one channel and one time step; got "
            f"windows of shape {X.shape}."
        )
    X = np.array(X, dtype=dtype, order="C", copy=copy or None)
    if not allow_nan:
        _check_finite(
            X,
            unit="window",
            input_name=input_name,
            axes_names=("window", "channel", "time step"),
        )
    return X


def input_ndim(X):
    """Number of dimensions of an array-like as given (before any reshaping)."""
    ndim = getattr(X, "ndim", None)
    return np.asarray(X).ndim if ndim is None else ndim


def check_axes_order(X, estimator=None):
    """Refuse windows with more channels than time steps (probably ``(n, T, C)``).

    HAR windows are channels first and hold far more time steps than channels;
    the other way round almost always means the two axes are swapped, and a
    network would train on it without complaint. An ``estimator`` whose
    ``check_axes`` parameter is False switches the rule off.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.utils.validation import check_axes_order
    >>> check_axes_order(np.zeros((2, 3, 50)))
    >>> check_axes_order(np.zeros((2, 50, 3)))
    Traceback (most recent call last):
    ...
    ValueError: X holds windows of 50 channel(s) x 3 time step(s): more channels than time steps...
    """
    if estimator is not None and getattr(estimator, "check_axes", True) is False:
        return
    _, n_channels, n_timesteps = X.shape
    if n_channels <= n_timesteps:
        return
    owner = f" to {type(estimator).__name__}" if estimator is not None else ""
    opt_out = (" If your windows really have more channels than time steps, pass "
               "check_axes=False" + (f" to {type(estimator).__name__}" if estimator
                                     is not None else "") + ".")
    raise ValueError(
        f"X holds windows of {n_channels} channel(s) x {n_timesteps} time step(s): "
        f"more channels than time steps, which usually means the axes are swapped. "
        f"Windows{owner} are channels first, {_WINDOWS_SHAPE}; for windows of shape "
        f"(n_windows, n_timesteps, n_channels) use X.transpose(0, 2, 1).{opt_out}"
    )


def validate_windows(estimator, X, *, reset, allow_nan=False, skip_check=False):
    """Validate windows for a fitted/fitting window estimator.

    Sets (``reset=True``) or checks (``reset=False``) ``n_channels_in_``,
    ``n_timesteps_in_`` and ``n_features_in_ = n_channels_in_ * n_timesteps_in_``
    (for 2-D input this is scikit-learn's usual ``X.shape[1]``), and
    ``feature_names_in_`` for a 2-D DataFrame.

    At ``reset`` (fit), 3-D windows with more channels than time steps are
    refused as probably swapped (:func:`check_axes_order`), unless the
    estimator's ``check_axes`` parameter is False.

    ``skip_check`` leaves out the length check (for estimators that accept any
    window length after fit); the channel count is always checked.
    """
    name = type(estimator).__name__
    if is_dataframe(X):
        # sklearn handles feature names (and their warnings) for 2-D tables.
        X = validate_data(estimator, X, reset=reset, ensure_all_finite=False, dtype=None)
        if reset:
            estimator.n_channels_in_, estimator.n_timesteps_in_ = 1, X.shape[1]
        return check_windows(X, allow_nan=allow_nan)
    three_d = input_ndim(X) == 3
    Xw = check_windows(X, allow_nan=allow_nan)
    _, n_channels, n_timesteps = Xw.shape
    if reset:
        if three_d:
            check_axes_order(Xw, estimator)
        estimator.n_channels_in_ = n_channels
        estimator.n_timesteps_in_ = n_timesteps
        estimator.n_features_in_ = n_channels * n_timesteps
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return Xw
    fitted_c = estimator.n_channels_in_
    fitted_t = estimator.n_timesteps_in_
    if n_channels != fitted_c or (not skip_check and n_timesteps != fitted_t):
        hint = ""
        if n_channels == fitted_t and n_timesteps == fitted_c:
            hint = (
                " The two axes look swapped: windows are channels first, "
                "(n_windows, n_channels, n_timesteps); use X.transpose(0, 2, 1)."
            )
        raise ValueError(
            f"X has {n_channels * n_timesteps} features, but {name} is expecting "
            f"{fitted_c * fitted_t} features as input: it was fitted on windows of "
            f"{fitted_c} channel(s) x {fitted_t} time steps and got {n_channels} "
            f"channel(s) x {n_timesteps} time steps.{hint}"
        )
    return Xw


def channel_feature_names_out(estimator, input_features, *, flat_input):
    """Output names of a step whose output windows keep the input's channels.

    For 3-D windows the names are the channels' (``input_features``, one per
    channel, or ``"ch0"``, ``"ch1"``, ...), as
    :class:`~sklearn_har.StatFeatures` reads them after the step; for 2-D input
    they are scikit-learn's usual names of the columns.
    """
    from sklearn.utils.validation import _check_feature_names_in

    if flat_input:
        return _check_feature_names_in(estimator, input_features)
    n_channels = estimator.n_channels_in_
    if input_features is None:
        return np.asarray([f"ch{c}" for c in range(n_channels)], dtype=object)
    if len(input_features) != n_channels:
        raise ValueError(
            "input_features should have length equal to the number of channels "
            f"({n_channels}): they name the channels of the windows; got "
            f"{len(input_features)}."
        )
    return np.asarray(input_features, dtype=object)


@dataclass
class StreamTable:
    """A validated stream table.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_channels), float32
        The channel columns, in input order.
    group_codes : ndarray of shape (n_rows,), int64
        Integer code of each row's group, the value of the first group column
        (0 when there is none); codes follow the order of first appearance.
    group_labels : list
        The group value of each code.
    run_starts : ndarray of shape (n_runs + 1,), int64
        Row index where each run starts, plus ``n_rows`` at the end. A run is a
        maximal block of consecutive rows of one group (and, for a DataFrame with
        an integer index, consecutive index labels).
    channel_names : list of str
        Names of the channel columns (``"ch0"``, ... when the table has none).
    column_names : list or None
        Names of all input columns of a DataFrame, None for an array.
    """

    values: np.ndarray
    group_codes: np.ndarray
    group_labels: list
    run_starts: np.ndarray
    channel_names: list
    column_names: list | None
    n_columns: int

    @property
    def n_rows(self):
        return self.values.shape[0]

    @property
    def run_lengths(self):
        return np.diff(self.run_starts)


def _resolve_group_columns(group_column, columns, n_columns):
    """Positions of the group columns; ``columns`` are DataFrame labels or None."""
    if group_column is None:
        return []
    if isinstance(group_column, (list, tuple)):
        requested = list(group_column)
        if not requested:
            raise ValueError("group_column is an empty list; give a column or None.")
    else:
        requested = [group_column]
    positions = []
    for col in requested:
        if columns is not None and col in columns:
            pos = columns.index(col)
        elif isinstance(col, Integral) and not isinstance(col, bool):
            pos = int(col)
            if not -n_columns <= pos < n_columns:
                raise ValueError(
                    f"group_column={col!r} is out of range: the table has "
                    f"{n_columns} columns (valid positions 0..{n_columns - 1})."
                )
            pos %= n_columns
        else:
            known = f"its columns are {columns}" if columns is not None else (
                "a numpy table has no column names; give the column position (int)"
            )
            raise ValueError(f"Unknown group_column {col!r}: {known}.")
        if pos in positions:
            raise ValueError(f"group_column names column {col!r} twice.")
        positions.append(pos)
    if len(positions) >= n_columns:
        raise ValueError(
            f"The table has {n_columns} column(s) and group_column={group_column!r} "
            "takes all of them: no channel column is left."
        )
    return positions


def _changes(column):
    """Rows (after the first) whose value differs from the row before."""
    return column[1:] != column[:-1]


def factorize(values, *, sort=True):
    """Integer codes of a 1-D array and the distinct values, in O(n).

    Sensor labels and group ids come in long runs, so only the first value of
    each run is sorted (``np.unique`` on the whole array would sort every row).

    Parameters
    ----------
    values : ndarray of shape (n,)
    sort : bool, default=True
        Distinct values in sorted order (as ``np.unique``) or in order of first
        appearance.

    Returns
    -------
    codes : ndarray of shape (n,), int64
    uniques : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.utils.validation import factorize
    >>> codes, uniques = factorize(np.array(["b", "b", "a", "b"]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 1, 0, 1], ['a', 'b'])
    >>> factorize(np.array(["b", "b", "a", "b"]), sort=False)[1].tolist()
    ['b', 'a']
    """
    values = np.asarray(values)
    starts = np.concatenate(([0], np.flatnonzero(_changes(values)) + 1))
    run_values = values[starts]
    try:
        uniques, first, inverse = np.unique(run_values, return_index=True, return_inverse=True)
    except TypeError:  # mixed types that do not sort: compare their reprs
        keys = np.asarray([repr(v) for v in run_values])
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        uniques = run_values[first]
    inverse = inverse.ravel()
    if not sort:
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        inverse, uniques = rank[inverse], uniques[order]
    lengths = np.diff(np.concatenate((starts, [values.shape[0]])))
    return np.repeat(inverse.astype(np.int64), lengths), uniques


def _is_missing_scalar(value):
    """A missing group value without pandas: None, NaN or NaT."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return False


def _missing_group_values(column):
    """Where a group column has no value: NaN, None, ``pd.NA`` or NaT.

    ``column`` is a pandas Series (any dtype, extension dtypes such as
    ``"string"``, ``"Int64"`` or ``"category"`` included) or a 1-D ndarray.
    Returns a boolean ndarray.
    """
    if hasattr(column, "isna"):  # a pandas Series knows its own missing values
        return np.asarray(column.isna(), dtype=bool)
    column = np.asarray(column)
    kind = column.dtype.kind
    if kind in "fc":
        return np.isnan(column)
    if kind in "mM":
        return np.isnat(column)
    if kind != "O":
        return np.zeros(column.shape, dtype=bool)
    try:
        import pandas as pd
    except ImportError:  # then no pd.NA can be in it either
        return np.fromiter(map(_is_missing_scalar, column), dtype=bool, count=column.size)
    return np.asarray(pd.isna(column), dtype=bool)


def check_table(
    X,
    *,
    group_column=None,
    allow_nan=False,
    split_on_index_gaps=True,
    input_name="X",
):
    """Validate a stream table (rows = time samples).

    Parameters
    ----------
    X : ndarray or DataFrame of shape (n_rows, n_columns)
        The table. Channel columns must be numeric.
    group_column : str, int, list of them, or None
        Column(s) identifying the group (user, recording). A name for a
        DataFrame, a position for both. Several columns: a run ends where any
        of them changes, and the first one is the group (e.g. ``["user",
        "session"]``). The group columns are removed from the channels. A
        missing group value (NaN, None, ``pd.NA``, NaT, in any dtype) is a
        ``ValueError``, not one more group.
    allow_nan : bool, default=False
        Let NaN / inf in the channels through.
    split_on_index_gaps : bool, default=True
        For a DataFrame with an integer index, also end a run where the index
        does not go up by exactly one (rows removed by filtering or by a
        cross-validation split are a gap in time).
    input_name : str, default="X"

    Returns
    -------
    StreamTable

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.utils.validation import check_table
    >>> t = check_table(np.array([[0, 1.0], [0, 2.0], [1, 3.0]]), group_column=0)
    >>> t.values.shape, t.run_starts.tolist()
    ((3, 1), [0, 2, 3])
    """
    columns = None
    index = None
    if is_dataframe(X):
        columns = list(X.columns)
        index = X.index
        n_rows, n_columns = X.shape
        get_col = lambda j: X.iloc[:, j].to_numpy()  # noqa: E731
    else:
        # sklearn's check_array: sparse, non-arrays and complex get its messages
        X = check_array(X, dtype=None, ensure_all_finite=False, ensure_2d=False,
                        allow_nd=True, ensure_min_samples=0, input_name=input_name)
        if X.ndim != 2:
            hint = (" Reshape your data with X.reshape(-1, 1) if it is one channel."
                    if X.ndim == 1 else
                    " Windows (n, C, T) go to the steps after a WindowSegmenter, "
                    "not to the segmenter.")
            raise ValueError(
                f"Expected {input_name} as a stream table of shape (n_rows, "
                f"n_columns) (2-D: rows = time samples, columns = channels); got "
                f"{_describe(X)}.{hint}"
            )
        n_rows, n_columns = X.shape
        get_col = lambda j: X[:, j]  # noqa: E731
    if n_rows == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape=({n_rows}, {n_columns})) while a "
            f"minimum of 1 is required: {input_name} has no row."
        )
    if n_columns == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape=({n_rows}, 0)) while a minimum of "
            f"1 is required: {input_name} has no channel column."
        )
    group_pos = _resolve_group_columns(group_column, columns, n_columns)
    channel_pos = [j for j in range(n_columns) if j not in group_pos]

    # channels
    if columns is not None:
        sub = X.iloc[:, channel_pos]
        kinds = [np.dtype(dt).kind if isinstance(dt, np.dtype) else "O" for dt in sub.dtypes]
        bad = [columns[j] for j, k in zip(channel_pos, kinds) if k not in "biuf"]
        if bad:
            raise ValueError(
                f"Expected numeric channel columns; got non-numeric column(s) {bad}. "
                "Name the group column(s) with group_column, drop other columns."
            )
        values = sub.to_numpy(dtype=np.float32)
        channel_names = [str(columns[j]) for j in channel_pos]
    else:
        try:
            values = np.asarray(X[:, channel_pos], dtype=np.float32)
        except ValueError as exc:  # strings; a TypeError (objects) speaks for itself
            raise ValueError(
                f"Expected numeric channel columns in {input_name}; conversion failed: "
                f"{exc}. Name the group column(s) with group_column."
            ) from exc
        channel_names = [f"ch{i}" for i in range(len(channel_pos))]
    values = np.ascontiguousarray(values)
    if not allow_nan:
        _check_finite(values, unit="row", input_name=input_name,
                      axes_names=("row", "channel"), channel_names=channel_names)

    # runs end where any group column changes (or, below, at an index gap)
    breaks = np.zeros(max(n_rows - 1, 0), dtype=bool)
    group_cols = []
    for j in group_pos:
        missing = _missing_group_values(X.iloc[:, j] if columns is not None else get_col(j))
        if missing.any():
            name = columns[j] if columns is not None else j
            raise ValueError(
                f"The group column {name!r} contains {int(missing.sum())} NaN/missing "
                f"value(s) (NaN, None, NA or NaT), first at row {int(np.argmax(missing))}; "
                "every row needs a group."
            )
        col = np.asarray(get_col(j))
        group_cols.append(col)
        breaks |= _changes(col)
    if group_cols:
        # the group (for "nearest window of the same group") is the first group
        # column; further columns (recording, session) only end runs
        group_codes, group_labels = factorize(group_cols[0], sort=False)
        group_labels = [v.item() if isinstance(v, np.generic) else v for v in group_labels]
    else:
        group_codes = np.zeros(n_rows, dtype=np.int64)
        group_labels = [None]
    if split_on_index_gaps and index is not None and np.asarray(index).dtype.kind in "iu":
        idx = np.asarray(index, dtype=np.int64)
        breaks |= np.diff(idx) != 1
    run_starts = np.concatenate(([0], np.flatnonzero(breaks) + 1, [n_rows])).astype(np.int64)
    return StreamTable(
        values=values,
        group_codes=group_codes,
        group_labels=group_labels,
        run_starts=run_starts,
        channel_names=channel_names,
        column_names=columns,
        n_columns=n_columns,
    )


def check_row_labels(y, n_rows, *, input_name="y"):
    """Validate one label per row and return a 1-D numpy array.

    Examples
    --------
    >>> from sklearn_har.utils.validation import check_row_labels
    >>> check_row_labels(["walk", "walk", "sit"], 3).tolist()
    ['walk', 'walk', 'sit']
    """
    if y is None:
        raise ValueError(
            f"{input_name} is required: one label per row of the table (got None)."
        )
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"Expected {input_name} as one label per row, shape ({n_rows},); got "
            f"{_describe(y)}."
        )
    if y.shape[0] != n_rows:
        raise ValueError(
            f"{input_name} has {y.shape[0]} labels but the table has {n_rows} rows; "
            "expected one label per row."
        )
    check_labels_present(
        y, unit="row", input_name=input_name,
        hint="Give unlabelled rows a label value and pass it as ignore_label.")
    return y


def _is_missing(value):
    """None, a float NaN, pandas' NA / NaT (pandas is not imported to find out)."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def check_labels_present(y, *, unit="window", input_name="y", hint=None):
    """Refuse missing labels (None, NaN, ``pd.NA``), naming how many and where.

    scikit-learn's own message for these is "Unknown label type: unknown";
    this says which labels are missing.

    Parameters
    ----------
    y : ndarray of shape (n,)
    unit : str, default="window"
        What a label belongs to ("window" or "row"), for the message.
    input_name : str, default="y"
    hint : str or None
        Appended to the message (what to do instead).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.utils.validation import check_labels_present
    >>> check_labels_present(np.array(["sit", None, "walk"], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: y contains 1 missing label(s) (None, NaN or pd.NA), the first at window 1...
    """
    if y is None:  # no labels at all: the caller's own message
        return
    y = np.asarray(y)
    if y.dtype.kind == "f":
        missing = np.isnan(y)
    elif y.dtype.kind == "O":
        missing = np.fromiter((_is_missing(v) for v in y.ravel()), dtype=bool,
                              count=y.size).reshape(y.shape)
    else:
        return
    if y.ndim > 1:
        missing = missing.any(axis=tuple(range(1, y.ndim)))
    if not missing.any():
        return
    first = int(np.argmax(missing))
    raise ValueError(
        f"{input_name} contains {int(missing.sum())} missing label(s) (None, NaN or "
        f"pd.NA), the first at {unit} {first}; every {unit} needs a label. "
        + (hint or f"Drop the unlabelled {unit}s or give them a label value.")
    )
