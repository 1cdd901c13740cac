"""The microcontroller target: full-int8 .tflite in TFLite Micro, the lint, the budget."""

import json
import os

import pytest
import torch
from torch import nn

from sklearn_har import USADClassifier
from sklearn_har.exceptions import EdgeExportError
from sklearn_har.export import export_edge
from sklearn_har.export._lint import check_mcu, lint_mcu
from sklearn_har.export._tflite import tflite_ops


def test_cnn_end_to_end(fitted_cnn, windows, tmp_path):
    X, y = windows
    result = export_edge(fitted_cnn, tmp_path, "mcu", calibration=(X, y), n_runs=20)
    lsb, int8 = result.verification
    assert lsb["kind"] == "lsb" and lsb["max_lsb"] <= 1 and lsb["n_windows"] == 80
    assert int8["agreement"] >= 0.98 and int8["accuracy_drop"] <= 0.01
    model = open(result.files["tflite"], "rb").read()
    ops = tflite_ops(model)
    assert "CONV_2D" in {op[0] for op in ops}
    assert not [op for op in ops if any(t.startswith("FLOAT") for t in op[1] + op[2])]
    arena = result.profile.arena_bytes
    assert 1024 < arena < 96 * 1024 and result.profile.fits(96, 512)
    spec = json.loads(open(result.files["spec"]).read())
    q = spec["quantization"]
    assert spec["normalization"]["in_graph"] is False
    assert q["input"]["scale"] > 0 and -128 <= q["input"]["zero_point"] <= 127
    header = open(result.files["c_header"]).read()
    assert f"kTensorArenaSize = {-(-arena // 1024) * 1024};" in header
    assert f"kInputZeroPoint = {q['input']['zero_point']};" in header
    assert "kChannelMean[kNumChannels]" in header and "kNumClasses = 4;" in header
    source = open(result.files["c_source"]).read()
    assert f"g_model_data_len = {len(model)};" in source
    first = ", ".join(f"0x{b:02x}" for b in model[:16])
    assert first in source and "alignas(16)" in source
    assert {"LiteRT int8 (builtin kernels)", "LiteRT int8 (XNNPACK)"} <= set(
        result.profile.latency)


def test_over_budget_model_is_refused_with_its_numbers(fitted_cnn, windows, tmp_path):
    X, _ = windows
    with pytest.raises(EdgeExportError, match=r"needs a [\d.]+ KiB TFLite Micro arena "
                                              r"\(\d+ bytes\); the budget is max_arena_kb=4 KiB"):
        export_edge(fitted_cnn, tmp_path, "mcu", calibration=X, max_arena_kb=4, n_runs=5)
    assert not os.path.exists(tmp_path / "model.tflite")


def test_mcu_needs_calibration(fitted_cnn, tmp_path):
    with pytest.raises(ValueError, match="target='mcu' needs calibration windows"):
        export_edge(fitted_cnn, tmp_path, "mcu")


class _Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 8, 3)
        self.rnn = nn.LSTM(8, 8, batch_first=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        h, _ = self.rnn(self.conv(x).transpose(1, 2))
        return self.head(h[:, -1])


class _WideConcat(nn.Module):
    def __init__(self, n=12):
        super().__init__()
        self.branches = nn.ModuleList(nn.Conv1d(3, 2, 1) for _ in range(n))

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], dim=1).mean(-1)


class _Int64Gather(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(10, 4)

    def forward(self, x):
        return self.table((x[:, 0, :4].abs() * 3).long()).mean((1, 2))[:, None]


@pytest.mark.parametrize("module, message", [
    (_Recurrent(), r"layer 'rnn' \(LSTM\): recurrent layers cannot run under TensorFlow "
                   r"Lite Micro"),
    (_WideConcat(), r"concatenates 12 tensors; TensorFlow Lite Micro takes at most 10"),
    (_Int64Gather(), r"layer 'table' \(Embedding\): embedding with int64 indices"),
])
def test_lint_names_the_layer(module, message):
    with pytest.raises(EdgeExportError, match=message):
        check_mcu(module.eval(), torch.zeros(1, 3, 16), name="the net")
    assert lint_mcu(_WideConcat(n=10).eval(), torch.zeros(1, 3, 16)) == []


def test_lint_passes_every_mcu_registered_network():
    from sklearn_har.nn.models import create_model, list_models

    for name in list_models(mcu=True):
        assert lint_mcu(create_model(name, 3, 4).eval(), torch.zeros(1, 3, 32)) == [], name


def test_float_ops_left_in_the_int8_graph_are_refused(windows, tmp_path):
    from sklearn_har.export._spec import EdgeModule
    from sklearn_har.export._tflite import convert_int8, float_ops

    class ChannelMax(nn.Module):  # a max reduction the quantiser leaves in float
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(3, 8, 3)
            self.head = nn.Linear(62, 4)

        def forward(self, x):
            return self.head(self.conv(x).amax(dim=1))

    X, _ = windows
    path = convert_int8(EdgeModule(ChannelMax().eval()).eval(), X[:50], tmp_path / "m.tflite")
    left = float_ops(open(path, "rb").read())
    assert any(op.startswith("REDUCE_MAX") for op in left)


@pytest.fixture(scope="module")
def short_windows():
    """400 windows of 3 channels x 48 steps (about 1 s at 50 Hz), 4 classes."""
    from sklearn_har.datasets import make_har_windows

    X, y, _ = make_har_windows(n_windows=400, n_classes=4, n_channels=3, n_timesteps=48,
                               random_state=0)
    return X.astype("float32"), y


@pytest.fixture(scope="module")
def fitted_usad(short_windows):
    X, y = short_windows
    return USADClassifier(module__preset="small", module__kernels=(3, 5), max_epochs=12,
                          random_state=0, verbose=0).fit(X[:200], y[:200])


def test_seed_network_fits_an_mcu(fitted_usad, short_windows, tmp_path):
    """USAD (small preset, two branches: kernels 3 and 5) on 3 x 48 windows: full int8,
    within the 96 KiB arena. (With the third branch it needs about 98 KiB on the host
    build, two thirds of it interpreter structures for its 343 ops.)"""
    X, y = short_windows
    result = export_edge(fitted_usad, tmp_path, "mcu", calibration=X[:200],
                         check_windows=X[200:], check_y=y[200:], n_runs=5)
    lsb, int8 = result.verification
    assert lsb["passed"] and int8["passed"] and int8["n_windows"] == 200
    assert result.profile.arena_bytes <= 96 * 1024
    parts = result.profile.arena_breakdown
    assert 0 < parts["activations"] < parts["total"] <= result.profile.arena_bytes
    names = {op[0] for op in tflite_ops(open(result.files["tflite"], "rb").read())}
    assert {"SOFTMAX", "LOGISTIC", "MAX_POOL_2D"} <= names  # split / spatial attention in int8


def test_weights_past_256_kib_are_inlined_for_tflite_micro(windows, tmp_path):
    """The quantiser appends large models' weights after the flatbuffer, which TFLite
    Micro does not read: the export moves them inside, and TFLM then matches LiteRT."""
    from ai_edge_litert import schema_py_generated as fb

    from sklearn_har.export import _tflite
    from sklearn_har.export._spec import EdgeModule

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(3, 32, 5, padding=2), nn.ReLU(), nn.Flatten(),
                        nn.Linear(32 * 64, 160), nn.ReLU(), nn.Linear(160, 4)).eval()
    X, _ = windows
    X = ((X - X.mean((0, 2), keepdims=True)) / X.std((0, 2), keepdims=True)).astype("float32")
    raw = open(_tflite.convert_int8(EdgeModule(net).eval(), X[:64], tmp_path / "m.tflite"),
               "rb").read()

    def external(model):
        m = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(model, 0))
        return sum(getattr(b, "offset", 0) > 1 for b in m.buffers)

    assert external(raw) > 0  # the layout this guards against
    model = _tflite.inline_buffers(raw)
    assert external(model) == 0
    q = _tflite._io_quantization(model)[0]
    Xq = _tflite._quantize_input(X[:40], q)
    litert = _tflite._run_litert(model, Xq)[0].astype(int)
    micro = _tflite._run_tflm(model, Xq, _tflite.tflm_arena(model)).astype(int)
    assert abs(litert - micro).max() <= 1
    assert (_tflite._run_litert(raw, Xq)[0].astype(int) == litert).all()  # same model


def test_a_wrong_tflite_from_the_converter_is_caught(fitted_cnn, windows, tmp_path,
                                                      monkeypatch):
    """A converter that exits cleanly with wrong int8 weights: agreement with torch fails."""
    from ai_edge_litert import schema_py_generated as fb

    from sklearn_har.exceptions import ExportVerificationError
    from sklearn_har.export import _tflite

    real = _tflite.convert_int8

    def corrupted(module, calibration, path):
        real(module, calibration, path)
        model = bytearray(open(path, "rb").read())
        m = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(bytes(model), 0))
        graph = m.subgraphs[0]
        conv = next(op for op in graph.operators
                    if m.operatorCodes[op.opcodeIndex].builtinCode == fb.BuiltinOperator.CONV_2D)
        weights = m.buffers[graph.tensors[conv.inputs[1]].buffer].data
        start = bytes(model).find(weights.tobytes())
        model[start:start + len(weights)] = (-weights.astype("int16")).clip(-127, 127).astype(
            "int8").tobytes()  # the first convolution's weights negated
        open(path, "wb").write(bytes(model))
        return path

    monkeypatch.setattr(_tflite, "convert_int8", corrupted)
    X, y = windows
    with pytest.raises(ExportVerificationError, match=r"model.tflite \(TFLite Micro\): top-1 "
                                                      r"agreement with torch"):
        export_edge(fitted_cnn, tmp_path, "mcu", calibration=(X, y), n_runs=5)


def test_top_level_names():
    import sklearn_har

    assert sklearn_har.profile is sklearn_har.export.profile
    assert sklearn_har.export_edge is sklearn_har.export.export_edge
