"""Class-imbalance samplers with a deep classifier on UCI-HAR/HAPT raw (``uci_har_raw``).

Usage::

    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_imbalance_cnn_uci_har_raw.py
    python benchmarks/bench_imbalance_cnn_uci_har_raw.py --quick --device cpu   # smoke test
    # a long run over several calls: each one adds the seeds the file lacks
    python benchmarks/bench_imbalance_cnn_uci_har_raw.py --ddim-eta 1 --seeds 0,1,2,3 --tag eta1
    python benchmarks/bench_imbalance_cnn_uci_har_raw.py --ddim-eta 1 --seeds 4,5,6,7 --tag eta1 --resume
    # adding seeds to the committed result file instead
    python benchmarks/bench_imbalance_cnn_uci_har_raw.py --ddim-eta 1 --seeds 8,9 --tag eta1 --update-results --resume

Protocol, result files and timings: ``docs/benchmarks/bench_imbalance_cnn_uci_har_raw.md``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from _args import add_data_args, add_diffusion_args
from _common import (
    add_results_args,
    fmt,
    ints_arg,
    markdown_table,
    mean_std,
    resume_target,
    save,
    torch_info,
)
from _data import RARE, load_windows, statistics_only, target_counts
from _fidelity import fidelity, window_moments
from sklearn.metrics import accuracy_score, f1_score

from sklearn_har.classifiers import CNNClassifier
from sklearn_har.samplers import BorderlineSMOTE, DiffusionAugmenter

ARMS = {
    "none": "real only",
    "balanced": "real only, class_weight='balanced'",
    "smote": "real + BorderlineSMOTE",
    "diffusion": "real + DiffusionAugmenter",
    "diffusion_ratio": "real + DiffusionAugmenter, 1:4 in every class",
    "stats_only": "real + control (statistics on white noise)",
    "pretrain_diffusion": "pre-train on diffusion windows, fine-tune on real",
    "pretrain_stats_only": "pre-train on control windows, fine-tune on real",
}


#: each diffusion arm and the control arm it is paired with (same counts, same recipe)
CONTROLS = {"diffusion": "stats_only", "pretrain_diffusion": "pretrain_stats_only"}


def score(clf, data):
    """Scores of a fitted classifier on the real test windows."""
    pred = clf.predict(data["X_test"])
    labels = np.arange(len(data["class_names"]))
    per_class = f1_score(data["y_test"], pred, labels=labels, average=None, zero_division=0)
    return {
        "accuracy": float(accuracy_score(data["y_test"], pred)),
        "f1_macro": float(per_class.mean()),
        "f1_rare_mean": float(per_class[RARE].mean()),
        "f1_per_class": dict(zip(data["class_names"], per_class.tolist())),
    }


def run_seed(data, seed, targets, args):
    X, y = data["X_train"], data["y_train"]
    classes = np.arange(len(data["class_names"]))
    out = {"seed": seed, "arms": {}}

    def cnn(**params):
        # windows are standardised by load_windows (and the synthetic ones are
        # drawn in those units): no second standardisation inside the classifier
        return CNNClassifier(max_epochs=args.epochs, batch_size=args.batch_size,
                             train_split=None, normalize=False, random_state=seed,
                             device=args.device, verbose=0, **params)

    def fit_and_score(name, X_fit, y_fit, **params):
        t = time.perf_counter()
        clf = cnn(**params).fit(X_fit, y_fit)
        out["arms"][name] = {**score(clf, data), "n_train": len(y_fit),
                             "fit_s": time.perf_counter() - t}
        report(name)

    def pretrain_and_score(name, X_pre, y_pre):
        t = time.perf_counter()
        clf = cnn().set_params(max_epochs=args.pretrain_epochs)
        clf.partial_fit(X_pre, y_pre, classes=classes)
        tstr = score(clf, data)
        clf.set_params(max_epochs=args.epochs, lr=clf.lr)  # lr: a fresh optimizer
        clf.partial_fit(X, y)
        out["arms"][name] = {**score(clf, data), "n_pretrain": len(y_pre),
                             "tstr": tstr, "fit_s": time.perf_counter() - t}
        report(name, f"  (pre-trained only: F1 {tstr['f1_macro']:.4f}, rare "
                     f"{tstr['f1_rare_mean']:.4f})")

    def report(name, extra=""):
        r = out["arms"][name]
        print(f"  seed {seed} {ARMS[name]:52s} F1 {r['f1_macro']:.4f}  rare "
              f"{r['f1_rare_mean']:.4f}  ({r['fit_s']:.0f} s){extra}", flush=True)

    fit_and_score("none", X, y)
    if "balanced" in args.arms:
        fit_and_score("balanced", X, y, class_weight="balanced")
    if "smote" in args.arms:
        smote = BorderlineSMOTE(sampling_strategy=targets, random_state=seed)
        fit_and_score("smote", *smote.fit_resample(X, y))

    aug = DiffusionAugmenter(sampling_strategy=targets, width=args.width, depth=args.depth,
                             n_steps=args.n_steps, sampling_steps=args.sampling_steps,
                             ddim_eta=args.ddim_eta, max_iter=args.max_iter,
                             device=args.device, random_state=seed)
    aug.fit(X, y)
    out["diffusion_fit_s"] = aug.fit_time_
    out["diffusion_loss_first_last"] = [aug.loss_curve_[0], aug.loss_curve_[-1]]
    real_moments = {int(c): window_moments(X[y == c]) for c in classes}
    strategy = {int(k): int(v) for k, v in aug.sampling_strategy_.items()}
    X_syn, y_syn = aug.sample(strategy)
    out["fidelity_aug"] = fidelity(real_moments, X_syn, y_syn, len(classes))
    if "diffusion" in args.arms:
        fit_and_score("diffusion", np.concatenate([X, X_syn]), np.concatenate([y, y_syn]))
    if "diffusion_ratio" in args.arms:
        quarter = {int(c): round(0.25 * n) for c, n in enumerate(np.bincount(y))}
        X_q, y_q = aug.sample(quarter, random_state=seed + 2)
        fit_and_score("diffusion_ratio", np.concatenate([X, X_q]), np.concatenate([y, y_q]))

    rng = np.random.default_rng(seed)
    if "stats_only" in args.arms:
        X_st, y_st = statistics_only(X, y, strategy, rng)
        fit_and_score("stats_only", np.concatenate([X, X_st]), np.concatenate([y, y_st]))

    per_class = {int(c): args.pretrain_per_class for c in classes}
    t = time.perf_counter()
    X_pre, y_pre = aug.sample(args.pretrain_per_class, random_state=seed + 1)
    out["pretrain_sample_s"] = time.perf_counter() - t
    out["fidelity_pretrain"] = fidelity(real_moments, X_pre, y_pre, len(classes))
    print(f"  seed {seed} synthetic vs real roughness (mean |first difference|): "
          f"oversampling draw {out['fidelity_aug']['rough']:.2f}x, pre-training draw "
          f"{out['fidelity_pretrain']['rough']:.2f}x", flush=True)
    if "pretrain_diffusion" in args.arms:
        pretrain_and_score("pretrain_diffusion", X_pre, y_pre)
    if "pretrain_stats_only" in args.arms:
        pretrain_and_score("pretrain_stats_only", *statistics_only(X, y, per_class, rng))
    for arm in [a for a in ("pretrain_diffusion", "pretrain_stats_only") if a in out["arms"]]:
        tstr = out["arms"][arm]["tstr"]
        tstr["ratio_to_trtr"] = tstr["f1_macro"] / out["arms"]["none"]["f1_macro"]
    return out


def paired(runs, arm, reference):
    """``arm`` minus ``reference`` of the same seed: mean +- std of the macro-F1 and
    rare-class F1 differences, and the number of seeds where the rare F1 is higher."""
    diffs = {k: [r["arms"][arm][k] - r["arms"][reference][k] for r in runs]
             for k in ("f1_macro", "f1_rare_mean")}
    return {**{k: mean_std(v) for k, v in diffs.items()},
            "rare_seeds_better": sum(d > 0 for d in diffs["f1_rare_mean"])}


def summarise(runs, class_names):
    summary = {}
    for arm in [a for a in ARMS if a in runs[0]["arms"]]:
        s = {k: mean_std([r["arms"][arm][k] for r in runs])
             for k in ("accuracy", "f1_macro", "f1_rare_mean")}
        s["f1_per_class"] = {c: mean_std([r["arms"][arm]["f1_per_class"][c] for r in runs])
                             for c in class_names}
        over_none = paired(runs, arm, "none")
        s["rare_gain_over_none"] = over_none["f1_rare_mean"]
        s["rare_seeds_better_than_none"] = over_none["rare_seeds_better"]
        if arm.startswith("pretrain"):
            s["tstr"] = {k: mean_std([r["arms"][arm]["tstr"][k] for r in runs])
                         for k in ("f1_macro", "f1_rare_mean", "ratio_to_trtr")}
        summary[arm] = s
    summary["diffusion_over_control"] = {
        arm: paired(runs, arm, control) for arm, control in CONTROLS.items()
        if arm in runs[0]["arms"] and control in runs[0]["arms"]}
    summary["diffusion_rough"] = {k: mean_std([r[k]["rough"] for r in runs])
                                  for k in ("fidelity_aug", "fidelity_pretrain")}
    summary["diffusion_fit_s"] = mean_std([r["diffusion_fit_s"] for r in runs])
    return summary


def make_table(results):
    s, cfg = results["summary"], results["config"]
    ti = results["torch_info"]
    parts = [
        f"UCI-HAR/HAPT raw, 128-sample windows, standard subject split: {results['n_train']:,} "
        f"train / {results['n_test']:,} test windows, channels z-scored on train. CNNClassifier "
        f"(defaults but batch {cfg['batch_size']}, no internal validation split, "
        f"{cfg['epochs']} epochs; pre-training "
        f"{cfg['pretrain_epochs']} epochs on {cfg['pretrain_per_class']} synthetic windows per "
        f"class, then {cfg['epochs']} epochs on real). Rare classes brought up to "
        f"{results['target']} windows by the samplers. DiffusionAugmenter width "
        f"{cfg['width']}, depth {cfg['depth']}, {cfg['max_iter']} steps, DDIM "
        f"{cfg['sampling_steps']} steps (eta {cfg['ddim_eta']:g}), statistics matched. Mean ± std over seeds "
        f"{cfg['seeds']}; 'gain' is the rare-class mean F1 minus that of 'real only' of the "
        f"same seed. Device {cfg['device']}; torch {ti['torch']}"
        + (f", GPU {ti['gpu']}." if ti["gpu"] else f", {ti['num_threads']} CPU threads."),
    ]
    arms = {a: v for a, v in s.items() if a in ARMS}
    rough, over_control = s["diffusion_rough"], s["diffusion_over_control"]
    parts[0] += (f" Diffusion training {fmt(s['diffusion_fit_s'], 0)} s per seed; synthetic "
                 f"windows {fmt(rough['fidelity_aug'], 2)}x (oversampling) and "
                 f"{fmt(rough['fidelity_pretrain'], 2)}x (pre-training) as rough as the real "
                 "ones of their class (mean |first difference|).")
    s, n_seeds = arms, len(cfg["seeds"])
    rows = [[ARMS[a], fmt(v["f1_macro"]), fmt(v["f1_rare_mean"]),
             fmt(v["rare_gain_over_none"]),
             "" if a == "none" else f"{v['rare_seeds_better_than_none']} of {n_seeds}",
             fmt(v["accuracy"])] for a, v in s.items()]
    parts.append("Test windows, 12 classes:\n\n" + markdown_table(
        ["CNN trained on", "macro-F1", "rare-class mean F1", "rare gain (paired)",
         "seeds with a rare gain", "accuracy"], rows))
    names = results["class_names"]
    rows = [[c + (" (rare)" if i in RARE else "")] + [fmt(s[a]["f1_per_class"][c], 3) for a in s]
            for i, c in enumerate(names)]
    parts.append("Per-class F1:\n\n" + markdown_table(["class"] + list(s), rows))
    rows = [[ARMS[a].split(",")[0], fmt(s[a]["tstr"]["f1_macro"]),
             fmt(s[a]["tstr"]["f1_rare_mean"]), fmt(s[a]["tstr"]["ratio_to_trtr"], 3)]
            for a in s if "tstr" in s[a]]
    parts.append("The pre-trained CNN before fine-tuning (TSTR: synthetic windows only, "
                 "class-balanced; ratio to 'real only'):\n\n" + markdown_table(
                     ["", "macro-F1", "rare-class mean F1", "TSTR / TRTR"], rows))
    if over_control:
        rows = [[f"{ARMS[a]} minus {ARMS[CONTROLS[a]]}", fmt(v["f1_macro"]),
                 fmt(v["f1_rare_mean"]), f"{v['rare_seeds_better']} of {n_seeds}"]
                for a, v in over_control.items()]
        parts.append("Diffusion windows against the white-noise control, paired by seed:\n\n"
                     + markdown_table(["", "macro-F1", "rare-class mean F1",
                                       "seeds with higher rare F1"], rows))
    parts.append(f"Whole run: {results['total_s']:.0f} s.")
    return "\n\n".join(parts)


def arms_arg(text):
    arms = [a.strip() for a in text.split(",") if a.strip()]
    unknown = sorted(set(arms) - set(ARMS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown arms {unknown}; known: {list(ARMS)}")
    return ["none"] + [a for a in arms if a != "none"]


#: settings that must agree between a result file and a run that resumes it
RESUME_KEYS = ("epochs", "batch_size", "pretrain_epochs", "pretrain_per_class", "max_iter",
               "n_steps", "sampling_steps", "width", "depth", "ddim_eta", "arms", "quick")


def resumed_runs(name, path, args):
    """The finished seeds of the result file ``path`` and its run time, for ``--resume``.

    Refuses a file whose settings differ from this run's (any of ``RESUME_KEYS``),
    so that one file never mixes seeds measured under different protocols.
    """
    if path is None:
        print(f"--resume: no result file of {name} yet, starting afresh", flush=True)
        return [], 0.0
    old = json.loads(path.read_text())
    differ = {k: (old["config"].get(k), vars(args)[k]) for k in RESUME_KEYS
              if old["config"].get(k) != vars(args)[k]}
    if differ:
        raise SystemExit(f"--resume: {path.name} was measured with other settings "
                         f"(file, this run): {differ}")
    if old["torch_info"]["gpu"] != torch_info([args.device])["gpu"]:
        raise SystemExit(f"--resume: {path.name} was measured on "
                         f"{old['torch_info']['gpu'] or 'the CPU'}, not here")
    print(f"--resume: seeds {[r['seed'] for r in old['runs']]} from {path.name}", flush=True)
    return old["runs"], float(old["total_s"])


def main(args):
    t0 = time.perf_counter()
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda, but torch.cuda.is_available() is False.")
    if args.quick:
        args.seeds, args.epochs, args.pretrain_epochs = args.seeds[:1], 2, 2
        args.max_iter, args.n_steps, args.sampling_steps = 40, 100, 10
        args.width, args.depth, args.pretrain_per_class = 16, 2, 20
    data = load_windows(args.data_home, args.quick)
    targets, target = target_counts(data["y_train"], "median")
    print(f"uci_har_raw: {len(data['y_train'])} train / {len(data['y_test'])} test windows; "
          f"targets {targets}; device {args.device}", flush=True)
    name = (f"imbalance_cnn_uci_har_raw_{args.device}" + ("_quick" if args.quick else "")
            + (f"_{args.tag}" if args.tag else ""))
    path, run = resume_target(name, args.resume, update_results=args.update_results)
    runs, elapsed = resumed_runs(name, path, args) if args.resume else ([], 0.0)
    t0 -= elapsed  # total_s: the seeds of earlier runs count too
    done = [r["seed"] for r in runs]
    seeds = done + [s for s in args.seeds if s not in done]
    for seed in seeds[len(done):]:
        print(f"seed {seed}:", flush=True)
        runs.append(run_seed(data, seed, targets, args))
        args.seeds = seeds[:len(runs)]  # saved after every seed: the seeds done so far
        results = {
            "dataset": "uci_har_raw", "quick": args.quick, "n_train": len(data["y_train"]),
            "n_test": len(data["y_test"]), "class_names": data["class_names"],
            "rare_classes": [data["class_names"][c] for c in RARE], "target": target,
            "sampling_strategy": {str(k): v for k, v in targets.items()},
            "config": {k: v for k, v in vars(args).items() if k != "data_home"},
            "torch_info": torch_info([args.device]), "runs": runs,
            "summary": summarise(runs, data["class_names"]),
            "total_s": time.perf_counter() - t0,
        }
        save(name, results, make_table(results), update_results=args.update_results, run=run)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_args(parser)
    parser.add_argument("--device", choices=["cpu", "cuda"],
                        default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seeds", type=ints_arg, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30,
                        help="CNN epochs on the real (+ synthetic) windows, every arm")
    parser.add_argument("--batch-size", type=int, default=256,
                        help="CNN batch size (pre-training and fine-tuning too)")
    parser.add_argument("--pretrain-epochs", type=int, default=15,
                        help="CNN epochs on the synthetic windows before fine-tuning")
    parser.add_argument("--pretrain-per-class", type=int, default=800,
                        help="class-balanced synthetic windows per class for pre-training")
    add_diffusion_args(parser)
    parser.add_argument("--ddim-eta", type=float, default=0.0,
                        help="ddim_eta of the DiffusionAugmenter (0: deterministic DDIM)")
    parser.add_argument("--arms", type=arms_arg, default=list(ARMS),
                        help="comma-separated arms to run ('none' always runs); default all")
    parser.add_argument("--tag", default="", help="suffix of the result file name")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test on a small subset with a tiny model, one seed")
    add_results_args(parser, resume=True)  # --resume: keep the seeds already in the file
    main(parser.parse_args())
