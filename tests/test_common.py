"""scikit-learn's estimator checks over every public estimator of sklearn_har."""

import inspect

from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_har
from sklearn_har.nn import CNN1D, SmoothFocalCELoss

# A segmenter maps n_rows rows to n_windows windows that depend on row order;
# these checks assume a transformer keeps samples one-to-one.
_SEGMENTER = "a segmenter returns n_windows samples, not one per row"
_ROW_ORDER = "windows are cut from consecutive rows: reordering or subsetting rows changes them"
# skorch's NeuralNet.__init__ sets history_, initialized_ and virtual_params_
# and stores module__*/criterion__* keyword arguments as attributes.
_SKORCH_INIT = ("skorch's __init__ sets history_, initialized_, virtual_params_ and "
                "stores module__*/criterion__* keyword arguments as attributes")
EXPECTED_FAILED_CHECKS = {
    "CNNClassifier": {"check_no_attributes_set_in_init": _SKORCH_INIT},
    "MAGRes2NetClassifier": {"check_no_attributes_set_in_init": _SKORCH_INIT},
    "NeuralWindowClassifier": {"check_no_attributes_set_in_init": _SKORCH_INIT},
    "SFTNASClassifier": {"check_no_attributes_set_in_init": _SKORCH_INIT},
    "UMSNetClassifier": {"check_no_attributes_set_in_init": _SKORCH_INIT},
    "USADClassifier": {"check_no_attributes_set_in_init": _SKORCH_INIT},
    "WindowSegmenter": {
        "check_transformer_general": _SEGMENTER,
        "check_transformer_data_not_an_array": _SEGMENTER,
        "check_methods_sample_order_invariance": _ROW_ORDER,
        "check_methods_subset_invariance": _ROW_ORDER,
    },
}

# The checks fit on a few dozen rows: the segmenter needs a short window.
INSTANCES = {
    "WindowSegmenter": [sklearn_har.WindowSegmenter(window=2),
                        sklearn_har.WindowSegmenter(window=3, step=1, label="center")],
    "BorderlineSMOTE": [sklearn_har.BorderlineSMOTE(random_state=0),
                        sklearn_har.BorderlineSMOTE(k_neighbors=2, m_neighbors=3,
                                                    kind="borderline-2", random_state=0)],
    # tiny: the checks train it on a few dozen samples
    "DiffusionAugmenter": [sklearn_har.DiffusionAugmenter(
        width=8, depth=1, max_iter=10, n_steps=20, sampling_steps=5, batch_size=16,
        random_state=0)],
    # small and quick, yet accurate enough for check_classifiers_train (> 0.83)
    "CNNClassifier": [sklearn_har.CNNClassifier(
        module__channels=(8,), max_epochs=10, lr=0.03, batch_size=32, verbose=0,
        random_state=0)],
    # cross-entropy + center loss on a tiny gated Res2Net (one stage, one block)
    "MAGRes2NetClassifier": [sklearn_har.MAGRes2NetClassifier(
        module__depths=(1,), module__base_width=4, module__width=4, module__stem_width=8,
        max_epochs=10, lr=0.03, batch_size=32, verbose=0, random_state=0)],
    "NeuralWindowClassifier": [sklearn_har.NeuralWindowClassifier(
        CNN1D, criterion=SmoothFocalCELoss, module__channels=(8,), max_epochs=10,
        lr=0.03, batch_size=32, verbose=0, random_state=0)],
    # short windows: one searchable layer; a small supernet, a short search
    "SFTNASClassifier": [sklearn_har.SFTNASClassifier(
        backend="conv", module__filters=8, search_epochs=3, max_epochs=10,
        lr=0.03, batch_size=32, verbose=0, random_state=0)],
    # the checks' windows are short (a few steps): one slice, tiny modules
    "UMSNetClassifier": [sklearn_har.UMSNetClassifier(
        module__n_slices=1, module__sensor_depths=(1,), module__fusion_depths=(1,),
        module__transformer_depth=1, module__sensor_width=4, module__fusion_width=8,
        module__dim=16, module__heads=2, max_epochs=10, lr=0.03, batch_size=32, verbose=0,
        random_state=0)],
    # the adaptive compound loss and a tiny network (one stage, two branches)
    "USADClassifier": [sklearn_har.USADClassifier(
        module__stem_width=8, module__widths=(8,), module__depths=(1,),
        module__kernels=(3, 5), max_epochs=10, lr=0.03, batch_size=32, verbose=0,
        random_state=0)],
    "WindowScaler": [sklearn_har.WindowScaler(),
                     sklearn_har.WindowScaler(with_mean=False)],
    "StatFeatures": [sklearn_har.StatFeatures(),
                     sklearn_har.StatFeatures(features=["mean", "skew"], fs=50.0)],
}


def _public_estimators():
    return sorted(
        name for name in sklearn_har.__all__
        if inspect.isclass(getattr(sklearn_har, name))
        and issubclass(getattr(sklearn_har, name), BaseEstimator)
        and name not in ("Pipeline",)  # a meta-estimator: tested in test_pipeline
    )


def test_every_public_estimator_is_checked():
    assert sorted(INSTANCES) == _public_estimators()


@parametrize_with_checks(
    [est for name in sorted(INSTANCES) for est in INSTANCES[name]],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
