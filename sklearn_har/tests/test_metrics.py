"""Behaviour of sklearn_har.metrics on hand-computed cases."""

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    classification_report,
    f1_score,
    make_scorer,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_har.metrics import (
    class_separability,
    ece_scorer,
    expected_calibration_error,
    format_report,
    g_mean,
    g_mean_scorer,
    har_report,
)

# ---------------------------------------------------------------- g_mean
# Confusion (rows true, columns predicted), labels a, b, c:
#   a: 3 a, 1 b      -> TPR 3/4, TNR 6/6 (no false a)
#   b: 2 b, 2 c      -> TPR 2/4, TNR 5/6 (one a predicted b)
#   c: 2 c           -> TPR 2/2, TNR 6/8 (two b predicted c)
Y_TRUE = ["a"] * 4 + ["b"] * 4 + ["c"] * 2
Y_PRED = ["a", "a", "a", "b", "b", "b", "c", "c", "c", "c"]
PER_CLASS = np.sqrt([3 / 4 * 1, 2 / 4 * 5 / 6, 1 * 6 / 8])


def test_g_mean_per_class_is_sqrt_tpr_times_tnr():
    assert_allclose(g_mean(Y_TRUE, Y_PRED, average=None), PER_CLASS)


@pytest.mark.parametrize(
    "average, expected",
    [
        ("macro", PER_CLASS.mean()),
        ("weighted", np.average(PER_CLASS, weights=[4, 4, 2])),
        ("multiclass", (3 / 4 * 2 / 4 * 1) ** (1 / 3)),
    ],
)
def test_g_mean_averages_match_hand_computation(average, expected):
    assert g_mean(Y_TRUE, Y_PRED, average=average) == pytest.approx(expected)


@pytest.mark.parametrize("average", ["multiclass", None])
def test_g_mean_agrees_with_imblearn_when_every_label_is_true_somewhere(average):
    # (imblearn's "macro" is sqrt(mean TPR * mean TNR), not the mean of g_k)
    expected = geometric_mean_score(Y_TRUE, Y_PRED, average=average)
    assert_allclose(g_mean(Y_TRUE, Y_PRED, average=average), expected)


@pytest.mark.parametrize("average", ["macro", "weighted", "multiclass"])
def test_g_mean_of_a_perfect_classifier_is_one(average):
    assert g_mean(Y_TRUE, Y_TRUE, average=average) == pytest.approx(1.0)


def test_g_mean_drops_when_a_class_is_never_predicted():
    y_true = ["sit", "sit", "walk", "walk", "run", "run"]
    y_pred = ["sit", "sit", "walk", "walk", "walk", "walk"]
    # run: TPR 0 -> 0; sit: 1; walk: TPR 1, TNR 2/4
    assert_allclose(g_mean(y_true, y_pred, average=None), [0.0, 1.0, np.sqrt(0.5)])
    assert g_mean(y_true, y_pred) == pytest.approx((1 + np.sqrt(0.5)) / 3)
    assert g_mean(y_true, y_pred, average="multiclass") == 0.0


def test_g_mean_binary_is_sqrt_sensitivity_times_specificity():
    y_true, y_pred = [0, 0, 0, 1, 1], [0, 1, 0, 1, 0]
    expected = np.sqrt(1 / 2 * 2 / 3)
    for average in ("macro", "weighted", "multiclass"):
        assert g_mean(y_true, y_pred, average=average) == pytest.approx(expected)
    assert_allclose(g_mean(y_true, y_pred, average=None), [expected, expected])


def test_g_mean_leaves_out_a_label_with_no_true_sample_and_warns():
    y_true = ["a", "a", "b", "b"]
    y_pred = ["a", "x", "b", "b"]
    with pytest.warns(UndefinedMetricWarning, match=r"\['x'\].*left out"):
        score = g_mean(y_true, y_pred)
    assert score == pytest.approx((np.sqrt(0.5) + 1) / 2)
    with pytest.warns(UndefinedMetricWarning, match="NaN in the result"):
        per_class = g_mean(y_true, y_pred, average=None)
    assert_allclose(per_class, [np.sqrt(0.5), 1.0, np.nan])
    with pytest.warns(UndefinedMetricWarning):
        assert g_mean(y_true, y_pred, average="multiclass") == pytest.approx(np.sqrt(0.5))


def test_g_mean_is_nan_when_y_true_has_one_class():
    with pytest.warns(UndefinedMetricWarning, match=r"\['sit'\]"):
        assert np.isnan(g_mean(["sit"] * 3, ["sit"] * 3))


def test_g_mean_labels_select_and_order_the_classes():
    assert_allclose(
        g_mean(Y_TRUE, Y_PRED, labels=["c", "a"], average=None), PER_CLASS[[2, 0]]
    )


def test_g_mean_sample_weight_equals_repeating_samples():
    weights = np.arange(1, 11)
    repeated = np.repeat(np.arange(10), weights)
    y_true, y_pred = np.array(Y_TRUE), np.array(Y_PRED)
    for average in ("macro", "weighted", "multiclass"):
        assert g_mean(y_true, y_pred, average=average, sample_weight=weights) == (
            pytest.approx(g_mean(y_true[repeated], y_pred[repeated], average=average))
        )


def test_g_mean_rejects_an_unknown_average():
    with pytest.raises(InvalidParameterError, match="'average' parameter of g_mean"):
        g_mean(Y_TRUE, Y_PRED, average="micro")


# ---------------------------------------------------------------- ECE
def test_ece_of_a_perfectly_calibrated_model_is_zero():
    # confidence 0.6 on 5 samples with 3 right, 0.9 on 10 samples with 9 right
    y_true = ["sit"] * 3 + ["walk"] * 2 + ["walk"] * 9 + ["sit"]
    y_proba = [[0.6, 0.4]] * 5 + [[0.1, 0.9]] * 10
    assert expected_calibration_error(y_true, y_proba) == pytest.approx(0.0, abs=1e-12)


def _over_and_under_confident():
    # 4 samples at confidence 0.95 with 2 right (gap 0.45),
    # 4 samples at confidence 0.55 with 4 right (gap 0.45).
    y_proba = [[0.95, 0.03, 0.02]] * 4 + [[0.55, 0.25, 0.2]] * 4
    y_true = ["a", "a", "b", "c"] + ["a"] * 4
    return y_true, y_proba


@pytest.mark.parametrize("strategy, n_bins", [("uniform", 10), ("quantile", 2)])
def test_ece_of_a_miscalibrated_model_matches_hand_computation(strategy, n_bins):
    y_true, y_proba = _over_and_under_confident()
    ece = expected_calibration_error(y_true, y_proba, n_bins=n_bins, strategy=strategy)
    assert ece == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)


def test_ece_with_one_bin_is_the_gap_of_the_means():
    # accuracy 6/8 and mean confidence 0.75: the two errors cancel in one bin
    y_true, y_proba = _over_and_under_confident()
    assert expected_calibration_error(y_true, y_proba, n_bins=1) == pytest.approx(0.0)


def test_ece_follows_labels_for_the_column_order():
    y_true, y_proba = _over_and_under_confident()
    reference = expected_calibration_error(y_true, y_proba)
    reversed_proba = np.asarray(y_proba)[:, ::-1]
    assert expected_calibration_error(
        y_true, reversed_proba, labels=["c", "b", "a"]
    ) == pytest.approx(reference)
    assert expected_calibration_error(y_true, reversed_proba) != pytest.approx(reference)


def test_ece_reads_1d_proba_as_the_positive_class():
    y_true = ["sit", "walk", "walk", "sit", "walk"]
    p_walk = np.array([0.2, 0.7, 0.4, 0.9, 0.8])
    two_columns = np.column_stack([1 - p_walk, p_walk])
    assert expected_calibration_error(y_true, p_walk) == pytest.approx(
        expected_calibration_error(y_true, two_columns)
    )
    # confidences 0.8 0.7 0.6 0.9 0.8 with right, right, wrong, wrong, right
    hand = (abs(2 - 1.6) + abs(1 - 0.7) + abs(0 - 0.6) + abs(0 - 0.9)) / 5
    assert expected_calibration_error(y_true, p_walk, n_bins=10) == pytest.approx(hand)


@pytest.mark.parametrize(
    "y_true, y_proba, labels, match",
    [
        (["a", "b"], [[0.5, 0.3, 0.2]] * 2, None, r"= \(2, 2\).*got shape \(2, 3\).*classes_"),
        (["a", "b"], np.full((2, 2, 1), 0.5), None, r"got shape \(2, 2, 1\)"),
        (["a", "b", "c"], [0.3, 0.6, 0.1], None, "1-D y_proba.*3 label"),
        (["a", "b"], [[0.7, 0.7], [0.5, 0.5]], None, "row 0"),
        (["a", "b"], [[2.0, -1.0], [0.5, 0.5]], None, r"\[0, 1\].*logits"),
        (["a", "z"], [[0.5, 0.5]] * 2, ["a", "b"], r"\['z'\]"),
        (["a", "b"], [[0.5, 0.5]] * 2, ["a", "a"], "unique"),
        (["a", "b", "a"], [[0.5, 0.5]] * 2, None, "inconsistent numbers of samples"),
    ],
)
def test_ece_errors_say_what_was_expected(y_true, y_proba, labels, match):
    with pytest.raises(ValueError, match=match):
        expected_calibration_error(y_true, y_proba, labels=labels)


@pytest.mark.parametrize("params", [{"n_bins": 0}, {"strategy": "kmeans"}])
def test_ece_validates_its_parameters(params):
    with pytest.raises(InvalidParameterError):
        expected_calibration_error(["a", "b"], [[0.5, 0.5]] * 2, **params)


# ---------------------------------------------------------------- class_separability
def _three_clusters():
    X = np.array(
        [[1, 0], [-1, 0], [0, 2], [0, -2],  # centroid (0, 0), mean distance 1.5
         [10, 0], [12, 0],                  # centroid (11, 0), mean distance 1
         [0, 6]],                           # centroid (0, 6), distance 0
        dtype=float,
    )
    y = ["sit"] * 4 + ["walk"] * 2 + ["run"]
    return X, y


def test_class_separability_matches_hand_built_centroids():
    X, y = _three_clusters()
    result = class_separability(X, y)
    intra = (1.5 + 1 + 0) / 3  # per class, then unweighted over classes
    inter = (11 + 6 + np.sqrt(11**2 + 6**2)) / 3
    assert result == pytest.approx({"intra": intra, "inter": inter, "ratio": inter / intra})
    assert all(isinstance(v, float) for v in result.values())


def test_class_separability_flattens_3d_windows():
    X, y = _three_clusters()
    windows = X.reshape(len(X), 2, 1)
    assert class_separability(windows, y) == pytest.approx(class_separability(X, y))


def test_class_separability_grows_when_classes_move_apart():
    X, y = _three_clusters()
    far = X.copy()
    far[4:6, 0] += 100
    assert class_separability(far, y)["ratio"] > class_separability(X, y)["ratio"]


def test_class_separability_ratio_is_inf_for_collapsed_classes():
    result = class_separability([[0, 0], [0, 0], [3, 4]], [1, 1, 2])
    assert result == {"intra": 0.0, "inter": 5.0, "ratio": np.inf}


def test_class_separability_needs_two_classes():
    with pytest.raises(ValueError, match="at least 2 classes"):
        class_separability([[0.0], [1.0]], ["sit", "sit"])


def test_class_separability_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        class_separability([[0.0], [1.0], [2.0]], ["sit", "walk"])


# ---------------------------------------------------------------- har_report
def _fitted_model(n_classes):
    X, y = load_iris(return_X_y=True)
    keep = y < n_classes
    X, y = X[keep], np.array(["setosa", "versicolor", "virginica"])[y[keep]]
    X = X + np.random.default_rng(0).normal(scale=1.5, size=X.shape)  # make it err
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    return clf, X, y


def test_har_report_equals_sklearn_metrics_multiclass():
    clf, X, y = _fitted_model(3)
    y_pred, y_proba = clf.predict(X), clf.predict_proba(X)
    report = har_report(y, y_pred, y_proba, labels=clf.classes_)
    expected = {
        "accuracy": accuracy_score(y, y_pred),
        "balanced_accuracy": balanced_accuracy_score(y, y_pred),
        "g_mean": g_mean(y, y_pred),
        "n_samples": 150,
        "roc_auc_ovr": roc_auc_score(y, y_proba, multi_class="ovr"),
        "ece": expected_calibration_error(y, y_proba),
    }
    for average in ("macro", "weighted"):
        for name, func in [("precision", precision_score), ("recall", recall_score),
                           ("f1", f1_score)]:
            expected[f"{name}_{average}"] = func(y, y_pred, average=average)
    scalars = {k: v for k, v in report.items() if k != "per_class"}
    assert scalars == pytest.approx(expected)
    assert scalars.keys() == expected.keys()
    assert 0.5 < report["accuracy"] < 1.0  # a model that errs: the check means something


def test_har_report_binary_auc_is_for_labels_1_in_any_column_order():
    clf, X, y = _fitted_model(2)
    y_proba = clf.predict_proba(X)
    expected = roc_auc_score(y == "versicolor", y_proba[:, 1])
    assert har_report(y, clf.predict(X), y_proba)["roc_auc_ovr"] == pytest.approx(expected)
    swapped = har_report(y, clf.predict(X), y_proba[:, ::-1], labels=clf.classes_[::-1])
    assert swapped["roc_auc_ovr"] == pytest.approx(expected)
    one_column = har_report(y, clf.predict(X), y_proba[:, 1])
    assert one_column["roc_auc_ovr"] == pytest.approx(expected)


def test_har_report_without_proba_has_no_proba_metrics_and_rounds():
    report = har_report(Y_TRUE, Y_PRED, digits=2)
    assert "roc_auc_ovr" not in report and "ece" not in report
    assert report["g_mean"] == round(PER_CLASS.mean(), 2)
    assert report["n_samples"] == 10 and isinstance(report["n_samples"], int)


def test_format_report_shows_every_metric_in_two_columns():
    report = har_report(Y_TRUE, Y_PRED)
    scalars = {k: v for k, v in report.items() if k != "per_class"}
    lines = format_report(report).splitlines()
    if "" in lines:  # the per-class table comes after a blank line
        lines = lines[:lines.index("")]
    assert lines[0].split() == ["metric", "value"]
    assert len(lines) == len(scalars) + 2
    rows = dict(line.split() for line in lines[2:])
    assert rows["g_mean"] == f"{PER_CLASS.mean():.4f}"
    assert rows["n_samples"] == "10"
    assert len({len(line) for line in lines}) == 1  # aligned


# Per class, by hand from the confusion above (precision, recall, F1, support):
#   a: 3/3, 3/4, 6/7, 4     b: 2/3, 2/4, 4/7, 4     c: 2/4, 2/2, 2/3, 2
PER_CLASS_SCORES = {
    "a": {"precision": 1.0, "recall": 0.75, "f1-score": 6 / 7, "support": 4},
    "b": {"precision": 2 / 3, "recall": 0.5, "f1-score": 4 / 7, "support": 4},
    "c": {"precision": 0.5, "recall": 1.0, "f1-score": 2 / 3, "support": 2},
}


def test_har_report_has_per_class_scores():
    report = har_report(Y_TRUE, Y_PRED)
    assert list(report["per_class"]) == ["a", "b", "c"]
    for name, expected in PER_CLASS_SCORES.items():
        assert report["per_class"][name] == pytest.approx(expected)
        assert isinstance(report["per_class"][name]["support"], int)
    f1 = [scores["f1-score"] for scores in report["per_class"].values()]
    assert report["f1_macro"] == pytest.approx(np.mean(f1))
    rounded = har_report(Y_TRUE, Y_PRED, digits=3)["per_class"]
    assert rounded["a"] == {"precision": 1.0, "recall": 0.75, "f1-score": 0.857, "support": 4}


def test_har_report_per_class_equals_sklearn_classification_report():
    clf, X, y = _fitted_model(3)
    y_pred, y_proba = clf.predict(X), clf.predict_proba(X)
    report = har_report(y, y_pred, y_proba, labels=clf.classes_)
    expected = classification_report(y, y_pred, labels=clf.classes_, output_dict=True,
                                     zero_division=0)
    assert list(report["per_class"]) == clf.classes_.tolist()
    for name in clf.classes_:
        assert report["per_class"][name] == pytest.approx(expected[name])
    # integer labels: keys are their str, as in classification_report
    ints = har_report([0, 0, 1, 2], [0, 1, 1, 2])
    assert list(ints["per_class"]) == ["0", "1", "2"]
    assert ints["per_class"]["1"] == pytest.approx(
        classification_report([0, 0, 1, 2], [0, 1, 1, 2], output_dict=True)["1"])


def test_har_report_per_class_follows_labels_and_target_names():
    named = har_report(Y_TRUE, Y_PRED, target_names=["sit", "walk", "run"])
    assert list(named["per_class"]) == ["sit", "walk", "run"]
    assert named["per_class"]["walk"] == pytest.approx(PER_CLASS_SCORES["b"])
    # labels choose and order the classes; one absent from the data scores 0
    with pytest.warns(UndefinedMetricWarning, match="G-mean is undefined for label"):
        picked = har_report(Y_TRUE, Y_PRED, labels=["c", "a", "z"])
    assert list(picked["per_class"]) == ["c", "a", "z"]
    assert picked["per_class"]["c"] == pytest.approx(PER_CLASS_SCORES["c"])
    assert picked["per_class"]["z"] == {"precision": 0.0, "recall": 0.0, "f1-score": 0.0,
                                        "support": 0}
    with pytest.raises(ValueError, match="3 classes but 2 target_names"):
        har_report(Y_TRUE, Y_PRED, target_names=["sit", "walk"])


def test_format_report_has_one_row_per_class():
    report = har_report(Y_TRUE, Y_PRED, target_names=["sit", "walk", "run"])
    lines = format_report(report).splitlines()
    assert "per_class" not in "\n".join(lines)  # not a row of the metric table
    start = lines.index("") + 1
    assert lines[start].split() == ["class", "precision", "recall", "f1-score", "support"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[start + 2:]}
    assert rows == {"sit": ["1.0000", "0.7500", "0.8571", "4"],
                    "walk": ["0.6667", "0.5000", "0.5714", "4"],
                    "run": ["0.5000", "1.0000", "0.6667", "2"]}
    assert len({len(line) for line in lines[start:]}) == 1  # aligned
    assert format_report(report, digits=2).splitlines()[start + 2].split()[1] == "1.00"


# ---------------------------------------------------------------- scorers
def _per_fold(metric, clf, X, y, cv):
    return [
        metric(clf.fit(X[train], y[train]), X[test], y[test]) for train, test in cv.split(X, y)
    ]


def test_g_mean_scorer_in_cross_val_score():
    clf, X, y = _fitted_model(3)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(clf, X, y, cv=cv, scoring=g_mean_scorer)
    expected = _per_fold(lambda est, Xt, yt: g_mean(yt, est.predict(Xt)), clf, X, y, cv)
    assert_allclose(scores, expected)
    assert_allclose(cross_val_score(clf, X, y, cv=cv, scoring=make_scorer(g_mean)), expected)


def test_ece_scorer_in_cross_val_score_is_minus_ece():
    clf, X, y = _fitted_model(3)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(clf, X, y, cv=cv, scoring=ece_scorer)
    expected = _per_fold(
        lambda est, Xt, yt: -expected_calibration_error(yt, est.predict_proba(Xt)),
        clf, X, y, cv,
    )
    assert_allclose(scores, expected)
    assert (scores < 0).all()


def test_ece_scorer_handles_a_test_fold_missing_a_class():
    clf, X, y = _fitted_model(3)
    test = np.r_[0:10, 50:60]  # setosa and versicolor only
    cv = [(np.setdiff1d(np.arange(150), test), test)]
    score = cross_val_score(clf, X, y, cv=cv, scoring=ece_scorer)[0]
    clf.fit(X[cv[0][0]], y[cv[0][0]])
    expected = expected_calibration_error(
        y[test], clf.predict_proba(X[test]), labels=clf.classes_
    )
    assert score == pytest.approx(-expected)
    plain = make_scorer(
        expected_calibration_error, greater_is_better=False, response_method="predict_proba"
    )
    with pytest.raises(ValueError, match="labels=estimator.classes_"):
        cross_val_score(clf, X, y, cv=cv, scoring=plain, error_score="raise")
