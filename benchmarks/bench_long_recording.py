"""Long recordings: peak memory and speed of Pipeline.predict on hours of 50 Hz data.

Usage::

    python benchmarks/bench_long_recording.py                # 1 h, 10 h, 100 h
    python benchmarks/bench_long_recording.py --hours 1,10 --update-results
    python benchmarks/bench_long_recording.py --hours 1,3 --chunk-rows 100000

A 6-channel recording at 50 Hz (one user, activities in blocks of 30 s to 3 min)
is synthesised for each length; a segmenter Pipeline (window 128, step 64, a
small CNNClassifier fitted on 10 minutes of the same generator) predicts one
label per row. Measured per length, on the CPU:

- peak memory traced (``tracemalloc``: numpy's and Python's allocations) during
  ``predict``, above what was allocated before it, and the same less the
  returned labels (the result itself, one per row): the working memory;
- seconds and rows per second (the median of ``--repeat`` calls at the shortest
  length, where chunked and whole-table paths are compared; memory is traced in a
  call of its own, as tracing slows allocations).

Tables longer than ``Pipeline.CHUNK_ROWS`` rows are predicted in chunks
(``docs/index.md``, "Long recordings"). At 1 h the whole-table path is measured
too (``CHUNK_ROWS`` raised above the table), in the same process: the ratio of
throughputs and the labels' equality are reported.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import numpy as np
import pandas as pd
import torch
from _common import add_results_args, markdown_table, save

from sklearn_har import Pipeline, WindowSegmenter
from sklearn_har.classifiers import CNNClassifier

NAME = "long_recording"
RATE = 50
CHANNELS = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
ACTIVITIES = np.array(["lie", "run", "sit", "walk"])


def recording(hours, seed):
    """``hours`` of 6-channel 50 Hz rows (float32) and their labels."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * RATE)
    lengths = rng.integers(30 * RATE, 180 * RATE, size=n // (30 * RATE) + 2)
    bounds = np.minimum(np.cumsum(np.r_[0, lengths]), n)
    act = rng.integers(0, ACTIVITIES.size, size=lengths.size)
    code = np.repeat(act, np.diff(bounds))[:n]
    t = np.arange(n, dtype=np.float32) / RATE
    X = np.empty((n, len(CHANNELS)), dtype=np.float32)
    for c in range(len(CHANNELS)):
        freq = 0.5 + code * (0.6 + 0.1 * c)
        X[:, c] = np.sin(2 * np.pi * freq * t) * (0.2 + 0.3 * code) + code * 0.1
        X[:, c] += rng.normal(scale=0.3, size=n).astype(np.float32)
    return pd.DataFrame(X, columns=CHANNELS), ACTIVITIES[code]


def measure(pipe, X, repeat):
    """Labels, and the median seconds and largest traced peak over ``repeat`` calls (the
    memory is traced in separate calls: tracing slows allocations)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        labels = pipe.predict(X)
        times.append(time.perf_counter() - t)
        del labels
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    labels = pipe.predict(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    seconds = float(np.median(times))
    extra = peak - before
    return labels, {"rows": len(X), "seconds": seconds, "rows_per_s": len(X) / seconds,
                    "peak_mb": extra / 2**20, "output_mb": labels.nbytes / 2**20,
                    "working_mb": (extra - labels.nbytes) / 2**20}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", default="1,10,100",
                        help="comma list of recording lengths in hours")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--chunk-rows", type=int, default=None,
                        help="rows per chunk (default: Pipeline.CHUNK_ROWS)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed calls at the shortest length (median reported)")
    add_results_args(parser)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.chunk_rows is not None:
        Pipeline.CHUNK_ROWS = args.chunk_rows
    hours = [float(h) for h in args.hours.split(",")]

    X_fit, y_fit = recording(10 / 60, seed=1)
    pipe = Pipeline([("seg", WindowSegmenter(window=128, step=64)),
                     ("clf", CNNClassifier(module__channels=(16, 32), max_epochs=5,
                                           device="cpu", verbose=0, random_state=0))])
    pipe.fit(X_fit, y_fit)
    rows, baseline = [], None
    for h in hours:
        X, y = recording(h, seed=2)
        labels, row = measure(pipe, X, args.repeat if h == hours[0] else 1)
        row.update(hours=h, path=f"chunked ({Pipeline.CHUNK_ROWS:,} rows)",
                   accuracy=float(np.mean(labels == y)))
        if h == hours[0]:
            saved = Pipeline.CHUNK_ROWS
            Pipeline.CHUNK_ROWS = len(X) + 1
            try:
                whole, base = measure(pipe, X, args.repeat)
            finally:
                Pipeline.CHUNK_ROWS = saved
            base.update(hours=h, path="whole table", accuracy=float(np.mean(whole == y)))
            baseline = {"hours": h, "labels_equal": bool(np.array_equal(whole, labels)),
                        "throughput_ratio": row["rows_per_s"] / base["rows_per_s"],
                        "working_ratio": row["working_mb"] / base["working_mb"]}
            rows.append(base)
        rows.append(row)
        print(f"{h:g} h: {row['rows']:,} rows, {row['seconds']:.1f} s, "
              f"{row['rows_per_s']:,.0f} rows/s, peak {row['peak_mb']:.1f} MB "
              f"(working {row['working_mb']:.1f} MB)", flush=True)
        del X, y, labels
    chunked = [r for r in rows if r["path"] != "whole table"]
    working = [r["working_mb"] for r in chunked]
    summary = {"working_mb_max_over_min": max(working) / min(working), **(baseline or {})}
    table = markdown_table(
        ["hours", "path", "rows", "seconds", "rows/s", "peak MB", "labels MB",
         "working MB (peak - labels)", "accuracy"],
        [[f"{r['hours']:g}", r["path"], f"{r['rows']:,}", f"{r['seconds']:.1f}",
          f"{r['rows_per_s']:,.0f}", f"{r['peak_mb']:.1f}", f"{r['output_mb']:.1f}",
          f"{r['working_mb']:.1f}", f"{r['accuracy']:.4f}"] for r in rows])
    table += (f"\n\nWorking memory, largest over smallest across lengths (chunked): "
              f"{summary['working_mb_max_over_min']:.3f}.")
    if baseline:
        table += (f" At {baseline['hours']:g} h, chunked vs whole table: throughput ratio "
                  f"{baseline['throughput_ratio']:.3f}, working memory ratio "
                  f"{baseline['working_ratio']:.3f}, labels equal: "
                  f"{baseline['labels_equal']}.")
    table += (f"\n\nCPU, {args.threads} torch threads; the model: WindowSegmenter(128, 64) + "
              "CNNClassifier(channels=(16, 32)) fitted 5 epochs on 10 min of the generator.")
    save(NAME, {"settings": {"hours": hours, "threads": args.threads, "rate_hz": RATE,
                             "repeat": args.repeat,
                             "channels": CHANNELS, "chunk_rows": Pipeline.CHUNK_ROWS},
                "runs": rows, "summary": summary}, table,
         update_results=args.update_results)


if __name__ == "__main__":
    main()
