"""Verification of an artefact against the torch model it came from.

Tolerances (one place): fp32 logits within ``FP32_ATOL`` of torch; an int8
model's top-1 predictions equal torch's on at least ``INT8_MIN_AGREEMENT`` of
the held-out windows and its accuracy at most ``INT8_MAX_DROP`` below
torch's (when labels are given).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..exceptions import ExportVerificationError, ExportVerificationWarning

__all__ = ["FP32_ATOL", "INT8_MAX_DROP", "INT8_MIN_AGREEMENT", "check_fp32", "check_int8",
           "check_lsb", "torch_logits", "enforce"]

FP32_ATOL = 1e-4
INT8_MIN_AGREEMENT = 0.98
INT8_MAX_DROP = 0.01


def torch_logits(module, X, batch=256):
    X = np.ascontiguousarray(X, dtype=np.float32)
    with torch.no_grad():
        out = [module(torch.from_numpy(X[i:i + batch])).numpy()
               for i in range(0, len(X), batch)]
    return np.concatenate(out)


def check_fp32(name, reference, logits):
    """Max abs difference of logits; ``passed`` at most :data:`FP32_ATOL`."""
    diff = float(np.max(np.abs(np.asarray(logits, np.float64) - reference))) if len(
        reference) else 0.0
    return {"artefact": name, "kind": "fp32", "n_windows": int(len(reference)),
            "max_abs_diff": diff, "tolerance": FP32_ATOL, "passed": bool(diff <= FP32_ATOL)}


def check_int8(name, reference, logits, y_codes=None):
    """Top-1 agreement with torch and (with labels) the accuracy drop."""
    ref, got = np.argmax(reference, axis=1), np.argmax(logits, axis=1)
    agreement = float(np.mean(ref == got)) if len(ref) else 1.0
    out = {"artefact": name, "kind": "int8", "n_windows": int(len(ref)),
           "agreement": agreement, "min_agreement": INT8_MIN_AGREEMENT,
           "accuracy_torch": None, "accuracy": None, "accuracy_drop": None,
           "max_drop": INT8_MAX_DROP}
    passed = agreement >= INT8_MIN_AGREEMENT
    if y_codes is not None:
        acc_ref, acc = float(np.mean(ref == y_codes)), float(np.mean(got == y_codes))
        out.update(accuracy_torch=acc_ref, accuracy=acc, accuracy_drop=acc_ref - acc)
        passed = passed and acc_ref - acc <= INT8_MAX_DROP + 1e-12
    out["passed"] = bool(passed)
    return out


def check_lsb(name, reference, got, tolerance=1):
    """Largest int8 difference between two runtimes' outputs; ``passed`` within ``tolerance``."""
    diff = np.abs(got.astype(np.int32) - reference.astype(np.int32))
    lsb = int(diff.max()) if diff.size else 0
    within = float(np.mean(diff <= tolerance)) if diff.size else 1.0
    return {"artefact": name, "kind": "lsb", "n_windows": int(len(got)), "max_lsb": lsb,
            "share_within_tolerance": within, "tolerance": tolerance,
            "passed": bool(lsb <= tolerance)}


def describe(check):
    if check["kind"] == "lsb":
        return (f"{check['artefact']}: outputs differ by at most {check['max_lsb']} LSB over "
                f"{check['n_windows']} windows ({check['share_within_tolerance']:.2%} of outputs "
                f"within the tolerance of {check['tolerance']})")
    if check["kind"] == "fp32":
        return (f"{check['artefact']}: max |logit difference| {check['max_abs_diff']:.3g} over "
                f"{check['n_windows']} windows (tolerance {check['tolerance']:g})")
    text = (f"{check['artefact']}: top-1 agreement with torch {check['agreement']:.2%} over "
            f"{check['n_windows']} windows (needed {check['min_agreement']:.0%})")
    if check["accuracy_drop"] is not None:
        text += (f", accuracy {check['accuracy']:.4f} vs torch {check['accuracy_torch']:.4f} "
                 f"(drop {check['accuracy_drop'] * 100:.2f} points, allowed "
                 f"{check['max_drop'] * 100:g})")
    return text


def enforce(check, on_mismatch):
    """Raise (or warn, recording it) when ``check`` failed."""
    check["action"] = None
    if check["passed"]:
        return check
    message = "edge artefact out of tolerance: " + describe(check)
    if on_mismatch == "raise":
        raise ExportVerificationError(message + ". Pass on_mismatch='warn' to keep it anyway.")
    check["action"] = "kept with a warning (on_mismatch='warn')"
    warnings.warn(message, ExportVerificationWarning, stacklevel=3)
    return check
