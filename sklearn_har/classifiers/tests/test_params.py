"""The classifiers' parameters: one signature, one text, one validation."""

import inspect

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_har.callbacks import AdaptiveLossWeights
from sklearn_har.classifiers import (
    CNNClassifier,
    MAGRes2NetClassifier,
    NeuralWindowClassifier,
    SFTNASClassifier,
    UMSNetClassifier,
    USADClassifier,
    WindowValidSplit,
)
from sklearn_har.nn import CNN1D
from sklearn_har.utils._docstring import _PARAMS, _SHARED


def test_cnn_classifier_only_sets_its_module_and_keeps_the_base_parameters():
    assert list(inspect.signature(CNNClassifier).parameters) == ["module", "kwargs"]
    def params(est):  # WindowValidSplit has no __eq__: compare its repr
        return {k: repr(v) for k, v in est.get_params(deep=False).items()}

    assert params(CNNClassifier()) == params(NeuralWindowClassifier(CNN1D))
    clf = CNNClassifier(lr=0.01, patience=None, module__channels=(8,))
    copy = clone(clf)
    assert params(copy) == params(clf) and copy.module__channels == (8,)
    assert type(copy) is CNNClassifier and copy.module is CNN1D


@pytest.mark.parametrize("cls, names", [
    (NeuralWindowClassifier, _SHARED),
    (CNNClassifier, _SHARED),
    (UMSNetClassifier, _SHARED),
    # USAD documents its own criterion default, and the pre-training parameters
    (USADClassifier, [n for n in _PARAMS if n != "criterion"]),
    # MAG-Res2Net documents its own criterion, lr and batch size (the paper's recipe)
    (MAGRes2NetClassifier, [n for n in _SHARED if n not in ("criterion", "lr", "batch_size")]),
    # SFTNAS documents the fine-tuning's optimizer, lr, epochs and batch size (the paper's)
    (SFTNASClassifier, [n for n in _SHARED
                        if n not in ("optimizer", "lr", "max_epochs", "batch_size")]),
])
def test_every_shared_parameter_is_documented_once_in_each_docstring(cls, names):
    for name in names:
        head = _PARAMS[name].splitlines()[0]
        assert cls.__doc__.count("\n    " + head + "\n") == 1, head
    assert "{params" not in cls.__doc__ and "{fitted_attributes}" not in cls.__doc__
    for name in inspect.signature(cls).parameters:
        if name != "kwargs":
            assert f"\n    {name} : " in cls.__doc__, f"{cls.__name__}: {name} undocumented"


def test_tags_declare_three_and_two_dimensional_input():
    tags = CNNClassifier().__sklearn_tags__().input_tags
    assert tags.three_d_array and tags.two_d_array


@pytest.mark.parametrize("params, match", [
    ({"patience": True}, "'patience' parameter of CNNClassifier"),
    ({"normalize": 1}, "'normalize' parameter"),
    ({"check_axes": "yes"}, "'check_axes' parameter"),
    ({"on_interrupt": "ignore"}, "'on_interrupt' parameter"),
])
def test_bad_parameters_use_scikit_learn_template(params, match):
    X = np.random.default_rng(0).normal(size=(20, 2, 16)).astype(np.float32)
    with pytest.raises(ValueError, match=match):
        CNNClassifier(verbose=0, **params).fit(X, np.arange(20) % 2)


@pytest.mark.parametrize("params, match", [
    ({"mode": "soft"}, "'mode' parameter of AdaptiveLossWeights"),
    ({"temperature": 0.0}, "'temperature' parameter"),
    ({"accuracy_on": "test"}, "'accuracy_on' parameter"),
    ({"max_weight": 1.5}, "'max_weight' parameter"),
])
def test_adaptive_loss_weights_validates_at_initialize(params, match):
    with pytest.raises(ValueError, match=match):
        AdaptiveLossWeights(**params).initialize()


@pytest.mark.parametrize("params, match", [
    ({"valid_size": True}, "'valid_size' parameter of WindowValidSplit"),
    ({"stratified": "yes"}, "'stratified' parameter"),
    ({"random_state": "seed"}, "'random_state' parameter"),
])
def test_window_valid_split_validates_its_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        WindowValidSplit(**params).split_indices(np.arange(20) % 2)
