"""Predict on a recording as its rows arrive: one label per row, with a fixed latency.

:class:`StreamingClassifier` wraps a fitted segmenter :class:`~sklearn_har.Pipeline`.
Rows come in chunks of any size (50 at a time from a sensor, say); every complete
window is classified as soon as its last row arrives, and a row's label is given
once every window that covers it has been classified: at most ``window - 1`` rows
after the row itself (``latency_rows``). The label of a row is the one the batch
``Pipeline.predict`` gives it on the whole recording (the mean of the covering
windows' probabilities; a row no window covers takes its nearest window's), and
memory holds only the rows still waiting: it does not grow with the recording.

One stream is one recording (one run of rows): a group column must keep one value,
and a DataFrame's integer index must go up by one from chunk to chunk (when the
segmenter splits on index gaps); start a new stream (:meth:`StreamingClassifier.reset`)
for the next recording.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .utils.validation import is_dataframe

__all__ = ["StreamingClassifier"]


class StreamingClassifier:
    """Per-row labels of a recording that arrives in chunks (see the module docstring).

    Parameters
    ----------
    pipeline : fitted sklearn_har.Pipeline
        A segmenter first, a final step with ``predict_proba``.

    Attributes
    ----------
    latency_rows : int
        Most rows a row waits for its label (``window - 1``; with ``step > window``
        the rows between two windows wait for the next one).
    classes_ : ndarray
        The final step's classes (the columns of the probabilities).
    n_rows_in_, n_rows_out_ : int
        Rows received and rows labelled so far.
    first_window_, last_window_ : tuple or None
        ``(start row, probabilities)`` of the first and last window classified.

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn_har import Pipeline, StatFeatures, WindowSegmenter
    >>> from sklearn_har.datasets import make_har_table
    >>> X, y = make_har_table(n_users=1, n_activities=3, rows_per_user=600, random_state=0)
    >>> X = X.drop(columns="user")
    >>> pipe = Pipeline([("seg", WindowSegmenter(window=32, step=16)), ("feat", StatFeatures()),
    ...                  ("rf", RandomForestClassifier(n_estimators=10, random_state=0))]).fit(X, y)
    >>> stream = pipe.stream()
    >>> labels = [stream.update(X.iloc[i:i + 50]) for i in range(0, len(X), 50)]
    >>> labels.append(stream.flush())
    >>> sum(len(part) for part in labels) == len(X), stream.latency_rows
    (True, 31)
    """

    def __init__(self, pipeline):
        check_is_fitted(pipeline)
        segmenter = pipeline._segmenter
        if segmenter is None:
            raise ValueError("StreamingClassifier needs a Pipeline whose first step is a "
                             "WindowSegmenter.")
        final = pipeline._final_estimator
        if not hasattr(final, "predict_proba"):
            raise ValueError(f"StreamingClassifier needs a final step with predict_proba; "
                             f"{type(final).__name__} has none.")
        self.pipeline = pipeline
        self.window = int(segmenter.window)
        self.step = int(segmenter._step)
        self.latency_rows = self.window - 1
        self.classes_ = np.asarray(final.classes_)
        self.reset()

    def reset(self):
        """Forget the current recording (start the next one)."""
        self.n_rows_in_ = 0
        self.n_rows_out_ = 0
        self._buffer = None  # rows from self._buffer_origin on
        self._buffer_origin = 0
        self._next_start = 0  # absolute start of the next window to classify
        self._last_start = None  # start of the last window classified
        self._last_proba = None
        self._sums = np.zeros((0, self.classes_.size))  # rows from n_rows_out_ on
        self._counts = np.zeros(0, dtype=np.int64)
        self._group = None
        self._last_index = None
        self.first_window_ = None
        self._pending_right = None  # (start, probabilities) of a window past a gap
        return self

    @property
    def last_window_(self):
        """``(start, probabilities)`` of the last window classified (None before one)."""
        return None if self._last_start is None else (self._last_start, self._last_proba)

    # -- input ---------------------------------------------------------------
    def _read(self, chunk):
        segmenter = self.pipeline._segmenter
        table = segmenter._read_table(chunk, row_offset=self.n_rows_in_)
        segmenter._check_columns(table)
        segmenter._check_rate(chunk)
        if table.run_starts.size > 2:
            raise ValueError("StreamingClassifier: this chunk holds more than one run of rows "
                             "(a group value changes, or the integer index jumps); one "
                             "stream is one recording: call reset() between recordings.")
        if segmenter.group_column is not None:
            group = table.group_labels[int(table.group_codes[0])]
            if self._group is not None and group != self._group:
                raise ValueError(f"StreamingClassifier: the group changed from {self._group!r} "
                                 f"to {group!r}; one stream is one recording: call reset() "
                                 "between recordings.")
            self._group = group
        if is_dataframe(chunk) and segmenter.split_on_index_gaps and \
                np.issubdtype(np.asarray(chunk.index).dtype, np.integer):
            first = int(chunk.index[0])
            if self._last_index is not None and first != self._last_index + 1:
                raise ValueError(f"StreamingClassifier: the index jumps from "
                                 f"{self._last_index} to {first} between chunks (a gap in "
                                 "time); one stream is one recording: call reset().")
            self._last_index = int(chunk.index[-1])
        return table.values

    # -- windows -> rows -------------------------------------------------------
    def _classify(self, windows):
        pipe = self.pipeline
        for _, _, transform in pipe._iter(with_final=False):
            windows = transform.transform(windows)
        return np.asarray(pipe._final_estimator.predict_proba(windows), dtype=np.float64)

    def _grow(self, n_rows):
        """Make the accumulators reach row ``n_rows`` (absolute)."""
        need = n_rows - self.n_rows_out_ - self._counts.size
        if need > 0:
            self._sums = np.concatenate([self._sums, np.zeros((need, self.classes_.size))])
            self._counts = np.concatenate([self._counts, np.zeros(need, dtype=np.int64)])

    def _emit(self, upto):
        """Labels (and mean probabilities) of rows ``n_rows_out_ .. upto - 1``."""
        n = upto - self.n_rows_out_
        if n <= 0:
            return np.zeros((0, self.classes_.size))
        sums, counts = self._sums[:n], self._counts[:n]
        proba = np.empty_like(sums)
        covered = counts > 0
        proba[covered] = sums[covered] / counts[covered, None]
        # rows no window covers (after a run's last window, or between windows when
        # step > window) take the nearest window: the last one here (ties: the earlier)
        proba[~covered] = self._nearest(np.flatnonzero(~covered) + self.n_rows_out_)
        self._sums, self._counts = self._sums[n:], self._counts[n:]
        self.n_rows_out_ = upto
        return proba

    def _nearest(self, rows):
        out = np.empty((rows.size, self.classes_.size))
        for i, r in enumerate(rows):
            left_end = self._last_start + self.window - 1
            use_left = self._pending_right is None or \
                (r - left_end) <= (self._pending_right[0] - r)
            out[i] = self._last_proba if use_left else self._pending_right[1]
        return out

    def _remember(self, start, p):
        self._last_start, self._last_proba = start, p
        if self.first_window_ is None:
            self.first_window_ = (start, p)
        self._pending_right = None

    def _accumulate(self, starts, probas):
        """Add overlapping windows (step <= window) to the rows they cover, each row
        receiving its windows in window order (the sums of ``WindowIndex.to_rows``)."""
        s0, w, step = int(starts[0]), self.window, self.step
        rows = np.arange(s0, int(starts[-1]) + w)
        # windows k cover row r when s0 + k * step <= r <= s0 + k * step + w - 1
        k_lo = np.maximum(0, -((s0 + w - 1 - rows) // step))  # ceil((r - w + 1 - s0) / step)
        k_hi = np.minimum(starts.size - 1, (rows - s0) // step)
        at = rows - self.n_rows_out_
        for j in range(-(-w // step)):
            k = k_lo + j
            take = k <= k_hi
            self._sums[at[take]] += probas[k[take]]
            self._counts[at[take]] += 1

    def update(self, chunk, proba=False):
        """Add rows; return the labels of the rows that became final (in row order).

        Parameters
        ----------
        chunk : table of shape (n_rows, n_columns)
            The next rows, with the columns the pipeline was fitted on.
        proba : bool, default=False
            Return the rows' probabilities ``(n, n_classes)`` instead of labels.
        """
        return self._push(self._read(chunk), proba)

    def _push(self, values, proba=False):
        """:meth:`update` on channel values already read and checked (rows of one run)."""
        self._buffer = values if self._buffer is None else np.concatenate([self._buffer,
                                                                            values])
        self.n_rows_in_ += values.shape[0]
        self._grow(self.n_rows_in_)
        first = self._next_start
        starts = np.arange(first, self.n_rows_in_ - self.window + 1, self.step)
        out = []
        if starts.size:
            self._next_start = int(starts[-1]) + self.step
            view = np.lib.stride_tricks.sliding_window_view(self._buffer, self.window, axis=0)
            probas = self._classify(np.ascontiguousarray(view[starts - self._buffer_origin]))
            if self.step > self.window:  # windows apart: rows between them wait
                for s, p in zip(starts.tolist(), probas):
                    if self._last_start is not None and s > self._last_start + self.window:
                        # rows between the previous window and this one: nearest of the two
                        self._pending_right = (s, p)
                        out.append(self._emit(s))
                    a = s - self.n_rows_out_
                    self._sums[a:a + self.window] += p
                    self._counts[a:a + self.window] += 1
                    self._remember(s, p)
            else:
                self._accumulate(starts, probas)
                self._remember(int(starts[0]), probas[0])
                self._remember(int(starts[-1]), probas[-1])
            # every row before the next window's start is final (step <= window), or
            # every row up to the last window's end (step > window)
            out.append(self._emit(min(self._next_start, self._last_start + self.window)))
        # rows before the next window's start are no longer needed (with step > window
        # that start may lie beyond the rows received so far)
        keep = max(0, min(self._next_start, self.n_rows_in_) - self._buffer_origin)
        self._buffer = self._buffer[keep:]
        self._buffer_origin += keep
        return self._finish(out, proba)

    def flush(self, proba=False):
        """End of the recording: the labels of the rows still waiting."""
        if self._last_start is None:
            if self.n_rows_in_ == 0:
                return self._finish([], proba)
            raise ValueError(f"The recording has {self.n_rows_in_} rows, fewer than "
                             f"window={self.window}: no window can predict them.")
        self._pending_right = None
        return self._finish([self._emit(self.n_rows_in_)], proba)

    def _finish(self, parts, proba):
        parts = [p for p in parts if p.size]
        P = np.concatenate(parts) if parts else np.zeros((0, self.classes_.size))
        return P if proba else self.classes_[np.argmax(P, axis=1)] if len(P) else \
            self.classes_[:0]
