"""MAGRes2NetClassifier: the center-loss recipe, its optimizer groups, Table 8's switches, searches."""

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_har import BorderlineSMOTE, MAGRes2NetClassifier, Pipeline, WindowSegmenter
from sklearn_har.datasets import make_har_table, make_har_windows
from sklearn_har.nn import CECenterLoss, Lion
from sklearn_har.nn.layers import EfficientChannelAttention, SplitGate, SqueezeExcite

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")

TINY = dict(module__depths=(1, 1), module__base_width=4, module__width=4,
            module__stem_width=8, max_epochs=3, batch_size=32, verbose=0)


@pytest.fixture(scope="module")
def windows():
    return make_har_windows(n_windows=240, n_classes=3, n_timesteps=32, n_groups=6,
                            random_state=0)


def _groups(clf):
    """{name of the group's first parameter: (lr, weight_decay, n_params)}."""
    names = {id(p): n for n, p in clf.get_all_learnable_params()}
    return {names[id(g["params"][0])]: (g["lr"], g["weight_decay"], len(g["params"]))
            for g in clf.optimizer_.param_groups}


def test_default_recipe_cross_entropy_plus_center_loss_on_the_features(windows):
    X, y, groups = windows
    default = MAGRes2NetClassifier()
    assert (default.lr, default.batch_size, default.center_lr) == (5e-3, 256, 5e-3)
    assert default.optimizer is torch.optim.AdamW
    clf = MAGRes2NetClassifier(**TINY, random_state=0).fit(X, y, groups=groups)
    crit = clf.criterion_
    assert isinstance(crit, CECenterLoss) and crit.weights == {"ce": 1.0, "center": 0.0005}
    centers = crit.components["center"].centers
    assert centers.shape == (3, clf.module_.n_features_out)
    assert set(crit.last_values) == {"ce", "center"}
    # the centres: their own group, at center_lr, without weight decay; and they moved
    g = _groups(clf)
    assert g["components.center.centers"] == (5e-3, 0.0, 1)
    before = centers.detach().clone()
    clf.partial_fit(X, y)
    assert not torch.allclose(clf.criterion_.components["center"].centers.detach(), before)


def test_center_lr_none_and_a_user_group_for_the_centres(windows):
    X, y, _ = windows
    one = MAGRes2NetClassifier(**{**TINY, "max_epochs": 1}, center_lr=None).fit(X, y)
    assert len(one.optimizer_.param_groups) == 1
    mine = MAGRes2NetClassifier(**{**TINY, "max_epochs": 1}, center_lr=0.1,
                                optimizer__param_groups=[("*centers", {"lr": 0.5})]).fit(X, y)
    assert _groups(mine)["components.center.centers"][0] == 0.5  # the user's group wins


def test_center_weight_reaches_the_loss_and_zero_is_plain_cross_entropy(windows):
    X, y, _ = windows
    clf = MAGRes2NetClassifier(**{**TINY, "max_epochs": 1}, criterion__center_weight=0.0)
    clf.fit(X, y)
    assert clf.criterion_.weights["center"] == 0.0


def test_lion_recipe_of_the_paper(windows):
    X, y, groups = windows
    clf = MAGRes2NetClassifier(**{**TINY, "batch_size": 128}, optimizer=Lion, lr=3e-3,
                               criterion__center_weight=0.0007, random_state=0)
    clf.fit(X, y, groups=groups)
    assert isinstance(clf.optimizer_, Lion)
    assert [g["lr"] for g in clf.optimizer_.param_groups] == [5e-3, 3e-3]
    assert np.isfinite(clf.history[:, "train_loss"]).all()


@pytest.mark.parametrize("params, present, absent", [
    ({"module__gated": False, "module__attention": None}, [], [SplitGate,
                                                               EfficientChannelAttention]),
    ({"module__attention": "se"}, [SplitGate, SqueezeExcite], [EfficientChannelAttention]),
    ({}, [SplitGate, EfficientChannelAttention], [SqueezeExcite]),
])
def test_table_8_rows_are_set_params(windows, params, present, absent):
    X, y, _ = windows
    clf = MAGRes2NetClassifier(**{**TINY, "max_epochs": 1}).set_params(**params).fit(X, y)
    kinds = {type(m) for m in clf.module_.modules()}
    assert all(k in kinds for k in present) and not any(k in kinds for k in absent)


def test_bad_center_lr_is_named(windows):
    X, y, _ = windows
    with pytest.raises(ValueError, match="'center_lr' parameter of MAGRes2NetClassifier"):
        MAGRes2NetClassifier(**TINY, center_lr=0).fit(X, y)


# tiny folds: some classes have no window in danger (warned, nothing to oversample there)
@pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.NoDangerWarning")
def test_grid_search_over_attention_and_center_weight_with_borderline_smote():
    X, y = make_har_table(n_users=3, n_activities=3, rows_per_user=900, random_state=0)
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=32, step=16, group_column="user")),
        ("smote", BorderlineSMOTE(k_neighbors=3, random_state=0)),
        ("clf", MAGRes2NetClassifier(**{**TINY, "max_epochs": 2}, random_state=0)),
    ])
    grid = {"clf__module__attention": ["eca", "se"],
            "clf__criterion__center_weight": [0.0, 0.0005]}
    search = GridSearchCV(pipe, grid, cv=GroupKFold(3), scoring="accuracy")
    search.fit(X, y, groups=X["user"])
    assert search.cv_results_["mean_test_score"].shape == (4,)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_[-1]
    assert best.criterion_.weights["center"] == search.best_params_[
        "clf__criterion__center_weight"]
    att = EfficientChannelAttention if search.best_params_[
        "clf__module__attention"] == "eca" else SqueezeExcite
    assert any(isinstance(m, att) for m in best.module_.modules())
    assert search.predict(X).shape == (len(X),)
