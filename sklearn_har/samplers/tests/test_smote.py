import warnings
from collections import Counter, OrderedDict

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import BorderlineSMOTE as ImbBorderlineSMOTE
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.utils.estimator_checks import check_param_validation
from imblearn.utils.estimator_checks import parametrize_with_checks as imb_checks
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_limits

from sklearn_har import Pipeline, StatFeatures, WindowSegmenter
from sklearn_har.datasets import make_har_table
from sklearn_har.samplers import BorderlineSMOTE, NoDangerWarning

C, T = 3, 20


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    # The neighbour searches here are tiny: OpenMP threads only spin-wait, which
    # costs seconds on 2 busy cores (25 s for this file instead of 6 s).
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def _windows(counts, *, shift=0.3, seed=0):
    """Gaussian windows ``(n, C, T)`` float32, class ``k`` offset by ``k * shift``.

    With a small shift the classes overlap, so every minority class has
    windows in danger and gets all the synthetic windows it asks for.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((sum(counts.values()), C, T)).astype(np.float32)
    y = np.concatenate([[label] * n for label, n in counts.items()])
    for k, label in enumerate(counts):
        X[y == label] += np.float32(k * shift)
    return X, y


COUNTS = {"walk": 45, "sit": 15, "stand": 25}


def _counts(y):
    return Counter(np.asarray(y).tolist())


# -- imbalanced-learn's result, windows in and out ---------------------------------


@pytest.mark.parametrize("kind", ["borderline-1", "borderline-2"])
def test_equals_imblearn_on_flattened_windows(kind):
    X, y = _windows(COUNTS)
    X_res, y_res = BorderlineSMOTE(kind=kind, random_state=7).fit_resample(X, y)
    X_ref, y_ref = ImbBorderlineSMOTE(kind=kind, random_state=7).fit_resample(
        X.reshape(len(X), -1), y
    )
    assert X_res.shape == (len(X_ref), C, T) and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res.reshape(len(X_res), -1), X_ref)
    np.testing.assert_array_equal(y_res, y_ref)
    assert len(X_res) > len(X)  # something was generated


@pytest.mark.parametrize("kind", ["borderline-1", "borderline-2"])
def test_2d_input_gives_2d_output_equal_to_imblearn(kind):
    X, y = _windows(COUNTS)
    X2 = X[:, 0, :]  # one channel
    X_res, y_res = BorderlineSMOTE(kind=kind, random_state=7).fit_resample(X2, y)
    X_ref, y_ref = ImbBorderlineSMOTE(kind=kind, random_state=7).fit_resample(X2, y)
    assert X_res.ndim == 2 and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res, X_ref)
    np.testing.assert_array_equal(y_res, y_ref)
    # float64 input is computed in float32: close to imblearn's float64 result
    X_res64, _ = BorderlineSMOTE(kind=kind, random_state=7).fit_resample(
        X2.astype(np.float64) + 1e-3, y
    )
    X_ref64, _ = ImbBorderlineSMOTE(kind=kind, random_state=7).fit_resample(
        X2.astype(np.float64) + 1e-3, y
    )
    assert X_res64.dtype == np.float32
    np.testing.assert_allclose(X_res64, X_ref64, rtol=1e-5, atol=1e-6)


def test_originals_come_first_unchanged_and_synthetic_ones_are_new():
    X, y = _windows(COUNTS)
    X_before = X.copy()
    smote = BorderlineSMOTE(random_state=0)
    X_res, y_res = smote.fit_resample(X, y)
    np.testing.assert_array_equal(X, X_before)  # input not modified
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    synthetic = X_res[len(X):]
    assert len(synthetic) == sum(smote.n_synthetic_.values()) == 30 + 20
    # new windows, each on a segment between two real ones: inside their range
    assert not (synthetic[:, None] == X[None]).all(axis=(2, 3)).any()
    assert synthetic.min() >= X.min() and synthetic.max() <= X.max()
    # grouped by class in the order of sampling_strategy_
    expected = np.concatenate([[c] * n for c, n in smote.sampling_strategy_.items()])
    np.testing.assert_array_equal(y_res[len(y):], expected)


def test_fitted_attributes():
    X, y = _windows(COUNTS)
    smote = BorderlineSMOTE(random_state=0).fit(X, y)
    assert smote.sampling_strategy_ == {"sit": 30, "stand": 20}
    assert (smote.n_channels_in_, smote.n_timesteps_in_, smote.n_features_in_) == (C, T, C * T)
    smote = BorderlineSMOTE(random_state=0)
    smote.fit_resample(X, y)
    assert isinstance(smote.sampling_strategy_, OrderedDict)
    assert smote.n_synthetic_ == {"sit": 30, "stand": 20}
    assert isinstance(smote.smote_, ImbBorderlineSMOTE)
    assert smote.smote_.sampling_strategy_ == smote.sampling_strategy_
    assert smote.smote_.n_features_in_ == C * T
    assert set(smote.smote_.in_danger_indices) == {"sit", "stand"}
    assert smote.get_feature_names_out().tolist() == ["ch0", "ch1", "ch2"]
    assert smote.get_feature_names_out(["ax", "ay", "az"]).tolist() == ["ax", "ay", "az"]
    with pytest.raises(ValueError, match="number of channels \\(3\\)"):
        smote.get_feature_names_out(["ax"])


# -- sampling_strategy --------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {"walk": 45, "sit": 45, "stand": 45}),
        ("minority", {"walk": 45, "sit": 45, "stand": 25}),
        ({"sit": 40}, {"walk": 45, "sit": 40, "stand": 25}),
        ({"sit": 20, "stand": 30}, {"walk": 45, "sit": 20, "stand": 30}),
        (lambda y: {"stand": 50}, {"walk": 45, "sit": 15, "stand": 50}),
    ],
)
def test_class_counts_reach_the_sampling_strategy(strategy, expected):
    X, y = _windows(COUNTS)
    smote = BorderlineSMOTE(sampling_strategy=strategy, random_state=0)
    _, y_res = smote.fit_resample(X, y)
    assert _counts(y_res) == expected
    before = _counts(y)
    assert all(before[c] + n == expected[c] for c, n in smote.sampling_strategy_.items())


def test_float_sampling_strategy_is_a_ratio_for_binary_y():
    X, y = _windows({"walk": 45, "sit": 15})
    _, y_res = BorderlineSMOTE(sampling_strategy=0.5, random_state=0).fit_resample(X, y)
    assert _counts(y_res) == {"walk": 45, "sit": 22}  # int(0.5 * 45)
    with pytest.raises(ValueError, match="float only when the type of target is binary"):
        BorderlineSMOTE(sampling_strategy=0.5).fit_resample(*_windows(COUNTS))


def test_balanced_input_is_returned_as_is():
    X, y = _windows({"walk": 20, "sit": 20})
    smote = BorderlineSMOTE(random_state=0)
    X_res, _ = smote.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    assert sum(smote.sampling_strategy_.values()) == 0
    assert set(smote.n_synthetic_.values()) <= {0}


# -- labels, input types, reproducibility --------------------------------------------


def test_string_labels_keep_their_type():
    X, y = _windows(COUNTS)
    # list in, list out
    _, y_list = BorderlineSMOTE(random_state=0).fit_resample(X, y.tolist())
    assert isinstance(y_list, list) and all(isinstance(v, str) for v in y_list)
    # object array, and a named pandas Series
    _, y_obj = BorderlineSMOTE(random_state=0).fit_resample(X, y.astype(object))
    assert set(y_obj) == set(COUNTS)
    _, y_s = BorderlineSMOTE(random_state=0).fit_resample(X, pd.Series(y, name="activity"))
    assert isinstance(y_s, pd.Series) and y_s.name == "activity"
    assert _counts(y_s) == {"walk": 45, "sit": 45, "stand": 45}


def test_dataframe_in_dataframe_out():
    X, y = _windows(COUNTS)
    df = pd.DataFrame(X[:, 0, :], columns=[f"t{i}" for i in range(T)])
    smote = BorderlineSMOTE(random_state=0)
    X_res, _ = smote.fit_resample(df, y)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == list(df.columns)
    assert smote.feature_names_in_.tolist() == list(df.columns)
    assert (smote.n_channels_in_, smote.n_timesteps_in_) == (1, T)


def test_same_random_state_same_output_different_differs():
    X, y = _windows(COUNTS)
    a, ya = BorderlineSMOTE(random_state=3).fit_resample(X, y)
    b, yb = BorderlineSMOTE(random_state=3).fit_resample(X, y)
    c, yc = BorderlineSMOTE(random_state=4).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(ya, yc)  # same counts per class
    assert not np.array_equal(a[len(X):], c[len(X):])


def test_nan_and_bad_ranks_are_refused():
    X, y = _windows(COUNTS)
    X[4, 1, 7] = np.nan
    with pytest.raises(ValueError, match="1 NaN .* window 4, channel 1, time step 7"):
        BorderlineSMOTE().fit_resample(X, y)
    with pytest.raises(ValueError, match="Expected X as windows"):
        BorderlineSMOTE().fit_resample(X[..., None], y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        BorderlineSMOTE().fit_resample(_windows(COUNTS)[0], y[:-1])


# -- where imbalanced-learn is silent or cryptic -------------------------------------


def test_no_danger_warning_names_the_class_and_counts():
    # "far" is far from every other window: all its windows are safe, none in
    # danger, so imblearn silently generates nothing for it.
    X, y = _windows({"walk": 40, "near": 15, "far": 15}, shift=0.2)
    X[y == "far"] += 50.0
    smote = BorderlineSMOTE(random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _, y_res = smote.fit_resample(X, y)
    no_danger = [w for w in record if issubclass(w.category, NoDangerWarning)]
    assert len(no_danger) == 1
    msg = str(no_danger[0].message)
    assert "Class 'far' (15 windows) was to get 25 synthetic windows but got 0" in msg
    assert "in danger" in msg
    assert smote.n_synthetic_ == {"near": 25, "far": 0}
    assert _counts(y_res) == {"walk": 40, "near": 40, "far": 15}
    assert issubclass(NoDangerWarning, UserWarning)


def test_k_neighbors_too_large_for_a_class_names_it():
    X, y = _windows({"walk": 40, "sit": 20, "stand": 4})
    with pytest.raises(ValueError, match=r"class 'stand' has 4 window\(s\), largest usable "
                                         r"k_neighbors=3") as exc:
        BorderlineSMOTE(k_neighbors=5).fit_resample(X, y)
    assert "'sit'" not in str(exc.value)  # 20 windows are enough
    assert "Use k_neighbors <= 3" in str(exc.value)
    # k_neighbors=3 is indeed usable
    BorderlineSMOTE(k_neighbors=3, random_state=0).fit_resample(X, y)


def test_k_neighbors_error_lists_every_small_class():
    X, y = _windows({"walk": 40, "sit": 3, "stand": 1})
    with pytest.raises(ValueError) as exc:
        BorderlineSMOTE(k_neighbors=5).fit_resample(X, y)
    msg = str(exc.value)
    assert "class 'sit' has 3 window(s), largest usable k_neighbors=2" in msg
    assert "class 'stand' has 1 window(s), too few for any k_neighbors" in msg


def test_k_neighbors_only_matters_for_classes_to_oversample():
    X, y = _windows({"walk": 40, "sit": 20, "stand": 4})
    smote = BorderlineSMOTE(sampling_strategy={"sit": 30}, random_state=0)
    _, y_res = smote.fit_resample(X, y)  # "stand" (4 windows) is left alone
    assert _counts(y_res) == {"walk": 40, "sit": 30, "stand": 4}


def test_borderline2_searches_all_windows_so_a_small_class_is_fine():
    X, y = _windows({"walk": 40, "sit": 20, "stand": 4})
    X_res, _ = BorderlineSMOTE(kind="borderline-2", random_state=0).fit_resample(X, y)
    X_ref, _ = ImbBorderlineSMOTE(kind="borderline-2", random_state=0).fit_resample(
        X.reshape(len(X), -1), y)
    np.testing.assert_array_equal(X_res.reshape(len(X_res), -1), X_ref)
    with pytest.raises(ValueError, match="k_neighbors=70 needs at least 71 windows.*holds "
                                         "64.*k_neighbors <= 63"):
        BorderlineSMOTE(kind="borderline-2", k_neighbors=70, m_neighbors=3).fit_resample(X, y)


def test_m_neighbors_larger_than_the_data_is_a_clear_error():
    X, y = _windows({"walk": 12, "sit": 8})
    with pytest.raises(ValueError, match="m_neighbors=25 needs at least 26 windows.*X holds "
                                         "20. Use m_neighbors <= 19"):
        BorderlineSMOTE(m_neighbors=25).fit_resample(X, y)
    BorderlineSMOTE(m_neighbors=19, k_neighbors=3, random_state=0).fit_resample(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"kind": "borderline-3"}, "The 'kind' parameter of BorderlineSMOTE must be a str among"),
        ({"k_neighbors": 0}, ("The 'k_neighbors' parameter of BorderlineSMOTE must be an "
                              "int in the range \\[1, inf\\). Got 0 instead.")),
        ({"m_neighbors": 2.5}, "The 'm_neighbors' parameter of BorderlineSMOTE must be an int"),
        ({"sampling_strategy": "most"}, "The 'sampling_strategy' parameter of BorderlineSMOTE"),
    ],
)
def test_bad_parameters_are_refused_with_sklearn_messages(params, match):
    X, y = _windows(COUNTS)
    with pytest.raises(InvalidParameterError, match=match):
        BorderlineSMOTE(**params).fit_resample(X, y)


def test_parameter_constraints_cover_every_parameter():
    check_param_validation("BorderlineSMOTE", BorderlineSMOTE(random_state=0))


# -- in pipelines: a sampler, in fit only --------------------------------------------


class _CountingSMOTE(BorderlineSMOTE):
    """Records the number of windows of each fit_resample call."""

    def fit_resample(self, X, y, **params):
        self.calls_ = [*getattr(self, "calls_", []), len(X)]
        return super().fit_resample(X, y, **params)


def test_is_a_sampler_not_a_transformer():
    smote = BorderlineSMOTE()
    assert hasattr(smote, "fit_resample") and not hasattr(smote, "transform")
    assert smote._estimator_type == "sampler"
    assert smote.__sklearn_tags__().input_tags.three_d_array


@pytest.mark.parametrize("pipeline_cls", [Pipeline, ImbPipeline])
def test_pipeline_on_windows_fits_on_resampled_windows_and_predicts_each(pipeline_cls):
    X, y = _windows({"walk": 45, "sit": 15})
    pipe = pipeline_cls([
        ("smote", _CountingSMOTE(random_state=0)),
        ("feat", StatFeatures(["mean", "std"])),
        ("clf", DummyClassifier(strategy="prior")),
    ]).fit(X, y)
    # the classifier saw the balanced, resampled windows
    np.testing.assert_allclose(pipe["clf"].class_prior_, [0.5, 0.5])
    assert pipe.predict(X).shape == (len(X),)
    assert pipe.predict_proba(X[:5]).shape == (5, 2)
    assert pipe["smote"].calls_ == [len(X)]  # predict did not resample


@pytest.fixture(scope="module")
def har_table():
    # at difficulty 0.8 every minority activity has windows in danger
    return make_har_table(n_users=3, n_activities=4, rows_per_user=2000, imbalance=4.0,
                          difficulty=0.8, random_state=0)


def test_pipeline_after_segmenter_resamples_windows_in_fit_only(har_table):
    X, y = har_table
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=64, step=32, group_column="user")),
        ("smote", _CountingSMOTE(k_neighbors=3, random_state=0)),
        ("feat", StatFeatures()),
        ("clf", RandomForestClassifier(n_estimators=20, random_state=0)),
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoDangerWarning)
        pipe.fit(X, y)
    smote = pipe["smote"]
    n_windows = smote.calls_[0]
    assert smote.calls_ == [n_windows] and (smote.n_channels_in_, smote.n_timesteps_in_) == (6, 64)
    # every activity was brought up to the majority's count
    n_out = n_windows + sum(smote.n_synthetic_.values())
    assert set(smote.n_synthetic_) == {"run", "sit", "stand"}
    assert all(n > 0 for n in smote.n_synthetic_.values())
    assert pipe["clf"].classes_.tolist() == sorted(set(y))
    assert n_out == 4 * max(Counter(pipe["seg"].fit_resample(X, y)[1].tolist()).values())
    y_pred = pipe.predict(X)
    assert y_pred.shape == (len(X),) and set(y_pred) <= set(y)
    assert pipe.score(X, y) > 0.7
    assert smote.calls_ == [n_windows]  # no resampling at predict time


def test_grid_search_over_smote_parameters_with_group_kfold(har_table):
    X, y = har_table
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=64, step=32, group_column="user")),
        ("smote", BorderlineSMOTE(k_neighbors=3, random_state=0)),
        ("feat", StatFeatures(["mean", "std", "energy"])),
        ("clf", RandomForestClassifier(n_estimators=10, random_state=0)),
    ])
    grid = {"smote__k_neighbors": [2, 4], "smote__kind": ["borderline-1", "borderline-2"]}
    search = GridSearchCV(pipe, grid, cv=GroupKFold(n_splits=3), error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoDangerWarning)  # a fold may have no danger window
        search.fit(X, y, groups=X["user"])
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4 and np.isfinite(scores).all() and (scores > 0.5).all()
    best = search.best_estimator_["smote"]
    assert best.get_params()["k_neighbors"] == search.best_params_["smote__k_neighbors"]
    assert best.kind == search.best_params_["smote__kind"]
    assert search.predict(X).shape == (len(X),)


# -- scikit-learn's and imbalanced-learn's estimator checks ---------------------------

# imbalanced-learn's checks resample 30 to 1000 samples: the defaults, and
# k=2, m=3 for small neighbourhoods with the other kind.
ESTIMATORS = [
    BorderlineSMOTE(random_state=0),
    BorderlineSMOTE(k_neighbors=2, m_neighbors=3, kind="borderline-2", random_state=0),
]
EXPECTED_FAILED_CHECKS = {
    "check_samplers_pandas_sparse": (
        "windows are dense: a DataFrame of pandas SparseDtype columns is refused "
        "(the sparse tag is False); imblearn runs this check for every sampler "
        "that accepts DataFrames"
    ),
}


# scikit-learn's own checks run in tests/test_common.py.


def _listed(mark):
    """imblearn's decorator parametrizes with a generator, which pytest deprecates."""
    argnames, argvalues = mark.args
    return pytest.mark.parametrize(argnames, list(argvalues), **mark.kwargs)


@_listed(imb_checks(ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS))
def test_imblearn_compatible(estimator, check):
    check(estimator)
