"""A segmenter-aware Pipeline: fit on a raw table, predict one label per row."""

from __future__ import annotations

import inspect

import numpy as np
from imblearn.pipeline import Pipeline as _ImbPipeline
from imblearn.pipeline import _fit_resample_one
from sklearn.base import clone, is_regressor
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import _name_estimators
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _num_samples, check_is_fitted, check_memory

from .utils.validation import check_row_labels, warn_unseen_labels

__all__ = ["Pipeline", "make_pipeline"]


def _is_segmenter(step):
    """A segmenter cuts tables into windows and can map windows back to rows."""
    return all(hasattr(step, a) for a in ("segment", "fit_resample", "transform"))


def _rows(X, a, b):
    """Rows ``a .. b - 1`` of a table (DataFrame or array)."""
    return X.iloc[a:b] if hasattr(X, "iloc") else X[a:b]


def _final_has(attr):
    def check(self):
        final = self._final_estimator
        return final != "passthrough" and hasattr(final, attr)

    return check


def _vote(pred, classes, index):
    """Per-row vote of the per-window predictions ``pred``.

    Each row takes the class most of its covering windows predict; a tie goes to
    the tied class of the covering window whose centre is nearest the row (the
    earlier window if two are equally near). Rows no window covers take their
    nearest window's prediction (:meth:`WindowIndex.to_rows`).
    """
    match = pred[:, None] == classes[None, :]
    shares = index.to_rows(match.astype(np.float64))
    out = np.argmax(shares, axis=1)
    coverage = index.coverage()
    votes = np.rint(shares * coverage[:, None])  # exact counts on covered rows
    top = votes == votes.max(axis=1, keepdims=True)
    rows = np.flatnonzero((coverage > 0) & (top.sum(axis=1) > 1))
    if rows.size:
        code = np.where(match.any(axis=1), match.argmax(axis=1), -1)
        starts, window = index.starts, index.window
        # the windows covering row r are those starting in [r - window + 1, r]
        lo = np.searchsorted(starts, rows - window + 1, side="left")
        hi = np.searchsorted(starts, rows, side="right")
        best = np.full(rows.size, np.iinfo(np.int64).max)
        for k in range(int((hi - lo).max())):
            j = np.minimum(lo + k, starts.size - 1)
            c = code[j]
            ok = (lo + k < hi) & (c >= 0) & top[rows, np.maximum(c, 0)]
            # twice the distance from the row to the window's centre (integers)
            dist = np.abs(2 * starts[j] + window - 1 - 2 * rows)
            better = ok & (dist < best)  # strict: the earlier window keeps a tie
            best[better] = dist[better]
            out[rows[better]] = c[better]
    return classes[out]


class Pipeline(_ImbPipeline):
    """imbalanced-learn's Pipeline that also understands a window segmenter.

    Without a segmenter this is exactly :class:`imblearn.pipeline.Pipeline`:
    samplers run in ``fit`` only. With a
    :class:`~sklearn_har.preprocessing.WindowSegmenter` as the **first** step
    (and at least one step after it):

    * ``fit(X_table, y_rows)``: the segmenter cuts and labels windows, every
      later step sees windows (samplers resample them, in ``fit`` only);
    * ``predict(X_table)`` returns **one label per input row**, from the
      windows covering the row: their probabilities are averaged when the
      final step has ``predict_proba``; otherwise their ``decision_function``
      values are averaged (a 1-D, binary decision function gives
      ``classes_[1]`` where the mean is > 0, else ``classes_[0]``, as
      scikit-learn classifiers do); only when the final step has neither do
      the per-window predictions vote (see *Vote fallback* below). Rows no
      window covers take the output of the nearest window of their run, else
      of their group. ``predict_proba``, ``predict_log_proba`` and
      ``decision_function`` likewise return one row per input row;
    * ``predict_windows(X_table)`` gives the final step's per-window output;
    * ``score(X_table, y_rows)`` is the accuracy on rows (R^2 for a regressor),
      leaving out rows whose label the segmenter ignores (``ignore_label``),
      which are not a class the model can predict;
    * ``transform`` returns per-window output of the transformers.

    So scikit-learn scorers, ``cross_val_score`` and ``GridSearchCV(...,
    groups=users)`` work on rows, and the segmenter's parameters are tunable
    (``seg__window``).

    **Vote fallback.** A final step with neither ``predict_proba`` nor
    ``decision_function`` (nor ``classes_``) only gives one label per window.
    Each row then takes the label most windows covering it predict. A tie
    (with the default 50 % overlap, every row in the overlap of two windows
    that disagree) goes to the tied label of the covering window whose centre
    is nearest the row, i.e. the window that saw the most context on both
    sides of the row; between two windows whose centres are equally near, the
    earlier one. A tie is never settled by the order of ``classes_``, which
    would bias every disagreement towards the first class.

    Parameters
    ----------
    steps : list of (str, estimator)
        As in :class:`imblearn.pipeline.Pipeline`.
    transform_input : list of str, default=None
        As in :class:`imblearn.pipeline.Pipeline` (needs metadata routing).
    memory : str or joblib.Memory, default=None
        Caching of fitted transformers and samplers.
    verbose : bool, default=False
        Print the time of each step.

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn_har import Pipeline, WindowSegmenter, StatFeatures
    >>> from sklearn_har.datasets import make_har_table
    >>> X, y = make_har_table(n_users=3, rows_per_user=1500, random_state=0)
    >>> pipe = Pipeline([
    ...     ("seg", WindowSegmenter(window=100, group_column="user")),
    ...     ("feat", StatFeatures()),
    ...     ("clf", RandomForestClassifier(n_estimators=20, random_state=0)),
    ... ]).fit(X, y)
    >>> pipe.predict(X).shape == (len(X),)
    True
    """

    @property
    def _segmenter(self):
        """The first step when it is a segmenter with steps after it, else None.

        (A segmenter alone is the final estimator: fit, transform and
        fit_resample reach it directly.)"""
        if len(self.steps) > 1 and _is_segmenter(self.steps[0][1]):
            return self.steps[0][1]
        return None

    # -- construction ------------------------------------------------------
    def _validate_steps(self):
        later = [name for name, est in self.steps[1:] if _is_segmenter(est)]
        if later:
            raise TypeError(
                f"A segmenter must be the first step of the Pipeline; step(s) {later} "
                "are segmenters placed later."
            )
        if self._segmenter is None:
            return super()._validate_steps()
        names, _ = zip(*self.steps)
        self._validate_names(names)
        _ImbPipeline(self.steps[1:])._validate_steps()

    # -- fit ---------------------------------------------------------------
    def _fit(self, X, y=None, routed_params=None, raw_params=None):
        if self._segmenter is None:
            return super()._fit(X, y, routed_params, raw_params)
        self.steps = list(self.steps)
        self._validate_steps()
        memory = check_memory(self.memory)
        name, segmenter = self.steps[0]
        if getattr(memory, "location", None) is not None:
            segmenter = clone(segmenter)
        windows, window_labels, fitted = memory.cache(_fit_resample_one)(
            segmenter, X, y, message_clsname="Pipeline", message=self._log_message(0),
            params=routed_params[name] if routed_params is not None else {},
        )
        self.steps[0] = (name, fitted)
        rest = _ImbPipeline(self.steps[1:], memory=self.memory,
                            transform_input=self.transform_input, verbose=self.verbose)
        Xt, yt = rest._fit(windows, window_labels, routed_params, raw_params)
        self.steps[1:] = rest.steps
        self._window_groups = self._groups_for_final_step(fitted, Xt)
        return Xt, yt

    def _groups_for_final_step(self, segmenter, Xt):
        """The segmenter's window groups, when the final step can use them.

        Only when no sampler sits between the segmenter and the final step
        (a sampler adds or removes windows, so the groups would not line up)
        and there are at least two groups.
        """
        groups = getattr(segmenter, "window_groups_", None)
        final = self._final_estimator
        if groups is None or final == "passthrough" or np.unique(groups).size < 2:
            return None
        if any(hasattr(est, "fit_resample") for _, est in self.steps[1:-1]):
            return None
        if len(groups) != _num_samples(Xt):
            return None
        if "groups" not in inspect.signature(final.fit).parameters:
            return None
        return groups

    def _get_metadata_for_step(self, *, step_idx, step_params, all_params):
        params = super()._get_metadata_for_step(
            step_idx=step_idx, step_params=step_params, all_params=all_params
        )
        groups = self.__dict__.pop("_window_groups", None)
        if step_idx == len(self) - 1 and groups is not None and "groups" not in params["fit"]:
            params["fit"] = {**params["fit"], "groups": groups}
        elif groups is not None:
            self._window_groups = groups  # not the final step yet
        return params

    # -- windows -> rows ---------------------------------------------------
    def _windows(self, X):
        """Segment ``X`` and run the windows through the transformers."""
        check_is_fitted(self)
        windows, index = self._segmenter.segment(X)
        for _, _, transform in self._iter(with_final=False):  # samplers and segmenter skipped
            windows = transform.transform(windows)
        return windows, index

    def _row_scores(self, X, **params):
        """Per-row averaged probabilities in ``classes_`` order, and the classes.

        A table longer than ``CHUNK_ROWS`` rows is read, windowed and classified
        run by run in chunks (:meth:`_row_scores_chunked`), with bit-identical
        results and memory bounded by the chunk, not the table.
        """
        final = self._final_estimator
        if not params and _num_samples(X) > self.CHUNK_ROWS:
            return self._row_scores_chunked(X, self.CHUNK_ROWS), np.asarray(final.classes_)
        Xt, index = self._windows(X)
        return index.to_rows(final.predict_proba(Xt, **params)), np.asarray(final.classes_)

    #: tables longer than this many rows are predicted in chunks of this many rows
    CHUNK_ROWS = 50_000

    def _row_scores_chunked(self, X, chunk, labels=False):
        """:meth:`_row_scores` in one pass over ``X``, ``chunk`` rows at a time (one row of
        overlap tells whether a run goes on across a chunk boundary): each run is
        streamed (:class:`~sklearn_har.streaming.StreamingClassifier`); a run shorter
        than the window takes, row by row, the nearest window of its group (as
        :meth:`WindowIndex.to_rows`), found among the first and last windows of the
        other runs."""
        from .streaming import StreamingClassifier

        segmenter = self._segmenter
        window, n = segmenter.window, _num_samples(X)
        stream = StreamingClassifier(self)
        classes = stream.classes_
        # labels=True: one label per row, no (n_rows, n_classes) array at all
        out = (np.empty(n, dtype=classes.dtype) if labels else np.empty((n, classes.size)))
        put = (lambda p: classes[np.argmax(p, axis=-1)]) if labels else (lambda p: p)
        ends = {}  # group -> [(first window, last window)] of the runs with windows
        short = []  # (start, stop, group) of the runs without
        run = None  # (start, group) of the run being streamed

        def write(part):
            at = run[0] + stream.n_rows_out_ - len(part)
            out[at:at + len(part)] = put(part)

        def finish(stop):
            start, group = run
            if stream.last_window_ is None:
                short.append((start, stop, group))
                return
            write(stream.flush(proba=True))
            (first, p_first), (last, p_last) = stream.first_window_, stream.last_window_
            ends.setdefault(group, []).append(((start + first, p_first),
                                               (start + last, p_last)))

        for a in range(0, n, chunk):
            lo, b = max(0, a - 1), min(n, a + chunk)
            part = _rows(X, lo, b)
            table = segmenter._read_table(part, row_offset=lo)
            segmenter._check_columns(table)
            segmenter._check_rate(part)
            bounds = table.run_starts
            for i in range(bounds.size - 1):
                first_row = int(bounds[i])
                if i == 0 and lo < a:  # row a - 1 was streamed: its run goes on (or ends)
                    first_row = a - lo
                else:
                    if run is not None:
                        finish(first_row + lo)
                    group = table.group_labels[int(table.group_codes[first_row])]
                    run = (first_row + lo, group)
                    stream.reset()
                if first_row < bounds[i + 1]:
                    write(stream._push(table.values[first_row:int(bounds[i + 1])],
                                       proba=True))
        finish(n)
        for start, stop, group in short:
            if group not in ends:
                raise ValueError(
                    f"{stop - start} row(s) belong to group(s) {[group]} with no run of at "
                    f"least window={window} rows, so no window can predict them. Use a "
                    "smaller window or leave these groups out.")
            left = [last for first, last in ends[group] if last[0] < start]
            right = [first for first, last in ends[group] if first[0] >= stop]
            left = max(left, key=lambda w: w[0]) if left else None
            right = min(right, key=lambda w: w[0]) if right else None
            for r in range(start, stop):
                d_left = r - (left[0] + window - 1) if left else np.inf
                d_right = right[0] - r if right else np.inf
                out[r] = put(right[1] if d_right < d_left else left[1])
        return out

    def _predict_rows(self, X, **params):
        """One label per row of ``X`` for a classifier (see the class docstring):
        mean probabilities, else mean decision function, else a vote."""
        final = self._final_estimator
        if hasattr(final, "predict_proba"):
            if not params and _num_samples(X) > self.CHUNK_ROWS:
                return self._row_scores_chunked(X, self.CHUNK_ROWS, labels=True)
            scores, classes = self._row_scores(X, **params)
            return classes[np.argmax(scores, axis=1)]
        Xt, index = self._windows(X)
        classes = getattr(final, "classes_", None)
        if classes is not None and hasattr(final, "decision_function"):
            classes = np.asarray(classes)
            dec = np.asarray(final.decision_function(Xt, **params), dtype=np.float64)
            if dec.ndim == 2 and dec.shape[1] == 1:
                dec = dec[:, 0]
            if dec.ndim == 1 and classes.size == 2:
                return classes[(index.to_rows(dec) > 0).astype(np.intp)]
            if dec.ndim == 2 and dec.shape[1] == classes.size:
                return classes[np.argmax(index.to_rows(dec), axis=1)]
            # any other shape (e.g. one-vs-one values) is not per class: vote
        pred = np.asarray(final.predict(Xt, **params))
        if classes is None:
            classes = np.unique(pred)
        return _vote(pred, np.asarray(classes), index)

    @available_if(_final_has("export_edge"))
    def export_edge(self, path, target="pi", calibration=None, **kwargs):
        """Write verified edge artefacts of this fitted Pipeline into the folder ``path``.

        The segmenter (window, step, label policy, columns) and any
        ``WindowScaler`` travel with the artefact, so the edge runtime
        (:class:`sklearn_har.edge.EdgeClassifier`) takes the same raw tables and
        answers one label per row. ``calibration`` may be windows or a raw
        table (cut by the segmenter). See :func:`sklearn_har.export.export_edge`.
        """
        from .export import export_edge

        return export_edge(self, path, target, calibration, **kwargs)

    def stream(self):
        """A :class:`~sklearn_har.streaming.StreamingClassifier` on this fitted Pipeline:
        ``update(rows)`` as rows arrive, ``flush()`` at the end of the recording."""
        from .streaming import StreamingClassifier

        return StreamingClassifier(self)

    def predict_stream(self, chunks, proba=False):
        """Labels (or probabilities) of a recording given as an iterable of row chunks,
        yielded chunk by chunk as rows become final (the last yield is the end of the
        recording); the same labels as :meth:`predict` on the whole recording, with
        memory that does not grow with it. See :class:`~sklearn_har.streaming.StreamingClassifier`."""
        stream = self.stream()
        for chunk in chunks:
            yield stream.update(chunk, proba=proba)
        yield stream.flush(proba=proba)

    def save(self, path):
        """Write this fitted Pipeline to the file ``path`` as data (deep classifiers as
        JSON + safetensors, the other steps as skops files; no pickle);
        ``sklearn_har.load(path)`` reads it back. See :func:`sklearn_har.persistence.save`."""
        from .persistence import save

        return save(self, path)

    @available_if(_final_has("predict"))
    def predict(self, X, **params):
        """Predict; with a segmenter, one label per row of ``X``.

        Parameters
        ----------
        X : table or array-like
            Input of the first step (a stream table with a segmenter).
        **params : dict
            Passed to the final step's ``predict`` (or ``predict_proba``, or
            ``decision_function``).

        Returns
        -------
        y_pred : ndarray of shape (n_rows,)
            In the type of the labels the pipeline was fitted on.
        """
        if self._segmenter is None:
            return super().predict(X, **params)
        if is_regressor(self._final_estimator):
            Xt, index = self._windows(X)
            return index.to_rows(self._final_estimator.predict(Xt, **params))
        return self._predict_rows(X, **params)

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Class probabilities; with a segmenter, one row per row of ``X``
        (the mean over the windows covering it)."""
        if self._segmenter is None:
            return super().predict_proba(X, **params)
        return self._row_scores(X, **params)[0]

    @available_if(_final_has("predict_proba"))
    def predict_log_proba(self, X, **params):
        """Log of :meth:`predict_proba` (per row with a segmenter)."""
        if self._segmenter is None:
            return super().predict_log_proba(X, **params)
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, **params))

    @available_if(_final_has("decision_function"))
    def decision_function(self, X, **params):
        """Decision function; with a segmenter, the mean over the windows
        covering each row."""
        if self._segmenter is None:
            return super().decision_function(X, **params)
        Xt, index = self._windows(X)
        return index.to_rows(self._final_estimator.decision_function(Xt, **params))

    @available_if(_final_has("predict"))
    def predict_windows(self, X, **params):
        """The final step's ``predict`` on each window of ``X`` (no mapping to rows).

        Returns
        -------
        y_pred : ndarray of shape (n_windows,)
        """
        if self._segmenter is None:
            return super().predict(X, **params)
        Xt, _ = self._windows(X)
        return self._final_estimator.predict(Xt, **params)

    @available_if(_final_has("score"))
    def score(self, X, y=None, sample_weight=None, **params):
        """Score; with a segmenter, accuracy on rows (R^2 for a regressor).

        Rows whose label is one of the segmenter's ``ignore_label`` are left out.
        """
        segmenter = self._segmenter
        if segmenter is None:
            return super().score(X, y, sample_weight=sample_weight, **params)
        y_pred = self.predict(X)
        y = check_row_labels(y, y_pred.shape[0])
        keep = ~np.isin(y, self._ignored_labels())
        if not is_regressor(self._final_estimator) and hasattr(self, "classes_"):
            warn_unseen_labels(y[keep], self.classes_, type(self).__name__)
        weight = None if sample_weight is None else np.asarray(sample_weight)[keep]
        if is_regressor(self._final_estimator):
            return r2_score(y[keep], y_pred[keep], sample_weight=weight)
        return accuracy_score(y[keep], y_pred[keep], sample_weight=weight)

    def _ignored_labels(self):
        """Labels the segmenter ignores (rows not to be scored), as a list."""
        segmenter = self._segmenter
        return [] if segmenter is None else segmenter._ignored_labels()

    @available_if(_ImbPipeline._can_transform)
    def transform(self, X, **params):
        """Transform; with a segmenter, the output is per window."""
        if len(self.steps) == 1 and _is_segmenter(self._final_estimator):
            return self._final_estimator.transform(X)  # imblearn would skip it as a sampler
        if self._segmenter is None:
            return super().transform(X, **params)
        check_is_fitted(self)
        Xt = self._segmenter.transform(X)
        for _, _, transform in self._iter():
            Xt = transform.transform(Xt)
        return Xt

    def get_feature_names_out(self, input_features=None):
        """Output feature names; a segmenter passes its channel names on."""
        if self._segmenter is None:
            return super().get_feature_names_out(input_features)
        names = self._segmenter.get_feature_names_out()
        for _, name, transform in self._iter():
            if not hasattr(transform, "get_feature_names_out"):
                raise AttributeError(
                    f"Estimator {name} does not provide get_feature_names_out. Did you "
                    "mean to call pipeline[:-1].get_feature_names_out()?"
                )
            names = transform.get_feature_names_out(names)
        return names

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.steps and _is_segmenter(self.steps[0][1]) and len(self.steps) > 1:
            tags.input_tags.two_d_array = True
            tags.input_tags.three_d_array = False
        return tags


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`Pipeline` from estimators, naming the steps automatically.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from sklearn_har import make_pipeline, WindowSegmenter, StatFeatures
    >>> make_pipeline(WindowSegmenter(window=64), StatFeatures(), DecisionTreeClassifier())
    Pipeline(steps=[('windowsegmenter', WindowSegmenter(window=64)),
                    ('statfeatures', StatFeatures()),
                    ('decisiontreeclassifier', DecisionTreeClassifier())])
    """
    return Pipeline(_name_estimators(steps), memory=memory,
                    transform_input=transform_input, verbose=verbose)

