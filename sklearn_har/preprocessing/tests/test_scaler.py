"""WindowScaler: per-channel standardisation of windows."""

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_har import Pipeline, WindowScaler, WindowSegmenter
from sklearn_har.preprocessing import StatFeatures, channel_statistics


@pytest.fixture
def raw():
    rng = np.random.default_rng(0)
    scale = np.array([1.0, 20.0, 0.01])[None, :, None]
    offset = np.array([0.0, 500.0, 9.81])[None, :, None]
    return rng.normal(size=(40, 3, 50)) * scale + offset


def test_statistics_are_per_channel_over_windows_and_time(raw):
    scaler = WindowScaler().fit(raw)
    # windows are float32 (the library's convention); statistics in float64
    np.testing.assert_allclose(scaler.mean_, raw.mean(axis=(0, 2)), rtol=1e-5)
    np.testing.assert_allclose(scaler.scale_, raw.std(axis=(0, 2)), rtol=1e-5)
    np.testing.assert_allclose(scaler.var_, raw.var(axis=(0, 2)), rtol=1e-5)
    Xt = scaler.transform(raw)
    assert Xt.shape == raw.shape and Xt.dtype == np.float32
    np.testing.assert_allclose(Xt.mean(axis=(0, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(Xt.std(axis=(0, 2)), 1, atol=1e-4)
    # per channel, not per window: the level differences between windows stay
    assert np.ptp(Xt.mean(axis=2)[:, 0]) > 0.1
    np.testing.assert_allclose(scaler.inverse_transform(Xt), raw, rtol=1e-5, atol=1e-4)


def test_with_mean_with_std_and_constant_channels(raw):
    raw = raw.copy()
    raw[:, 2] = 7.0
    scaler = WindowScaler().fit(raw)
    assert scaler.scale_[2] == 1.0 and scaler.var_[2] == 0.0
    np.testing.assert_allclose(scaler.transform(raw)[:, 2], 0.0)
    only_std = WindowScaler(with_mean=False).fit(raw)
    assert only_std.mean_ is None
    np.testing.assert_allclose(only_std.transform(raw)[:, 1], raw[:, 1] / raw[:, 1].std(),
                               rtol=1e-5)
    only_mean = WindowScaler(with_std=False).fit(raw)
    assert only_mean.scale_ is None
    np.testing.assert_allclose(only_mean.transform(raw)[:, 1],
                               raw[:, 1] - raw[:, 1].mean(), atol=1e-3)


def test_large_offsets_keep_their_precision():
    rng = np.random.default_rng(1)
    X = (rng.normal(size=(20, 1, 64)) * 1e-3 + 1e4).astype(np.float32)
    mean, std = channel_statistics(X)
    assert std[0] == pytest.approx(X.astype(np.float64).std(), rel=1e-6)


def test_2d_input_is_one_channel_and_stays_2d(raw):
    X = raw[:, 1]
    Xt = WindowScaler().fit_transform(X)
    assert Xt.shape == X.shape
    np.testing.assert_allclose(Xt.std(), 1, atol=1e-4)


def test_errors_name_what_was_expected(raw):
    scaler = WindowScaler().fit(raw)
    with pytest.raises(ValueError, match=r"fitted on windows of 3 channel\(s\)"):
        scaler.transform(raw[:, :2])
    with pytest.raises(ValueError, match=r"50 channel\(s\) x 3 time step\(s\).*check_axes"):
        WindowScaler().fit(raw.transpose(0, 2, 1))
    bad = raw.copy()
    bad[3, 1, 7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        WindowScaler().fit(bad)


def test_feature_names_pass_through_and_a_pipeline_uses_it(raw):
    scaler = WindowScaler().fit(raw)
    assert scaler.get_feature_names_out().tolist() == ["ch0", "ch1", "ch2"]
    assert scaler.get_feature_names_out(["x", "y", "z"]).tolist() == ["x", "y", "z"]
    rng = np.random.default_rng(0)
    table = rng.normal(size=(400, 2)) + [0.0, 300.0]
    y = np.repeat([0, 1], 200)
    pipe = Pipeline([("seg", WindowSegmenter(window=20)), ("scale", WindowScaler()),
                     ("feat", StatFeatures(["mean"]))])
    Xt = pipe.fit_transform(table, y)
    assert abs(Xt[:, 1].mean()) < 1e-5  # the 300 offset is gone
    assert clone(scaler).get_params() == scaler.get_params()
