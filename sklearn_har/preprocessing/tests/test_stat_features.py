import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_har.preprocessing._stat_features import FEATURES, StatFeatures

FS = 50.0
T = 128


@pytest.fixture
def windows():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3, T)) * [[1.0], [2.0], [0.5]] + [[0.0], [9.8], [-1.0]]
    X[:, 2] = X[:, 2] ** 3  # a skewed, heavy-tailed channel
    return X.astype(np.float32)


def _column(sf, Xt, name):
    """Column of ``Xt`` named ``name`` by ``get_feature_names_out``."""
    names = sf.get_feature_names_out().tolist()
    return Xt[:, names.index(name)]


def _sine(freq_hz, n=4, T=T, fs=FS, amplitude=1.0, offset=0.0):
    t = np.arange(T) / fs
    phase = np.linspace(0, np.pi, n)[:, None]
    return (offset + amplitude * np.sin(2 * np.pi * freq_hz * t + phase)).astype(np.float32)


# -- each feature against a reference -----------------------------------------------


def test_moments_match_numpy_and_scipy(windows):
    sf = StatFeatures(["mean", "std", "skew", "kurtosis", "energy", "rms"])
    Xt = sf.fit_transform(windows)
    X = windows.astype(np.float64)
    for c in range(3):
        x = X[:, c]
        np.testing.assert_allclose(_column(sf, Xt, f"ch{c}__mean"), x.mean(-1), rtol=1e-12)
        # population std, skewness of seed 000 eq. 1 (divide by L)
        np.testing.assert_allclose(_column(sf, Xt, f"ch{c}__std"), x.std(-1, ddof=0), rtol=1e-10)
        np.testing.assert_allclose(_column(sf, Xt, f"ch{c}__skew"), stats.skew(x, axis=-1), rtol=1e-8)
        np.testing.assert_allclose(
            _column(sf, Xt, f"ch{c}__kurtosis"),
            stats.kurtosis(x, axis=-1, fisher=True, bias=True),
            rtol=1e-8,
        )
        np.testing.assert_allclose(_column(sf, Xt, f"ch{c}__energy"), (x**2).mean(-1), rtol=1e-10)
        np.testing.assert_allclose(
            _column(sf, Xt, f"ch{c}__rms"), np.sqrt((x**2).mean(-1)), rtol=1e-10
        )
    assert np.abs(_column(sf, Xt, "ch2__skew")).mean() > 0.5  # the cubed channel is skewed


def test_order_statistics_match_np_quantile(windows):
    levels = (0.05, 0.25, 0.5, 0.75, 0.975)
    sf = StatFeatures(["min", "max", "quantiles", "iqr"], quantiles=levels)
    Xt = sf.fit_transform(windows)
    X = windows.astype(np.float64)
    names = sf.get_feature_names_out()
    assert names[:7].tolist() == [
        "ch0__min", "ch0__max", "ch0__q5", "ch0__q25", "ch0__q50", "ch0__q75", "ch0__q97.5",
    ]
    for c in range(3):
        np.testing.assert_array_equal(_column(sf, Xt, f"ch{c}__min"), X[:, c].min(-1))
        np.testing.assert_array_equal(_column(sf, Xt, f"ch{c}__max"), X[:, c].max(-1))
        for q in levels:
            np.testing.assert_allclose(
                _column(sf, Xt, f"ch{c}__q{100 * q:g}"), np.quantile(X[:, c], q, axis=-1),
                rtol=1e-12, atol=1e-12,
            )
        iqr = np.subtract(*np.quantile(X[:, c], [0.75, 0.25], axis=-1))
        np.testing.assert_allclose(_column(sf, Xt, f"ch{c}__iqr"), iqr, rtol=1e-12)


def test_mcr_counts_mean_crossings():
    alternating = np.tile([1.0, -1.0], T // 2) + 3.0  # crosses its mean at every step
    half = np.r_[np.ones(T // 2), -np.ones(T // 2)]  # crosses once
    X = np.stack([alternating, half])[:, None, :]
    Xt = StatFeatures(["mcr"]).fit_transform(X)
    np.testing.assert_allclose(Xt[:, 0], [1.0, 1 / (T - 1)])
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, T)).astype(np.float32).astype(np.float64)
    above = x > x.mean(-1, keepdims=True)
    expected = (above[:, 1:] != above[:, :-1]).mean(-1)
    np.testing.assert_allclose(StatFeatures(["mcr"]).fit_transform(x)[:, 0], expected)


@pytest.mark.parametrize("k, band", [(10, 0), (40, 2), (63, 3)])
def test_sine_gives_its_frequency_and_band(k, band):
    freq = k * FS / T  # on an FFT bin: 3.90625 Hz, 15.625 Hz, 24.6 Hz
    X = _sine(freq, offset=2.0)[:, None, :]
    sf = StatFeatures(["dominant_freq", "band_energy", "spectral_entropy"], fs=FS)
    Xt = sf.fit_transform(X)
    np.testing.assert_allclose(_column(sf, Xt, "ch0__dominant_freq"), freq)
    bands = Xt[:, 1:5]
    np.testing.assert_allclose(bands[:, band], 1.0, atol=1e-9)
    np.testing.assert_allclose(bands.sum(1), 1.0)
    np.testing.assert_allclose(_column(sf, Xt, "ch0__spectral_entropy"), 0.0, atol=1e-7)
    # without fs: cycles per sample
    Xt1 = StatFeatures(["dominant_freq"]).fit_transform(X)
    np.testing.assert_allclose(Xt1[:, 0], k / T)


def test_band_energy_splits_a_two_tone_signal_by_energy():
    t = np.arange(T) / FS
    # amplitudes 1 and 2: energies 1/2 and 2, in bands 0 (<= 6.25 Hz) and 3 (> 18.75 Hz)
    x = np.sin(2 * np.pi * (8 * FS / T) * t) + 2 * np.sin(2 * np.pi * (56 * FS / T) * t)
    Xt = StatFeatures(["band_energy", "dominant_freq"], fs=FS).fit_transform(x[None])
    np.testing.assert_allclose(Xt[0, :4], [0.2, 0.0, 0.0, 0.8], atol=1e-6)
    assert Xt[0, 4] == pytest.approx(56 * FS / T)


def test_spectral_entropy_is_one_for_a_flat_spectrum_and_in_unit_range():
    impulse = np.zeros(T)
    impulse[5] = 1.0  # flat power over all bins but Nyquist, which is half of the others
    rng = np.random.default_rng(0)
    X = np.vstack([impulse, rng.standard_normal((20, T))])
    h = StatFeatures(["spectral_entropy"]).fit_transform(X)[:, 0]
    assert h[0] > 0.999
    assert np.all((h > 0.8) & (h <= 1.0))  # white noise: nearly flat


def test_band_energy_matches_a_periodogram(windows):
    from scipy.signal import periodogram

    f, P = periodogram(windows.astype(np.float64), fs=FS, detrend="constant", axis=-1)
    f, P = f[1:], P[..., 1:]
    edges = np.linspace(0, FS / 2, 4 + 1)
    expected = np.stack(
        [P[..., (f > lo) & (f <= hi)].sum(-1) for lo, hi in zip(edges[:-1], edges[1:])], -1
    ) / P.sum(-1, keepdims=True)
    sf = StatFeatures(["band_energy", "spectral_entropy"], fs=FS)
    Xt = sf.fit_transform(windows).reshape(len(windows), 3, 5)
    np.testing.assert_allclose(Xt[..., :4], expected, rtol=1e-8, atol=1e-12)
    p = P / P.sum(-1, keepdims=True)
    np.testing.assert_allclose(Xt[..., 4], stats.entropy(p, axis=-1) / np.log(T // 2), rtol=1e-8)


def test_constant_channels_give_the_documented_finite_values():
    X = np.stack([np.full((3, T), 0.1), np.zeros((3, T)), np.full((3, T), -7.3)], axis=1)
    sf = StatFeatures(fs=FS)
    Xt = sf.fit_transform(X)
    assert np.all(np.isfinite(Xt))
    values = dict(zip(sf.get_feature_names_out(), Xt[0]))
    c = np.float64(np.float32(-7.3))
    for name in ["std", "skew", "kurtosis", "mcr", "iqr", "dominant_freq", "spectral_entropy",
                 "band0", "band1", "band2", "band3"]:
        assert values[f"ch2__{name}"] == 0.0, name
    for name in ["mean", "min", "max", "q10", "q50", "q90"]:
        assert values[f"ch2__{name}"] == c, name
    assert values["ch2__energy"] == pytest.approx(c**2)
    assert values["ch2__rms"] == pytest.approx(abs(c))
    assert values["ch0__std"] == 0.0 and values["ch0__kurtosis"] == 0.0


def test_one_time_step_windows_give_finite_values():
    Xt = StatFeatures(check_axes=False).fit_transform(np.arange(6.0).reshape(2, 3, 1))
    assert Xt.shape == (2, 3 * (len(FEATURES) - 2 + 5 + 4))
    assert np.all(np.isfinite(Xt))


# -- layout and names -------------------------------------------------------------


def test_feature_names_follow_the_columns_channel_major(windows):
    sf = StatFeatures()
    Xt = sf.fit_transform(windows)
    names = sf.get_feature_names_out()
    per_channel = len(names) // 3
    assert Xt.shape == (40, len(names)) and Xt.dtype == np.float64
    assert names[0] == "ch0__mean" and names[per_channel] == "ch1__mean"
    assert [n.split("__")[0] for n in names] == ["ch0"] * per_channel + ["ch1"] * per_channel + [
        "ch2"
    ] * per_channel
    np.testing.assert_array_equal(_column(sf, Xt, "ch1__max"), windows[:, 1].max(-1))
    np.testing.assert_array_equal(_column(sf, Xt, "ch2__min"), windows[:, 2].min(-1))
    assert "ch2__band1" in names and "ch0__q25" in names
    assert len(set(names)) == len(names)


def test_features_follow_the_requested_order(windows):
    sf = StatFeatures(["max", "mean"]).fit(windows)
    assert sf.get_feature_names_out().tolist()[:2] == ["ch0__max", "ch0__mean"]
    np.testing.assert_array_equal(sf.transform(windows)[:, 1], windows[:, 0].mean(-1, dtype=float))


def test_channel_names_from_input_features_then_parameter(windows):
    sf = StatFeatures(["mean"], channel_names=["a", "b", "c"]).fit(windows)
    assert sf.get_feature_names_out().tolist() == ["a__mean", "b__mean", "c__mean"]
    names = sf.get_feature_names_out(["acc_x", "acc_y", "acc_z"])
    assert names.tolist() == ["acc_x__mean", "acc_y__mean", "acc_z__mean"]
    assert names.dtype == object
    with pytest.raises(ValueError, match=r"number of channels \(3\).*got 2"):
        sf.get_feature_names_out(["acc_x", "acc_y"])


def test_channel_names_parameter_of_the_wrong_length_is_refused(windows):
    with pytest.raises(ValueError, match="channel_names has 2 name.*3 channel"):
        StatFeatures(channel_names=["a", "b"]).fit(windows)


def test_2d_input_is_one_channel(windows):
    X2 = windows[:, 1]
    sf = StatFeatures(["mean", "max"]).fit(X2)
    assert sf.n_channels_in_ == 1 and sf.n_timesteps_in_ == T
    np.testing.assert_array_equal(sf.transform(X2), sf.transform(X2[:, None, :]))
    assert sf.get_feature_names_out().tolist() == ["ch0__mean", "ch0__max"]
    # a DataFrame's columns are time steps: they are checked, not used as channel names
    df = pd.DataFrame(X2, columns=[f"t{i}" for i in range(T)])
    sf = StatFeatures(["mean"], channel_names=["acc_mag"]).fit(df)
    assert sf.get_feature_names_out(df.columns).tolist() == ["acc_mag__mean"]
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        sf.get_feature_names_out([f"x{i}" for i in range(T)])


def test_float64_windows_are_accepted(windows):
    X64 = windows.astype(np.float64)
    sf = StatFeatures().fit(X64)
    Xt = sf.transform(X64)
    assert Xt.dtype == np.float64
    np.testing.assert_array_equal(Xt, sf.transform(windows))


def test_transform_refuses_other_lengths_and_hints_at_swapped_axes(windows):
    sf = StatFeatures().fit(windows)
    with pytest.raises(ValueError, match="look swapped.*transpose"):
        sf.transform(windows.transpose(0, 2, 1))
    with pytest.raises(ValueError, match="3 channel.*x 128 time steps and got 3 channel.*x 64"):
        sf.transform(windows[..., :64])


def test_nan_and_inf_are_refused_with_their_position(windows):
    X = windows.copy()
    X[4, 1, 7] = np.nan
    X[9, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"1 NaN and 1 inf.*window 4, channel 1, time step 7"):
        StatFeatures().fit(X)


def test_unknown_feature_names_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown feature\(s\) \['meen'\].*'spectral_entropy'"):
        StatFeatures(["mean", "meen"]).fit(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="more than once"):
        StatFeatures(["mean", "mean"]).fit(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="empty"):
        StatFeatures([]).fit(np.zeros((2, 4)))
    with pytest.raises(InvalidParameterError, match="'features' parameter"):
        StatFeatures("mean").fit(np.zeros((2, 4)))


@pytest.mark.parametrize("quantiles", [(0.5, 1.5), (), [[0.5]], (0.25, 0.25)])
def test_bad_quantiles_are_refused(quantiles):
    with pytest.raises(ValueError, match="quantiles"):
        StatFeatures(quantiles=quantiles).fit(np.zeros((2, 4)))


def test_all_features_are_listed_once():
    sf = StatFeatures().fit(np.zeros((2, 1, 8)))
    assert sf.features_ == FEATURES
    n_per_channel = len(FEATURES) - 2 + 5 + 4  # quantiles and band_energy expand
    assert sf.transform(np.zeros((2, 1, 8))).shape == (2, n_per_channel)


# -- in a pipeline ------------------------------------------------------------------


def test_pipeline_with_a_random_forest_learns_from_windows():
    rng = np.random.default_rng(0)
    slow = _sine(2.0, n=30) + 0.3 * rng.standard_normal((30, T)).astype(np.float32)
    fast = _sine(12.0, n=30) + 0.3 * rng.standard_normal((30, T)).astype(np.float32)
    X = np.stack([np.r_[slow, fast], rng.standard_normal((60, T))], axis=1)  # (60, 2, T)
    y = np.repeat(["walk", "run"], 30)
    pipe = make_pipeline(StatFeatures(fs=FS), RandomForestClassifier(random_state=0))
    pipe.fit(X[::2], y[::2])
    assert pipe.score(X[1::2], y[1::2]) == 1.0
    names = pipe[0].get_feature_names_out(["acc_x", "acc_y"])
    assert len(names) == pipe[-1].n_features_in_
    best = names[np.argmax(pipe[-1].feature_importances_)]
    assert best.startswith("acc_x__"), best


def test_transform_of_many_windows_matches_blockwise_and_per_window(windows):
    sf = StatFeatures(fs=FS).fit(windows)
    many = np.concatenate([windows] * 60)  # spans several internal blocks
    Xt = sf.transform(many)
    np.testing.assert_allclose(Xt, np.concatenate([sf.transform(windows)] * 60), rtol=1e-12)
    np.testing.assert_allclose(Xt[:3], np.vstack([sf.transform(w[None]) for w in windows[:3]]))


def test_swapped_axes_are_refused_at_fit_with_the_hint():
    X = np.random.default_rng(0).normal(size=(10, 128, 6))  # (n, T, C): 128 "channels"
    with pytest.raises(ValueError, match=r"128 channel\(s\) x 6 time step\(s\).*"
                                         r"transpose\(0, 2, 1\).*check_axes=False"):
        StatFeatures().fit(X)
    assert StatFeatures().fit_transform(X.transpose(0, 2, 1)).shape[0] == 10
