"""Shared helpers of the benchmark scripts: hardware facts, timing, saving."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def hardware():
    """What the numbers were measured on."""
    import numpy
    import sklearn

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
    }
    try:
        import torch

        info["torch"] = torch.__version__
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info


def timeit(fn, repeat=5):
    """Median wall time of ``repeat`` calls (seconds) and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def save(name, results, table):
    """Write ``results/<name>.json`` and ``results/<name>.md``; print the table."""
    RESULTS.mkdir(exist_ok=True)
    results = {"benchmark": name, "hardware": hardware(), **results}
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2, default=float) + "\n")
    hw = results["hardware"]
    md = (f"# {name}\n\n{table}\n\nMeasured on {hw['cpu']} ({hw['usable_cores']} usable "
          f"cores), Python {hw['python']}, numpy {hw['numpy']}, scikit-learn "
          f"{hw['scikit-learn']}.\n")
    (RESULTS / f"{name}.md").write_text(md)
    print(md)


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def mean_std(values):
    """Mean and sample standard deviation (ddof=1; 0 for one value, NaN for none)."""
    values = [float(v) for v in values]
    if not values:
        return {"mean": float("nan"), "std": float("nan")}
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": statistics.fmean(values), "std": std}


def fmt(stat, digits=4):
    """``mean ± std`` of a :func:`mean_std` result."""
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def sync(device):
    """Wait for the GPU before reading a clock (no-op on CPU)."""
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def ints_arg(text):
    """argparse type: ``"0,1,2"`` -> ``[0, 1, 2]``."""
    return [int(v) for v in text.split(",") if v.strip()]


def devices_arg(text):
    """argparse type: ``"cpu,cuda"`` -> the devices among cpu and cuda, fastest last."""
    devices = [d.strip() for d in text.split(",") if d.strip()]
    unknown = set(devices) - {"cpu", "cuda"}
    if unknown or not devices:
        raise argparse.ArgumentTypeError(f"devices are among cpu,cuda; got {text!r}")
    return sorted(set(devices), key=["cpu", "cuda"].index)


def torch_info(devices):
    """torch version, CPU threads, and CUDA / cuDNN / GPU name when cuda is among ``devices``."""
    import torch

    info = {"torch": torch.__version__, "num_threads": torch.get_num_threads(),
            "cuda": torch.version.cuda, "cudnn": None, "gpu": None}
    if "cuda" in devices:
        info["cudnn"] = torch.backends.cudnn.version()
        info["gpu"] = torch.cuda.get_device_name(0)
    return info
