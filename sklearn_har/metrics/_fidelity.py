"""Fidelity of synthetic windows: train-on-synthetic/test-on-real and statistics match."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.metrics import get_scorer

from ..pipeline import make_pipeline
from ..preprocessing import StatFeatures
from ..utils.validation import check_windows

__all__ = ["statistics_match", "tstr_score"]


def _default_reference_classifier(random_state=0):
    return make_pipeline(
        StatFeatures(), ExtraTreesClassifier(n_estimators=200, random_state=random_state, n_jobs=1)
    )


def tstr_score(X_syn, y_syn, X_train, y_train, X_test, y_test, *, estimator=None,
               scoring="f1_macro"):
    """Train on synthetic, test on real (TSTR) against train on real (TRTR).

    The same reference classifier is trained once on the synthetic windows
    and once on the real training windows, and both are scored on held-out
    real windows. ``ratio = tstr / trtr`` near 1 means the synthetic windows
    carry what a classifier needs from the real ones (seed 000 reports the
    gains of synthetic pre-training; TSTR is the usual fidelity test of
    generated time series).

    Parameters
    ----------
    X_syn, y_syn : synthetic windows ``(n, C, T)`` and labels
    X_train, y_train : real training windows and labels
    X_test, y_test : real held-out windows and labels (other subjects)
    estimator : classifier, default=None
        Cloned for each fit. None: ``StatFeatures() -> ExtraTrees(200)``.
    scoring : str or callable, default="f1_macro"
        A scikit-learn scorer name or callable ``scorer(estimator, X, y)``.

    Returns
    -------
    scores : dict
        ``{"tstr": float, "trtr": float, "ratio": float}``.

    Examples
    --------
    >>> from sklearn_har.datasets import make_har_windows
    >>> from sklearn_har.metrics import tstr_score
    >>> X, y, g = make_har_windows(n_windows=300, difficulty=0.3, random_state=0)
    >>> s = tstr_score(X[g < 3], y[g < 3], X[g < 3], y[g < 3], X[g >= 3], y[g >= 3])
    >>> s["ratio"]  # real windows as "synthetic": ratio 1
    1.0
    """
    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    base = _default_reference_classifier() if estimator is None else estimator
    tstr = float(scorer(clone(base).fit(X_syn, y_syn), X_test, y_test))
    trtr = float(scorer(clone(base).fit(X_train, y_train), X_test, y_test))
    return {"tstr": tstr, "trtr": trtr, "ratio": tstr / trtr if trtr > 0 else float("nan")}


def statistics_match(X_real, y_real, X_syn, y_syn):
    """Per-class match of window statistics between real and synthetic windows.

    For every class and channel, the mean over windows of each per-window
    statistic of eq. 1 (mean, standard deviation, skewness) is compared
    between real and synthetic windows, as a difference in units of the real
    windows' spread of that statistic: ``|m_syn - m_real| / sd_real``
    (0 = the same average, 1 = one real standard deviation apart). The
    spread itself is compared as ``sd_syn / sd_real`` (1 = as varied as the
    real windows; below 1, the generator is less diverse).

    Parameters
    ----------
    X_real, y_real : real windows ``(n, C, T)`` and labels
    X_syn, y_syn : synthetic windows and labels

    Returns
    -------
    match : dict
        ``{label: {"mean_gap": {...}, "spread_ratio": {...}}}`` with one value
        per statistic (``"mean"``, ``"std"``, ``"skew"``) averaged over
        channels, plus ``"overall"``: the same averaged over the classes
        present in both sets.

    Examples
    --------
    >>> from sklearn_har.datasets import make_har_windows
    >>> from sklearn_har.metrics import statistics_match
    >>> X, y, _ = make_har_windows(n_windows=200, random_state=0)
    >>> m = statistics_match(X, y, X, y)
    >>> m["overall"]["mean_gap"]["std"], m["overall"]["spread_ratio"]["skew"]
    (0.0, 1.0)
    """
    def stats(X):
        X = check_windows(X).astype(np.float64)
        mu = X.mean(axis=-1)
        sd = X.std(axis=-1)
        safe = np.where(sd > 1e-12, sd, 1.0)
        skew = np.where(sd > 1e-12, (((X - mu[..., None]) / safe[..., None]) ** 3).mean(-1), 0.0)
        return {"mean": mu, "std": sd, "skew": skew}  # each (n, C)

    y_real, y_syn = np.asarray(y_real), np.asarray(y_syn)
    real, syn = stats(X_real), stats(X_syn)
    out = {}
    for label in np.unique(y_real):
        r, s = y_real == label, y_syn == label
        if not s.any():
            continue
        gap, spread = {}, {}
        for name in ("mean", "std", "skew"):
            a, b = real[name][r], syn[name][s]
            sd = a.std(axis=0)
            sd_safe = np.where(sd > 1e-12, sd, 1.0)
            gap[name] = float(np.mean(np.abs(b.mean(0) - a.mean(0)) / sd_safe))
            spread[name] = float(np.mean(np.where(sd > 1e-12, b.std(0) / sd_safe, 1.0)))
        out[label.item() if hasattr(label, "item") else label] = {
            "mean_gap": gap, "spread_ratio": spread,
        }
    if out:
        out["overall"] = {
            key: {name: float(np.mean([v[key][name] for v in out.values()]))
                  for name in ("mean", "std", "skew")}
            for key in ("mean_gap", "spread_ratio")
        }
    return out
