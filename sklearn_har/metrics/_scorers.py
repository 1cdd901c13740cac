"""Scorers for ``cross_val_score``, ``GridSearchCV`` and friends."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import get_scorer, make_scorer
from sklearn.utils import get_tags

from ._classification import expected_calibration_error, g_mean

__all__ = ["ece_scorer", "g_mean_scorer", "skip_ignored_rows"]


g_mean_scorer = make_scorer(g_mean)
"""Scorer for ``g_mean`` (macro): ``cross_val_score(clf, X, y, scoring=g_mean_scorer)``."""


def ece_scorer(estimator, X, y_true):
    """Scorer: minus the ECE of ``estimator.predict_proba(X)`` (greater is better).

    ``make_scorer(expected_calibration_error, greater_is_better=False,
    response_method="predict_proba")`` would read the probability columns as
    the sorted labels of the test fold's ``y_true``, which breaks (or silently
    misaligns) when a fold lacks one of the model's classes. This scorer passes
    ``labels=estimator.classes_`` instead.

    Parameters
    ----------
    estimator : fitted classifier
        Has ``predict_proba`` and ``classes_``.
    X : array-like
        Test input.
    y_true : array-like of shape (n_samples,)
        True labels.

    Returns
    -------
    score : float
        ``-expected_calibration_error(y_true, estimator.predict_proba(X),
        labels=estimator.classes_)``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn_har.metrics import ece_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> scores = cross_val_score(LogisticRegression(max_iter=500), X, y, scoring=ece_scorer)
    >>> bool(((scores <= 0) & (scores > -0.2)).all())
    True
    """
    return -expected_calibration_error(
        y_true, estimator.predict_proba(X), labels=estimator.classes_
    )


def skip_ignored_rows(scoring):
    """Wrap a scorer so it leaves out rows whose label the segmenter ignores.

    A :class:`sklearn_har.Pipeline` whose :class:`WindowSegmenter` has an
    ``ignore_label`` (a null class, ``-1`` for unlabelled rows) never predicts
    that label, yet ``scoring="f1_macro"`` would count those rows as a class
    with F1 = 0. The wrapped scorer predicts on the whole table (so windows are
    cut as usual) and scores only the rows whose true label is not ignored.
    For an estimator without such a segmenter it is the plain scorer.

    Parameters
    ----------
    scoring : str or callable
        A scikit-learn scoring name (``"f1_macro"``) or scorer
        (``g_mean_scorer``).

    Returns
    -------
    scorer : callable ``(estimator, X, y) -> float``

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.model_selection import GroupKFold, cross_val_score
    >>> from sklearn_har import Pipeline, StatFeatures, WindowSegmenter
    >>> from sklearn_har.datasets import make_har_table
    >>> from sklearn_har.metrics import skip_ignored_rows
    >>> X, y = make_har_table(n_users=3, rows_per_user=1500, random_state=0)
    >>> y = np.where(np.arange(len(y)) % 500 < 100, "null", y)   # unlabelled stretches
    >>> pipe = Pipeline([("seg", WindowSegmenter(100, group_column="user", ignore_label="null")),
    ...                  ("feat", StatFeatures()),
    ...                  ("clf", RandomForestClassifier(n_estimators=20, random_state=0))])
    >>> plain = cross_val_score(pipe, X, y, groups=X["user"], cv=GroupKFold(3), scoring="f1_macro")
    >>> fair = cross_val_score(pipe, X, y, groups=X["user"], cv=GroupKFold(3),
    ...                        scoring=skip_ignored_rows("f1_macro"))
    >>> bool((fair > plain).all())
    True
    """
    return _SkipIgnoredRows(get_scorer(scoring))


class _SkipIgnoredRows:
    def __init__(self, scorer):
        self.scorer = scorer

    def __repr__(self):
        return f"skip_ignored_rows({self.scorer!r})"

    def __call__(self, estimator, X, y_true, **kwargs):
        ignored = estimator._ignored_labels() if hasattr(estimator, "_ignored_labels") else []
        y_true = np.asarray(y_true)
        if not ignored:
            return self.scorer(estimator, X, y_true, **kwargs)
        keep = ~np.isin(y_true, ignored)
        return self.scorer(_KeptRows(estimator, X, keep), np.arange(int(keep.sum())),
                           y_true[keep], **kwargs)


class _KeptRows:
    """Stands in for a fitted estimator: its outputs on all of ``X``, kept rows only."""

    def __init__(self, estimator, X, keep):
        self._estimator, self._X, self._keep = estimator, X, keep

    @property
    def classes_(self):
        return self._estimator.classes_

    def __sklearn_tags__(self):
        return get_tags(self._estimator)

    def _kept(self, method):
        return getattr(self._estimator, method)(self._X)[self._keep]

    def predict(self, X):
        return self._kept("predict")

    def predict_proba(self, X):
        return self._kept("predict_proba")

    def predict_log_proba(self, X):
        return self._kept("predict_log_proba")

    def decision_function(self, X):
        return self._kept("decision_function")
