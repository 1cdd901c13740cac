"""Inputs the samplers refuse or warn about: swapped axes, missing labels,
classes too small to oversample from."""

import warnings

import numpy as np
import pytest

from sklearn_har.datasets import make_har_windows
from sklearn_har.exceptions import FewSamplesWarning
from sklearn_har.samplers import BorderlineSMOTE, DiffusionAugmenter

TINY = dict(width=8, depth=1, max_iter=5, n_steps=20, sampling_steps=5, batch_size=16,
            random_state=0, verbose=0)


@pytest.fixture(scope="module")
def windows():
    X, y, _ = make_har_windows(n_windows=120, n_classes=3, n_timesteps=24,
                               weights=[0.5, 0.3, 0.2], random_state=0)
    return X, y


@pytest.mark.parametrize("sampler", [BorderlineSMOTE(random_state=0, k_neighbors=2),
                                     DiffusionAugmenter(**TINY)], ids=["smote", "diffusion"])
def test_swapped_axes_are_refused_at_fit_unless_allowed(windows, sampler):
    X, y = windows
    swapped = X.transpose(0, 2, 1)
    with pytest.raises(ValueError, match=r"24 channel\(s\) x 3 time step\(s\).*transpose"):
        sampler.fit_resample(swapped, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_res, _ = sampler.set_params(check_axes=False).fit_resample(swapped, y)
    assert X_res.shape[1:] == (24, 3)
    sampler.set_params(check_axes=True)


@pytest.mark.parametrize("sampler", [BorderlineSMOTE(random_state=0, k_neighbors=2),
                                     DiffusionAugmenter(**TINY)], ids=["smote", "diffusion"])
@pytest.mark.parametrize("method", ["fit", "fit_resample"])
def test_missing_labels_are_named_with_their_rows(windows, sampler, method):
    X, y = windows
    labels = np.array(["sit", "walk", "run"], dtype=object)[y]
    labels[[3, 40, 41]] = None
    with pytest.raises(ValueError, match=r"3 missing label\(s\).*first at window 3"):
        getattr(sampler, method)(X, labels)


def test_diffusion_warns_when_a_class_to_grow_has_few_windows(windows):
    X, y = windows
    keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:1]]  # class 2: one window
    aug = DiffusionAugmenter(**TINY)
    with pytest.warns(FewSamplesWarning, match=r"\d+ synthetic window\(s\) of class 2 from 1 "
                                               r"real window\(s\)"):
        X_res, y_res = aug.fit_resample(X[keep], y[keep])
    assert (y_res == 2).sum() == (y[keep] == 0).sum()  # still balanced as asked
    # ten windows or more: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewSamplesWarning)
        aug.fit_resample(X, y)


def test_diffusion_progress_follows_the_terminal(windows, capsys, monkeypatch):
    import sys

    X, y = windows
    aug = DiffusionAugmenter(**{**TINY, "verbose": "auto"})
    assert DiffusionAugmenter().verbose == "auto"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    aug.fit_resample(X, y)
    assert capsys.readouterr().out == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    aug.fit_resample(X, y)
    assert "[DiffusionAugmenter] trained 5 steps" in capsys.readouterr().out
    with pytest.raises(ValueError, match="'verbose' parameter"):
        aug.set_params(verbose="yes").fit_resample(X, y)
