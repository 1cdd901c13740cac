"""Edge export of every deep model: artefact sizes, parity, int8 agreement, latency, MCU fit.

Usage::

    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_export.py
    python benchmarks/bench_export.py --model cnn,usad --targets pi,mcu --n-runs 1000
    python benchmarks/bench_export.py --quick        # smoke test: tiny training, 50 runs

Each model (the library defaults) is trained briefly on ``uci_har_official``
(``--n-train`` training windows drawn per class, ``--epochs`` epochs, on the
CPU): the point is the export, not the accuracy, but int8 agreement and the
accuracy drop are measured on ``--n-check`` windows of the official test
subjects, which a briefly trained model already separates. Then
``export_edge`` for the Raspberry Pi (ONNX fp32, int8 QDQ) and, for the
networks the registry marks MCU-ready, for a microcontroller (full-int8
``.tflite``, TFLite Micro arena). Latencies are single-thread medians on this
host; the host's own fp32 MAC rate (a 1-thread GEMM) turns MACs into a lower
bound, so "ORT fp32 / bound" says how far from the host's peak a model runs.
Bounds for the Raspberry Pi 5 (Cortex-A76) and an STM32L552 (Cortex-M33 at
80 MHz) are MACs / peak rate, labelled as bounds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import torch
from _args import add_data_args
from _common import add_results_args, markdown_table, save

from sklearn_har.classifiers import (
    CNNClassifier,
    MAGRes2NetClassifier,
    UMSNetClassifier,
    USADClassifier,
)
from sklearn_har.datasets import load_benchmark
from sklearn_har.exceptions import EdgeExportError
from sklearn_har.export import export_edge
from sklearn_har.nn.models import get_model_info

NAME = "export"
MODELS = {
    "cnn": CNNClassifier,
    "usad": USADClassifier,
    "mag_res2net": MAGRes2NetClassifier,
    "umsnet": UMSNetClassifier,
}
#: STM32L552: SRAM budget of the model's arena (seed 003's L_Mem) and flash
MCU_ARENA_KB, MCU_FLASH_KB = 96, 512


def host_mac_rate(seconds=1.0, n=512):
    """Single-thread fp32 multiply-accumulates per second of this host (a GEMM)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    a, b = torch.randn(n, n), torch.randn(n, n)
    try:
        torch.mm(a, b)
        reps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            torch.mm(a, b)
            reps += 1
        return reps * n ** 3 / (time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)


def subset(y, n, rng):
    """``n`` indices drawn per class in proportion (at least one per class)."""
    classes = np.unique(y)
    idx = [rng.choice(np.flatnonzero(y == c), max(1, int(round(n * np.mean(y == c)))),
                      replace=False) for c in classes]
    return np.sort(np.concatenate(idx))


def run_model(name, data, args, rate):
    rng = np.random.default_rng(0)
    X, y, split = data.data, data.target, data.split
    tr, te = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    train = tr[subset(y[tr], args.n_train, rng)]
    check = te[subset(y[te], args.n_check, rng)]
    clf = MODELS[name](max_epochs=args.epochs, random_state=0, verbose=0, device="cpu")
    t0 = time.perf_counter()
    clf.fit(X[train], y[train])
    fit_s = time.perf_counter() - t0
    acc = float(np.mean(clf.predict(X[check]) == y[check]))
    row = {"model": name, "network": type(clf.module_).__name__, "train_windows": len(train),
           "epochs": args.epochs, "fit_s": fit_s, "accuracy_torch": acc}
    cal = X[train[rng.permutation(len(train))[:args.n_calibration]]]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = export_edge(clf, os.path.join(tmp, "pi"), "pi", calibration=cal,
                          check_windows=X[check], check_y=y[check], on_mismatch="warn",
                          n_runs=args.n_runs)
        row["pi_export_s"] = time.perf_counter() - t0
        prof = res.profile
        row.update(params=prof.params, macs=prof.macs, files=dict(prof.files),
                   latency={k: v["median_ms"] for k, v in prof.latency.items()},
                   latency_p10={k: v["p10_ms"] for k, v in prof.latency.items()},
                   bounds_ms=dict(prof.bounds_ms),
                   host_bound_ms=prof.macs / rate * 1e3,
                   flash_int8_estimate=prof.flash_int8_estimate,
                   peak_int8_estimate=prof.peak_activations_int8_estimate,
                   verification=res.verification, int8_reason=res.int8.get("reason"),
                   int8_check=res.int8.get("verification"), int8_bytes=res.int8.get("int8_bytes"),
                   int8_ratio=res.int8.get("latency_ratio_int8_to_fp32"))
        row["ort_fp32_over_host_bound"] = row["latency"]["onnxruntime fp32"] / row[
            "host_bound_ms"]
        row["mcu"] = None
        if "mcu" in args.targets:
            info = get_model_info(clf.module_)
            if not info.mcu:
                row["mcu"] = {"exported": False, "reason": info.mcu_notes or "registry: mcu=False"}
            else:
                t0 = time.perf_counter()
                try:
                    m = export_edge(clf, os.path.join(tmp, "mcu"), "mcu", calibration=cal,
                                    check_windows=X[check], check_y=y[check], max_arena_kb=None,
                                    on_mismatch="warn", n_runs=args.n_runs)
                except EdgeExportError as exc:
                    row["mcu"] = {"exported": False, "reason": str(exc)}
                else:
                    mp = m.profile
                    tfl = mp.files.get("model.tflite")
                    row["mcu"] = {
                        "exported": True, "export_s": time.perf_counter() - t0,
                        "arena_bytes": mp.arena_bytes, "tflite_bytes": tfl,
                        "verification": m.verification,
                        "latency": {k: v["median_ms"] for k, v in mp.latency.items()
                                    if k.startswith("LiteRT") or k.startswith("tflite")},
                        "fits_stm32l552": mp.fits(MCU_ARENA_KB, MCU_FLASH_KB)}
    return row


def kib(b):
    return "-" if b is None else f"{b / 1024:,.1f}"


def tables(rows):
    head = ["model", "params", "MACs", "acc torch", "fp32 max diff", "int8 agree",
            "int8 acc drop (pt)", "int8 kept", "ONNX fp32 KiB", "ONNX int8 KiB",
            "torch ms", "ORT fp32 ms", "ORT int8 ms", "ORT fp32 / host bound"]
    out = []
    for r in rows:
        v = {c["kind"]: c for c in r["verification"]}
        q = r["int8_check"] or {}
        out.append([r["model"], f"{r['params']:,}", f"{r['macs'] / 1e6:.1f} M",
                    f"{r['accuracy_torch']:.4f}", f"{v['fp32']['max_abs_diff']:.1e}",
                    f"{q.get('agreement', float('nan')):.2%}",
                    f"{(q.get('accuracy_drop') or 0) * 100:.2f}",
                    "yes" if r["files"].get("model.int8.onnx") else "no",
                    kib(r["files"].get("model.onnx")), kib(r["int8_bytes"]),
                    f"{r['latency']['torch eager']:.3f}",
                    f"{r['latency']['onnxruntime fp32']:.3f}",
                    f"{r['latency'].get('onnxruntime int8', float('nan')):.3f}",
                    f"{r['ort_fp32_over_host_bound']:.1f}x"])
    text = ("## Raspberry Pi target (ONNX), host latencies\n\n" + markdown_table(head, out)
            + "\n\nint8 kept: export_edge's int8='auto' rule (verified and faster than fp32 "
            "on this host); the int8 columns are measured either way.\n\n"
            + "\n".join(f"- {r['model']}: {r['int8_reason']}" for r in rows))
    head = ["model", "exported", "arena KiB (TFLM)", ".tflite KiB", "TFLM vs LiteRT max LSB",
            "int8 agree",
            f"fits STM32L552 ({MCU_ARENA_KB} kB / {MCU_FLASH_KB} kB)", "M33 @ 80 MHz bound ms",
            "A76 fp32 / int8 bound ms", "note"]
    out = []
    for r in rows:
        m = r["mcu"] or {"exported": False, "reason": "not asked (--targets)"}
        agree = [c for c in m.get("verification", []) if c["kind"] == "int8"]
        lsb = [c for c in m.get("verification", []) if c["kind"] == "lsb"]
        out.append([r["model"], "yes" if m["exported"] else "no", kib(m.get("arena_bytes")),
                    kib(m.get("tflite_bytes")),
                    f"{lsb[0]['max_lsb']} ({lsb[0].get('share_within_tolerance', float('nan')):.2%}"
                    " within 1)" if lsb else "-",
                    f"{agree[0]['agreement']:.2%}" if agree else "-",
                    {True: "yes", False: "no"}.get(m.get("fits_stm32l552"), "no (not exported)"),
                    f"{r['bounds_ms']['cortex_m33_80mhz']:.1f}",
                    f"{r['bounds_ms']['cortex_a76_fp32']:.3f} / "
                    f"{r['bounds_ms']['cortex_a76_int8']:.3f}",
                    "" if m["exported"] else m["reason"].splitlines()[0]])
    return text + "\n\n## Microcontroller target (full int8 .tflite)\n\n" + markdown_table(
        head, out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=lambda t: t.split(","), default=list(MODELS))
    parser.add_argument("--targets", type=lambda t: t.split(","), default=["pi", "mcu"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-check", type=int, default=1000)
    parser.add_argument("--n-calibration", type=int, default=500)
    parser.add_argument("--n-runs", type=int, default=1000)
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 300 training windows, 1 epoch, 200 checks, 50 runs")
    add_data_args(parser)
    add_results_args(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_train, args.epochs, args.n_check, args.n_runs = 300, 1, 200, 50
        args.n_calibration = 100
    data = load_benchmark("uci_har_official", args.data_home)
    rate = host_mac_rate()
    print(f"host fp32 MAC rate, 1 thread: {rate / 1e9:.1f} GMAC/s", flush=True)
    rows = []
    for name in args.model:
        print(f"{name}: training and exporting", flush=True)
        rows.append(run_model(name, data, args, rate))
    save(NAME, {"settings": {k: getattr(args, k) for k in (
        "epochs", "n_train", "n_check", "n_calibration", "n_runs", "targets", "quick")},
        "host_fp32_mac_rate": rate, "rows": rows}, tables(rows)
         + f"\n\nHost fp32 MAC rate (1 thread, GEMM): {rate / 1e9:.1f} GMAC/s.",
         update_results=args.update_results)


if __name__ == "__main__":
    main()
