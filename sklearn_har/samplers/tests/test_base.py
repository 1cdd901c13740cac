"""What BaseWindowSampler gives both samplers: tags, the flat round trip, feature names, validation."""

import numpy as np
import pytest
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_har.datasets import make_har_windows
from sklearn_har.samplers import BorderlineSMOTE, DiffusionAugmenter
from sklearn_har.samplers.base import BaseWindowSampler

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.NoDangerWarning")

TINY = dict(width=8, depth=1, max_iter=5, n_steps=10, sampling_steps=3, batch_size=16, verbose=0)
SAMPLERS = [BorderlineSMOTE(k_neighbors=3, random_state=0), DiffusionAugmenter(**TINY, random_state=0)]


@pytest.fixture(scope="module")
def windows():
    X, y, _ = make_har_windows(n_windows=90, n_classes=3, n_channels=2, n_timesteps=16,
                               weights=[0.6, 0.25, 0.15], random_state=0)
    return X, y


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
def test_window_samplers_share_the_base_and_its_tags(sampler):
    assert isinstance(sampler, BaseWindowSampler)
    tags = get_tags(sampler).input_tags
    assert tags.three_d_array and tags.two_d_array
    assert not tags.sparse and not tags.allow_nan


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
def test_two_d_input_comes_back_two_d_with_the_originals_first(windows, sampler):
    X, y = windows
    X2 = X[:, 0, :]
    X_res, y_res = sampler.fit_resample(X2, y)
    assert X_res.ndim == 2 and X_res.shape[1] == X2.shape[1] and len(X_res) > len(X2)
    np.testing.assert_array_equal(X_res[: len(X2)], X2)
    X_res3, _ = sampler.fit_resample(X, y)
    assert X_res3.shape[1:] == X.shape[1:]


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
def test_feature_names_pass_through(windows, sampler):
    X, y = windows
    sampler.fit_resample(X, y)
    assert sampler.get_feature_names_out().tolist() == ["ch0", "ch1"]
    assert sampler.get_feature_names_out(["acc", "gyr"]).tolist() == ["acc", "gyr"]


@pytest.mark.parametrize("method", ["fit", "fit_resample"])
@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_iter": 0}, r"The 'max_iter' parameter of DiffusionAugmenter must be an int in the range \[1, inf\)"),
        ({"sampler": "euler"}, r"The 'sampler' parameter of DiffusionAugmenter must be a str among"),
        ({"lr": 0.0}, r"The 'lr' parameter of DiffusionAugmenter must be a float in the range \(0.0, inf\)"),
    ],
)
def test_diffusion_parameters_use_scikit_learns_template(windows, method, params, match):
    X, y = windows
    with pytest.raises(InvalidParameterError, match=match):
        getattr(DiffusionAugmenter(**{**TINY, **params}), method)(X, y)
