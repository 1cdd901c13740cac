"""The microcontroller artefact: a full-int8 ``.tflite`` checked in TFLite Micro.

Route (measured on this code base; see the docs' "Export to the edge"):

1. :func:`~sklearn_har.export._lint.check_mcu` refuses recurrent layers, wide
   concatenations and int64 gathers before anything is converted;
2. ``torch.export`` at batch 1, BatchNorm folded into the convolutions
   (``litert_torch`` would otherwise keep it as MUL + ADD), ``litert_torch``
   lowers the float graph to a ``.tflite``;
3. ``ai_edge_quantizer``'s static recipe (int8 weights per channel, int8
   activations, int8 input and output), calibrated with the global min / max
   of each tensor over the calibration windows (the public ``calibrate``
   merges ranges by moving average, which clipped large logits here);
4. weights the quantiser wrote after the flatbuffer (models past 256 KiB) are
   moved inside it (TFLite Micro reads no external buffers); the int8 model
   must hold no float tensor (else refused, naming the ops);
5. it runs in the TFLite Micro interpreter: the smallest arena it accepts is
   found by bisection (host build: 64-bit pointers, so a Cortex-M needs a
   little less), refused above ``max_arena_kb``, and its int8 outputs are
   compared with LiteRT's optimised kernels (within 1 LSB) and with torch
   (top-1 agreement, accuracy drop);
6. ``model_data.cc`` / ``model_data.h``: the flatbuffer as a 16-byte aligned C
   array, with the arena size, shapes, classes, the input standardisation and
   the quantisation parameters of input and output.

The model takes *standardised* windows: ``(x - mean) / scale`` per channel,
then ``round(x / input_scale) + input_zero_point`` as int8 (the header holds
all four), so the per-tensor int8 input keeps each channel's resolution.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import torch

from ..exceptions import EdgeExportError
from . import _verify
from ._deps import fd2_to, quiet, require
from ._lint import check_mcu
from ._report import latency

__all__ = ["export_mcu", "convert_int8", "inline_buffers", "tflite_ops", "float_ops",
           "tflm_arena"]

#: windows used for calibration at most (each is one interpreter run)
MAX_CALIBRATION = 256
#: TFLite Micro vs LiteRT (optimised kernels): largest int8 difference allowed
MAX_LSB = 1


#: loggers of the converter and quantiser silenced while they run
_LOGGERS = ("absl", "litert_torch", "ai_edge_quantizer", "jax", "torch.export", "torchao")


def convert_int8(module, calibration, path):
    """Write the full-int8 ``.tflite`` of ``module`` (input: standardised windows)."""
    require("litert_torch", "ai_edge_litert", extra="mcu")
    example = torch.from_numpy(np.ascontiguousarray(calibration[:1], dtype=np.float32))
    with quiet(_LOGGERS, native=True):
        import litert_torch
        from ai_edge_quantizer import calibrator, recipe
        from ai_edge_quantizer import quantizer as aeq
        from ai_edge_quantizer.utils import qsv_utils
        from torchao.quantization.pt2e.utils import _fuse_conv_bn_

        with torch.no_grad():
            gm = torch.export.export(module.eval(), (example,), strict=False).module()
        _fuse_conv_bn_(gm)
        gm.training = False
        with tempfile.TemporaryDirectory() as tmp:
            f32 = os.path.join(tmp, "f32.tflite")
            litert_torch.convert(gm, (example,)).export(f32)
            quantizer = aeq.Quantizer(f32)
            quantizer.load_quantization_recipe(recipe.static_wi8_ai8())
            with open(f32, "rb") as fh:
                float_model = fh.read()
        signature = _signature_input(float_model)
        data = {"serving_default": [{signature: calibration[i:i + 1].astype(np.float32)}
                                    for i in range(min(len(calibration), MAX_CALIBRATION))]}
        cal = calibrator.Calibrator(float_model, num_threads=1,
                                    qsv_update_func=qsv_utils.min_max_update)
        cal.calibrate(data, quantizer._recipe_manager)
        quantizer.quantize(cal.get_model_qsvs(), enable_progress_report=False).export_model(
            os.fspath(path), overwrite=True)
    return path


def inline_buffers(model_bytes):
    """The model with every weight buffer inside the flatbuffer.

    ``ai_edge_quantizer`` writes models whose weights pass 256 KiB with the
    buffers appended after the flatbuffer (offset / size fields). LiteRT reads
    that layout; TensorFlow Lite Micro does not, and silently computes with
    garbage weights (measured: USAD's first convolution 233 LSB off). Models
    that are already inline come back unchanged.
    """
    import flatbuffers
    from ai_edge_litert import schema_py_generated as fb

    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(model_bytes, 0))
    external = [b for b in model.buffers if getattr(b, "offset", 0) > 1]
    if not external:
        return model_bytes
    for buffer in external:
        buffer.data = np.frombuffer(
            model_bytes[buffer.offset:buffer.offset + buffer.size], dtype=np.uint8)
        buffer.offset, buffer.size = 0, 0
    builder = flatbuffers.Builder(len(model_bytes) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _signature_input(model_bytes):
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_content=model_bytes).get_signature_runner("serving_default")
    return next(iter(runner.get_input_details()))


def tflite_ops(model_bytes):
    """``[(op name, [input dtypes], [output dtypes], [tensor names])]`` from the flatbuffer."""
    from ai_edge_litert import schema_py_generated as fb

    opnames = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
    types = {v: k for k, v in vars(fb.TensorType).items() if not k.startswith("_")}
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(model_bytes, 0))
    graph = model.subgraphs[0]
    rows = []
    for op in graph.operators:
        code = model.operatorCodes[op.opcodeIndex]
        name = opnames.get(max(code.builtinCode, code.deprecatedBuiltinCode), "CUSTOM")
        ins = [i for i in op.inputs if i >= 0]
        rows.append((name, [types[graph.tensors[i].type] for i in ins],
                     [types[graph.tensors[i].type] for i in op.outputs],
                     [graph.tensors[i].name.decode() if isinstance(graph.tensors[i].name, bytes)
                      else str(graph.tensors[i].name) for i in op.outputs]))
    return rows


def float_ops(model_bytes):
    """Operators of an int8 model that still read or write float tensors."""
    return [f"{name} (op {i}, output {names[0] if names else '?'})"
            for i, (name, ins, outs, names) in enumerate(tflite_ops(model_bytes))
            if any(t.startswith("FLOAT") for t in ins + outs)]


def tflm_arena(model_bytes, lo=1024, hi=1 << 24, step=16):
    """The smallest ``arena_size`` TFLite Micro accepts for the model (bytes)."""
    require("tflite_micro", extra="mcu")
    from tflite_micro.python.tflite_micro import runtime as tflm

    def fits(size):
        try:
            tflm.Interpreter.from_bytes(model_bytes, arena_size=int(size))
            return True
        except RuntimeError:
            return False

    with tempfile.TemporaryFile() as log:
        with fd2_to(log):
            try:
                tflm.Interpreter.from_bytes(model_bytes, arena_size=int(hi))
                error = None
            except RuntimeError as exc:
                error = str(exc)
        if error is not None:
            log.seek(0)
            said = [line.strip() for line in log.read().decode(errors="replace").splitlines()
                    if line.strip()]
            ops = sorted({o[0] for o in tflite_ops(model_bytes)})
            raise EdgeExportError(
                f"TensorFlow Lite Micro cannot load the int8 model (arena {hi // 1024} KiB): "
                + "; ".join(said[-3:] or [error]) + f". The model's ops: {', '.join(ops)}.")
    with open(os.devnull, "w") as null, fd2_to(null):
        while hi - lo > step:
            mid = (lo + hi) // 2
            if fits(mid):
                hi = mid
            else:
                lo = mid
    return int(hi)


def tflm_allocations(model_bytes, arena):
    """What TFLite Micro's recording allocator reports once the model is allocated:
    ``{"total", "activations" (head: the planned tensors), "persistent" (tail: tensor and
    node structures, kernels' data)}`` in bytes (host build, 64-bit pointers)."""
    import re

    from tflite_micro.python.tflite_micro import runtime as tflm

    with open(os.devnull, "w") as null, fd2_to(null):
        it = tflm.Interpreter.from_bytes(model_bytes, arena_size=int(arena))
    with tempfile.TemporaryFile() as log:
        with fd2_to(log):
            it.print_allocations()
        log.seek(0)
        text = log.read().decode(errors="replace")
    found = {key: int(m.group(1)) for key, pattern in (
        ("total", r"allocation total (\d+)"), ("activations", r"allocation head (\d+)"),
        ("persistent", r"allocation tail (\d+)")) if (m := re.search(pattern, text))}
    return found


def _quantize_input(X, q):
    scale, zero = q["scale"], q["zero_point"]
    return np.clip(np.round(X / scale) + zero, -128, 127).astype(np.int8)


def _litert(model_bytes, xnnpack=False):
    """A LiteRT interpreter: its optimised builtin kernels, or the XNNPACK delegate.

    Not the reference kernels (``BUILTIN_REF``): on USAD's int8 graph they were
    85 LSB away from both TFLite Micro and the optimised kernels, and agreed with
    torch's top-1 on 82 % of windows where the other two agreed on 99 %.
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kind = OpResolverType.AUTO if xnnpack else \
        OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    it = Interpreter(model_content=model_bytes, experimental_op_resolver_type=kind,
                     num_threads=1)
    it.allocate_tensors()
    return it


def _run_litert(model_bytes, Xq):
    it = _litert(model_bytes)
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for x in Xq:
        it.set_tensor(i["index"], x[None])
        it.invoke()
        out.append(it.get_tensor(o["index"])[0].copy())
    return np.array(out), it


def _run_tflm(model_bytes, Xq, arena):
    from tflite_micro.python.tflite_micro import runtime as tflm

    with open(os.devnull, "w") as null, fd2_to(null):
        it = tflm.Interpreter.from_bytes(model_bytes, arena_size=int(arena))
    out = []
    for x in Xq:
        it.set_input(x[None], 0)
        it.invoke()
        out.append(np.asarray(it.get_output(0))[0].copy())
    return np.array(out)


def _io_quantization(model_bytes):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=model_bytes)
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    if i["dtype"] != np.int8 or o["dtype"] != np.int8:
        raise EdgeExportError(f"the converted model has {i['dtype'].__name__} input and "
                              f"{o['dtype'].__name__} output; a full-int8 model needs int8 both")
    return ({"scale": float(i["quantization"][0]), "zero_point": int(i["quantization"][1])},
            {"scale": float(o["quantization"][0]), "zero_point": int(o["quantization"][1])})


def write_c_array(model_bytes, spec, arena, folder):
    """``model_data.h`` / ``model_data.cc`` for a TFLite Micro firmware."""
    q = spec.quantization
    norm = spec.normalization or {"mean": [0.0] * spec.n_channels,
                                  "scale": [1.0] * spec.n_channels}
    floats = lambda v: ", ".join(f"{x:.9g}f" for x in v)  # noqa: E731
    labels = ", ".join('"' + str(c).replace('"', "'") + '"' for c in spec.classes)
    header = f"""// sklearn_har edge export: {spec.model.get('network')} for TensorFlow Lite Micro.
// Input: one window, int8, shape (1, {spec.n_channels}, {spec.window}) channels first.
// Per channel c: x_std = (x - kChannelMean[c]) / kChannelScale[c];
// then q = round(x_std / kInputScale) + kInputZeroPoint, clamped to [-128, 127].
// Output: {len(spec.classes)} int8 logits; logit = (q - kOutputZeroPoint) * kOutputScale.
#ifndef SKLEARN_HAR_MODEL_DATA_H_
#define SKLEARN_HAR_MODEL_DATA_H_

extern const unsigned char g_model_data[];
extern const unsigned int g_model_data_len;

// smallest arena TFLite Micro accepted on the host ({arena} bytes), rounded up to 1 KiB
constexpr int kTensorArenaSize = {-(-arena // 1024) * 1024};
constexpr int kNumChannels = {spec.n_channels};
constexpr int kWindow = {spec.window};
constexpr int kNumClasses = {len(spec.classes)};
constexpr float kInputScale = {q['input']['scale']:.9g}f;
constexpr int kInputZeroPoint = {q['input']['zero_point']};
constexpr float kOutputScale = {q['output']['scale']:.9g}f;
constexpr int kOutputZeroPoint = {q['output']['zero_point']};
constexpr float kChannelMean[kNumChannels] = {{{floats(norm['mean'])}}};
constexpr float kChannelScale[kNumChannels] = {{{floats(norm['scale'])}}};
constexpr const char* kClassNames[kNumClasses] = {{{labels}}};

#endif  // SKLEARN_HAR_MODEL_DATA_H_
"""
    body = ",\n".join("  " + ", ".join(f"0x{b:02x}" for b in model_bytes[i:i + 16])
                      for i in range(0, len(model_bytes), 16))
    source = (f'#include "model_data.h"\n\n'
              f"alignas(16) const unsigned char g_model_data[] = {{\n{body}\n}};\n"
              f"const unsigned int g_model_data_len = {len(model_bytes)};\n")
    h, cc = os.path.join(folder, "model_data.h"), os.path.join(folder, "model_data.cc")
    with open(h, "w") as fh:
        fh.write(header)
    with open(cc, "w") as fh:
        fh.write(source)
    return cc, h


def export_mcu(module, spec, folder, cal_X, check_X, check_codes, on_mismatch, max_arena_kb,
               n_runs, report):
    """The MCU branch of :func:`~sklearn_har.export.export_edge`."""
    require("litert_torch", "ai_edge_litert", "tflite_micro", extra="mcu")
    example = torch.zeros(1, spec.n_channels, spec.window)
    check_mcu(module, example, name=spec.model.get("network", "the model"))
    norm = spec.normalization
    if norm is not None:
        mean = np.asarray(norm["mean"], np.float32)[None, :, None]
        scale = np.asarray(norm["scale"], np.float32)[None, :, None]
        cal_X, check_X = (cal_X - mean) / scale, (check_X - mean) / scale
    path = os.path.join(folder, "model.tflite")
    convert_int8(module, cal_X.astype(np.float32), path)
    with open(path, "rb") as fh:
        model_bytes = inline_buffers(fh.read())
    with open(path, "wb") as fh:
        fh.write(model_bytes)
    left = float_ops(model_bytes)
    if left:
        os.remove(path)
        raise EdgeExportError(
            f"{spec.model.get('network')} cannot go to a microcontroller: the int8 model "
            f"still computes in float at {len(left)} op(s): " + "; ".join(left[:8])
            + (" ..." if len(left) > 8 else "") + ". TensorFlow Lite Micro needs every op "
            "int8 (these come from layers the quantiser cannot express in int8, e.g. "
            "softmax decomposed into EXP / DIV, or max reductions).")
    q_in, q_out = _io_quantization(model_bytes)
    spec.quantization = {"input": q_in, "output": q_out}
    arena = tflm_arena(model_bytes)
    report.arena_bytes = arena
    report.arena_breakdown = tflm_allocations(model_bytes, arena)
    report.files["model.tflite"] = len(model_bytes)
    if max_arena_kb is not None and arena > max_arena_kb * 1024:
        os.remove(path)
        raise EdgeExportError(
            f"{spec.model.get('network')} needs a {arena / 1024:.1f} KiB TFLite Micro arena "
            f"({arena} bytes); the budget is max_arena_kb={max_arena_kb:g} KiB. Use a smaller "
            "network (width, depth) or a shorter window, or raise max_arena_kb.")
    Xq = _quantize_input(check_X.astype(np.float32), q_in)
    ref_logits = _verify.torch_logits(module, check_X)
    litert, interp = _run_litert(model_bytes, Xq)
    micro = _run_tflm(model_bytes, Xq, arena)
    parity = _verify.check_lsb("model.tflite (TFLite Micro vs LiteRT)", litert, micro, MAX_LSB)
    logits = (micro.astype(np.float32) - q_out["zero_point"]) * q_out["scale"]
    checks = [_verify.enforce(parity, on_mismatch), _verify.enforce(_verify.check_int8(
        "model.tflite (TFLite Micro)", ref_logits, logits, check_codes), on_mismatch)]
    x1 = Xq[:1]
    for label, it in (("LiteRT int8 (builtin kernels)", interp),
                      ("LiteRT int8 (XNNPACK)", _litert(model_bytes, xnnpack=True))):
        index = it.get_input_details()[0]["index"]
        report.latency[label] = latency(
            lambda it=it, index=index: (it.set_tensor(index, x1), it.invoke()), n_runs)
    cc, h = write_c_array(model_bytes, spec, arena, folder)
    files = {"tflite": path, "spec": os.path.join(folder, "model.json"), "c_source": cc,
             "c_header": h}
    decision = {"kept": True, "reason": "full int8 (the MCU target)", "arena_bytes": arena}
    return files, checks, decision
