"""AdaptiveLossWeights (seed 000 eq. 27 + bounded variant) and ValidationScores."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_har import Pipeline, WindowSegmenter
from sklearn_har.callbacks import (
    AdaptiveLossWeights,
    ValidationScores,
    adaptive_loss_weights,
    confusion_scores,
)
from sklearn_har.callbacks._adaptive import _project_bounded_simplex
from sklearn_har.classifiers import CNNClassifier
from sklearn_har.datasets import make_har_table, make_har_windows
from sklearn_har.metrics import g_mean
from sklearn_har.nn import SmoothFocalCELoss

NAMES = ["sl", "fl", "ce"]
FAST = dict(module__channels=(8,), max_epochs=4, batch_size=32, verbose=0, random_state=0)


@pytest.mark.parametrize(
    "acc, tau, w1",
    [
        (0.8, 0.5, 0.25),  # 2 - 0.5 - 1/0.8
        (0.5, 0.0, 0.0),  # 2 - 0 - 2
        (1.0, 0.2, 0.8),  # 2 - 0.2 - 1
        (0.25, 0.5, -2.5),  # low accuracy: eq. 27 goes negative
    ],
)
def test_eq27_against_hand_computed_values(acc, tau, w1):
    w = adaptive_loss_weights(acc, NAMES, tau=tau, mode="eq27")
    assert w["fl"] == pytest.approx(w1, abs=1e-6)
    assert w["sl"] == pytest.approx(0.5 * (1 - w1), abs=1e-6)
    assert w["ce"] == pytest.approx(0.5 * (1 - w1), abs=1e-6)


def test_eq27_others_share_equally_with_more_components():
    w = adaptive_loss_weights(0.8, ["a", "b", "c", "d"], primary="b", tau=0.5, mode="eq27")
    assert w == pytest.approx({"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25})


def test_bounded_rule_by_hand():
    # acc = 0.8, tau = 0.5 -> u = (0.375, 0.25, 0.375); uniform w0; T = 1
    u = np.array([0.375, 0.25, 0.375])
    p = np.exp(u) / np.exp(u).sum()
    w = adaptive_loss_weights(0.8, NAMES, tau=0.5, temperature=1.0, min_weight=0.1, max_weight=0.8)
    np.testing.assert_allclose([w[n] for n in NAMES], p, atol=1e-9)  # inside the bounds
    # biased initial weights stay as a prior
    w0 = {"sl": 0.6, "fl": 0.2, "ce": 0.2}
    w = adaptive_loss_weights(0.8, NAMES, tau=0.5, initial_weights=w0, min_weight=0.0, max_weight=1.0)
    q = np.array([0.6, 0.2, 0.2]) * np.exp(u)
    np.testing.assert_allclose([w[n] for n in NAMES], q / q.sum(), atol=1e-9)


def test_bounded_rule_respects_bounds_and_temperature():
    for acc in np.linspace(0.05, 1.0, 20):
        for temp in (0.05, 0.5, 1.0, 2.0, 100.0):
            w = np.array(list(adaptive_loss_weights(acc, NAMES, tau=0.3, temperature=temp).values()))
            assert w.sum() == pytest.approx(1.0)
            assert (w >= 0.1 - 1e-9).all() and (w <= 0.8 + 1e-9).all()
    # high temperature: near the initial weights; low: at the bounds
    hot = adaptive_loss_weights(0.99, NAMES, tau=0.0, temperature=1e6)
    assert hot == pytest.approx({n: 1 / 3 for n in NAMES}, abs=1e-5)
    cold = adaptive_loss_weights(0.99, NAMES, tau=0.0, temperature=1e-3)
    assert cold["fl"] == pytest.approx(0.8) and cold["sl"] == pytest.approx(0.1)


def test_projection_is_the_closest_feasible_point():
    rng = np.random.default_rng(0)
    for _ in range(50):
        v = rng.dirichlet(np.ones(4))
        w = _project_bounded_simplex(v, 0.1, 0.5)
        assert w.sum() == pytest.approx(1.0) and w.min() >= 0.1 - 1e-9 and w.max() <= 0.5 + 1e-9
        # no feasible point closer: compare with random feasible points
        for _ in range(20):
            z = _project_bounded_simplex(rng.dirichlet(np.ones(4)), 0.1, 0.5)
            assert np.linalg.norm(v - w) <= np.linalg.norm(v - z) + 1e-9
    feasible = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(_project_bounded_simplex(feasible, 0.1, 0.8), feasible)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(primary="focal"), "primary component 'focal'"),
        (dict(mode="soft"), "mode"),
        (dict(temperature=0.0), "temperature"),
        (dict(min_weight=0.4), "leave no weights"),
        (dict(max_weight=0.3), "leave no weights"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        adaptive_loss_weights(0.9, NAMES, **kwargs)


@pytest.fixture(scope="module")
def windows():
    return make_har_windows(n_windows=200, n_classes=3, n_timesteps=32, random_state=0)


@pytest.mark.parametrize("mode, on", [("bounded", "valid"), ("eq27", "train")])
def test_callback_follows_the_rule_and_records_history(windows, mode, on):
    X, y, groups = windows
    cb = AdaptiveLossWeights(tau=0.4, mode=mode, accuracy_on=on)
    clf = CNNClassifier(criterion=SmoothFocalCELoss, callbacks=[("adaptive_loss", cb)], **FAST)
    clf.fit(X, y, groups=groups)
    h = clf.history
    # epoch 1 uses the criterion's initial weights, normalised
    assert [h[0][f"loss_weight_{n}"] for n in NAMES] == pytest.approx([0.33, 0.33, 0.34])
    for prev, row in zip(h[:-1], h[1:]):
        expected = adaptive_loss_weights(
            prev["adaptive_acc"], NAMES, tau=0.4, mode=mode,
            initial_weights={"sl": 0.33, "fl": 0.33, "ce": 0.34},
        )
        assert [row[f"loss_weight_{n}"] for n in NAMES] == pytest.approx(
            [expected[n] for n in NAMES]
        )
    # the weighted components add up to the recorded training loss
    for row in h:
        total = sum(row[f"loss_weight_{n}"] * row[f"train_loss_{n}"] for n in NAMES)
        assert total == pytest.approx(row["train_loss"], rel=1e-4)
    if on == "valid":
        assert [r["adaptive_acc"] for r in h] == pytest.approx(h[:, "valid_acc"])
    assert clf.criterion_.weights == pytest.approx(cb.weights_)


def test_accuracy_on_valid_needs_a_split(windows):
    X, y, _ = windows
    clf = CNNClassifier(
        criterion=SmoothFocalCELoss, train_split=None,
        callbacks=[("adaptive_loss", AdaptiveLossWeights())], **FAST,
    )
    with pytest.raises(ValueError, match="accuracy_on='train'"):
        clf.fit(X, y)


def test_callback_needs_a_composite_criterion(windows):
    X, y, _ = windows
    clf = CNNClassifier(callbacks=[("adaptive_loss", AdaptiveLossWeights())], **FAST)
    with pytest.raises(TypeError, match="CompositeLoss"):
        clf.fit(X, y)


def test_partial_fit_keeps_the_adapted_weights(windows):
    X, y, groups = windows
    cb = AdaptiveLossWeights(tau=0.4)
    clf = CNNClassifier(criterion=SmoothFocalCELoss, callbacks=[("adaptive_loss", cb)], **FAST)
    clf.partial_fit(X, y, groups=groups)
    adapted = dict(cb.weights_)
    clf.partial_fit(X, y, groups=groups)
    assert [clf.history[4][f"loss_weight_{n}"] for n in NAMES] == pytest.approx(
        [adapted[n] for n in NAMES]
    )


def test_params_are_reachable_with_sklearn_syntax():
    clf = CNNClassifier(
        criterion=SmoothFocalCELoss, callbacks=[("adaptive_loss", AdaptiveLossWeights())]
    )
    params = clf.get_params()
    for name in ("tau", "mode", "accuracy_on", "temperature", "min_weight", "max_weight"):
        assert f"callbacks__adaptive_loss__{name}" in params
    clf.set_params(callbacks__adaptive_loss__tau=0.1, criterion__gamma=2.0)
    assert clf.callbacks[0][1].tau == 0.1


def test_grid_search_over_tau_and_a_criterion_parameter_in_a_pipeline():
    X, y = make_har_table(n_users=3, rows_per_user=1200, random_state=0)
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=64, step=32, group_column="user")),
        ("clf", CNNClassifier(
            criterion=SmoothFocalCELoss,
            callbacks=[("adaptive_loss", AdaptiveLossWeights(accuracy_on="train"))],
            train_split=None, **FAST,
        )),
    ])
    grid = {"clf__callbacks__adaptive_loss__tau": [0.2, 0.6], "clf__criterion__gamma": [0.0, 2.0]}
    search = GridSearchCV(pipe, grid, cv=GroupKFold(3), scoring="accuracy", error_score="raise")
    search.fit(X, y, groups=X["user"])
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_[-1]
    assert best.criterion_.gamma == search.best_params_["clf__criterion__gamma"]
    assert dict(best.callbacks_)["adaptive_loss"].tau == search.best_params_[
        "clf__callbacks__adaptive_loss__tau"
    ]
    assert search.predict(X).shape == (len(X),)  # one label per row


def test_confusion_scores_match_sklearn():
    rng = np.random.default_rng(0)
    for k in (2, 3, 6):
        y = rng.integers(0, k, 200)
        p = np.where(rng.random(200) < 0.6, y, rng.integers(0, k, 200))
        s = confusion_scores(y, p)
        assert s["acc"] == pytest.approx(accuracy_score(y, p))
        assert s["f1_macro"] == pytest.approx(f1_score(y, p, average="macro", zero_division=0))
        assert s["g_mean"] == pytest.approx(g_mean(y, p))
    # a label absent from y_true: F1 counts it (as sklearn), G-mean leaves it out
    y, p = np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1])
    assert confusion_scores(y, p)["f1_macro"] == pytest.approx(f1_score(y, p, average="macro", zero_division=0))
    with pytest.warns(Warning):
        assert confusion_scores(y, p)["g_mean"] == pytest.approx(g_mean(y, p))


def test_validation_scores_are_recorded_with_best_flags(windows):
    X, y, groups = windows
    clf = CNNClassifier(**FAST).fit(X, y, groups=groups)
    f1 = clf.history[:, "valid_f1_macro"]
    best = clf.history[:, "valid_f1_macro_best"]
    assert best[0] and all(b == (v > max(f1[:i])) for i, (v, b) in enumerate(zip(f1, best)) if i)
    assert all(0 <= v <= 1 for v in clf.history[:, "valid_g_mean"])
    with pytest.raises(ValueError, match="knows the scores"):
        CNNClassifier(callbacks__valid_scores__scores=("auc",), **FAST).fit(X, y)
    assert ValidationScores().scores == ("acc", "f1_macro", "g_mean")
