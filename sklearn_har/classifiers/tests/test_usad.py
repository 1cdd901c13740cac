"""USADClassifier: the default recipe (adaptive compound loss), switches, pre-training, searches."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_har import Pipeline, USADClassifier, WindowSegmenter
from sklearn_har.callbacks import AdaptiveLossWeights, adaptive_loss_weights
from sklearn_har.datasets import make_har_table, make_har_windows
from sklearn_har.nn import SmoothFocalCELoss
from sklearn_har.nn.layers import SpatialAttention, SqueezeExcite
from sklearn_har.samplers import DiffusionAugmenter

# a few epochs on tiny data: a kept model may still predict one class
pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")

TINY = dict(module__stem_width=8, module__widths=(8, 16), module__depths=(1, 1),
            module__kernels=(3, 5), max_epochs=4, batch_size=32, verbose=0)


@pytest.fixture(scope="module")
def windows():
    return make_har_windows(n_windows=240, n_classes=3, n_timesteps=32, n_groups=6,
                            random_state=0)


def _named(clf, name):
    return dict(clf.callbacks_)[name]


def test_default_recipe_is_the_adaptive_compound_loss():
    clf = USADClassifier()
    assert clf.criterion is SmoothFocalCELoss and clf.adaptive_loss is True
    params = clf.get_params()
    assert params["callbacks__adaptive_loss__tau"] == AdaptiveLossWeights().tau
    clf.set_params(callbacks__adaptive_loss__tau=0.3)
    assert _named(clf, "adaptive_loss").tau == 0.3
    assert _named(clf, "early_stopping").monitor == "valid_loss_fixed"
    plain = USADClassifier(adaptive_loss=False).initialize_callbacks()
    assert "adaptive_loss" not in dict(plain.callbacks_)
    assert _named(plain, "early_stopping").monitor == "valid_loss"


def test_adaptive_weights_move_and_plain_compound_loss_keeps_them(windows):
    X, y, groups = windows
    clf = USADClassifier(**TINY, random_state=0).fit(X, y, groups=groups)
    w = clf.history[:, "loss_weight_fl"]
    assert len(set(np.round(w, 6))) > 1  # eq. 27 changes them from epoch to epoch
    fixed = clf.history[:, "valid_loss_fixed"]
    assert len(fixed) == len(clf.history) and np.isfinite(fixed).all()
    plain = USADClassifier(**TINY, adaptive_loss=False, random_state=0).fit(X, y, groups=groups)
    assert "loss_weight_fl" not in plain.history[-1]
    assert plain.criterion_.weights == {"sl": 0.33, "fl": 0.33, "ce": 0.34}


def test_tau_reaches_the_callback_through_set_params(windows):
    X, y, groups = windows
    for tau in (0.1, 0.9):
        clf = USADClassifier(**TINY, random_state=0).set_params(callbacks__adaptive_loss__tau=tau)
        clf.fit(X, y, groups=groups)
        cb = _named(clf, "adaptive_loss")
        assert cb.tau == tau
        # the weights of epoch 2 are eq. 27 (bounded) of epoch 1's accuracy with this tau
        names = ["sl", "fl", "ce"]
        expected = adaptive_loss_weights(clf.history[0, "adaptive_acc"], names, tau=tau,
                                         initial_weights=cb.w0_)
        got = {n: clf.history[1, f"loss_weight_{n}"] for n in names}
        assert got == pytest.approx(expected)


def test_ablation_switches_are_set_params(windows):
    X, y, groups = windows
    clf = USADClassifier(**{**TINY, "max_epochs": 1}, random_state=0)
    n_full = sum(p.numel() for p in clf.fit(X, y).module_.parameters())
    clf.set_params(module__spatial_attention=False, module__temporal_attention=False).fit(X, y)
    kinds = {type(m) for m in clf.module_.modules()}
    assert SpatialAttention not in kinds and SqueezeExcite not in kinds
    assert sum(p.numel() for p in clf.module_.parameters()) < n_full


def test_pickle_keeps_the_adaptive_loss_weights(windows):
    # seeding and exact pickle predictions: test_seeding.py
    X, y, groups = windows
    a = USADClassifier(**TINY, random_state=3).fit(X, y, groups=groups)
    c = pickle.loads(pickle.dumps(a))
    assert _named(c, "adaptive_loss").weights_ == _named(a, "adaptive_loss").weights_


def test_return_features_of_the_fitted_module(windows):
    X, y, _ = windows
    clf = USADClassifier(**{**TINY, "max_epochs": 1}, random_state=0).fit(X, y)
    with torch.no_grad():
        logits, feats = clf.module_(torch.as_tensor(X[:5], dtype=torch.float32),
                                    return_features=True)
    assert logits.shape == (5, 3) and feats.shape == (5, 16)


def test_synthetic_pretraining_then_real_fine_tuning(windows):
    X, y, groups = windows
    aug = DiffusionAugmenter(width=8, depth=1, max_iter=20, n_steps=20, sampling_steps=5,
                             batch_size=32, verbose=0)
    clf = USADClassifier(**TINY, augmenter=aug, synthetic_per_class=30, pretrain_epochs=2,
                         random_state=0)
    clf.fit(X, y, groups=groups)
    assert clf.augmenter_ is not aug and clf.augmenter_.model_ is not None
    assert aug.get_params()["random_state"] is None  # the user's object is untouched
    assert clf.pretrain_epochs_ == 2
    assert len(clf.history) == 2 + 4
    # the pre-training saw 3 classes x 30 synthetic windows, 80 % of them in training
    def seen(epoch, key):
        return sum(b.get(key, 0) for b in clf.history[epoch, "batches"])

    assert seen(0, "train_batch_size") + seen(0, "valid_batch_size") == 3 * 30
    assert seen(0, "valid_batch_size") == 18
    # the fine-tuning saw the real windows
    assert seen(2, "train_batch_size") + seen(2, "valid_batch_size") == len(X)
    assert clf.input_scaler_.n_windows_seen_ == len(X)  # scaling from the real windows
    again = USADClassifier(**TINY, augmenter=aug, synthetic_per_class=30, pretrain_epochs=2,
                           random_state=0).fit(X, y, groups=groups)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_bad_settings_are_named(windows):
    X, y, _ = windows
    with pytest.raises(TypeError, match="needs a CompositeLoss criterion"):
        USADClassifier(**TINY, criterion=torch.nn.CrossEntropyLoss).fit(X, y)
    with pytest.raises(ValueError, match="'synthetic_per_class' parameter"):
        USADClassifier(**TINY, augmenter=DiffusionAugmenter(), synthetic_per_class=0).fit(X, y)
    with pytest.raises(ValueError, match="'augmenter' parameter"):
        USADClassifier(**TINY, augmenter="diffusion").fit(X, y)
    with pytest.raises(ValueError, match="'adaptive_loss' parameter"):
        USADClassifier(**TINY, adaptive_loss="yes").fit(X, y)


def test_grid_search_over_spatial_attention_and_tau_in_a_segmenter_pipeline():
    X, y = make_har_table(n_users=3, n_activities=3, rows_per_user=900, random_state=0)
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=32, step=16, group_column="user")),
        ("clf", USADClassifier(**{**TINY, "max_epochs": 2}, random_state=0)),
    ])
    grid = {"clf__module__spatial_attention": [True, False],
            "clf__callbacks__adaptive_loss__tau": [0.3, 0.7]}
    search = GridSearchCV(pipe, grid, cv=GroupKFold(3), scoring="accuracy")
    search.fit(X, y, groups=X["user"])
    assert search.cv_results_["mean_test_score"].shape == (4,)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_[-1]
    assert _named(best, "adaptive_loss").tau == search.best_params_[
        "clf__callbacks__adaptive_loss__tau"]
    has_spatial = any(isinstance(m, SpatialAttention) for m in best.module_.modules())
    assert has_spatial == search.best_params_["clf__module__spatial_attention"]
    assert search.predict(X).shape == (len(X),)


def test_augmenter_parameters_are_nested_parameters():
    clf = USADClassifier(augmenter=DiffusionAugmenter(max_iter=7))
    assert clf.get_params()["augmenter__max_iter"] == 7
    clf.set_params(augmenter__max_iter=5, module__radix=3)
    assert clf.augmenter.max_iter == 5 and clf.module__radix == 3
    copy = clone(clf)
    assert copy.augmenter.max_iter == 5 and copy.augmenter is not clf.augmenter
    clf.set_params(augmenter=DiffusionAugmenter(), augmenter__n_steps=30)
    assert clf.augmenter.n_steps == 30 and clf.augmenter.max_iter == 2000
    with pytest.raises(ValueError, match=r"augmenter__\* parameters \(\['max_iter'\]\) need an"):
        USADClassifier().set_params(augmenter__max_iter=3)
