"""The HAR report: the metrics the papers report, in one dict, and its text rendering."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import column_or_1d

from ._classification import _check_proba, expected_calibration_error, g_mean

__all__ = ["format_report", "har_report"]


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
