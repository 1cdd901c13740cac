"""SFTNASClassifier: search -> derive -> prune -> fine-tune in one fit, its report,
searches over beta1, export of the found network."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_har import Pipeline, SFTNASClassifier, WindowSegmenter
from sklearn_har.datasets import make_har_table, make_har_windows
from sklearn_har.nn.models import SFTNASNet, SFTNet
from sklearn_har.nn.profile import count_macs, count_params

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")

TINY = dict(module__filters=8, search_epochs=2, max_epochs=2, batch_size=32, verbose=0)


@pytest.fixture(scope="module")
def windows():
    return make_har_windows(n_windows=240, n_classes=3, n_channels=6, n_timesteps=32,
                            n_groups=6, random_state=0)


@pytest.mark.parametrize("backend", ["tinyhar", "deepconvlstm", "conv"])
def test_fit_searches_derives_and_fine_tunes(windows, backend):
    X, y, groups = windows
    names = ["ax", "ay", "az", "gx", "gy", "gz"]
    clf = SFTNASClassifier(**TINY, backend=backend, channel_names=names,
                           random_state=0).fit(X, y, groups=groups)
    net = clf.final_module_
    assert isinstance(net, SFTNet) and net is clf.module_
    assert len(clf.search_history_) == 2 and len(clf.history) == 2
    assert {"tau", "train_loss", "valid_loss", "valid_acc", "macs"} <= set(clf.search_history_[0])
    report = clf.search_report_
    # 32 steps: N = floor(log2(32 / 4)) = 3 stride-2 layers, interleaved with stride-1 ones
    assert [layer["stride"] for layer in report["layers"]] == [1, 2] * 3
    assert report["n_timesteps_out"] == 4
    assert set(report["sensors"]) | set(report["sensors_dropped"]) == set(names)
    assert report["sensors"] == [names[c] for c in net.sensors]
    x = torch.zeros(1, 6, 32)
    assert report["params"] == count_params(net)
    assert report["macs"] == count_macs(net, x)
    # the network built at the found width is smaller than the supernet it came from
    supernet = SFTNASNet(6, 3, 32, backend=backend, filters=8)
    assert report["params"] < count_params(supernet)
    assert clf.predict_proba(X[:5]).shape == (5, 3)


def test_pruned_sensors_and_filters_are_gone_from_the_tensors(windows):
    X, y, groups = windows
    # masks that keep nothing: the best-scoring channel survives, with a warning naming it
    with pytest.warns(UserWarning, match="pruned every channel of the input mask"):
        pruned = SFTNASClassifier(**TINY, module__mask_init=0.0, random_state=0).fit(X, y)
    assert len(pruned.module_.sensors) == 1
    assert all(layer["filters"] == 1 for layer in pruned.search_report_["layers"])
    clf = SFTNASClassifier(**TINY, backend="conv", random_state=0)
    clf.fit(X, y, groups=groups)
    stage = clf.module_.stage
    convs = [m for m in stage.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].in_channels == 1
    filters = [layer["filters"] for layer in clf.search_report_["layers"]]
    conv_filters = [c.out_channels for c in convs]
    assert conv_filters == [f for f, layer in zip(filters, clf.search_report_["layers"])
                            if layer["op"] != "identity"]
    # the later stage is sized by the kept sensors and the last layer's filters
    fusion = clf.module_.backend.fusion[0]
    assert fusion.in_channels == filters[-1]
    assert fusion.kernel_size[0] == len(clf.module_.sensors)


def test_beta1_trades_accuracy_for_macs():
    # a strong complexity weight makes the search drop filters / pick cheap operators
    X, y, groups = make_har_windows(n_windows=240, n_classes=3, n_channels=6,
                                    n_timesteps=32, n_groups=6, random_state=1)
    params = dict(TINY, search_epochs=6, module__mask_init=0.51, backend="conv",
                  random_state=0)
    free = SFTNASClassifier(**params, beta1=0.0).fit(X, y, groups=groups)
    cheap = SFTNASClassifier(**params, beta1=100.0).fit(X, y, groups=groups)
    assert cheap.search_history_[-1]["macs"] < free.search_history_[-1]["macs"]
    assert cheap.search_report_["macs"] < free.search_report_["macs"]


def test_memory_limit_is_respected_by_the_search():
    X, y, groups = make_har_windows(n_windows=240, n_classes=3, n_channels=6,
                                    n_timesteps=32, n_groups=6, random_state=1)
    params = dict(TINY, search_epochs=6, module__mask_init=0.51, backend="conv",
                  random_state=0, beta1=0.0)
    free = SFTNASClassifier(**params).fit(X, y, groups=groups)
    peak = free.search_history_[-1]["peak_memory_bytes"]
    tight = SFTNASClassifier(**params, max_memory_kb=peak / 2 / 1024, beta2=10.0)
    tight.fit(X, y, groups=groups)
    assert tight.search_history_[-1]["peak_memory_bytes"] < peak


def test_verbose_reports_search_and_fine_tuning_epochs(windows, capsys):
    X, y, groups = windows
    SFTNASClassifier(**{**TINY, "verbose": 1}, random_state=0).fit(X, y, groups=groups)
    out = capsys.readouterr().out
    assert out.count("search ") == 2 and "search   2/2" in out and "MMACs" in out
    assert "valid_loss" in out and "train_loss" in out  # the fine-tuning table
    SFTNASClassifier(**TINY, random_state=0).fit(X, y, groups=groups)
    assert capsys.readouterr().out == ""


def test_same_random_state_same_architecture_and_predictions(windows):
    X, y, groups = windows
    a = SFTNASClassifier(**TINY, random_state=3).fit(X, y, groups=groups)
    b = SFTNASClassifier(**TINY, random_state=3).fit(X, y, groups=groups)
    assert a.search_report_ == b.search_report_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    again = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(again.predict_proba(X), a.predict_proba(X))
    assert again.search_report_ == a.search_report_
    assert clone(a).get_params()["beta1"] == a.beta1


def test_grid_search_over_beta1_in_a_segmenter_pipeline():
    X, y = make_har_table(n_users=3, n_activities=3, rows_per_user=900, random_state=0)
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=32, step=16, group_column="user")),
        ("clf", SFTNASClassifier(**TINY, backend="conv", random_state=0)),
    ])
    search = GridSearchCV(pipe, {"clf__beta1": [0.0, 10.0]}, cv=GroupKFold(3),
                          scoring="accuracy")
    search.fit(X, y, groups=X["user"])
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_[-1].beta1 == search.best_params_["clf__beta1"]
    assert hasattr(search.best_estimator_[-1], "search_report_")
    assert search.predict(X).shape == (len(X),)


@pytest.mark.parametrize("params, match", [
    ({"backend": "lstm"}, "'backend' parameter of SFTNASClassifier"),
    ({"beta1": -1.0}, "'beta1' parameter"),
    ({"max_memory_kb": 0}, "'max_memory_kb' parameter"),
    ({"channel_names": ["a", "b"]}, "channel_names has 2 names for windows of 6 channels"),
    ({"arch_betas": (0.5,)}, "arch_betas must be two numbers"),
])
def test_bad_parameters_are_named(windows, params, match):
    X, y, _ = windows
    with pytest.raises(ValueError, match=match):
        SFTNASClassifier(**TINY, **params).fit(X, y)


def test_partial_fit_searches_first_then_continues(windows):
    X, y, groups = windows
    clf = SFTNASClassifier(**TINY, random_state=0).partial_fit(X, y, groups=groups)
    report = clf.search_report_
    clf.partial_fit(X, y)
    assert clf.search_report_ == report and len(clf.history) == 4


def test_the_found_conv_network_exports_to_the_mcu(windows, tmp_path):
    pytest.importorskip("ai_edge_litert")
    X, y, groups = windows
    clf = SFTNASClassifier(**TINY, backend="conv", random_state=0).fit(X, y, groups=groups)
    result = clf.export_edge(tmp_path / "mcu", target="mcu", calibration=X[:64],
                             on_mismatch="warn")
    assert result.spec.n_channels == 6
    assert result.profile.arena_bytes is not None and result.profile.arena_bytes < 96 * 1024
    onnx = clf.export_edge(tmp_path / "pi", target="pi", calibration=X[:32])
    assert onnx.verification[0]["passed"]


def test_the_found_tinyhar_network_exports_to_the_pi(windows, tmp_path):
    pytest.importorskip("onnxruntime")
    X, y, groups = windows
    clf = SFTNASClassifier(**TINY, random_state=0).fit(X, y, groups=groups)
    result = clf.export_edge(tmp_path / "pi", target="pi", calibration=X[:32], int8=False)
    assert result.verification[0]["passed"]
    from sklearn_har.edge import EdgeClassifier

    edge = EdgeClassifier.load(result.files["onnx"])
    np.testing.assert_array_equal(edge.predict(X[:20]), clf.predict(X[:20]))
