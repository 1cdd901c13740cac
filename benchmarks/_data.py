"""Shared data of the benchmark scripts: loaders, the rare classes and the targets.

- :func:`load_official`: the official UCI-HAR train / test windows
  (``uci_har_official``), optionally z-scored per channel on train;
- :func:`load_windows`: the UCI-HAR/HAPT raw stream (``uci_har_raw``) cut into
  128/64 windows on the standard subject split, z-scored per channel on train;
- :func:`target_counts`: how many windows resampling brings each small class to;
- :func:`statistics_only`: the control windows of the resampling benchmarks.

Scripts import from here, never from one another.
"""

from __future__ import annotations

import numpy as np

from sklearn_har import WindowSegmenter
from sklearn_har.datasets import load_benchmark

#: group columns of the raw stream: a run never crosses a subject or a recording
GROUPS = ["subject", "recording"]
#: the six postural transitions of UCI-HAR/HAPT (the rare classes)
RARE = list(range(6, 12))
#: windows per class kept by ``load_windows(quick=True)``
QUICK_PER_CLASS = {"basic": 60, "rare": 12, "test": 20}


def load_official(data_home=None, standardize="channel", subset=None, seed=0):
    """Official train / test windows, optionally z-scored per channel on train."""
    data = load_benchmark("uci_har_official", data_home=data_home)
    train = np.asarray(data.split) == "train"
    X, y, subject = data.data, np.asarray(data.target), np.asarray(data.subject)
    parts = {"X_train": X[train], "y_train": y[train], "groups": subject[train],
             "X_test": X[~train], "y_test": y[~train]}
    if subset is not None:  # --quick: a random subset of each side
        rng = np.random.default_rng(seed)
        keep_tr = np.sort(rng.choice(train.sum(), subset[0], replace=False))
        keep_te = np.sort(rng.choice((~train).sum(), subset[1], replace=False))
        for key in ("X_train", "y_train", "groups"):
            parts[key] = parts[key][keep_tr]
        for key in ("X_test", "y_test"):
            parts[key] = parts[key][keep_te]
    if standardize == "channel":
        mean = parts["X_train"].mean(axis=(0, 2), keepdims=True, dtype=np.float64)
        std = parts["X_train"].std(axis=(0, 2), keepdims=True, dtype=np.float64)
        for key in ("X_train", "X_test"):
            parts[key] = ((parts[key] - mean) / std).astype(np.float32)
    parts["class_names"] = [str(c) for c in data.target_names]
    parts["channel_names"] = list(data.channel_names)
    return parts


def load_windows(data_home=None, quick=False):
    """Standardised train / test windows of the standard subject split."""
    data = load_benchmark("uci_har_raw", data_home=data_home)
    X, y = data.data, np.asarray(data.target)
    test = np.isin(np.asarray(data.subject), np.asarray(data.test_subjects))

    def segment(rows):
        seg = WindowSegmenter(window=128, step=64, label="majority", ignore_label=-1,
                              group_column=GROUPS)
        return seg.fit_resample(X[rows], y[rows])

    X_train, y_train = segment(~test)
    X_test, y_test = segment(test)
    if quick:  # a small subset that keeps the imbalance: 60 / class, 12 / transition
        rng = np.random.default_rng(0)

        def subset(labels, per_class):
            keep = [rng.choice(np.flatnonzero(labels == c), per_class(c), replace=False)
                    for c in np.unique(labels)]
            return np.sort(np.concatenate(keep))

        keep = subset(y_train, lambda c: QUICK_PER_CLASS["rare" if c in RARE else "basic"])
        X_train, y_train = X_train[keep], y_train[keep]
        keep = subset(y_test, lambda c: QUICK_PER_CLASS["test"])
        X_test, y_test = X_test[keep], y_test[keep]
    mean = X_train.mean(axis=(0, 2), keepdims=True, dtype=np.float64)
    std = X_train.std(axis=(0, 2), keepdims=True, dtype=np.float64)
    return {
        "X_train": ((X_train - mean) / std).astype(np.float32), "y_train": y_train,
        "X_test": ((X_test - mean) / std).astype(np.float32), "y_test": y_test,
        "class_names": [str(c) for c in data.target_names], "fs": float(data.fs),
        "channel_names": list(data.channel_names),
        "channel_mean": mean.ravel().tolist(), "channel_std": std.ravel().tolist(),
        "n_train_subjects": len(np.asarray(data.train_subjects)),
        "n_test_subjects": len(np.asarray(data.test_subjects)),
    }


def target_counts(y, spec):
    """``{label: windows wanted}`` for the classes below the median (or ``spec``) count."""
    counts = np.bincount(y)
    if spec == "double":  # every class below the median count gets twice its windows
        median = float(np.median(counts))
        return {int(c): 2 * int(counts[c]) for c in np.flatnonzero(counts < median)}, "2x"
    target = round(float(np.median(counts))) if spec == "median" else int(spec)
    return {int(c): target for c in np.flatnonzero(counts < target)}, target


def statistics_only(X, y, counts, rng):
    """Control windows: white noise rescaled to the mean and std of a random real window.

    For every wanted window of class c (``counts = {c: n}``), a random real
    window of c lends its per-channel mean and std, as ``DiffusionAugmenter``
    with ``guidance="empirical"`` and ``match_statistics=True`` does, but the
    shape is white noise instead of the denoiser's: what the copied statistics
    alone are worth.
    """
    Xs, ys = [], []
    for c, n in counts.items():
        if n <= 0:
            continue
        pool = X[y == c]
        src = pool[rng.integers(0, len(pool), n)].astype(np.float64)
        z = rng.standard_normal(src.shape)
        z = (z - z.mean(-1, keepdims=True)) / z.std(-1, keepdims=True)
        Xs.append((src.mean(-1, keepdims=True) + src.std(-1, keepdims=True) * z).astype(np.float32))
        ys.append(np.full(n, c, dtype=y.dtype))
    return np.concatenate(Xs), np.concatenate(ys)

