"""The Raspberry Pi artefacts: ONNX fp32 and, where it pays, int8 (QDQ).

fp32 goes through ``torch.onnx.export`` (the dynamo exporter, ``onnxscript``)
with an example batch of 2 and a dynamic batch axis, asserted on the saved
graph (an exporter given batch 1 has been seen to fix it to 1). int8 is
onnxruntime's static post-training quantisation, QDQ format, weights
per-channel int8, activations int8, calibrated with MinMax on the calibration
windows. Both are re-run here on held-out windows before they are kept.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import torch

from ..edge._format import METADATA_KEY
from ..edge._runtime import cpu_session, run_batches
from ._deps import quiet, require

__all__ = ["export_onnx", "quantize_onnx", "onnx_session", "write_onnx_spec"]

INPUT, OUTPUT = "windows", "logits"


#: loggers of the ONNX exporter silenced while it runs
_LOGGERS = ("torch.onnx", "torch.export", "onnxscript", "torch._dynamo", "torch.fx")


def export_onnx(module, n_channels, window, path):
    """Write ``module`` (eval mode, CPU) as fp32 ONNX at ``path``; batch axis dynamic."""
    require("onnx", "onnxscript", extra="edge")
    import onnx

    example = torch.zeros(2, n_channels, window)
    with quiet(_LOGGERS), torch.no_grad():
        program = torch.onnx.export(
            module, (example,), dynamo=True, external_data=False,
            input_names=[INPUT], output_names=[OUTPUT],
            dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False)
        program.save(os.fspath(path), external_data=False)
    model = onnx.load(os.fspath(path))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    shape = [d.dim_param or d.dim_value for d in dims]
    if len(shape) != 3 or not dims[0].dim_param or shape[1:] != [n_channels, window]:
        raise RuntimeError(
            f"the exported ONNX input has shape {shape}; expected a dynamic batch axis then "
            f"[{n_channels}, {window}] (the exporter fixed an axis it should not have)")
    return path


def onnx_session(path_or_bytes, threads=1):
    """An onnxruntime CPU session: the edge runtime's own (``edge._runtime.cpu_session``)."""
    require("onnxruntime", extra="edge")
    return cpu_session(path_or_bytes, threads)


def run_session(session, X, batch=256):
    """Logits of windows ``X`` (float32, any number), in batches."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    return run_batches(session, X, session.get_outputs()[0].shape[-1], batch)


class _Reader:
    """onnxruntime's CalibrationDataReader protocol over windows, one batch at a time."""

    def __init__(self, X, batch=32):
        self._batches = iter([X[i:i + batch] for i in range(0, len(X), batch)])

    def get_next(self):
        batch = next(self._batches, None)
        return None if batch is None else {INPUT: np.ascontiguousarray(batch, np.float32)}


def quantize_onnx(fp32_path, int8_path, calibration):
    """int8 QDQ copy of ``fp32_path`` calibrated on windows ``calibration``."""
    require("onnxruntime", extra="edge")
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp, quiet(_LOGGERS):
        pre = os.path.join(tmp, "pre.onnx")
        try:
            quant_pre_process(os.fspath(fp32_path), pre, skip_symbolic_shape=True)
        except Exception:  # pre-processing is an optimisation: quantise the graph as is
            pre = os.fspath(fp32_path)
        quantize_static(pre, os.fspath(int8_path), _Reader(calibration),
                        quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax,
                        extra_options={"ActivationSymmetric": False,
                                       "WeightSymmetric": True})
    return int8_path


def write_onnx_spec(path, spec):
    """Store ``spec`` (an EdgeSpec) as the ONNX metadata property ``sklearn_har``."""
    import onnx

    model = onnx.load(os.fspath(path))
    props = [p for p in model.metadata_props if p.key != METADATA_KEY]
    del model.metadata_props[:]
    model.metadata_props.extend(props)
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, spec.to_json()
    model.producer_name = "sklearn_har"
    onnx.save(model, os.fspath(path))
