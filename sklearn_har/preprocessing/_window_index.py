"""WindowIndex: where each window of a table came from, and the way back to rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WindowIndex"]


def _window_layout(run_starts, window, step):
    """Start row and run of every window, in input order (vectorised).

    Windows of a run start at the run's first row and every ``step`` rows after
    it, as long as the whole window fits inside the run.
    """
    lengths = np.diff(run_starts)
    n_per_run = np.where(lengths >= window, (lengths - window) // step + 1, 0)
    run_of_window = np.repeat(np.arange(lengths.size), n_per_run)
    first = np.cumsum(n_per_run) - n_per_run
    offset = np.arange(run_of_window.size) - first[run_of_window]
    starts = run_starts[:-1][run_of_window] + offset * step
    return starts.astype(np.int64), run_of_window


@dataclass(eq=False)
class WindowIndex:
    """Where each window of a table came from, and the way back to rows.

    Made by :meth:`WindowSegmenter.segment`; :class:`sklearn_har.Pipeline` uses it
    to turn per-window outputs into one output per input row.

    Attributes
    ----------
    n_rows : int
        Rows of the segmented table.
    window : int
        Window length in rows.
    starts : ndarray of shape (n_windows,)
        First row of each window (increasing).
    run_starts : ndarray of shape (n_runs + 1,)
        First row of each run (maximal block of consecutive rows of one group),
        then ``n_rows``.
    run_of_window : ndarray of shape (n_windows,)
        The run each window lies in.
    group_codes : ndarray of shape (n_rows,)
        Group code of every row.
    group_labels : list
        Group value of each code.
    """

    n_rows: int
    window: int
    starts: np.ndarray
    run_starts: np.ndarray
    run_of_window: np.ndarray
    group_codes: np.ndarray
    group_labels: list

    @property
    def n_windows(self):
        return self.starts.size

    def coverage(self):
        """Number of windows covering each row, shape (n_rows,)."""
        diff = np.zeros(self.n_rows + 1, dtype=np.int64)
        diff[self.starts] += 1
        diff[self.starts + self.window] -= 1
        return np.cumsum(diff[:-1])

    def nearest_window(self, rows):
        """Index of the nearest window of the same run, else of the same group.

        Distance is counted in rows to the window's nearest row; a tie goes to
        the earlier window. Raises ``ValueError`` for rows whose group has no
        window at all.
        """
        rows = np.asarray(rows, dtype=np.int64)
        row_run = np.searchsorted(self.run_starts, rows, side="right") - 1
        out = self._nearest_same_key(rows, row_run, self.run_of_window)
        miss = np.flatnonzero(out < 0)
        if miss.size:
            groups = self.group_codes[rows[miss]]
            out[miss] = self._nearest_same_key(rows[miss], groups,
                                               self.group_codes[self.starts])
            lost = out[miss] < 0
            if lost.any():
                names = [self.group_labels[g] for g in np.unique(groups[lost])]
                raise ValueError(
                    f"{int(lost.sum())} row(s) belong to group(s) {names} with no run "
                    f"of at least window={self.window} rows, so no window can "
                    "predict them. Use a smaller window or leave these groups out."
                )
        return out

    def _nearest_same_key(self, rows, row_key, window_key):
        """Nearest window whose key equals the row's key; -1 where none has it.

        Vectorised over rows: windows are sorted by (key, start) and each row is
        placed in its key's block with one ``searchsorted``.
        """
        n = self.starts.size
        if n == 0:
            return np.full(rows.size, -1, dtype=np.int64)
        far = np.iinfo(np.int64).max
        order = np.lexsort((self.starts, window_key))
        skey = np.asarray(window_key, dtype=np.int64)[order]
        sstart = self.starts[order]
        span = np.int64(self.n_rows + 1)
        row_key = np.asarray(row_key, dtype=np.int64)
        lo = np.searchsorted(skey, row_key, side="left")
        hi = np.searchsorted(skey, row_key, side="right")
        left = np.searchsorted(skey * span + sstart, row_key * span + rows, side="right") - 1
        right = left + 1
        ok_left, ok_right = left >= lo, right < hi
        d_left = np.where(ok_left, rows - (sstart[np.clip(left, 0, n - 1)] + self.window - 1), far)
        d_right = np.where(ok_right, sstart[np.clip(right, 0, n - 1)] - rows, far)
        pick = np.clip(np.where(d_right < d_left, right, left), 0, n - 1)
        return np.where(ok_left | ok_right, order[pick], -1)

    def to_rows(self, values):
        """Map per-window values to rows: mean over covering windows; rows no
        window covers take their nearest window (same run, else same group).

        Each row's mean is the sum of its covering windows' values in window order,
        divided by their count: the same numbers whichever rows are mapped at once
        (the chunked and streaming paths give bit-identical results).

        Parameters
        ----------
        values : array-like of shape (n_windows,) or (n_windows, k)

        Returns
        -------
        ndarray of shape (n_rows,) or (n_rows, k), float64
        """
        values = np.asarray(values, dtype=np.float64)
        if values.shape[0] != self.n_windows:
            raise ValueError(
                f"Expected {self.n_windows} per-window values (one per window of this "
                f"table); got {values.shape[0]}."
            )
        squeeze = values.ndim == 1
        V = values.reshape(self.n_windows, -1)
        rows = np.arange(self.n_rows, dtype=np.int64)
        # windows lie inside runs, so the windows covering a row are those starting
        # in [row - window + 1, row]
        lo = np.searchsorted(self.starts, rows - self.window + 1, side="left")
        hi = np.searchsorted(self.starts, rows, side="right")
        count = hi - lo
        acc = np.zeros((self.n_rows, V.shape[1]))
        for k in range(int(count.max()) if count.size else 0):
            take = lo + k < hi
            acc[take] += V[lo[take] + k]
        covered = count > 0
        out = np.empty_like(acc)
        out[covered] = acc[covered] / count[covered, None]
        uncovered = np.flatnonzero(~covered)
        if uncovered.size:
            out[uncovered] = V[self.nearest_window(uncovered)]
        return out[:, 0] if squeeze else out
