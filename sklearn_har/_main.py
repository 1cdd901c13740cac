"""The main job: ``python -m sklearn_har [DATASET]``.

On the embedded default (a synthetic multi-user stream, no files needed) it
runs WindowSegmenter -> StatFeatures -> a tree ensemble under GroupKFold by
user and prints the HAR report on rows. With a dataset name (and the data
folder in ``SKLEARN_HAR_DATA`` or ``--data-home``) it runs the same on a shared
benchmark: stream datasets are segmented and scored per row, window datasets
go straight to StatFeatures; the dataset's standard subject split is used when
it has one, else GroupKFold by subject. Datasets of precomputed features are
not offered: the job starts from sensor data.

The report goes to stdout; progress lines (one per fold, with the elapsed
time) go to stderr unless ``--quiet``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.model_selection import GroupKFold

from .metrics import format_report, har_report
from .pipeline import Pipeline
from .preprocessing import StatFeatures, WindowSegmenter

MODELS = {
    "extra_trees": lambda seed, n_jobs: ExtraTreesClassifier(
        n_estimators=200, min_samples_leaf=2, n_jobs=n_jobs, random_state=seed),
    "random_forest": lambda seed, n_jobs: RandomForestClassifier(
        n_estimators=200, n_jobs=n_jobs, random_state=seed),
}

#: the kinds of benchmark the job can run (see ``load_benchmark``)
RUNNABLE_KINDS = ("stream", "windows")


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


def dataset_choices():
    """The benchmark names the job runs: the stream and window datasets."""
    from .datasets._benchmark import _BENCHMARKS

    return [name for name, spec in _BENCHMARKS.items() if spec.kind in RUNNABLE_KINDS]


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
    if bunch.kind not in RUNNABLE_KINDS:
        raise ValueError(f"{dataset} holds precomputed features, not sensor data; the main "
                         "job needs a stream or window dataset.")
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
    return task


def _fold_proba(pipe, X, y, train, test, classes):
    """Fit a clone of ``pipe`` on the rows ``train``; its probabilities on ``test``
    in the columns of ``classes`` (a class the fold did not see stays 0)."""
    est = clone(pipe).fit(_rows(X, train), y[train])
    proba = est.predict_proba(_rows(X, test))
    out = np.zeros((len(test), len(classes)))
    out[:, np.searchsorted(classes, est.classes_)] = proba
    return out


def run(dataset=None, *, data_home=None, window=None, step=None, model="extra_trees",
        n_splits=4, random_state=0, n_jobs=None, out=None, progress=None):
    """Run the main job, print its report to ``out`` (default: stdout) and return it (a dict).

    ``progress``: a file (e.g. ``sys.stderr``) that receives one line per fold
    with the elapsed time, or None for none.
    """
    t0 = time.perf_counter()
    out = sys.stdout if out is None else out

    def say(message):
        if progress is not None:
            print(f"[sklearn_har] {message} ({time.perf_counter() - t0:.1f} s elapsed)",
                  file=progress, flush=True)

    say(f"loading {dataset or 'the embedded default'}")
    task = _load(dataset, data_home, random_state)
    X, y, ignore = task["X"], task["y"], task["ignore"]
    if task["kind"] == "stream":
        window = _default_window(task["fs"]) if window is None else window
    elif window is not None or step is not None:
        print(f"note: {dataset} is already windowed; --window/--step are not used", file=out)
        window = None
    pipe = build_pipeline(window=window, step=step, fs=task["fs"],
                          group_column=task["group_column"], ignore_label=ignore,
                          model=model, random_state=random_state, n_jobs=n_jobs)
    print(f"sklearn_har main job -- {task['title']}", file=out)
    print(f"pipeline: {' -> '.join(type(e).__name__ for _, e in pipe.steps)}"
          + (f" (window={window}, step={pipe[0]._step})" if window else ""), file=out, flush=True)
    classes = np.unique(y[~_ignored(y, ignore)])
    if task["split"] is not None:
        folds = [task["split"]]
        protocol = "standard subject split (train subjects -> test subjects)"
    else:
        groups = task["groups"]
        if groups is None:
            raise ValueError(f"{dataset} has neither a subject split nor subject ids.")
        n_splits = min(n_splits, np.unique(groups).size)
        folds = list(GroupKFold(n_splits).split(np.zeros((len(y), 1)), y, groups))
        protocol = f"GroupKFold({n_splits}) by subject, out-of-fold predictions"
    k = len(folds)
    say(f"fitting {k} fold{'s' * (k > 1)}: {protocol}")
    if k == 1:  # in this process: the trees use n_jobs
        train, test = folds[0]
        y_true, proba = y[test], _fold_proba(pipe, X, y, train, test, classes)
        say("fold 1/1 done")
    else:  # folds in parallel, reported as they come in (in order)
        probas = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_fold_proba)(pipe, X, y, train, test, classes) for train, test in folds)
        y_true, proba = y, np.zeros((len(y), len(classes)))
        for i, ((_, test), part) in enumerate(zip(folds, probas), start=1):
            proba[test] = part
            say(f"fold {i}/{k} done")
    keep = ~_ignored(y_true, ignore)
    y_pred = classes[proba.argmax(axis=1)]
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


# -- argument types: a bad value is a one-line argparse error (exit status 2) --

def _int(text, *, minimum, what):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {what}; got {value}")
    return value


def _positive_int(text):
    return _int(text, minimum=1, what="a positive integer")


def _folds(text):
    return _int(text, minimum=2, what="an integer >= 2")


def _seed(text):
    value = _int(text, minimum=0, what="an integer in [0, 2**32 - 1]")
    if value > 2**32 - 1:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**32 - 1]; got {value}")
    return value


def _n_jobs(text):
    value = _int(text, minimum=-(2**31), what="a non-zero integer (-1: all cores)")
    if value == 0:
        raise argparse.ArgumentTypeError("expected a non-zero integer (-1: all cores); got 0")
    return value


def _folder(text):
    if not os.path.isdir(os.path.expanduser(text)):
        raise argparse.ArgumentTypeError(f"no such folder: {text!r}")
    return text


def make_parser():
    """The command line of ``python -m sklearn_har``."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_har",
        description="Segment -> StatFeatures -> tree ensemble, scored per row with a "
                    "subject-wise protocol. No dataset: the embedded synthetic default.",
        epilog="The report goes to stdout; one progress line per fold goes to stderr "
               "unless --quiet.")
    parser.add_argument("dataset", nargs="?", default=None, choices=dataset_choices(),
                        help="a shared benchmark of sensor data (needs SKLEARN_HAR_DATA or "
                             "--data-home); none: the embedded synthetic default")
    parser.add_argument("--data-home", type=_folder, default=None,
                        help="folder of the benchmark files")
    parser.add_argument("--window", type=_positive_int, default=None,
                        help="window in samples (default: 2.56 s at the dataset's rate)")
    parser.add_argument("--step", type=_positive_int, default=None,
                        help="samples between window starts (default: window // 2)")
    parser.add_argument("--model", choices=sorted(MODELS) + ["cnn"], default="extra_trees",
                        help="tree ensemble on StatFeatures, or the 1-D CNN on the windows")
    parser.add_argument("--folds", type=_folds, default=4, help="GroupKFold splits when the "
                        "dataset has no standard split")
    parser.add_argument("--n-jobs", type=_n_jobs, default=None,
                        help="parallel folds and trees (-1: all cores; default: 1)")
    parser.add_argument("--seed", type=_seed, default=0)
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress lines on stderr")
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        run(args.dataset, data_home=args.data_home, window=args.window, step=args.step,
            model=args.model, n_splits=args.folds, random_state=args.seed, n_jobs=args.n_jobs,
            progress=None if args.quiet else sys.stderr)
    except FileNotFoundError as exc:  # no data folder: say where we looked, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. a window longer than every recording of the dataset
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
