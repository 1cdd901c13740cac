"""Metrics of the HAR papers: G-mean, calibration, feature separability, a report.

Everything here takes labels of any type (ints, strings) and, where a metric
already exists in scikit-learn, calls scikit-learn's function instead of
rewriting it. Three metrics are added:

* :func:`g_mean` -- the one-vs-rest ``sqrt(TPR * TNR)`` of seeds 000 (appendix
  A.2) and 002 (section 3.3.4), averaged over classes, and the other common
  definition (geometric mean of the per-class recalls) for comparison;
* :func:`expected_calibration_error` -- top-label ECE (seed 000, appendix C);
* :func:`class_separability` -- intra-/inter-class distances of seed 000,
  appendix B (Table 5).

:func:`har_report` gathers the metrics the papers report, :func:`format_report`
prints them, and :data:`g_mean_scorer` / :func:`ece_scorer` plug them into
``cross_val_score``, ``GridSearchCV`` and friends. An undefined value (0/0) is
NaN with an ``UndefinedMetricWarning``, as scikit-learn's ``roc_auc_score``.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from scipy.spatial.distance import pdist
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    get_scorer,
    make_scorer,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils import get_tags
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_array, check_consistent_length, check_X_y, column_or_1d

__all__ = [
    "g_mean",
    "expected_calibration_error",
    "class_separability",
    "har_report",
    "format_report",
    "g_mean_scorer",
    "ece_scorer",
    "skip_ignored_rows",
    "tstr_score",
    "statistics_match",
]

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


_PER_CLASS_KEYS = ("precision", "recall", "f1-score", "support")


def _per_class_scores(y_true, y_pred, labels, target_names):
    """Precision, recall, F1 and support of each class, keyed by its name.

    As ``classification_report(..., output_dict=True)``: scikit-learn's
    ``precision_recall_fscore_support(average=None)``, names ``str(label)``
    or ``target_names``.
    """
    labels = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    scores = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=0
    )
    if target_names is None:
        names = [str(label) for label in labels]
    else:
        names = [str(name) for name in target_names]
        if len(names) != labels.size:
            raise ValueError(
                f"The report scores {labels.size} classes but {len(names)} target_names "
                f"were given ({names}); give one name per label, in the order of labels."
            )
    if len(set(names)) != len(names):
        raise ValueError(f"The class names must be distinct; got {names}.")
    return {
        name: {"precision": float(p), "recall": float(r), "f1-score": float(f),
               "support": int(n)}
        for name, p, r, f, n in zip(names, *scores)
    }


def _round_report(value, digits):
    if isinstance(value, dict):
        return {k: _round_report(v, digits) for k, v in value.items()}
    return round(value, digits) if isinstance(value, float) else value


def har_report(y_true, y_pred, y_proba=None, *, labels=None, target_names=None, digits=None):
    """The metrics the HAR papers report, in one dict.

    Each value comes from scikit-learn's own function (``zero_division=0``),
    except ``g_mean`` and ``ece`` (this module). The per-class scores are those
    of scikit-learn's ``classification_report(..., output_dict=True)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,), default=None
        Predicted probabilities, columns in the order of ``labels``; adds
        ``"roc_auc_ovr"`` and ``"ece"`` to the report.
    labels : array-like, default=None
        Labels scored by the precision/recall/F1 and G-mean averages, and the
        column order of ``y_proba`` (pass ``estimator.classes_``). Default: the
        labels present (sorted unique of ``y_true`` for ``y_proba``).
        Accuracy and balanced accuracy always use all samples. The classes of
        ``"per_class"``, in this order (default: sorted labels of ``y_true``
        and ``y_pred``).
    target_names : list of str, default=None
        Display names of the classes of ``"per_class"``, one per label in the
        order of ``labels`` (e.g. activity names for integer labels). Default:
        ``str(label)``.
    digits : int, default=None
        Round the float values (per-class ones too) to this many decimals;
        None keeps them.

    Returns
    -------
    report : dict
        ``"accuracy"``, ``"precision_macro"``, ``"recall_macro"``,
        ``"f1_macro"``, ``"precision_weighted"``, ``"recall_weighted"``,
        ``"f1_weighted"``, ``"g_mean"`` (macro, see :func:`g_mean`),
        ``"balanced_accuracy"``, ``"n_samples"`` (int), and with ``y_proba``
        ``"roc_auc_ovr"`` (macro one-vs-rest ROC AUC; the plain ROC AUC of
        ``labels[1]`` for a binary problem) and ``"ece"``
        (:func:`expected_calibration_error`, default bins); last
        ``"per_class"``: ``{class name: {"precision", "recall", "f1-score",
        "support"}}``, as the per-class entries of scikit-learn's
        ``classification_report(output_dict=True, zero_division=0)``
        (``"support"`` an int: the number of true samples of the class).

    Examples
    --------
    >>> from sklearn_har.metrics import har_report
    >>> y_true = ["sit", "sit", "walk", "walk"]
    >>> report = har_report(y_true, ["sit", "walk", "walk", "walk"], digits=3)
    >>> report["accuracy"], report["f1_macro"], report["g_mean"], report["n_samples"]
    (0.75, 0.733, 0.707, 4)
    >>> report["per_class"]["sit"]
    {'precision': 1.0, 'recall': 0.5, 'f1-score': 0.667, 'support': 2}
    """
    report = {"accuracy": float(accuracy_score(y_true, y_pred))}
    for average in ("macro", "weighted"):
        scores = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=0
        )[:3]
        for name, value in zip(("precision", "recall", "f1"), scores):
            report[f"{name}_{average}"] = float(value)
    report["g_mean"] = g_mean(y_true, y_pred, labels=labels)
    report["balanced_accuracy"] = float(balanced_accuracy_score(y_true, y_pred))
    report["n_samples"] = int(column_or_1d(y_true).size)
    per_class = _per_class_scores(y_true, y_pred, labels, target_names)
    if y_proba is not None:
        y_true, y_proba, labels = _check_proba(y_true, y_proba, labels)
        if labels.size == 2:
            auc = roc_auc_score(y_true == labels[1], y_proba[:, 1])
        else:
            auc = roc_auc_score(
                y_true, y_proba, multi_class="ovr", average="macro", labels=labels
            )
        report["roc_auc_ovr"] = float(auc)
        report["ece"] = expected_calibration_error(y_true, y_proba, labels=labels)
    report["per_class"] = per_class
    if digits is not None:
        report = _round_report(report, digits)
    return report


def format_report(report, *, digits=4):
    """Render a :func:`har_report` dict as text tables.

    First a two-column table of the metrics, then, when the report has
    ``"per_class"``, a blank line and a table with one row per class: its
    name, precision, recall, F1 and support.

    Parameters
    ----------
    report : dict
        Metric name -> value (float or int), and optionally ``"per_class"``
        (class name -> ``{"precision", "recall", "f1-score", "support"}``).
    digits : int, default=4
        Decimals shown for float values.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from sklearn_har.metrics import format_report
    >>> print(format_report({"accuracy": 0.75, "n_samples": 4}))
    metric      value
    -----------------
    accuracy   0.7500
    n_samples       4
    >>> from sklearn_har.metrics import har_report
    >>> report = har_report(["sit", "sit", "walk"], ["sit", "walk", "walk"])
    >>> print(format_report(report, digits=2).split("\\n\\n")[1])
    class  precision  recall  f1-score  support
    -------------------------------------------
    sit         1.00    0.50      0.67        2
    walk        0.50    1.00      0.67        1
    """
    def cell(value):
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    cells = {name: cell(value) for name, value in report.items()
             if not isinstance(value, dict)}
    width = max(len("metric"), *(len(name) for name in cells))
    value_width = max(len("value"), *(len(c) for c in cells.values()))
    lines = [f"{'metric':<{width}}  {'value':>{value_width}}", "-" * (width + 2 + value_width)]
    lines += [f"{name:<{width}}  {c:>{value_width}}" for name, c in cells.items()]
    per_class = report.get("per_class")
    if per_class:
        rows = [[str(name), *(cell(scores[key]) for key in _PER_CLASS_KEYS)]
                for name, scores in per_class.items()]
        header = ["class", *_PER_CLASS_KEYS]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

        def line(row):
            return "  ".join([f"{row[0]:<{widths[0]}}",
                              *(f"{c:>{w}}" for c, w in zip(row[1:], widths[1:]))])

        lines += ["", line(header), "-" * len(line(header)), *map(line, rows)]
    return "\n".join(lines)


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


# --------------------------------------------------------------------------
# fidelity of synthetic windows
# --------------------------------------------------------------------------
def _default_reference_classifier(random_state=0):
    from sklearn.ensemble import ExtraTreesClassifier

    from .pipeline import make_pipeline
    from .preprocessing import StatFeatures

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
    from sklearn.base import clone
    from sklearn.metrics import get_scorer

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
    from .utils.validation import check_windows

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
