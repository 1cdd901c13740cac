"""What a microcontroller runtime (TensorFlow Lite Micro) cannot run, found
before converting, named by layer.

- recurrent layers (LSTM, GRU, RNN and their cells): TFLite Micro has no
  kernels for the (unrolled or fused) recurrent ops the converters emit;
- a concatenation of more than 10 tensors (TFLite Micro's CONCATENATION
  kernel takes at most 10 inputs);
- gathers / indexing with int64 indices (the converters keep int64, which
  TFLite Micro's GATHER does not take).

After conversion, :func:`sklearn_har.export._tflite.float_ops` lists operators of
the ``.tflite`` that still compute in float, which a full-int8 model must not have.
"""

from __future__ import annotations

import torch
from torch import nn

from ..exceptions import EdgeExportError

__all__ = ["lint_mcu", "check_mcu", "MAX_CONCAT_INPUTS"]

MAX_CONCAT_INPUTS = 10
_RECURRENT = (nn.RNNBase, nn.RNNCellBase)
_GATHERS = {"gather", "index", "index_select", "embedding", "take", "take_along_dim"}


def _layer(node):
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return f"node {node.name}"
    path, kind = list(stack.values())[-1]
    kind = getattr(kind, "__name__", str(kind).rsplit(".", 1)[-1].strip("'>"))
    return f"layer {path!r} ({kind})" if path else f"the top module ({kind})"


def _dtype(arg):
    val = getattr(arg, "meta", {}).get("val")
    return getattr(val, "dtype", None)


def lint_mcu(module, example):
    """Problems that keep ``module`` off a microcontroller, as a list of strings."""
    problems = []
    for name, sub in module.named_modules():
        if isinstance(sub, _RECURRENT):
            problems.append(
                f"layer {name!r} ({type(sub).__name__}): recurrent layers cannot run under "
                "TensorFlow Lite Micro (no recurrent kernels); use a convolutional head")
    if problems:  # export would still trace, but the verdict is already clear
        return problems
    with torch.no_grad():
        graph = torch.export.export(module, (example,), strict=False).graph
    for node in graph.nodes:
        if node.op != "call_function":
            continue
        op = getattr(node.target, "_opname", str(node.target)).split(".")[0]
        if op == "cat":
            n = len(node.args[0])
            if n > MAX_CONCAT_INPUTS:
                problems.append(
                    f"{_layer(node)}: concatenates {n} tensors; TensorFlow Lite Micro takes "
                    f"at most {MAX_CONCAT_INPUTS} inputs per concatenation")
        elif op in _GATHERS:
            idx = [a for a in node.args[1:] if _dtype(a) is not None]
            if isinstance(node.args[1] if len(node.args) > 1 else None, (list, tuple)):
                idx += [a for a in node.args[1] if _dtype(a) is not None]
            if any(_dtype(a) == torch.int64 for a in idx):
                problems.append(
                    f"{_layer(node)}: {op} with int64 indices; TensorFlow Lite Micro's "
                    "GATHER takes int32 indices only")
    return problems


def check_mcu(module, example, name="the model"):
    """Raise :class:`EdgeExportError` listing every problem of :func:`lint_mcu`."""
    problems = lint_mcu(module, example)
    if problems:
        raise EdgeExportError(f"{name} cannot go to a microcontroller:\n- "
                              + "\n- ".join(problems))
