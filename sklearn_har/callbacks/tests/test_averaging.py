"""WeightAveraging: validation and the final model on the averaged weights, training on its own."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_har.callbacks import WeightAveraging
from sklearn_har.classifiers import CNNClassifier
from sklearn_har.datasets import make_har_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")


@pytest.fixture(scope="module")
def windows():
    return make_har_windows(n_windows=200, n_classes=3, n_timesteps=32, random_state=0)


def _clf(*callbacks, **kwargs):
    return CNNClassifier(module__channels=(8, 8), max_epochs=4, patience=None, verbose=0,
                         random_state=0, callbacks=list(callbacks), **kwargs)


def test_decay_zero_is_the_plain_network(windows):
    X, y, groups = windows
    plain = _clf().fit(X, y, groups=groups)
    same = _clf(("averaging", WeightAveraging(decay=0.0))).fit(X, y, groups=groups)
    np.testing.assert_array_equal(plain.history[:, "valid_loss"], same.history[:, "valid_loss"])
    np.testing.assert_array_equal(plain.predict_proba(X), same.predict_proba(X))


def test_validation_and_final_model_use_the_average_training_its_own(windows):
    X, y, groups = windows
    class Initial(Callback):
        def on_train_begin(self, net, **kwargs):
            self.state_ = {k: v.clone() for k, v in net.module_.state_dict().items()}

    clf = _clf(("averaging", WeightAveraging(decay=0.9999)), ("initial", Initial()))
    clf.fit(X, y, groups=groups)
    cb = dict(clf.callbacks_)["averaging"]
    init = dict(clf.callbacks_)["initial"].state_
    # the model kept is the average ...
    for key, value in clf.module_.state_dict().items():
        assert torch.equal(value, cb.average_[key]), key
    # ... which barely moved from the initial weights, while training went on from
    # the network's own weights (its training loss fell epoch after epoch)
    moved = max(float((clf.module_.state_dict()[k].float() - init[k].float()).abs().max())
                for k in init if init[k].is_floating_point() and "running" not in k)
    assert moved < 0.05
    train_loss = clf.history[:, "train_loss"]
    assert train_loss[-1] < train_loss[0]
    plain = _clf().fit(X, y, groups=groups)
    assert np.allclose(plain.history[:, "train_loss"], train_loss)  # same training path


def test_without_validation_split_the_average_is_kept(windows):
    X, y, _ = windows
    clf = _clf(("averaging", WeightAveraging(decay=0.5)), train_split=None).fit(X, y)
    cb = dict(clf.callbacks_)["averaging"]
    for key, value in clf.module_.state_dict().items():
        assert torch.equal(value, cb.average_[key]), key


def test_decay_is_validated(windows):
    X, y, _ = windows
    with pytest.raises(ValueError, match="'decay' parameter of WeightAveraging"):
        _clf(("averaging", WeightAveraging(decay=1.0))).fit(X, y)
