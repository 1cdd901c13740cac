"""Foundation benchmark on the UCI-HAR/HAPT raw stream (``uci_har_raw``).

Usage::

    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_foundation_uci_har_raw.py

Protocol, result files and timings: ``docs/benchmarks/bench_foundation_uci_har_raw.md``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _args import add_data_args
from _common import add_results_args, markdown_table, save, timeit
from _data import GROUPS
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score

from sklearn_har import Pipeline, StatFeatures, WindowSegmenter
from sklearn_har.datasets import load_benchmark


def loop_segment(values, y, run_id, window, step):
    """Baseline: one Python iteration per window (majority label by np.unique)."""
    windows, labels = [], []
    bounds = np.flatnonzero(np.diff(run_id)) + 1
    for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(values)]):
        for s in range(a, b - window + 1, step):
            windows.append(values[s:s + window].T)
            lab, cnt = np.unique(y[s:s + window], return_counts=True)
            labels.append(lab[np.argmax(cnt)])
    return np.stack(windows), np.array(labels)


def main(data_home=None, repeat=5, n_jobs=None, update_results=False):
    data = load_benchmark("uci_har_raw", data_home=data_home)
    X, y = data.data, np.asarray(data.target)
    n_rows = len(X)
    results = {"dataset": "uci_har_raw", "n_rows": n_rows, "window": 128, "step": 64}

    # -- 1. segmentation speed ------------------------------------------------
    seg = WindowSegmenter(window=128, step=64, group_column=GROUPS)
    t_seg, (W, wy) = timeit(lambda: seg.fit_resample(X, y), repeat)
    t_transform, W_all = timeit(lambda: seg.transform(X), repeat)
    values = np.ascontiguousarray(X[data.channel_names].to_numpy(np.float32))
    run_id = np.asarray(data.recording)
    t_loop, (W_loop, y_loop) = timeit(lambda: loop_segment(values, y, run_id, 128, 64), 1)
    assert np.array_equal(W_loop, W) and np.array_equal(y_loop, wy), "baseline disagrees"
    results["segmentation"] = {
        "n_windows": int(W.shape[0]),
        "fit_resample_s": t_seg, "transform_s": t_transform, "python_loop_s": t_loop,
        "speedup_vs_loop": t_loop / t_seg,
    }

    # -- 2. accuracy, standard subject split, scored per row ------------------
    test = np.isin(np.asarray(data.subject), np.asarray(data.test_subjects))
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    labelled = yte >= 0
    models = {
        "ExtraTrees(500)": ExtraTreesClassifier(n_estimators=500, min_samples_leaf=2,
                                                n_jobs=n_jobs, random_state=0),
        "RandomForest(500)": RandomForestClassifier(n_estimators=500, n_jobs=n_jobs,
                                                    random_state=0),
    }
    results["models"] = {}
    rows = []
    for name, clf in models.items():
        pipe = Pipeline([
            ("seg", WindowSegmenter(window=128, step=64, group_column=GROUPS, ignore_label=-1)),
            ("feat", StatFeatures(fs=float(data.fs))),
            ("clf", clf),
        ])
        t = time.perf_counter()
        pipe.fit(Xtr, ytr)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        pred = pipe.predict(Xte)
        predict_s = time.perf_counter() - t
        yt, yp = yte[labelled], pred[labelled]
        rare = np.arange(6, 12)  # the six postural transitions
        res = {
            "row_accuracy": accuracy_score(yt, yp),
            "row_f1_macro": f1_score(yt, yp, average="macro"),
            "row_f1_rare_mean": float(np.mean(f1_score(yt, yp, labels=rare, average=None))),
            "n_train_windows": int(pipe[0].n_windows_),
            "fit_s": fit_s, "predict_s": predict_s,
        }
        results["models"][name] = res
        rows.append([name, f"{res['row_accuracy']:.4f}", f"{res['row_f1_macro']:.4f}",
                     f"{res['row_f1_rare_mean']:.4f}", f"{fit_s:.1f}", f"{predict_s:.1f}"])
    results["scored_rows"] = int(labelled.sum())

    s = results["segmentation"]
    table = (
        "Segmentation of the whole stream "
        f"({n_rows:,} rows x 6 channels -> {s['n_windows']:,} windows of 128, step 64, majority "
        f"labels; median of {repeat}). WindowSegmenter reads the DataFrame and finds the "
        "runs itself; the loop is handed a numpy array and the run ids:\n\n"
        + markdown_table(["method", "seconds", "ratio"], [
            ["WindowSegmenter.fit_resample", f"{s['fit_resample_s']:.3f}", "1.00"],
            ["WindowSegmenter.transform (all windows)", f"{s['transform_s']:.3f}",
             f"{s['transform_s'] / s['fit_resample_s']:.2f}"],
            ["Python loop per window (baseline)", f"{s['python_loop_s']:.3f}",
             f"{s['python_loop_s'] / s['fit_resample_s']:.1f}"],
        ])
        + "\n\nStandard subject split (21 train / 9 test subjects), scored on "
        f"{results['scored_rows']:,} labelled test rows (12 classes; rare = the six "
        "postural transitions):\n\n"
        + markdown_table(["model", "row accuracy", "row macro-F1", "rare-class mean F1",
                          "fit s", "predict s"], rows)
    )
    save("foundation_uci_har_raw", results, table, update_results=update_results)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_args(parser)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=-1)
    add_results_args(parser)
    args = parser.parse_args()
    main(args.data_home, args.repeat, args.n_jobs, args.update_results)
