"""The Pi target: ONNX fp32 parity for every registered network, int8 agreement,
verification that catches a wrong converter, metadata, the Pipeline artefact."""

import json
import os

import numpy as np
import onnx
import pytest
import torch

from sklearn_har import Pipeline, WindowScaler, WindowSegmenter
from sklearn_har.datasets import make_har_table
from sklearn_har.edge import EdgeClassifier, EdgeSpec
from sklearn_har.exceptions import ExportVerificationError, ExportVerificationWarning
from sklearn_har.export import ProfileReport, export_edge, profile
from sklearn_har.export import _api as api
from sklearn_har.export._onnx import export_onnx, onnx_session, run_session
from sklearn_har.nn.models import create_model, get_model_info, list_models


@pytest.mark.parametrize("name", list_models())
def test_fp32_parity_every_registered_network(name, tmp_path):
    """Batch sizes 1, 2 and 7 through one exported graph (dynamic batch axis)."""
    torch.manual_seed(0)
    kwargs = {"n_timesteps": 48} if get_model_info(name).fixed_length else {}
    net = create_model(name, n_channels=6, n_classes=5, **kwargs).eval()
    path = export_onnx(net, 6, 48, tmp_path / "m.onnx")
    dims = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and [d.dim_value for d in dims[1:]] == [6, 48]
    session = onnx_session(path)
    for batch in (1, 2, 7):
        x = torch.randn(batch, 6, 48)
        with torch.no_grad():
            ref = net(x)
        ref = (ref[0] if isinstance(ref, tuple) else ref).numpy()
        got = run_session(session, x.numpy())
        assert got.shape == (batch, 5)
        np.testing.assert_allclose(got, ref, atol=1e-4, rtol=0)


def test_pi_export_int8_agreement_and_metadata(fitted_cnn, windows, tmp_path):
    X, y = windows
    result = export_edge(fitted_cnn, tmp_path, "pi", calibration=(X, y), int8=True,
                         sampling_rate=50, channel_names=["ax", "ay", "az"], n_runs=20)
    fp32, q8 = result.verification
    assert fp32["kind"] == "fp32" and fp32["passed"] and fp32["max_abs_diff"] <= 1e-4
    assert q8["kind"] == "int8" and q8["agreement"] >= 0.98 and q8["accuracy_drop"] <= 0.01
    assert q8["n_windows"] == 80  # the held-out fifth
    for key in ("onnx", "onnx_int8", "profile_json", "profile_md"):
        assert os.path.exists(result.files[key])
    meta = {p.key: p.value for p in onnx.load(result.files["onnx_int8"]).metadata_props}
    spec = EdgeSpec.from_json(meta["sklearn_har"])
    assert spec.classes == fitted_cnn.classes_.tolist()
    assert (spec.n_channels, spec.window, spec.sampling_rate) == (3, 64, 50.0)
    assert spec.channel_names == ["ax", "ay", "az"]
    np.testing.assert_allclose(spec.normalization["mean"], fitted_cnn.input_scaler_.mean_)
    assert spec.normalization["in_graph"] is True
    assert spec.versions["torch"] == torch.__version__
    assert [c["artefact"] for c in spec.verification["checks"]] == [
        "model.onnx", "model.int8.onnx"]
    report = json.loads(open(result.files["profile_json"]).read())
    assert report["files"]["model.onnx"] == os.path.getsize(result.files["onnx"])
    assert {"torch eager", "onnxruntime fp32", "onnxruntime int8"} <= report["latency"].keys()


def test_runtime_matches_torch(fitted_cnn, windows, tmp_path):
    X, _ = windows
    export_edge(fitted_cnn, tmp_path, "pi", calibration=X, int8=False, n_runs=5)
    edge = EdgeClassifier.load(tmp_path)
    assert edge.path.endswith("model.onnx")
    np.testing.assert_allclose(edge.predict_proba(X), fitted_cnn.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(edge.predict(X), fitted_cnn.predict(X))
    with pytest.raises(ValueError, match=r"shape \(n, 3, 64\).*got shape \(2, 64, 3\)"):
        edge.predict(X[:2].transpose(0, 2, 1))
    bad = X[:2].copy()
    bad[1, 2, 5] = np.nan
    with pytest.raises(ValueError, match="window 1, channel 2, step 5"):
        edge.predict(bad)
    with pytest.raises(FileNotFoundError, match="no model.int8.onnx"):
        EdgeClassifier.load(tmp_path, int8=True)


def _corrupting(real):
    """An exporter that 'succeeds' with a wrong model: weights perturbed after conversion."""

    def export(module, n_channels, window, path):
        real(module, n_channels, window, path)
        model = onnx.load(path)
        init = max(model.graph.initializer, key=lambda t: np.prod(t.dims))
        w = onnx.numpy_helper.to_array(init).copy()
        w *= -1.0
        init.CopyFrom(onnx.numpy_helper.from_array(w, init.name))
        onnx.save(model, path)
        return path

    return export


def test_verification_catches_a_wrong_converter(fitted_cnn, windows, tmp_path, monkeypatch):
    X, y = windows
    monkeypatch.setattr(api, "export_onnx", _corrupting(api.export_onnx))
    with pytest.raises(ExportVerificationError, match=r"model.onnx: max \|logit difference\|"):
        export_edge(fitted_cnn, tmp_path / "a", "pi", calibration=(X, y), n_runs=5)
    with pytest.warns(ExportVerificationWarning, match="out of tolerance"):
        result = export_edge(fitted_cnn, tmp_path / "b", "pi", calibration=(X, y), int8=False,
                             on_mismatch="warn", n_runs=5)
    assert not result.verification[0]["passed"]
    assert result.verification[0]["action"].startswith("kept with a warning")
    assert not result.spec.verification["checks"][0]["passed"]


def test_fp32_only_without_calibration_checks_synthetic_windows(fitted_cnn, tmp_path):
    result = export_edge(fitted_cnn, tmp_path, "pi", n_runs=5)
    assert result.verification[0]["passed"] and result.verification[0]["n_windows"] == 64
    assert "synthetic" in result.spec.verification["windows"]
    assert not result.int8["kept"] and "no calibration" in result.int8["reason"]
    assert "onnx_int8" not in result.files
    with pytest.raises(ValueError, match="int8=True needs calibration"):
        export_edge(fitted_cnn, tmp_path, "pi", int8=True, n_runs=5)


def test_bad_arguments(fitted_cnn, windows, tmp_path):
    X, y = windows
    with pytest.raises(ValueError, match="target must be one of"):
        export_edge(fitted_cnn, tmp_path, "phone")
    with pytest.raises(ValueError, match=r"calibration windows have shape \(3, 32\)"):
        export_edge(fitted_cnn, tmp_path, calibration=X[:, :, :32])
    with pytest.raises(ValueError, match="label 'jump', not among"):
        export_edge(fitted_cnn, tmp_path, check_windows=X[:3], check_y=["jump"] * 3)
    with pytest.raises(ValueError, match="channel_names has 2 names; the model takes 3"):
        export_edge(fitted_cnn, tmp_path, channel_names=["a", "b"])
    with pytest.raises(TypeError, match="fitted sklearn_har deep classifier"):
        export_edge(WindowScaler().fit(X), tmp_path)


def test_missing_extra_names_the_pip_command(fitted_cnn, tmp_path, monkeypatch):
    import importlib.util

    from sklearn_har.export import _deps

    real = importlib.util.find_spec
    monkeypatch.setattr(_deps.importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxscript" else real(name, *a))
    with pytest.raises(ImportError, match=r"onnxscript is needed .*pip install "
                                          r"'sklearn-har\[edge\]'"):
        export_edge(fitted_cnn, tmp_path)


@pytest.fixture(scope="module")
def table_pipeline():
    from sklearn_har import CNNClassifier

    X, y = make_har_table(n_users=4, n_activities=3, rows_per_user=1200, random_state=0)
    pipe = Pipeline([("seg", WindowSegmenter(64, group_column="user")),
                     ("scale", WindowScaler()),
                     ("clf", CNNClassifier(max_epochs=4, random_state=0, verbose=0))])
    return pipe.fit(X, y), X


def test_pipeline_artefact_rows_in_same_rows_out(table_pipeline, tmp_path):
    pipe, X = table_pipeline
    result = pipe.export_edge(tmp_path, calibration=X, int8=False, sampling_rate=50, n_runs=5)
    spec = result.spec
    assert spec.segmenter["params"]["window"] == 64
    assert spec.channel_names == ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
    # the Pipeline's WindowScaler and the classifier's own standardisation, folded
    scaler, own = pipe.named_steps["scale"], pipe.named_steps["clf"].input_scaler_
    np.testing.assert_allclose(spec.normalization["mean"],
                               scaler.mean_ + own.mean_ * scaler.scale_, rtol=1e-6)
    edge = EdgeClassifier.load(tmp_path)
    rows = edge.predict(X)
    assert rows.shape == (len(X),)
    np.testing.assert_array_equal(rows, pipe.predict(X))
    np.testing.assert_allclose(edge.predict_proba(X), pipe.predict_proba(X), atol=1e-5)


def test_pipeline_with_a_step_the_edge_cannot_carry(table_pipeline, tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    from sklearn_har import CNNClassifier

    pipe, X = table_pipeline
    other = Pipeline([("seg", pipe.named_steps["seg"]),
                      ("f", FunctionTransformer().fit(np.zeros((2, 2)))),
                      ("clf", pipe.named_steps["clf"])])
    with pytest.raises(TypeError, match=r"cannot carry the Pipeline step 'f' "
                                        r"\(FunctionTransformer\)"):
        export_edge(other, tmp_path)
    assert not hasattr(Pipeline([("s", WindowScaler())]), "export_edge")
    assert hasattr(Pipeline([("c", CNNClassifier())]), "export_edge")


def test_profile_without_artefacts(fitted_cnn):
    report = profile(fitted_cnn, n_runs=10)
    assert isinstance(report, ProfileReport)
    from sklearn_har.nn.profile import count_macs

    module = fitted_cnn.module_
    assert report.macs == count_macs(module, torch.zeros(1, 3, 64))
    assert report.params == sum(p.numel() for p in module.parameters())
    assert report.latency["torch eager"]["n_runs"] == 10
    assert report.bounds_ms["cortex_m33_80mhz"] == pytest.approx(report.macs / 160e6 * 1e3)
    text = str(report)
    assert "| MACs / window |" in text and "lower bound" in text
