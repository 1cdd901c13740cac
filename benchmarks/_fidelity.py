"""Fidelity of synthetic windows: their per-window statistics against real ones.

Shared by the resampling benchmarks (``bench_imbalance_uci_har_raw.py``,
``bench_imbalance_cnn_uci_har_raw.py``); the measures are described in
``docs/benchmarks/bench_imbalance_uci_har_raw.md``.
"""

from __future__ import annotations

import numpy as np
from _data import RARE


def window_moments(X):
    """Per window and channel: mean, std, skewness and mean |first difference|."""
    X = X.astype(np.float64)
    mu = X.mean(axis=-1)
    sd = X.std(axis=-1)
    safe = np.where(sd > 1e-6, sd, 1.0)
    skew = np.where(sd > 1e-6, (((X - mu[..., None]) / safe[..., None]) ** 3).mean(axis=-1), 0.0)
    rough = np.abs(np.diff(X, axis=-1)).mean(axis=-1)
    return {"mean": mu, "std": sd, "skew": skew, "rough": rough}


def fidelity(real, X_syn, y_syn, n_classes):
    """Synthetic vs real per-window statistics, per class (see the protocol)."""
    syn_by_class = {}
    for c in range(n_classes):
        sel = y_syn == c
        if sel.sum() < 2 or c not in real:
            continue
        R, S = real[c], window_moments(X_syn[sel])
        row = {}
        for s in ("mean", "std", "skew"):
            sd_real = np.maximum(R[s].std(axis=0), 1e-6)
            row["d_" + s] = float(np.mean(np.abs(S[s].mean(axis=0) - R[s].mean(axis=0)) / sd_real))
        row["spread"] = float(np.mean([np.mean(S[s].std(axis=0) / np.maximum(R[s].std(axis=0), 1e-6))
                                       for s in ("mean", "std", "skew")]))
        row["rough"] = float(np.mean(S["rough"].mean(axis=0) / R["rough"].mean(axis=0)))
        row["n"] = int(sel.sum())
        syn_by_class[c] = row
    keys = ("d_mean", "d_std", "d_skew", "spread", "rough")
    summary = {k: float(np.mean([r[k] for r in syn_by_class.values()])) if syn_by_class
               else float("nan") for k in keys}
    rare = [r for c, r in syn_by_class.items() if c in RARE]
    summary.update({"rare_" + k: float(np.mean([r[k] for r in rare])) if rare else float("nan")
                    for k in keys})
    summary["n_classes"] = len(syn_by_class)
    summary["per_class"] = {str(c): r for c, r in syn_by_class.items()}
    return summary

