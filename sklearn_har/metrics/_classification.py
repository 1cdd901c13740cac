"""Classification metrics of the HAR papers: G-mean, calibration, feature separability."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from scipy.spatial.distance import pdist
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import multilabel_confusion_matrix
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_array, check_consistent_length, check_X_y, column_or_1d

__all__ = ["class_separability", "expected_calibration_error", "g_mean"]


# Tolerance on the row sums of y_proba (float32 softmax outputs are off by ~1e-7).
_PROBA_SUM_ATOL = 1e-3


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "labels": ["array-like", None],
        "average": [StrOptions({"macro", "weighted", "multiclass"}), None],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def g_mean(y_true, y_pred, *, labels=None, average="macro", sample_weight=None):
    """Geometric mean of sensitivity and specificity, per class and averaged.

    For each class ``k`` taken one-vs-rest, ``g_k = sqrt(TPR_k * TNR_k)`` with
    ``TPR_k = TP / (TP + FN)`` (recall of ``k``) and ``TNR_k = TN / (TN + FP)``
    (recall of "not ``k``"). This is the definition of seeds 000 (appendix A.2)
    and 002 (section 3.3.4); for a binary problem both classes give the same
    ``g_k``, so the result is the textbook ``sqrt(sensitivity * specificity)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        Labels to score, in this order. Default: the sorted union of the labels
        in ``y_true`` and ``y_pred``.
    average : {"macro", "weighted", "multiclass"} or None, default="macro"
        - ``"macro"``: unweighted mean of ``g_k`` over classes (the seeds).
        - ``"weighted"``: mean of ``g_k`` weighted by class support.
        - ``None``: the array of ``g_k``, one per label.
        - ``"multiclass"``: the geometric mean of the per-class recalls,
          ``(TPR_1 * ... * TPR_K) ** (1 / K)``, the default of
          imbalanced-learn's ``geometric_mean_score``; any class never
          recognised makes it 0. Given for comparison with other papers.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float or ndarray of shape (n_labels,)
        In [0, 1], 1 for a perfect classifier. NaN where undefined.

    Notes
    -----
    ``g_k`` is undefined (0/0) for a label with no true sample (no TPR), e.g.
    a label only ``y_pred`` or ``labels`` holds, and for a label that every
    sample has (no TNR). Such labels are NaN in the ``average=None`` array and
    left out of the averages, with an ``UndefinedMetricWarning`` naming them;
    when no label is left the average is NaN. ``"multiclass"`` leaves out the
    labels with no true sample only. A label only in ``y_pred`` still counts
    through the false positives it takes from the other classes' TNR.
    (imbalanced-learn instead gives such a label recall 0, hence G-mean 0.)

    imbalanced-learn's ``geometric_mean_score(average="macro")`` is
    ``sqrt(mean TPR * mean TNR)``, not the mean of the ``g_k`` computed here;
    its ``average=None`` and ``"multiclass"`` agree with this function when
    every label has true samples.

    Examples
    --------
    >>> from sklearn_har.metrics import g_mean
    >>> y_true = ["walk", "walk", "walk", "sit", "sit", "run"]
    >>> y_pred = ["walk", "walk", "sit", "sit", "sit", "run"]
    >>> g_mean(y_true, y_pred, average=None).round(3)
    array([1.   , 0.866, 0.816])
    >>> round(g_mean(y_true, y_pred), 3)
    0.894
    >>> round(g_mean(y_true, y_pred, average="multiclass"), 3)
    0.874
    """
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    mcm = multilabel_confusion_matrix(
        y_true, y_pred, labels=labels, sample_weight=sample_weight
    )
    tn, fp, fn, tp = mcm.reshape(-1, 4).T.astype(np.float64)
    support = tp + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        tpr = tp / support
        per_class = np.sqrt(tpr * (tn / (tn + fp)))
    values = tpr if average == "multiclass" else per_class
    undefined = np.isnan(values)
    if undefined.any():
        fate = "NaN in the result" if average is None else "left out of the average"
        warnings.warn(
            f"G-mean is undefined for label(s) {labels[undefined].tolist()}: TPR "
            "needs samples of the label in y_true, TNR needs samples of other "
            f"labels. They are {fate}.",
            UndefinedMetricWarning,
            stacklevel=3,  # past validate_params to the caller
        )
    if average is None:
        return per_class
    defined = ~undefined
    if not defined.any():
        return float("nan")
    if average == "multiclass":
        with np.errstate(divide="ignore"):  # log(0) = -inf -> G-mean 0
            return float(np.exp(np.mean(np.log(tpr[defined]))))
    weights = support[defined] if average == "weighted" else None
    return float(np.average(per_class[defined], weights=weights))


def _check_proba(y_true, y_proba, labels):
    """Validate ``y_proba`` against ``labels``; return 1-D ``y_true``, 2-D ``y_proba``, labels."""
    y_true = column_or_1d(y_true)
    y_proba = check_array(y_proba, ensure_2d=False, allow_nd=True, input_name="y_proba")
    check_consistent_length(y_true, y_proba)
    labels = np.unique(y_true) if labels is None else column_or_1d(labels)
    if np.unique(labels).size != labels.size:
        raise ValueError(f"labels must be unique; got {labels.tolist()}.")
    if y_proba.ndim == 1:
        if labels.size != 2:
            raise ValueError(
                "A 1-D y_proba is read as the probability of the positive class "
                f"labels[1] of a binary problem, but there are {labels.size} "
                f"label(s) {labels.tolist()}. Pass y_proba of shape (n_samples, "
                "n_classes), or both binary labels as labels."
            )
        y_proba = np.column_stack([1.0 - y_proba, y_proba])
    elif y_proba.ndim != 2 or y_proba.shape[1] != labels.size:
        raise ValueError(
            f"Expected y_proba of shape (n_samples, n_classes) = ({y_true.size}, "
            f"{labels.size}), one column per label of {labels.tolist()}; got shape "
            f"{y_proba.shape}. When y_true lacks some of the model's classes, pass "
            "labels=estimator.classes_."
        )
    if y_proba.min() < 0 or y_proba.max() > 1:
        raise ValueError(
            "Expected probabilities in [0, 1] in y_proba; got values from "
            f"{y_proba.min():.4g} to {y_proba.max():.4g}. Pass predict_proba, not "
            "decision_function scores or logits."
        )
    sums = y_proba.sum(axis=1)
    bad = np.abs(sums - 1) > _PROBA_SUM_ATOL
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(
            f"Expected each row of y_proba to sum to 1; {int(bad.sum())} row(s) do "
            f"not, the first is row {first} (sum {sums[first]:.4g})."
        )
    unknown = ~np.isin(y_true, labels)
    if unknown.any():
        raise ValueError(
            f"y_true contains label(s) {np.unique(y_true[unknown]).tolist()} that "
            f"are not in labels {labels.tolist()}."
        )
    return y_true, y_proba, labels


@validate_params(
    {
        "y_true": ["array-like"],
        "y_proba": ["array-like"],
        "labels": ["array-like", None],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions({"uniform", "quantile"})],
    },
    prefer_skip_nested_validation=True,
)
def expected_calibration_error(y_true, y_proba, *, labels=None, n_bins=15, strategy="uniform"):
    """Top-label expected calibration error (ECE).

    Each sample's confidence is its largest predicted probability and its
    prediction the label of that column. Samples are binned by confidence and
    ``ECE = sum_b (n_b / n) * |accuracy_b - mean confidence_b|``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities, columns in the order of ``labels``; rows must
        sum to 1 (within 1e-3). A 1-D array is the probability of the positive
        class ``labels[1]`` of a binary problem.
    labels : array-like of shape (n_classes,), default=None
        The label of each column of ``y_proba``, as an estimator's
        ``classes_``. Default: the sorted unique labels of ``y_true``.
    n_bins : int, default=15
        Number of confidence bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        ``"uniform"``: bins of equal width on [0, 1]. ``"quantile"``: bin
        edges at the quantiles of the confidences, so bins hold about the same
        number of samples. Bins are closed on the right, ``(lo, hi]``, the
        first one also holding its lower edge; empty bins add nothing.

    Returns
    -------
    ece : float
        In [0, 1]; 0 for a perfectly calibrated model.

    Examples
    --------
    >>> from sklearn_har.metrics import expected_calibration_error
    >>> y_true = ["sit", "sit", "walk", "walk"]
    >>> y_proba = [[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.1]]
    >>> round(expected_calibration_error(y_true, y_proba), 3)
    0.15
    """
    y_true, y_proba, labels = _check_proba(y_true, y_proba, labels)
    confidence = y_proba.max(axis=1)
    correct = labels[y_proba.argmax(axis=1)] == y_true
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        edges = np.quantile(confidence, np.linspace(0.0, 1.0, n_bins + 1))
    bins = np.searchsorted(edges[1:-1], confidence, side="left")
    # (n_b / n) |acc_b - conf_b| = |sum of correct_b - sum of confidence_b| / n
    gaps = np.bincount(bins, weights=correct, minlength=n_bins) - np.bincount(
        bins, weights=confidence, minlength=n_bins
    )
    return float(np.abs(gaps).sum() / y_true.size)


def class_separability(X, y):
    """Intra- and inter-class distances of a feature space, and their ratio.

    Seed 000 (appendix B, Table 5) compares learned feature spaces by these
    three numbers without defining them exactly; the choices made here are:

    * ``intra``: for each class, the mean Euclidean distance of its samples to
      the class centroid (the mean of its samples); then the unweighted mean
      over classes, so a minority class counts as much as a majority class.
    * ``inter``: the mean Euclidean distance over all pairs of class centroids.
    * ``ratio = inter / intra``: larger is better separated. The paper's table
      heading says "Intra/Inter" but its text says "Inter/Intra ratio" and its
      values are inter / intra (WISDM CNN: 6.652 / 2.525 = 2.63). ``inf`` when
      every class collapses to one point (``intra == 0``).

    No scaling is applied: distances are in the units of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, C, T)
        Features, e.g. the penultimate-layer embeddings of a network. A 3-D
        array (windows) is flattened to ``(n_samples, C * T)``.
    y : array-like of shape (n_samples,)
        Labels, at least two distinct ones.

    Returns
    -------
    result : dict
        ``{"intra": float, "inter": float, "ratio": float}``.

    Examples
    --------
    >>> from sklearn_har.metrics import class_separability
    >>> X = [[0, 1], [0, -1], [4, 1], [4, -1]]
    >>> class_separability(X, ["sit", "sit", "walk", "walk"])
    {'intra': 1.0, 'inter': 4.0, 'ratio': 4.0}
    """
    if np.ndim(X) == 3:
        X = np.reshape(X, (len(X), -1))
    X, y = check_X_y(X, y, dtype=np.float64)
    classes, y_idx = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            "class_separability needs samples of at least 2 classes; got "
            f"{classes.size} class ({classes.tolist()})."
        )
    centroids = np.stack([X[y_idx == k].mean(axis=0) for k in range(classes.size)])
    to_centroid = np.linalg.norm(X - centroids[y_idx], axis=1)
    intra = float(np.mean(np.bincount(y_idx, weights=to_centroid) / np.bincount(y_idx)))
    inter = float(pdist(centroids).mean())
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(np.divide(inter, intra))
    return {"intra": intra, "inter": inter, "ratio": ratio}
