"""WindowSegmenter: cut a raw sensor stream into labelled windows."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import TransformerTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..exceptions import ShortRunWarning
from ..utils.validation import check_row_labels, check_table, factorize
from ._window_index import WindowIndex, _window_layout

__all__ = ["WindowSegmenter", "WindowIndex", "ShortRunWarning"]


#: relative difference of sampling rates (from time indexes) refused at transform
RATE_TOLERANCE = 0.1


def sampling_rate(X):
    """Samples per second of a DataFrame with a DatetimeIndex or TimedeltaIndex (the
    median step), else None."""
    index = getattr(X, "index", None)
    if index is None or len(index) < 2:
        return None
    if getattr(index, "tz", None) is not None:  # time-zone aware: the wall clock is UTC
        index = index.tz_convert(None)
    values = np.asarray(index)
    if values.dtype.kind not in "mM":  # datetime64 / timedelta64 (any unit)
        return None
    steps = np.diff(values) / np.timedelta64(1, "s")
    steps = steps[steps > 0]
    return None if steps.size == 0 else 1.0 / float(np.median(steps))


class WindowSegmenter(BaseEstimator):
    """Cut a raw sensor stream (rows = time) into fixed-length labelled windows.

    Windows start at the first row of every *run* and then every ``step`` rows,
    as long as the whole window fits in the run. A run is a maximal block of
    consecutive rows of one group (user, recording): a window never spans two
    groups, nor two separate chunks of rows of the same group. With a pandas
    DataFrame whose index is integer, a jump in the index (rows removed by
    filtering, or by a cross-validation split that kept the index) also ends a
    run (``split_on_index_gaps``). Windows come out in input order.

    Used alone, ``fit_resample(X, y)`` returns ``(windows, window_labels)`` and
    ``transform(X)`` returns windows. As the first step of a
    :class:`sklearn_har.Pipeline` it makes the pipeline fit on rows and predict
    one label per input row.

    Parameters
    ----------
    window : int, default=128
        Window length in rows (samples). 128 at 50 Hz is the UCI-HAR 2.56 s.
    step : int or None, default=None
        Rows between the starts of consecutive windows. ``None`` means
        ``max(1, window // 2)``: the 50 % overlap most HAR work uses.
    label : {"majority", "last", "center"}, default="majority"
        Label of a window: the most frequent row label in it (ties go to the
        label that sorts first), the label of its last row, or of its row at
        offset ``window // 2``. Rows carrying an ``ignore_label`` do not vote.
    min_purity : float in [0, 1], default=0.0
        In ``fit_resample``, drop windows in which fewer than this fraction of
        the rows carry the window's label (ignored rows count as other labels).
    ignore_label : label, list of labels or None, default=None
        Label(s) of rows that are not an activity (a null class, ``-1`` for
        unlabelled). They never vote, and a window whose label would be one of
        them (all its rows ignored, or the last/center row ignored) is dropped
        by ``fit_resample``. ``transform`` keeps every window.
    group_column : str, int, list of them or None, default=None
        Column(s) of the table identifying the group: a name for a DataFrame, a
        position for both. With several, a run ends where any of them changes
        and the first is the group (e.g. ``["subject", "recording"]``: windows
        stay inside one recording, and rows no window covers fall back on the
        subject's windows). The group columns are not channels.
    split_on_index_gaps : bool, default=True
        For a DataFrame with an integer index, also end a run where the index
        does not increase by exactly 1.

    Attributes
    ----------
    n_features_in_ : int
        Columns of the fitted table (group columns included).
    feature_names_in_ : ndarray of str
        Column names of a fitted DataFrame.
    channel_names_ : list of str
        The channel columns (group columns removed), or ``"ch0"``, ... for arrays.
    n_channels_ : int
        Number of channel columns.
    sampling_rate_ : float or None
        Samples per second of a fitted DataFrame with a ``DatetimeIndex`` or
        ``TimedeltaIndex`` (the median step), else None. A table to transform
        whose time index gives a rate more than 10 % away is refused with both
        rates (a window would span another duration than in training).
    classes_ : ndarray
        Sorted labels of the windows the last ``fit_resample`` returned.
    n_windows_ : int
        Windows returned by the last ``fit_resample``.
    n_windows_dropped_ : dict
        Windows the last ``fit_resample`` dropped: ``{"ignored": n, "impure": m}``.
    window_groups_ : ndarray of shape (n_windows_,) or None
        Integer code of the group (first group column) of each window the last
        ``fit_resample`` returned, None without a group column. A
        :class:`sklearn_har.Pipeline` passes them as ``groups`` to a final
        step whose ``fit`` takes ``groups`` (a deep classifier's internal
        validation split then keeps each user on one side).

    Notes
    -----
    **Tails and short runs.** The rows at the end of a run that do not fill a
    full window (fewer than ``step`` rows after the last window when ``step <=
    window``) get no window of their own; a run shorter than ``window`` gets no
    window at all, and ``fit_resample`` warns (:class:`ShortRunWarning`) with
    how many runs and rows that is. In a :class:`sklearn_har.Pipeline`, such rows
    take the prediction of the nearest window of their run, else of their group;
    a group with no window at all cannot be predicted and raises. A window longer
    than every run is an error.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.preprocessing import WindowSegmenter
    >>> X = np.c_[np.repeat([0, 1], 10), np.arange(20.0)]   # column 0: user
    >>> y = np.array(["sit"] * 6 + ["walk"] * 14)
    >>> seg = WindowSegmenter(window=4, step=4, group_column=0)
    >>> W, wy = seg.fit_resample(X, y)
    >>> W.shape, wy.tolist()
    ((4, 1, 4), ['sit', 'sit', 'walk', 'walk'])
    >>> W[2, 0].tolist()     # user 1's first window starts at its first row
    [10.0, 11.0, 12.0, 13.0]
    """

    _parameter_constraints: dict = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left"), None],
        "label": [StrOptions({"majority", "last", "center"})],
        "min_purity": [Interval(Real, 0, 1, closed="both")],
        "ignore_label": "no_validation",
        "group_column": [str, Integral, list, tuple, None],
        "split_on_index_gaps": ["boolean"],
    }

    def __init__(self, window=128, step=None, *, label="majority", min_purity=0.0,
                 ignore_label=None, group_column=None, split_on_index_gaps=True):
        self.window = window
        self.step = step
        self.label = label
        self.min_purity = min_purity
        self.ignore_label = ignore_label
        self.group_column = group_column
        self.split_on_index_gaps = split_on_index_gaps

    # -- helpers -----------------------------------------------------------
    @property
    def _step(self):
        return max(1, self.window // 2) if self.step is None else self.step

    def _read_table(self, X, row_offset=0):
        return check_table(X, group_column=self.group_column,
                           split_on_index_gaps=self.split_on_index_gaps, row_offset=row_offset)

    def _remember_columns(self, table):
        self.n_features_in_ = table.n_columns
        if table.column_names is not None:
            self.feature_names_in_ = np.asarray([str(c) for c in table.column_names],
                                                dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.channel_names_ = list(table.channel_names)
        self.n_channels_ = len(table.channel_names)

    def _check_columns(self, table):
        if table.n_columns != self.n_features_in_:
            raise ValueError(
                f"X has {table.n_columns} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (the table it was fitted on "
                f"had {self.n_features_in_} columns: {self.n_channels_} channel(s) "
                "plus the group column(s))."
            )
        fitted = getattr(self, "feature_names_in_", None)
        if fitted is not None and table.column_names is not None:
            got = [str(c) for c in table.column_names]
            if got != list(fitted):
                raise ValueError(
                    "The columns of X differ from those seen in fit (names and order "
                    f"must match; nothing is reordered): expected {list(fitted)}, got "
                    f"{got}."
                )

    def _check_rate(self, X):
        """Refuse a table whose time index gives another sampling rate than at fit."""
        fitted = getattr(self, "sampling_rate_", None)
        rate = sampling_rate(X)
        if fitted is None or rate is None:
            return
        if abs(rate - fitted) > RATE_TOLERANCE * fitted:
            raise ValueError(
                f"X is sampled at {rate:.4g} Hz (the median step of its time index), but "
                f"{type(self).__name__} was fitted on {fitted:.4g} Hz: a window of "
                f"{self.window} rows would span {self.window / rate:.3g} s instead of "
                f"{self.window / fitted:.3g} s. Resample the table to {fitted:.4g} Hz first.")

    def _layout(self, table):
        starts, run_of_window = _window_layout(table.run_starts, self.window, self._step)
        if starts.size == 0:
            longest = int(np.argmax(table.run_lengths))
            group = table.group_labels[table.group_codes[table.run_starts[longest]]]
            where = "" if group is None else f" (group {group!r})"
            raise ValueError(
                f"window={self.window} is longer than every run of rows: the longest "
                f"run{where} has {int(table.run_lengths[longest])} sample(s) (rows). "
                "Use a smaller window, or check group_column and the table's index: "
                "with split_on_index_gaps=True an integer index that does not count "
                "rows one by one (e.g. timestamps) ends a run at every jump; reset the "
                "index or pass split_on_index_gaps=False."
            )
        index = WindowIndex(
            n_rows=table.n_rows, window=self.window, starts=starts,
            run_starts=table.run_starts, run_of_window=run_of_window,
            group_codes=table.group_codes, group_labels=table.group_labels,
        )
        return index

    def _cut(self, values, starts):
        view = np.lib.stride_tricks.sliding_window_view(values, self.window, axis=0)
        return np.ascontiguousarray(view[starts])  # (n, C, T), one copy

    # -- public API --------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the table's columns (and check that windows can be cut).

        Parameters
        ----------
        X : ndarray or DataFrame of shape (n_rows, n_columns)
            Stream table, rows = time samples.
        y : ignored

        Returns
        -------
        self
        """
        table = self._read_table(X)
        self._layout(table)
        self._remember_columns(table)
        self.sampling_rate_ = sampling_rate(X)
        return self

    def segment(self, X):
        """Cut windows from a table and say where they came from.

        Returns
        -------
        windows : ndarray of shape (n_windows, n_channels, window), float32
        index : WindowIndex
        """
        check_is_fitted(self, "n_channels_")
        table = self._read_table(X)
        self._check_columns(table)
        self._check_rate(X)
        index = self._layout(table)
        return self._cut(table.values, index.starts), index

    def fit_transform(self, X, y=None):
        """Fit, then cut windows from the same table (see :meth:`transform`)."""
        return self.fit(X, y).transform(X)

    def transform(self, X):
        """Cut windows from a table (every window, no label needed).

        Parameters
        ----------
        X : ndarray or DataFrame of shape (n_rows, n_columns)

        Returns
        -------
        windows : ndarray of shape (n_windows, n_channels, window), float32
        """
        return self.segment(X)[0]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Cut labelled windows from a table with one label per row.

        Parameters
        ----------
        X : ndarray or DataFrame of shape (n_rows, n_columns)
            Stream table, rows = time samples.
        y : array-like of shape (n_rows,)
            Label of every row, any type scikit-learn accepts.

        Returns
        -------
        windows : ndarray of shape (n_windows, n_channels, window), float32
        labels : ndarray of shape (n_windows,)
            In the type of ``y``.
        """
        table = self._read_table(X)
        y = check_row_labels(y, table.n_rows)
        index = self._layout(table)
        self._remember_columns(table)
        self.sampling_rate_ = sampling_rate(X)
        self._warn_short_runs(table)

        codes, labels_all = factorize(y)
        ignored = self._ignored_mask(labels_all)
        win_code, purity = self._window_labels(codes, index.starts, labels_all.size, ignored)
        is_ignored = ignored[win_code]
        keep = ~is_ignored & (purity >= self.min_purity)
        self.n_windows_dropped_ = {
            "ignored": int(is_ignored.sum()),
            "impure": int((~is_ignored & ~keep).sum()),
        }
        if not keep.any():
            raise ValueError(
                f"No window left to train on: of {index.n_windows} windows, "
                f"{self.n_windows_dropped_['ignored']} carry an ignored label and "
                f"{self.n_windows_dropped_['impure']} are below min_purity="
                f"{self.min_purity}."
            )
        self.classes_ = labels_all[np.unique(win_code[keep])]
        self.n_windows_ = int(keep.sum())
        if self.group_column is None:
            self.window_groups_ = None
        else:
            # the group code of each kept window (codes follow first appearance)
            self.window_groups_ = table.group_codes[index.starts[keep]]
        windows = self._cut(table.values, index.starts[keep])
        return windows, labels_all[win_code[keep]]

    def get_feature_names_out(self, input_features=None):
        """Channel names of the windows (the table's channel columns)."""
        check_is_fitted(self, "n_channels_")
        return np.asarray(self.channel_names_, dtype=object)

    def _ignored_labels(self):
        """``ignore_label`` as a list (empty when None)."""
        ignore = self.ignore_label
        if ignore is None:
            return []
        return list(ignore) if isinstance(ignore, (list, tuple, set, np.ndarray)) else [ignore]

    def _ignored_mask(self, labels_all):
        ignore = self._ignored_labels()
        return np.array([any(_same_label(lab, ig) for ig in ignore) for lab in labels_all],
                        dtype=bool)

    def _window_labels(self, codes, starts, n_labels, ignored):
        """Label code and purity of each window (vectorised over windows)."""
        ends = starts + self.window
        counts = np.empty((starts.size, n_labels), dtype=np.int64)
        for k in range(n_labels):  # one pass per label, not per window
            cs = np.concatenate(([0], np.cumsum(codes == k)))
            counts[:, k] = cs[ends] - cs[starts]
        if self.label == "majority":
            voting = np.where(ignored[None, :], -1, counts)
            win_code = np.argmax(voting, axis=1)  # ties: first label in sort order
            no_vote = voting.max(axis=1) <= 0
            if no_vote.any():  # every row ignored: the window is ignored
                win_code[no_vote] = np.argmax(counts[no_vote], axis=1)
        else:
            offset = self.window - 1 if self.label == "last" else self.window // 2
            win_code = codes[starts + offset]
        purity = counts[np.arange(starts.size), win_code] / self.window
        return win_code, purity

    def _warn_short_runs(self, table):
        short = table.run_lengths < self.window
        if short.any():
            rows = int(table.run_lengths[short].sum())
            warnings.warn(
                f"{int(short.sum())} of {short.size} runs of rows ({rows} rows, "
                f"{100 * rows / table.n_rows:.1f} % of the table) are shorter than "
                f"window={self.window} and give no window.",
                ShortRunWarning,
                stacklevel=3,
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags(preserves_dtype=["float32"])
        tags.input_tags.allow_nan = False
        tags.input_tags.string = False
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags


def _same_label(a, b):
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
