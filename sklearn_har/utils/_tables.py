"""Stream tables: rows = time samples, columns = channels (+ group columns), one label a row.

Private; import these names from :mod:`sklearn_har.utils.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_array

from ._windows import _check_finite, _describe, check_labels_present, is_dataframe

__all__ = ["StreamTable", "check_table", "check_row_labels", "factorize"]


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
    row_offset=0,
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
    row_offset : int, default=0
        Added to the row positions in error messages (``X`` is a chunk of a larger
        table starting at that row).

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
                      axes_names=("row", "channel"), channel_names=channel_names,
                      offset=row_offset)

    # runs end where any group column changes (or, below, at an index gap)
    breaks = np.zeros(max(n_rows - 1, 0), dtype=bool)
    group_cols = []
    for j in group_pos:
        missing = _missing_group_values(X.iloc[:, j] if columns is not None else get_col(j))
        if missing.any():
            name = columns[j] if columns is not None else j
            raise ValueError(
                f"The group column {name!r} contains {int(missing.sum())} NaN/missing "
                f"value(s) (NaN, None, NA or NaT), first at row "
                f"{row_offset + int(np.argmax(missing))}; "
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
