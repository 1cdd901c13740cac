"""Windows: ``(n_windows, n_channels, n_timesteps)`` arrays, their axes and their labels.

Private; import these names from :mod:`sklearn_har.utils.validation`.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import validate_data

__all__ = [
    "check_windows",
    "validate_windows",
    "input_ndim",
    "check_axes_order",
    "channel_feature_names_out",
    "check_labels_present",
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


def _nonfinite_message(values, *, unit, input_name, axes_names, channel_names=None,
                       offset=0):
    """Message for NaN / inf in ``values``: how many and where the first one is
    (``offset`` added to its position on the first axis: a chunk of a larger input)."""
    bad = ~np.isfinite(values)
    n_nan = int(np.isnan(values).sum())
    n_inf = int(bad.sum()) - n_nan
    first = list(np.unravel_index(int(np.argmax(bad)), values.shape))
    first[0] += offset
    where = ", ".join(f"{name} {int(i)}" for name, i in zip(axes_names, first))
    if channel_names is not None:
        where += f" (column {channel_names[first[1]]!r})"
    n_units = int(bad.reshape(values.shape[0], -1).any(axis=1).sum())
    return (
        f"{input_name} contains {n_nan} NaN and {n_inf} inf values in {n_units} "
        f"{unit}(s); the first is at {where}. Expected finite values: remove or "
        "impute them first."
    )


def _check_finite(values, *, unit, input_name, axes_names, channel_names=None, offset=0):
    # np.isfinite over the whole array is the cost; a sum is a cheap pre-test.
    if np.isfinite(values.sum(dtype=np.float64)):
        return
    if np.isfinite(values).all():  # overflow of the sum only
        return
    raise ValueError(_nonfinite_message(values, unit=unit, input_name=input_name,
                                        axes_names=axes_names, channel_names=channel_names,
                                        offset=offset))


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


def warn_unseen_labels(y, classes, owner):
    """Warn (:class:`~sklearn_har.exceptions.UnseenLabelWarning`) when ``y`` holds labels
    that are not in ``classes``: they count as errors in a score. Labels of another type
    than the classes (strings for integers) are refused with a ValueError."""
    import warnings

    from ..exceptions import UnseenLabelWarning

    classes, y = np.asarray(classes), np.asarray(y)
    text = {"U", "S", "O"}
    if (classes.dtype.kind in text) != (y.dtype.kind in text) and y.size:
        raise ValueError(
            f"{owner}.score: y holds {'strings' if y.dtype.kind in text else 'numbers'} "
            f"({y[:3].tolist()} ...), but the classes seen at fit are "
            f"{'strings' if classes.dtype.kind in text else 'numbers'} "
            f"({classes[:3].tolist()} ...): the label types differ.")
    known = set(classes.tolist())
    values, counts = np.unique(y, return_counts=True)
    unseen = [(v, c) for v, c in zip(values.tolist(), counts.tolist()) if v not in known]
    if unseen:
        n = sum(c for _, c in unseen)
        warnings.warn(
            f"{owner}.score: {n} of {len(y)} labels are not among the classes "
            f"{sorted(known, key=str)} seen at fit ({[v for v, _ in unseen][:5]}); they "
            "count as errors. Check the label type (strings vs integers) or the classes "
            "of the training data.", UnseenLabelWarning, stacklevel=3)
