"""DiffusionAugmenter and its plain-torch model (seed 000 sec. 3.1)."""

import math

import numpy as np
import pytest
import torch
from imblearn.utils.estimator_checks import parametrize_with_checks as imb_checks
from scipy.stats import skew
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_har import Pipeline, StatFeatures, WindowSegmenter, make_pipeline
from sklearn_har.datasets import make_har_table, make_har_windows
from sklearn_har.metrics import statistics_match, tstr_score
from sklearn_har.nn.diffusion import (
    ClassifierFreeGuidance,
    CosineSchedule,
    Denoiser1D,
    condition_features,
    ddim_sample,
    ddpm_sample,
    drop_class_information,
    window_statistics,
)
from sklearn_har.samplers import DiffusionAugmenter

TINY = dict(width=8, depth=1, max_iter=10, n_steps=20, sampling_steps=5, batch_size=16)


# -- schedule and loss weights against hand-computed numbers ---------------------
def test_cosine_schedule_eq6_eq7_by_hand():
    T, s = 4, 0.008
    sched = CosineSchedule(T, s=s)
    f = [math.cos(math.pi / 2 * (t / T + s) / (1 + s)) for t in range(T + 1)]
    eq6 = [v / f[0] for v in f]
    np.testing.assert_allclose(sched.alpha_bars_eq6.numpy(), eq6, atol=1e-12)
    # eq. 7: beta_t = clip(1 - abar_t / abar_{t-1}, 0, 0.999); the last one is clipped
    betas = [min(max(1 - eq6[t] / eq6[t - 1], 0.0), 0.999) for t in range(1, T + 1)]
    np.testing.assert_allclose(sched.betas[1:].numpy(), betas, atol=1e-12)
    assert betas[-1] == 0.999 and eq6[-1] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(sched.alpha_bars.numpy(), np.cumprod([1.0] + [1 - b for b in betas]))
    # the first values by hand: cos(pi/2 * 0.258/1.008) / cos(pi/2 * 0.008/1.008)
    assert float(sched.alpha_bars[1]) == pytest.approx(
        math.cos(math.pi / 2 * 0.258 / 1.008) / math.cos(math.pi / 2 * 0.008 / 1.008)
    )


def test_eq12_weights_by_hand_then_clipped_and_normalised():
    sched = CosineSchedule(4, weight_clip=10.0)
    ab = sched.alpha_bars.numpy()
    raw = CosineSchedule.eq12_weights(sched.alpha_bars).numpy()
    for t in (2, 3, 4):
        assert raw[t] == pytest.approx(math.sqrt((1 - ab[t]) / (ab[t] * (1 - ab[t - 1]))))
    assert math.isinf(raw[1])  # abar_0 = 1
    clipped = np.minimum(raw[1:], 10.0)
    np.testing.assert_allclose(sched.loss_weights[1:].numpy(), clipped / clipped.mean())
    assert sched.loss_weights[1:].mean() == pytest.approx(1.0)


def test_statistics_and_the_eq3_layout():
    x = torch.randn(5, 3, 40, dtype=torch.float64)
    x[0, 1] = 2.0  # a constant channel
    stats, z = window_statistics(x)
    xn = x.numpy()
    np.testing.assert_allclose(stats[..., 0].numpy(), xn.mean(-1))
    np.testing.assert_allclose(stats[..., 1].numpy(), xn.std(-1))
    np.testing.assert_allclose(stats[1:, :, 2].numpy(), skew(xn[1:], axis=-1), rtol=1e-6)
    assert stats[0, 1, 1] == 0 and stats[0, 1, 2] == 0 and (z[0, 1] == 0).all()
    f = condition_features(stats, z)
    assert f.shape == (5, 12, 40)
    # channel c: rows 4c..4c+2 are mu, sigma, gamma repeated; row 4c+3 is z
    np.testing.assert_allclose(f[:, 4 * 2 + 1].numpy(), np.repeat(xn[:, 2].std(-1)[:, None], 40, 1))
    np.testing.assert_allclose(f[:, 4 * 2 + 3].numpy(), z[:, 2].numpy())


@pytest.mark.parametrize("channels, length", [(1, 24), (6, 128), (64, 50), (3, 512)])
def test_denoiser_handles_har_shapes(channels, length):
    net = Denoiser1D(channels, 5, width=16, depth=3)
    x = torch.randn(2, channels, length)
    out = net(x, torch.tensor([1, 999]), torch.randn(2, 4 * channels, length), torch.tensor([0, 4]))
    assert out.shape == x.shape


# -- the sampler --------------------------------------------------------------------
@pytest.fixture(scope="module")
def imbalanced():
    return make_har_windows(n_windows=160, n_classes=3, n_timesteps=32,
                            weights=[0.6, 0.3, 0.1], random_state=0)


def test_auto_brings_every_class_to_the_majority_originals_first(imbalanced):
    X, y, _ = imbalanced
    aug = DiffusionAugmenter(**TINY, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [96, 96, 96]
    assert aug.sampling_strategy_ == {1: 48, 2: 80}
    assert aug.n_synthetic_ == {0: 0, 1: 48, 2: 80}
    np.testing.assert_array_equal(X_res[: len(X)], X.astype(np.float32))
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert X_res.dtype == np.float32 and X_res.shape[1:] == X.shape[1:]
    assert np.isfinite(X_res).all()


def test_dict_strategy_and_synthetic_ratio(imbalanced):
    X, y, _ = imbalanced
    _, y_res = DiffusionAugmenter(sampling_strategy={2: 40}, **TINY, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [96, 48, 40]
    _, y_res = DiffusionAugmenter(synthetic_ratio=0.25, **TINY, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [96 + 24, 48 + 12, 16 + 4]


def test_same_random_state_same_windows(imbalanced):
    X, y, _ = imbalanced
    a = DiffusionAugmenter(**TINY, random_state=1).fit_resample(X, y)[0]
    b = DiffusionAugmenter(**TINY, random_state=1).fit_resample(X, y)[0]
    c = DiffusionAugmenter(**TINY, random_state=2).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    aug = DiffusionAugmenter(**TINY, sampler="ddpm", random_state=1).fit(X, y)
    np.testing.assert_array_equal(aug.sample(3, random_state=5)[0], aug.sample(3, random_state=5)[0])


def test_sample_api(imbalanced):
    X, y, _ = imbalanced
    names = np.array(["walk", "run", "fall"])[y]
    aug = DiffusionAugmenter(**TINY, random_state=0).fit(X, names)
    Xs, ys = aug.sample({"fall": 4, "run": 1})
    assert Xs.shape == (5, 3, 32) and sorted(ys.tolist()) == ["fall"] * 4 + ["run"]
    Xs, ys = aug.sample(2, sampler="ddpm")
    assert Xs.shape == (6, 3, 32) and np.isfinite(Xs).all()
    with pytest.raises(ValueError, match="label 'jump', which is not among the classes"):
        aug.sample({"jump": 3})
    with pytest.raises(ValueError, match="n_per_class"):
        aug.sample(-1)


def test_drop_class_information_hides_label_and_prototype_only():
    stats, z = torch.randn(3, 2, 3), torch.randn(3, 2, 10)
    f = condition_features(stats, z)
    y = torch.tensor([0, 1, 2])
    drop = torch.tensor([True, False, True])
    f2, y2 = drop_class_information(f, y, drop, null_label=5)
    assert y2.tolist() == [5, 1, 5] and y.tolist() == [0, 1, 2]
    # rows 3 and 7 (the z rows of the two channels) are zeroed for dropped windows only
    assert torch.all(f2[drop][:, 3::4] == 0)
    torch.testing.assert_close(f2[~drop], f[~drop])
    torch.testing.assert_close(f2[drop][:, [0, 1, 2, 4, 5, 6]], f[drop][:, [0, 1, 2, 4, 5, 6]])
    assert not torch.all(f[drop][:, 3::4] == 0)  # the input is left as it was


def test_classifier_free_guidance_by_hand():
    torch.manual_seed(0)
    net = Denoiser1D(2, 3, width=8, depth=1)
    for p in net.parameters():  # the output layer starts at 0: make it matter
        torch.nn.init.normal_(p, std=0.3)
    x, t = torch.randn(4, 2, 16), torch.tensor([3, 10, 50, 99])
    f, y = torch.randn(4, 8, 16), torch.tensor([0, 1, 2, 1])
    eps_c = net(x, t, f, y)
    f_u, y_u = drop_class_information(f, y, torch.ones(4, dtype=torch.bool), 3)
    eps_u = net(x, t, f_u, y_u)
    assert not torch.allclose(eps_c, eps_u)
    torch.testing.assert_close(ClassifierFreeGuidance(net, 0.0, 3)(x, t, f, y), eps_c)
    torch.testing.assert_close(ClassifierFreeGuidance(net, 2.0, 3)(x, t, f, y),
                               eps_c + 2.0 * (eps_c - eps_u), rtol=1e-5, atol=1e-5)


def test_ddim_with_eta_one_over_all_steps_is_ddpm():
    torch.manual_seed(0)
    net = Denoiser1D(2, 3, width=8, depth=1).eval()
    for p in net.parameters():  # the output layer starts at 0: make it matter
        torch.nn.init.normal_(p, std=0.3)
    schedule = CosineSchedule(n_steps=30)
    f, y = torch.randn(5, 8, 16), torch.tensor([0, 1, 2, 1, 0])

    def draw(fn, **kw):
        return fn(net, schedule, f, y, (5, 2, 16), generator=torch.Generator().manual_seed(3),
                  clip=6.0, **kw)

    ddpm = draw(ddpm_sample)
    torch.testing.assert_close(draw(ddim_sample, n_steps=30, eta=1.0), ddpm, rtol=1e-4, atol=1e-4)
    deterministic = draw(ddim_sample, n_steps=30)
    assert (deterministic - ddpm).abs().max() > 1e-2
    half = draw(ddim_sample, n_steps=30, eta=0.5)
    assert (half - ddpm).abs().max() > 1e-2 and (half - deterministic).abs().max() > 1e-2
    with pytest.raises(ValueError, match=r"eta must be in \[0, 1\]"):
        draw(ddim_sample, eta=1.5)


def test_ddim_eta_is_reproducible_and_validated(imbalanced):
    X, y, _ = imbalanced
    aug = DiffusionAugmenter(**TINY, ddim_eta=1.0, random_state=0).fit(X, y)
    a = aug.sample(3, random_state=4)[0]
    np.testing.assert_array_equal(a, aug.sample(3, random_state=4)[0])
    assert not np.allclose(a, aug.sample(3, ddim_eta=0.0, random_state=4)[0])
    np.testing.assert_array_equal(a, aug.sample(3, ddim_eta=1.0, random_state=4)[0])
    with pytest.raises(ValueError, match=r"'ddim_eta' parameter of DiffusionAugmenter.sample must be a float in the range \[0.0, 1.0\]. Got -0.1"):
        aug.sample(3, ddim_eta=-0.1)


def test_match_statistics_gives_the_conditioning_mean_and_std(imbalanced):
    X, y, _ = imbalanced
    aug = DiffusionAugmenter(**TINY, guidance="prototype", random_state=0).fit(X, y)
    Xs, ys = aug.sample(5)
    for k in range(3):
        mu, sigma = aug.prototypes_[k, :, 0], aug.prototypes_[k, :, 1]
        want_mean = aug.channel_mean_ + aug.channel_std_ * mu
        want_std = aug.channel_std_ * sigma
        got = Xs[ys == k].astype(np.float64)
        np.testing.assert_allclose(got.mean(-1), np.broadcast_to(want_mean, (5, 3)), atol=1e-4)
        np.testing.assert_allclose(got.std(-1), np.broadcast_to(want_std, (5, 3)), rtol=1e-4)
    # empirical guidance: every window's (mean, std) pair is that of a real window of its class
    aug = DiffusionAugmenter(**TINY, random_state=0).fit(X, y)
    Xs, ys = aug.sample({2: 6})
    real = np.stack([X[y == 2].mean(-1), X[y == 2].std(-1)], -1)  # (n, C, 2)
    for w in Xs:
        pair = np.stack([w.mean(-1), w.std(-1)], -1)
        assert np.abs(real - pair).max(axis=(1, 2)).min() < 1e-4
    raw = DiffusionAugmenter(**TINY, match_statistics=False, random_state=0).fit(X, y).sample({2: 6})[0]
    assert not np.allclose(raw.std(-1), Xs.std(-1), rtol=1e-3)
    # the same draw, unmatched, from the fitted model: the override equals a model
    # fitted with match_statistics=False, and matching it gives the matched draw
    unmatched = aug.sample({2: 6}, match_statistics=False)[0]
    np.testing.assert_array_equal(unmatched, raw)
    np.testing.assert_array_equal(aug.sample({2: 6}, match_statistics=True)[0], Xs)
    with pytest.raises(ValueError, match="'match_statistics' parameter of DiffusionAugmenter.sample must be an instance of 'bool'"):
        aug.sample(2, match_statistics="yes")


def test_guided_sampling_is_reproducible_and_differs(imbalanced):
    X, y, _ = imbalanced
    aug = DiffusionAugmenter(**TINY, class_dropout=0.3, random_state=0).fit(X, y)
    a = aug.sample(3, guidance_scale=2.0, random_state=4)[0]
    np.testing.assert_array_equal(a, aug.sample(3, guidance_scale=2.0, random_state=4)[0])
    assert not np.allclose(a, aug.sample(3, guidance_scale=0.0, random_state=4)[0])
    with pytest.raises(ValueError, match=r"'guidance_scale' parameter of DiffusionAugmenter.sample must be a float in the range \[0.0, inf\)"):
        aug.sample(3, guidance_scale=-1)
    plain = DiffusionAugmenter(**TINY, class_dropout=0.0, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="trained with class_dropout=0"):
        plain.sample(3, guidance_scale=1.0)
    for bad in ({"guidance_scale": True}, {"ddim_eta": False}, {"n_per_class": True}):
        with pytest.raises(ValueError, match=f"'{next(iter(bad))}' parameter of .*not a bool"):
            aug.sample(**{"n_per_class": 3, **bad})


def test_2d_input_gives_2d_output():
    X, y, _ = make_har_windows(n_windows=60, n_classes=2, n_channels=1, n_timesteps=24,
                               weights=[0.7, 0.3], random_state=0)
    X_res, y_res = DiffusionAugmenter(**TINY, random_state=0).fit_resample(X[:, 0, :], y)
    assert X_res.ndim == 2 and X_res.shape[1] == 24 and np.bincount(y_res).tolist() == [42, 42]


def test_training_lowers_the_denoising_loss(imbalanced):
    X, y, _ = imbalanced
    aug = DiffusionAugmenter(width=16, depth=2, max_iter=300, n_steps=100, random_state=0).fit(X, y)
    first, last = aug.loss_curve_[0], np.mean(aug.loss_curve_[-2:])
    assert last < 0.7 * first


def test_synthetic_windows_alone_teach_a_classifier():
    # well separated classes: a classifier trained on synthetic windows only
    # must recognise held-out real windows far above chance (0.25)
    X, y, g = make_har_windows(n_windows=400, n_classes=4, n_timesteps=48, difficulty=0.3,
                               random_state=0)
    train, test = g < 4, g >= 4
    aug = DiffusionAugmenter(width=32, depth=3, max_iter=400, n_steps=100, sampling_steps=20,
                             random_state=0).fit(X[train], y[train])
    Xs, ys = aug.sample(40)
    scores = tstr_score(Xs, ys, X[train], y[train], X[test], y[test])
    assert scores["tstr"] > 0.7 and scores["trtr"] > 0.9
    match = statistics_match(X[train], y[train], Xs, ys)
    assert match["overall"]["mean_gap"]["mean"] < 1.0  # class means within one real sd


def test_metrics_on_hand_made_sets():
    X, y, g = make_har_windows(n_windows=200, n_classes=2, difficulty=0.3, random_state=0)
    noise = np.random.default_rng(0).normal(size=X.shape).astype(np.float32)
    s = tstr_score(noise, y, X[g < 3], y[g < 3], X[g >= 3], y[g >= 3])
    assert s["tstr"] < 0.75 and s["trtr"] > 0.9 and s["ratio"] < 0.8
    m = statistics_match(X, y, X * 3.0, y)
    assert m["overall"]["spread_ratio"]["std"] == pytest.approx(3.0)
    assert m["overall"]["mean_gap"]["skew"] == pytest.approx(0.0, abs=1e-6)


class CountingAugmenter(DiffusionAugmenter):
    calls = 0

    def fit_resample(self, X, y, **params):
        CountingAugmenter.calls += 1
        return super().fit_resample(X, y, **params)


def test_in_a_pipeline_on_windows_and_after_a_segmenter_never_at_predict(imbalanced):
    X, y, _ = imbalanced
    CountingAugmenter.calls = 0
    pipe = Pipeline([("aug", CountingAugmenter(**TINY, random_state=0)), ("feat", StatFeatures()),
                     ("clf", RandomForestClassifier(50, random_state=0))]).fit(X, y)
    assert pipe.predict(X).shape == (len(X),) and CountingAugmenter.calls == 1
    table, labels = make_har_table(n_users=3, rows_per_user=1500, imbalance=4.0, random_state=0)
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=32, step=16, group_column="user")),
        ("aug", CountingAugmenter(**TINY, random_state=0)),
        ("feat", StatFeatures()),
        ("clf", RandomForestClassifier(50, random_state=0)),
    ]).fit(table, labels)
    assert CountingAugmenter.calls == 2
    assert pipe.predict(table).shape == (len(table),)
    pipe.predict_proba(table)
    assert CountingAugmenter.calls == 2


def test_grid_search(imbalanced):
    X, y, groups = imbalanced
    pipe = make_pipeline(DiffusionAugmenter(**TINY, random_state=0), StatFeatures(),
                         ExtraTreesClassifier(30, random_state=0))
    grid = {"diffusionaugmenter__guidance": ["empirical", "prototype"],
            "diffusionaugmenter__synthetic_ratio": [None, 0.5]}
    search = GridSearchCV(pipe, grid, cv=GroupKFold(3), scoring="f1_macro", error_score="raise")
    search.fit(X, y, groups=groups)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"sampler": "euler"}, "'sampler' parameter"),
        ({"guidance": "none"}, "'guidance' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"synthetic_ratio": -1.0}, "'synthetic_ratio' parameter"),
        ({"ema_decay": 1.0}, "'ema_decay' parameter"),
        ({"class_dropout": 1.0}, "'class_dropout' parameter"),
        ({"guidance_scale": -1.0}, "'guidance_scale' parameter"),
        ({"guidance_scale": 2.0, "class_dropout": 0.0}, "needs a model trained with class_dropout"),
        ({"match_statistics": "yes"}, "'match_statistics' parameter"),
        ({"ddim_eta": 2.0}, "'ddim_eta' parameter"),
        ({"ddim_eta": True}, "'ddim_eta' parameter"),
    ],
)
def test_bad_parameters(imbalanced, params, match):
    X, y, _ = imbalanced
    with pytest.raises(ValueError, match=match):
        DiffusionAugmenter(**{**TINY, **params}).fit_resample(X, y)


def test_refuses_nan_and_mismatched_labels(imbalanced):
    X, y, _ = imbalanced
    Xn = X.copy()
    Xn[3, 1, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DiffusionAugmenter(**TINY).fit_resample(Xn, y)
    with pytest.raises(ValueError, match="160 windows but y has 5"):
        DiffusionAugmenter(**TINY).fit_resample(X, y[:5])


def _listed(mark):
    """imblearn's decorator parametrizes with a generator, which pytest deprecates."""
    argnames, argvalues = mark.args
    return pytest.mark.parametrize(argnames, list(argvalues), **mark.kwargs)


EXPECTED_FAILED_CHECKS = {
    "check_samplers_pandas_sparse": (
        "windows are dense: a DataFrame of pandas SparseDtype columns is refused "
        "(the sparse tag is False); imblearn runs this check for every sampler "
        "that accepts DataFrames"
    ),
}


@_listed(imb_checks([DiffusionAugmenter(**TINY, random_state=0)],
                    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS))
def test_imblearn_compatible(estimator, check):
    check(estimator)
