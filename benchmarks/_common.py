"""Shared helpers of the benchmark scripts: hardware facts, timing, saving.

Result files: a run writes ``results/<name>.run-<UTC time>.{json,md}``, a name
of its own that git ignores, so that trying a benchmark never overwrites the
committed results. ``--update-results`` (:func:`add_results_args`) writes the
committed ``results/<name>.{json,md}`` instead. A script that can resume
(``--resume``) continues a run-specific file under its own name
(:func:`resume_target`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

#: the UTC start time of this process: every file one run saves carries it, so a
#: script that saves after every seed rewrites its own file
RUN = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
_RUN_TAG = ".run-"


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


def result_stem(name, *, update_results=False, run=None):
    """File name, without extension, of the results of benchmark ``name``:
    ``name`` itself (the committed files) with ``update_results``, else
    ``<name>.run-<run>`` (``run``: this process's :data:`RUN` by default)."""
    return name if update_results else f"{name}{_RUN_TAG}{run or RUN}"


def save(name, results, table, *, update_results=False, run=None):
    """Write the results as JSON and the table as Markdown; print the table.

    By default to ``results/<name>.run-<UTC time>.{json,md}`` (git ignores
    them); with ``update_results=True`` to the committed
    ``results/<name>.{json,md}``. ``run`` names another run's files (a resumed
    run keeps writing the file it continues). Returns the path of the JSON file.
    """
    RESULTS.mkdir(exist_ok=True)
    stem = result_stem(name, update_results=update_results, run=run)
    results = {"benchmark": name, "run": run or RUN, "hardware": hardware(), **results}
    path = RESULTS / f"{stem}.json"
    path.write_text(json.dumps(results, indent=2, default=float) + "\n")
    hw = results["hardware"]
    md = (f"# {name}\n\n{table}\n\nMeasured on {hw['cpu']} ({hw['usable_cores']} usable "
          f"cores), Python {hw['python']}, numpy {hw['numpy']}, scikit-learn "
          f"{hw['scikit-learn']}.\n")
    (RESULTS / f"{stem}.md").write_text(md)
    print(md)
    print(f"results: {path}" + ("" if update_results else
                                " (run-specific; --update-results writes the committed file)"),
          flush=True)
    return path


def add_results_args(parser, *, resume=False):
    """Add ``--update-results`` (and, for scripts that can resume, ``--resume [RUN]``)."""
    group = parser.add_argument_group("result files")
    group.add_argument(
        "--update-results", action="store_true",
        help="write the committed results/<name>.{json,md}; default: a run-specific "
             "results/<name>.run-<UTC time>.{json,md}, ignored by git")
    if resume:
        group.add_argument(
            "--resume", nargs="?", const="latest", default=None, metavar="RUN",
            help="continue a result file, keeping what it holds: the latest run-specific "
                 "file of this benchmark, or the run RUN (its UTC time, e.g. "
                 "20250102T030405Z, or the path of its .json); with --update-results and "
                 "no RUN, the committed file. The results go where save() puts them: the "
                 "resumed run-specific file, or the committed one with --update-results")
    return parser


def resume_target(name, resume, *, update_results=False):
    """The JSON file that ``--resume`` continues, and the ``run`` to save under.

    ``resume``: None (no resume), ``"latest"``, a run's UTC time or a path.
    Returns ``(path or None, run or None)``: ``path`` is None when there is
    nothing to continue yet; ``run`` is the resumed run-specific file's time,
    so that :func:`save` rewrites that file (None: this run's own name, or the
    committed name with ``update_results``).
    """
    if resume is None:
        return None, None
    if resume == "latest":
        if update_results:
            path = RESULTS / f"{name}.json"
            return (path if path.exists() else None), None
        found = sorted(RESULTS.glob(f"{name}{_RUN_TAG}*.json"))
        if not found:
            return None, None
        path = found[-1]
    elif resume.endswith(".json"):
        path = Path(resume)
    else:
        path = RESULTS / f"{result_stem(name, run=resume)}.json"
    if not path.exists():
        raise SystemExit(f"--resume: no result file {path}")
    stem = path.name[:-len(".json")]
    if stem != name and not stem.startswith(name + _RUN_TAG):
        raise SystemExit(f"--resume: {path.name} holds no results of {name}")
    run = stem.split(_RUN_TAG, 1)[1] if _RUN_TAG in stem else None
    return path, run


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
