"""Real data: UCI-HAR raw signals, standard subject split, one prediction per row.

The ``uci_har_raw`` benchmark (HAPT v2.1 raw stream: waist smartphone, 3-axis
accelerometer + 3-axis gyroscope at 50 Hz, 30 subjects, 61 recordings, 12
activities incl. 6 postural transitions, ``-1`` = unlabelled) is NOT shipped
with sklearn_har. Point the environment variable ``SKLEARN_HAR_DATA`` (or
``--data-home``) at the folder that holds ``uci_har_raw/uci_har_raw_stream.npz``.

The pipeline is trained on the rows of the standard train subjects and
predicts every row of the test subjects. Windows never span two subjects or
two recordings (``group_column=["subject", "recording"]``); unlabelled rows
(``-1``) never label a training window (``ignore_label=-1``) and are left out
of the scores.

Run:  SKLEARN_HAR_DATA=/path/to/data python examples/real_data_uci_har_raw.py
      python examples/real_data_uci_har_raw.py --data-home /path/to/data
"""

import argparse
import os
import sys
import time

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.metrics import f1_score

from sklearn_har import Pipeline, StatFeatures, WindowSegmenter
from sklearn_har.datasets import load_benchmark
from sklearn_har.metrics import format_report, har_report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None,
                        help="folder of the benchmark files (default: $SKLEARN_HAR_DATA)")
    parser.add_argument("--window", type=int, default=128, help="rows per window (128 = 2.56 s)")
    parser.add_argument("--n-estimators", type=int, default=300)
    parser.add_argument("--n-jobs", type=int, default=-1)
    args = parser.parse_args(argv)

    if args.data_home is None and not os.environ.get("SKLEARN_HAR_DATA"):
        sys.exit("No data folder: set SKLEARN_HAR_DATA to the folder holding the benchmark "
                 "files (uci_har_raw/uci_har_raw_stream.npz), or pass --data-home. The real "
                 "datasets are not shipped with sklearn_har.")
    t0 = time.perf_counter()
    try:
        bunch = load_benchmark("uci_har_raw", data_home=args.data_home)
    except FileNotFoundError as exc:
        sys.exit(str(exc))
    print(bunch.DESCR.splitlines()[0])

    X, y = bunch.data, bunch.target               # rows = time samples; y: -1 .. 11
    group_column = ["subject", "recording"]
    if not hasattr(X, "columns"):                 # numpy table (no pandas): positions
        group_column = [bunch.feature_names.index(c) for c in group_column]
    test = np.isin(bunch.subject, bunch.test_subjects)
    train = ~test
    print(f"{len(y):,} rows; train subjects {bunch.train_subjects.tolist()}")
    print(f"test subjects {bunch.test_subjects.tolist()}")

    pipe = Pipeline([
        ("seg", WindowSegmenter(window=args.window, group_column=group_column,
                                ignore_label=-1)),
        ("feat", StatFeatures(fs=bunch.fs)),
        ("clf", ExtraTreesClassifier(n_estimators=args.n_estimators, min_samples_leaf=2,
                                     n_jobs=args.n_jobs, random_state=0)),
    ])
    t_fit = time.perf_counter()
    # boolean indexing keeps the DataFrame's index: the rows removed between
    # two kept rows are a gap that ends a run as well
    pipe.fit(X[train], y[train])
    seg = pipe.named_steps["seg"]
    print(f"fit on {seg.n_windows_} windows of {args.window} rows "
          f"(dropped: {seg.n_windows_dropped_}) in {time.perf_counter() - t_fit:.1f} s")

    t_pred = time.perf_counter()
    proba = pipe.predict_proba(X[test])           # one row per test row
    classes = pipe.classes_
    y_pred = classes[proba.argmax(axis=1)]        # = pipe.predict(X[test])
    print(f"predicted {len(y_pred):,} test rows in {time.perf_counter() - t_pred:.1f} s")

    y_test = y[test]
    labelled = y_test != -1                       # unlabelled rows are not scored
    report = har_report(y_test[labelled], y_pred[labelled], proba[labelled], labels=classes)
    print(f"\nscored on {int(labelled.sum()):,} labelled test rows "
          f"({int((~labelled).sum()):,} unlabelled rows left out)")
    print(format_report(report))

    f1 = f1_score(y_test[labelled], y_pred[labelled], labels=classes, average=None,
                  zero_division=0)
    names = bunch.target_names[classes]
    width = max(len(n) for n in names)
    print(f"\n{'class':<{width}}  {'F1':>6}  {'rows':>7}")
    for name, c, score in zip(names, classes, f1):
        print(f"{name:<{width}}  {score:6.4f}  {int((y_test == c).sum()):7d}")
    print(f"\ndone in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
