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

from ._classification import class_separability, expected_calibration_error, g_mean
from ._fidelity import statistics_match, tstr_score
from ._report import format_report, har_report
from ._scorers import ece_scorer, g_mean_scorer, skip_ignored_rows

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
