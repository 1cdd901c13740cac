"""``profile``: what a model costs on the edge, measured where it can be and
bounded where it cannot.

Measured on this host: parameters, MACs (``nn/profile.py``: attention and
recurrent layers counted), the size of each artefact file, the interpreter's
arena of an MCU artefact, and single-thread latency (median and 10th
percentile over ``n_runs`` runs of one window) for torch eager, onnxruntime
fp32 / int8 and LiteRT. Estimated: flash of an int8 build (int8 weights,
int32 biases) and peak activation memory (live tensors of the exported graph,
fp32 and the int8 quarter of it). Bounds, not measurements: MACs over the peak
MAC rate of a Raspberry Pi 5 core (Cortex-A76) and of a Cortex-M33 at 80 MHz.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from ..nn.profile import count_macs, count_params, peak_activation_bytes

__all__ = ["ProfileReport", "PEAK_MAC_RATES", "latency", "flash_int8_bytes"]

#: peak multiply-accumulates per second used for the latency bounds
PEAK_MAC_RATES = {
    "cortex_a76_fp32": 19.2e9,   # Raspberry Pi 5, one core: 2 x 128-bit FMA, 2.4 GHz
    "cortex_a76_int8": 77e9,     # the same core with SDOT
    "cortex_m33_80mhz": 160e6,   # STM32L552 at 80 MHz, dual 16-bit MAC per cycle
}


def flash_int8_bytes(module):
    """Bytes of an int8 build: int8 weights of conv / linear layers with an int32
    bias per output (BatchNorm folds into them), every other parameter one byte."""
    total, seen = 0, set()
    for sub in module.modules():
        if isinstance(sub, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            total += sub.weight.numel() + 4 * sub.weight.shape[0]
            seen.update(id(p) for p in sub.parameters(recurse=False))
        elif isinstance(sub, nn.modules.batchnorm._BatchNorm):
            seen.update(id(p) for p in sub.parameters(recurse=False))
    total += sum(p.numel() for p in module.parameters() if id(p) not in seen)
    return int(total)


def latency(fn, n_runs=1000, warmup=20):
    """Median and 10th percentile (ms) of ``fn()`` over ``n_runs`` timed calls."""
    for _ in range(warmup):
        fn()
    times = np.empty(n_runs)
    for i in range(n_runs):
        t0 = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - t0
    return {"median_ms": float(np.median(times) * 1e3),
            "p10_ms": float(np.percentile(times, 10) * 1e3), "n_runs": int(n_runs)}


def torch_latency(module, x, n_runs):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            return latency(lambda: module(x), n_runs)
    finally:
        torch.set_num_threads(threads)


@dataclass
class ProfileReport:
    """The cost of one model on the edge; ``str()`` is a markdown table.

    Attributes are plain data (``asdict`` / :meth:`to_json`); sizes in bytes,
    latencies in milliseconds, MACs per window.
    """

    model: str
    n_channels: int
    window: int
    params: int
    macs: int
    flash_int8_estimate: int
    peak_activations_fp32: int
    peak_activations_int8_estimate: int
    files: dict = field(default_factory=dict)
    arena_bytes: int | None = None
    arena_breakdown: dict = field(default_factory=dict)
    latency: dict = field(default_factory=dict)
    bounds_ms: dict = field(default_factory=dict)
    host: dict = field(default_factory=dict)

    def to_json(self):
        return json.dumps(asdict(self), indent=1)

    def fits(self, arena_kb=96, flash_kb=512):
        """Whether the int8 model fits an MCU budget (the measured arena when there is
        one, else the estimate; the real file size when there is a .tflite)."""
        arena = self.arena_bytes if self.arena_bytes is not None else \
            self.peak_activations_int8_estimate
        tfl = [v for k, v in self.files.items() if k.endswith(".tflite")]
        flash = tfl[0] if tfl else self.flash_int8_estimate
        return arena <= arena_kb * 1024 and flash <= flash_kb * 1024

    def __str__(self):
        kib = lambda b: "-" if b is None else f"{b / 1024:,.1f} KiB"  # noqa: E731
        rows = [("parameters", f"{self.params:,}"), ("MACs / window", f"{self.macs:,}"),
                ("flash, int8 build (estimate)", kib(self.flash_int8_estimate)),
                ("peak activations fp32 (estimate)", kib(self.peak_activations_fp32)),
                ("peak activations int8 (estimate)", kib(self.peak_activations_int8_estimate)),
                ("MCU arena (TFLite Micro, measured)", kib(self.arena_bytes))]
        if self.arena_breakdown:
            b = self.arena_breakdown
            rows.append(("  of which allocated: activations / persistent",
                         f"{kib(b.get('activations'))} / {kib(b.get('persistent'))} "
                         "(host build, 64-bit structures)"))
        rows += [(f"file {name}", kib(size)) for name, size in self.files.items()]
        rows += [(f"latency {name}, 1 thread (median / p10)",
                  f"{v['median_ms']:.3f} / {v['p10_ms']:.3f} ms ({v['n_runs']} runs)")
                 for name, v in self.latency.items()]
        rows += [(f"lower bound {name} (MACs / peak rate)", f"{v:.3f} ms")
                 for name, v in self.bounds_ms.items()]
        head = f"Edge profile of {self.model} on windows ({self.n_channels}, {self.window})\n\n"
        return head + "| quantity | value |\n|---|---|\n" + "\n".join(
            f"| {a} | {b} |" for a, b in rows)

    def save(self, directory, stem="profile"):
        """Write ``<stem>.json`` and ``<stem>.md`` into ``directory``."""
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, f"{stem}.json"), "w") as fh:
            fh.write(self.to_json())
        with open(os.path.join(directory, f"{stem}.md"), "w") as fh:
            fh.write(str(self) + "\n")


def base_profile(name, module, n_channels, window):
    """The torch-side quantities (no artefact needed)."""
    x = torch.zeros(1, n_channels, window)
    macs = count_macs(module, x)
    peak = peak_activation_bytes(module, x)
    return ProfileReport(
        model=name, n_channels=n_channels, window=window, params=count_params(module),
        macs=int(macs), flash_int8_estimate=flash_int8_bytes(module),
        peak_activations_fp32=int(peak), peak_activations_int8_estimate=int(peak // 4),
        bounds_ms={k: macs / rate * 1e3 for k, rate in PEAK_MAC_RATES.items()},
        host={"processor": _cpu_name(), "torch": torch.__version__},
    )


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()
