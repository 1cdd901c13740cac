"""What DiffusionAugmenter's sampling options do to the rare classes of UCI-HAR/HAPT.

Usage::

    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_diffusion_variants_uci_har_raw.py \\
        --scales 0 --device cpu

Protocol, result files and timings: ``docs/benchmarks/bench_diffusion_variants_uci_har_raw.md``.
"""

import argparse
import time

import numpy as np
from _args import add_data_args, floats_arg
from _common import add_results_args, markdown_table, save
from _data import RARE, load_windows, target_counts
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.metrics import f1_score

from sklearn_har import StatFeatures
from sklearn_har.samplers import BorderlineSMOTE, DiffusionAugmenter

SEEDS = [0, 1, 2]


def main(args):
    t0 = time.perf_counter()
    data = load_windows(args.data_home)
    X, y, X_test, y_test = data["X_train"], data["y_train"], data["X_test"], data["y_test"]
    targets, _ = target_counts(y, "median")
    counts = np.bincount(y)
    double = {c: int(counts[c]) for c in targets}
    features = StatFeatures(fs=data["fs"])
    F, F_test = features.fit_transform(X), features.transform(X_test)
    results = {"variants": {}, "config": vars(args).copy(), "seeds": SEEDS,
               "targets": {str(k): v for k, v in targets.items()}}

    def score(name, X_syn=None, y_syn=None):
        F_syn = features.transform(X_syn) if X_syn is not None else np.zeros((0, F.shape[1]))
        y_syn = y_syn if y_syn is not None else np.zeros(0, dtype=y.dtype)
        per_seed = []
        for seed in SEEDS:
            clf = ExtraTreesClassifier(300, n_jobs=-1, random_state=seed)
            clf.fit(np.vstack([F, F_syn]), np.concatenate([y, y_syn]))
            per_seed.append(f1_score(y_test, clf.predict(F_test), labels=np.arange(12),
                                     average=None, zero_division=0))
        per_seed = np.array(per_seed)
        rare = per_seed[:, RARE].mean(1)
        results["variants"][name] = {
            "f1_macro": per_seed.mean(1).tolist(), "f1_rare_mean": rare.tolist(),
            "f1_per_class_mean": per_seed.mean(0).tolist(), "n_synthetic": len(y_syn)}
        print(f"{time.perf_counter() - t0:6.0f} s  {name:32s} macro-F1 {per_seed.mean():.4f}  "
              f"rare {rare.mean():.4f} ({' '.join(f'{v:.3f}' for v in rare)})", flush=True)

    def subset(X_syn, y_syn, per_class, seed=0):
        rng = np.random.default_rng(seed)
        keep = np.concatenate([rng.permutation(np.flatnonzero(y_syn == c))[:n]
                               for c, n in per_class.items()])
        return X_syn[keep], y_syn[keep]

    score("none")
    smote = BorderlineSMOTE(sampling_strategy=targets, random_state=0)
    X_sm, y_sm = smote.fit_resample(X, y)
    X_sm, y_sm = X_sm[len(y):], y_sm[len(y):]
    score("BorderlineSMOTE median", X_sm, y_sm)
    score("BorderlineSMOTE 1x", *subset(X_sm, y_sm, double))

    aug = DiffusionAugmenter(sampling_strategy=targets, width=64, depth=4, max_iter=args.max_iter,
                             class_dropout=0.1, device=args.device, random_state=0).fit(X, y)
    results["fit_s"], results["loss_curve"] = aug.fit_time_, aug.loss_curve_
    print(f"diffusion trained in {aug.fit_time_:.0f} s", flush=True)
    for scale in args.scales:
        # the same draw (same random_state) without and with statistics matching
        X_r, y_m = aug.sample(targets, guidance_scale=scale, random_state=1,
                              match_statistics=False)
        X_m, y_m = aug.sample(targets, guidance_scale=scale, random_state=1,
                              match_statistics=True)
        for kind, X_syn in (("raw", X_r), ("match", X_m)):
            score(f"diffusion w={scale:g} {kind} median", X_syn, y_m)
            score(f"diffusion w={scale:g} {kind} 1x", *subset(X_syn, y_m, double))
    results["total_s"] = time.perf_counter() - t0
    rows = [[name, f"{np.mean(v['f1_macro']):.4f}", f"{np.mean(v['f1_rare_mean']):.4f}",
             " ".join(f"{s:.3f}" for s in v["f1_rare_mean"]), v["n_synthetic"]]
            for name, v in results["variants"].items()]
    table = (
        "UCI-HAR/HAPT raw, standard subject split; StatFeatures + ExtraTrees(300), classifier "
        f"seeds {SEEDS}; diffusion width 64, depth 4, {args.max_iter} steps, class_dropout "
        f"0.1, DDIM 50 steps, trained on {args.device} in {aug.fit_time_:.0f} s.\n\n"
        + markdown_table(["variant", "macro-F1", "rare mean F1", "rare F1 per seed",
                          "synthetic windows"], rows)
        + f"\n\nWhole run: {results['total_s']:.0f} s.")
    save(f"diffusion_variants_uci_har_raw_{args.device}", results, table,
         update_results=args.update_results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_args(parser)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-iter", type=int, default=3000)
    parser.add_argument("--scales", type=floats_arg, default=[0.0])
    add_results_args(parser)
    main(parser.parse_args())
