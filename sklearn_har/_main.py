"""The main job: ``python -m sklearn_har [DATASET]``.

On the embedded default (a synthetic multi-user stream, no files needed) it
runs WindowSegmenter -> StatFeatures -> a tree ensemble under GroupKFold by
user and prints the HAR report on rows. With a dataset name (and the data
folder in ``SKLEARN_HAR_DATA`` or ``--data-home``) it runs the same on a shared
benchmark: stream datasets are segmented and scored per row, window datasets
go straight to StatFeatures; the dataset's standard subject split is used when
it has one, else GroupKFold by subject.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.model_selection import GroupKFold, cross_val_predict

from .metrics import format_report, har_report
from .pipeline import Pipeline
from .preprocessing import StatFeatures, WindowSegmenter

MODELS = {
    "extra_trees": lambda seed, n_jobs: ExtraTreesClassifier(
        n_estimators=200, min_samples_leaf=2, n_jobs=n_jobs, random_state=seed),
    "random_forest": lambda seed, n_jobs: RandomForestClassifier(
        n_estimators=200, n_jobs=n_jobs, random_state=seed),
}


def build_pipeline(*, window, step, fs, group_column=None, ignore_label=None,
                   model="extra_trees", random_state=0, n_jobs=None):
    """The main job's pipeline: segmenter (when ``window``), then features and
    trees, or ``model="cnn"``: :class:`~sklearn_har.classifiers.CNNClassifier`."""
    steps = []
    if window is not None:
        steps.append(("seg", WindowSegmenter(window=window, step=step, group_column=group_column,
                                             ignore_label=ignore_label)))
    if model == "cnn":
        # the deep baseline reads the windows themselves
        from .classifiers import CNNClassifier

        steps.append(("clf", CNNClassifier(max_epochs=20, lr=2e-3, verbose=0,
                                           random_state=random_state)))
    else:
        steps += [("feat", StatFeatures(fs=fs)), ("clf", MODELS[model](random_state, n_jobs))]
    return Pipeline(steps)


def _default_window(fs):
    """2.56 s, the UCI-HAR window, rounded to whole samples."""
    return max(8, int(round(2.56 * fs)))


def _load(dataset, data_home, random_state):
    """What the job needs to know about its data, as a dict."""
    if dataset is None:
        from .datasets import make_har_table

        X, y = make_har_table(n_users=8, rows_per_user=6000, random_state=random_state)
        framed = hasattr(X, "columns")
        return dict(X=X, y=y, fs=50.0, kind="stream", ignore=None, names=None, split=None,
                    group_column="user" if framed else 0,
                    groups=np.asarray(X["user"] if framed else X[:, 0]),
                    title="embedded default: synthetic stream, 8 users, 5 activities, 50 Hz")
    from .datasets import load_benchmark

    bunch = load_benchmark(dataset, data_home=data_home)
    task = dict(X=bunch.data, y=np.asarray(bunch.target), fs=float(bunch.fs), kind=bunch.kind,
                names=list(bunch.target_names), split=_standard_split(bunch),
                groups=np.asarray(bunch.subject) if "subject" in bunch else None,
                group_column=None, ignore=None, title=bunch.DESCR.splitlines()[0])
    if bunch.kind == "stream":
        # a window never spans two subjects nor two recordings
        cols = list(bunch.feature_names)
        by = ["subject", "recording"]
        task["group_column"] = by if hasattr(bunch.data, "columns") else [cols.index(c) for c in by]
        task["ignore"] = -1
    elif bunch.kind != "windows":
        raise ValueError(f"{dataset} holds precomputed features, not sensor data; the main "
                         "job needs a stream or window dataset.")
    return task


def run(dataset=None, *, data_home=None, window=None, step=None, model="extra_trees",
        n_splits=4, random_state=0, n_jobs=None, out=sys.stdout):
    """Run the main job, print its report and return it (a dict)."""
    t0 = time.perf_counter()
    task = _load(dataset, data_home, random_state)
    X, y, ignore = task["X"], task["y"], task["ignore"]
    if task["kind"] == "stream":
        window = window or _default_window(task["fs"])
    elif window or step:
        print(f"note: {dataset} is already windowed; --window/--step are not used", file=out)
        window = None
    pipe = build_pipeline(window=window, step=step, fs=task["fs"],
                          group_column=task["group_column"], ignore_label=ignore,
                          model=model, random_state=random_state, n_jobs=n_jobs)
    print(f"sklearn_har main job -- {task['title']}", file=out)
    print(f"pipeline: {' -> '.join(type(e).__name__ for _, e in pipe.steps)}"
          + (f" (window={window}, step={pipe[0]._step})" if window else ""), file=out)
    if task["split"] is not None:
        train, test = task["split"]
        pipe.fit(_rows(X, train), y[train])
        y_true, proba = y[test], pipe.predict_proba(_rows(X, test))
        classes = pipe.classes_
        protocol = "standard subject split (train subjects -> test subjects)"
    else:
        groups = task["groups"]
        if groups is None:
            raise ValueError(f"{dataset} has neither a subject split nor subject ids.")
        n_splits = min(n_splits, np.unique(groups).size)
        proba = cross_val_predict(pipe, X, y, groups=groups, cv=GroupKFold(n_splits),
                                  method="predict_proba", n_jobs=n_jobs)
        y_true, classes = y, np.unique(y[~_ignored(y, ignore)])
        protocol = f"GroupKFold({n_splits}) by subject, out-of-fold predictions"
    keep = ~_ignored(y_true, ignore)
    y_pred = np.asarray(classes)[proba.argmax(axis=1)]
    report = har_report(y_true[keep], y_pred[keep], proba[keep], labels=classes)
    unit = "rows" if task["kind"] == "stream" else "windows"
    left_out = f" ({int((~keep).sum())} unlabelled rows left out)" if (~keep).any() else ""
    print(f"protocol: {protocol}; scored on {int(keep.sum())} {unit}{left_out}", file=out)
    if task["names"] is not None:
        print("classes: " + ", ".join(f"{c}={task['names'][int(c)]}" for c in classes), file=out)
    print(format_report(report), file=out)
    print(f"done in {time.perf_counter() - t0:.1f} s", file=out)
    return report


def _ignored(y, ignore):
    return np.zeros(len(y), dtype=bool) if ignore is None else (y == ignore)


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def _standard_split(bunch):
    """(train, test) indices from the dataset's own split, or None."""
    if "split" in bunch:
        split = np.asarray(bunch.split).astype(str)
        if set(np.unique(split)) == {"train", "test"}:
            return np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    if "test_subjects" in bunch and "subject" in bunch:
        test = np.isin(np.asarray(bunch.subject), np.asarray(bunch.test_subjects))
        return np.flatnonzero(~test), np.flatnonzero(test)
    return None


def main(argv=None):
    from .datasets import list_benchmarks

    parser = argparse.ArgumentParser(
        prog="python -m sklearn_har",
        description="Segment -> StatFeatures -> tree ensemble, scored per row with a "
                    "subject-wise protocol. No dataset: the embedded synthetic default.")
    parser.add_argument("dataset", nargs="?", default=None, choices=list_benchmarks(),
                        help="a shared benchmark (needs SKLEARN_HAR_DATA or --data-home); "
                             "none: the embedded synthetic default")
    parser.add_argument("--data-home", default=None, help="folder of the benchmark files")
    parser.add_argument("--window", type=int, default=None,
                        help="window in samples (default: 2.56 s at the dataset's rate)")
    parser.add_argument("--step", type=int, default=None, help="default: window // 2")
    parser.add_argument("--model", choices=sorted(MODELS) + ["cnn"], default="extra_trees",
                        help="tree ensemble on StatFeatures, or the 1-D CNN on the windows")
    parser.add_argument("--folds", type=int, default=4, help="GroupKFold splits when the "
                        "dataset has no standard split")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        run(args.dataset, data_home=args.data_home, window=args.window, step=args.step,
            model=args.model, n_splits=args.folds, random_state=args.seed, n_jobs=args.n_jobs)
    except FileNotFoundError as exc:  # no data folder: say where we looked, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
