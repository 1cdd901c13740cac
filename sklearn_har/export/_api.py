"""``export_edge`` and ``profile``: the public face of :mod:`sklearn_har.export`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state

from ..edge._format import EdgeSpec
from . import _verify
from ._onnx import export_onnx, onnx_session, quantize_onnx, run_session, write_onnx_spec
from ._report import ProfileReport, base_profile, latency, torch_latency
from ._spec import edge_spec

__all__ = ["ExportResult", "export_edge", "profile"]

TARGETS = ("pi", "mcu")
#: the int8 ONNX model is kept only if its median latency is below this share of fp32's
INT8_SPEEDUP_NEEDED = 0.9
#: windows drawn for the fp32 check when the caller gives none
N_SYNTHETIC = 64


@dataclass
class ExportResult:
    """What :func:`export_edge` wrote and measured.

    Attributes
    ----------
    path : str
        The folder holding the artefacts.
    files : dict
        Artefact role -> file path (``"onnx"``, ``"onnx_int8"``, ``"tflite"``,
        ``"spec"``, ``"c_source"``, ``"c_header"``, ``"profile_json"``, ...).
    spec : EdgeSpec
        The metadata written into / next to the artefacts.
    verification : list of dict
        One entry per artefact: the figures and whether they passed.
    int8 : dict
        Whether an int8 artefact was kept, and why.
    profile : ProfileReport
    """

    path: str
    files: dict
    spec: EdgeSpec
    verification: list
    int8: dict
    profile: ProfileReport = field(repr=False)

    def __str__(self):
        lines = [f"sklearn_har edge export in {self.path}"]
        lines += [f"- {role}: {os.path.basename(p)}" for role, p in self.files.items()]
        lines += ["", "Verification:"] + [f"- {_verify.describe(c)}: "
                                          f"{'passed' if c['passed'] else 'FAILED'}"
                                          for c in self.verification]
        lines += ["", f"int8: {self.int8.get('reason', '')}", "", str(self.profile)]
        return "\n".join(lines)


def _as_windows(data, estimator, spec, what):
    """Windows ``(n, C, T)`` float32 from an array (or a raw table for a Pipeline)."""
    X = np.asarray(data) if not hasattr(data, "iloc") else data
    if getattr(X, "ndim", 0) == 3:
        X = np.asarray(X, dtype=np.float32)
    elif spec.segmenter is not None:
        X = np.asarray(estimator._segmenter.segment(data)[0], dtype=np.float32)
    else:
        raise ValueError(f"{what} must be windows of shape (n, {spec.n_channels}, "
                         f"{spec.window}); got an array of shape {np.shape(X)}")
    if X.shape[1:] != (spec.n_channels, spec.window):
        raise ValueError(f"{what} windows have shape {X.shape[1:]}; the model takes "
                         f"({spec.n_channels}, {spec.window})")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{what} contain NaN or infinite values")
    return X


def _codes(y, spec, what):
    if y is None:
        return None
    y = np.asarray(y)
    lookup = {c: i for i, c in enumerate(spec.classes)}
    try:
        return np.array([lookup[v.item() if isinstance(v, np.generic) else v] for v in y])
    except KeyError as exc:
        raise ValueError(f"{what} holds label {exc.args[0]!r}, not among the model's classes "
                         f"{spec.classes}") from None


def _split(calibration, check_windows, check_y, estimator, spec, random_state):
    """(calibration windows, check windows, check label codes, description)."""
    cal_X = cal_y = None
    if calibration is not None:
        cal_X, cal_y = calibration if isinstance(calibration, tuple) else (calibration, None)
        cal_X = _as_windows(cal_X, estimator, spec, "calibration")
        if cal_y is not None and len(cal_y) != len(cal_X):
            raise ValueError(f"calibration has {len(cal_X)} windows but {len(cal_y)} labels")
    if check_windows is not None:
        X = _as_windows(check_windows, estimator, spec, "check_windows")
        if check_y is not None and len(check_y) != len(X):
            raise ValueError(f"check_windows has {len(X)} windows but {len(check_y)} labels")
        return cal_X, X, _codes(check_y, spec, "check_y"), "check_windows (given)"
    if cal_X is not None:
        if len(cal_X) < 5:
            raise ValueError(f"calibration has {len(cal_X)} windows; at least 5 are needed "
                             "(a fifth of them is held out to verify the artefacts)")
        order = check_random_state(random_state).permutation(len(cal_X))
        n_check = max(1, int(round(0.2 * len(cal_X))))
        held, kept = order[:n_check], order[n_check:]
        codes = _codes(None if cal_y is None else np.asarray(cal_y)[held], spec, "calibration")
        return cal_X[kept], cal_X[held], codes, f"held-out fifth of calibration ({n_check})"
    rng = check_random_state(random_state)
    norm = spec.normalization
    mean = np.zeros(spec.n_channels) if norm is None else np.asarray(norm["mean"])
    scale = np.ones(spec.n_channels) if norm is None else np.asarray(norm["scale"])
    X = (mean[None, :, None] + scale[None, :, None] * rng.standard_normal(
        (N_SYNTHETIC, spec.n_channels, spec.window))).astype(np.float32)
    return None, X, None, f"synthetic N(mean, std) windows ({N_SYNTHETIC}; no calibration given)"


def _export_pi(module, spec, folder, cal_X, check_X, check_codes, int8, on_mismatch, n_runs,
               report):
    files, checks = {}, []
    fp32 = os.path.join(folder, "model.onnx")
    export_onnx(module, spec.n_channels, spec.window, fp32)
    reference = _verify.torch_logits(module, check_X)
    session = onnx_session(fp32)
    checks.append(_verify.enforce(_verify.check_fp32(
        "model.onnx", reference, run_session(session, check_X)), on_mismatch))
    files["onnx"] = fp32
    x1 = check_X[:1]
    report.latency["torch eager"] = torch_latency(module, _torch(x1), n_runs)
    report.latency["onnxruntime fp32"] = latency(
        lambda: session.run(None, {"windows": x1}), n_runs)
    decision = {"kept": False}
    if int8 is False:
        decision["reason"] = "not asked for (int8=False)"
    elif cal_X is None:
        if int8 is True:
            raise ValueError("int8=True needs calibration windows (calibration=)")
        decision["reason"] = "no calibration windows given: fp32 only"
    else:
        q_path = os.path.join(folder, "model.int8.onnx")
        quantize_onnx(fp32, q_path, cal_X)
        q_session = onnx_session(q_path)
        check = _verify.check_int8("model.int8.onnx", reference,
                                   run_session(q_session, check_X), check_codes)
        t8 = latency(lambda: q_session.run(None, {"windows": x1}), n_runs)
        report.latency["onnxruntime int8"] = t8
        ratio = t8["median_ms"] / report.latency["onnxruntime fp32"]["median_ms"]
        decision.update(latency_ratio_int8_to_fp32=ratio, verification=check,
                        int8_bytes=os.path.getsize(q_path))
        if int8 is True:
            checks.append(_verify.enforce(check, on_mismatch))
            decision.update(kept=True, reason=f"asked for (int8=True); {ratio:.2f}x fp32 latency")
        elif not check["passed"]:
            decision["reason"] = "dropped: " + _verify.describe(check)
        elif ratio > INT8_SPEEDUP_NEEDED:
            decision["reason"] = (f"dropped: it does not pay on this host ({ratio:.2f}x fp32 "
                                  f"latency; kept below {INT8_SPEEDUP_NEEDED}x)")
        else:
            checks.append(check | {"action": None})
            decision.update(kept=True, reason=f"kept: {ratio:.2f}x fp32 latency, verified")
        if decision["kept"]:
            files["onnx_int8"] = q_path
            report.files["model.int8.onnx"] = os.path.getsize(q_path)
        else:
            os.remove(q_path)
    report.files["model.onnx"] = os.path.getsize(fp32)
    return files, checks, decision


def _torch(x):
    import torch

    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def export_edge(estimator, path, target="pi", calibration=None, *, check_windows=None,
                check_y=None, int8="auto", on_mismatch="raise", channel_names=None,
                sampling_rate=None, max_arena_kb=96, n_runs=1000, random_state=0):
    """Write verified edge artefacts of a fitted estimator into the folder ``path``.

    Parameters
    ----------
    estimator : fitted sklearn_har deep classifier, or fitted sklearn_har.Pipeline ending in one
        With a Pipeline, the segmenter (window, step, label policy, columns) and
        any :class:`~sklearn_har.WindowScaler` travel with the artefact, so the
        edge runtime takes raw tables too.
    path : str or path-like
        Folder to write (created; existing artefact files are replaced).
    target : {"pi", "mcu"}, default="pi"
    calibration : windows ``(n, C, T)``, or ``(windows, labels)``, optional
        Representative windows in the units the estimator takes (a raw table is
        cut by the Pipeline's segmenter). int8 artefacts are calibrated on four
        fifths of them; the other fifth (``random_state``) verifies every
        artefact, unless ``check_windows`` is given. Required for ``"mcu"``.
    check_windows, check_y : optional
        Windows (and their labels) to verify on instead of the held-out fifth.
        Without either, the fp32 artefact is verified on synthetic windows
        drawn from the input statistics (the report says so).
    int8 : {"auto", True, False}, default="auto"
        ``"pi"`` only: "auto" keeps the int8 ONNX model when it passes
        verification and runs faster than fp32 on this host; True keeps it
        whenever it can be made (verification still enforced).
    on_mismatch : {"raise", "warn"}, default="raise"
        An artefact out of tolerance (fp32: max abs logit difference 1e-4; int8:
        top-1 agreement >= 98 % and accuracy drop <= 1 point) raises
        :class:`~sklearn_har.exceptions.ExportVerificationError` with the
        figures; "warn" keeps it with a warning, recorded in the report.
    channel_names : list of str, optional
        Written into the metadata (default: the segmenter's, if any).
    sampling_rate : float, optional
        Hz, written into the metadata.
    max_arena_kb : float, default=96
        ``"mcu"``: the SRAM budget; a model whose TFLite Micro arena exceeds it
        is refused with both numbers.
    n_runs : int, default=1000
        Timed runs per latency figure.
    random_state : int, default=0
        The draw of the held-out fifth and of synthetic check windows.

    Returns
    -------
    ExportResult
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}; got {target!r}")
    if on_mismatch not in ("raise", "warn"):
        raise ValueError(f"on_mismatch must be 'raise' or 'warn'; got {on_mismatch!r}")
    if int8 not in ("auto", True, False):
        raise ValueError(f"int8 must be 'auto', True or False; got {int8!r}")
    module, spec = edge_spec(estimator, channel_names=channel_names,
                             sampling_rate=sampling_rate, normalize_in_graph=target == "pi")
    cal_X, check_X, check_codes, source = _split(calibration, check_windows, check_y,
                                                 estimator, spec, random_state)
    folder = os.fspath(path)
    os.makedirs(folder, exist_ok=True)
    report = base_profile(spec.model["network"], module, spec.n_channels, spec.window)
    if target == "pi":
        files, checks, decision = _export_pi(module, spec, folder, cal_X, check_X, check_codes,
                                             int8, on_mismatch, n_runs, report)
    else:
        from ._tflite import export_mcu

        if cal_X is None:
            raise ValueError("target='mcu' needs calibration windows (calibration=): the "
                             "int8 model is calibrated on them")
        files, checks, decision = export_mcu(module, spec, folder, cal_X, check_X, check_codes,
                                             on_mismatch, max_arena_kb, n_runs, report)
    spec.verification = {"windows": source, "checks": checks, "int8": {
        k: v for k, v in decision.items() if k != "verification"}}
    if "onnx" in files:
        for key in ("onnx", "onnx_int8"):
            if key in files:
                write_onnx_spec(files[key], spec)
                report.files[os.path.basename(files[key])] = os.path.getsize(files[key])
    if "spec" in files:
        with open(files["spec"], "w") as fh:
            fh.write(spec.to_json())
    report.save(folder)
    files["profile_json"] = os.path.join(folder, "profile.json")
    files["profile_md"] = os.path.join(folder, "profile.md")
    return ExportResult(path=folder, files=files, spec=spec, verification=checks,
                        int8=decision, profile=report)


def profile(estimator, path=None, *, n_runs=1000, calibration=None):
    """The edge cost of a fitted estimator: params, MACs, flash, peak SRAM, latency.

    Without ``path``, no artefact is written: the torch-side figures and torch
    eager latency only. With ``path`` (a folder), the Pi artefacts are exported
    there as by :func:`export_edge` and onnxruntime latencies are added; an MCU
    artefact already in that folder (``model.tflite``) adds its file size.

    Returns
    -------
    ProfileReport
        ``print()`` it for a table; ``.save(folder)`` writes JSON and markdown.
    """
    if path is not None:
        return export_edge(estimator, path, "pi", calibration, n_runs=n_runs).profile
    module, spec = edge_spec(estimator)
    report = base_profile(spec.model["network"], module, spec.n_channels, spec.window)
    report.latency["torch eager"] = torch_latency(
        module, _torch(np.zeros((1, spec.n_channels, spec.window))), n_runs)
    return report
