"""Class-imbalance samplers on the UCI-HAR/HAPT raw stream (``uci_har_raw``).

Usage::

    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_imbalance_uci_har_raw.py
    # CPU only (no GPU): DDIM arms, DDPM only in the throughput part
    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_imbalance_uci_har_raw.py \
        --devices cpu --no-ddpm --tstr-cap 100 --cpu-n 48 --repeat 1
    # smoke test: ~430 train / 240 test windows, a tiny model, one seed, CPU
    python benchmarks/bench_imbalance_uci_har_raw.py --quick --devices cpu

Protocol, result files and timings: ``docs/benchmarks/bench_imbalance_uci_har_raw.md``.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
import warnings

import numpy as np
import torch
from _args import add_data_args, add_diffusion_args
from _common import (
    add_results_args,
    devices_arg,
    fmt,
    ints_arg,
    markdown_table,
    mean_std,
    save,
    sync,
    torch_info,
)
from _data import RARE, load_windows, statistics_only, target_counts
from _fidelity import fidelity, window_moments
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.metrics import accuracy_score, f1_score

from sklearn_har import StatFeatures
from sklearn_har.samplers import BorderlineSMOTE, DiffusionAugmenter

ARMS = ["none", "smote", "diffusion_ddim", "diffusion_ddpm", "stats_only"]
ARM_NAMES = {"none": "(a) no resampling", "smote": "(b) BorderlineSMOTE",
             "diffusion_ddim": "(c) diffusion, DDIM", "diffusion_ddpm": "(c') diffusion, DDPM",
             "stats_only": "(d) control: statistics only"}


# -- helpers --------------------------------------------------------------------
def recorded(fn):
    """Run ``fn()``, returning its result and the messages of the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    for message in messages:
        print("    warning:", message[:300], flush=True)
    return out, messages


class Scorer:
    """The fixed classifier: StatFeatures + ExtraTrees, scored on the test windows."""

    def __init__(self, data, n_estimators, n_jobs):
        self.fs, self.n_estimators, self.n_jobs = data["fs"], n_estimators, n_jobs
        self.features_test = StatFeatures(fs=self.fs).fit_transform(data["X_test"])
        self.y_test, self.names = data["y_test"], data["class_names"]

    def __call__(self, X, y, seed):
        t = time.perf_counter()
        clf = ExtraTreesClassifier(n_estimators=self.n_estimators, n_jobs=self.n_jobs,
                                   random_state=seed)
        clf.fit(StatFeatures(fs=self.fs).fit_transform(X), y)
        pred = clf.predict(self.features_test)
        labels = np.arange(len(self.names))
        per_class = f1_score(self.y_test, pred, labels=labels, average=None, zero_division=0)
        return {
            "accuracy": accuracy_score(self.y_test, pred),
            "f1_macro": float(per_class.mean()),
            "f1_rare_mean": float(per_class[RARE].mean()),
            "f1_per_class": dict(zip(self.names, per_class.tolist())),
            "n_train": len(y),
            "fit_predict_s": time.perf_counter() - t,
        }


# -- one seed -------------------------------------------------------------------
def run_seed(data, seed, targets, scorer, real_moments, args, device):
    X, y = data["X_train"], data["y_train"]
    n_classes = len(data["class_names"])
    counts = np.bincount(y, minlength=n_classes)
    out = {"seed": seed, "arms": {}, "tstr": {}, "fidelity": {}, "warnings": {}}

    # (a) no resampling = TRTR
    out["arms"]["none"] = scorer(X, y, seed)
    print(f"  seed {seed} (a) none: F1 {out['arms']['none']['f1_macro']:.4f}  rare "
          f"{out['arms']['none']['f1_rare_mean']:.4f}", flush=True)

    # (b) BorderlineSMOTE up to the targets
    smote = BorderlineSMOTE(sampling_strategy=targets, k_neighbors=5, m_neighbors=10,
                            kind="borderline-1", random_state=seed)
    t = time.perf_counter()
    (X_sm, y_sm), out["warnings"]["smote"] = recorded(lambda: smote.fit_resample(X, y))
    smote_s = time.perf_counter() - t
    out["arms"]["smote"] = scorer(X_sm, y_sm, seed)
    out["arms"]["smote"].update(resample_s=smote_s, n_synthetic={
        str(k): int(v) for k, v in smote.n_synthetic_.items()})
    out["fidelity"]["smote_aug"] = fidelity(real_moments, X_sm[len(y):], y_sm[len(y):], n_classes)
    print(f"  seed {seed} (b) BorderlineSMOTE: F1 {out['arms']['smote']['f1_macro']:.4f}  rare "
          f"{out['arms']['smote']['f1_rare_mean']:.4f}  ({len(y_sm) - len(y)} synthetic, "
          f"{smote_s:.1f} s)", flush=True)

    # (c) diffusion: one class-conditional model, two samplers
    aug = DiffusionAugmenter(
        sampling_strategy=targets, n_steps=args.n_steps, sampling_steps=args.sampling_steps,
        width=args.width, depth=args.depth, max_iter=args.max_iter,
        batch_size=args.batch_size, guidance_scale=args.guidance_scale, device=device,
        random_state=seed)
    _, out["warnings"]["diffusion_fit"] = recorded(lambda: aug.fit(X, y))
    strategy = {int(k): int(v) for k, v in aug.sampling_strategy_.items()}
    smote_strategy = {int(k): int(v) for k, v in smote.sampling_strategy_.items()}
    if strategy != smote_strategy:
        raise RuntimeError(f"the samplers resolved the targets differently: {strategy} vs "
                           f"{smote_strategy}")
    out["diffusion"] = {"fit_s": aug.fit_time_, "loss_curve": list(aug.loss_curve_),
                        "n_synthetic": {str(k): v for k, v in strategy.items()}}
    print(f"  seed {seed} diffusion trained: {args.max_iter} steps in {aug.fit_time_:.1f} s on "
          f"{device}; loss {aug.loss_curve_[0]:.4f} -> {aug.loss_curve_[-1]:.4f}", flush=True)
    tstr_counts = {c: int(min(n, args.tstr_cap) if args.tstr_cap else n)
                   for c, n in enumerate(counts)}
    for sampler in ("ddim",) if args.no_ddpm else ("ddim", "ddpm"):
        arm = "diffusion_" + sampler
        t = time.perf_counter()
        (X_syn, y_syn), w = recorded(lambda s=sampler: aug.sample(strategy, sampler=s))
        sample_s = time.perf_counter() - t
        out["arms"][arm] = scorer(np.concatenate([X, X_syn]), np.concatenate([y, y_syn]), seed)
        out["arms"][arm].update(sample_s=sample_s, n_synthetic=len(y_syn),
                                fit_s=aug.fit_time_)
        out["fidelity"][arm + "_aug"] = fidelity(real_moments, X_syn, y_syn, n_classes)
        # TSTR: synthetic windows only, as many per class as the real training set
        t = time.perf_counter()
        (X_tstr, y_tstr), w2 = recorded(lambda s=sampler: aug.sample(
            tstr_counts, sampler=s, random_state=seed + 1))
        tstr_sample_s = time.perf_counter() - t
        out["warnings"][arm] = w + w2
        out["tstr"][arm] = scorer(X_tstr, y_tstr, seed)
        out["tstr"][arm].update(sample_s=tstr_sample_s,
                                windows_per_s=len(y_tstr) / tstr_sample_s)
        out["fidelity"][arm] = fidelity(real_moments, X_tstr, y_tstr, n_classes)
        print(f"  seed {seed} {ARM_NAMES[arm]}: F1 {out['arms'][arm]['f1_macro']:.4f}  rare "
              f"{out['arms'][arm]['f1_rare_mean']:.4f}  ({len(y_syn)} synthetic, "
              f"{sample_s:.1f} s);  TSTR F1 {out['tstr'][arm]['f1_macro']:.4f} "
              f"({len(y_tstr)} windows in {tstr_sample_s:.1f} s)", flush=True)

    # (d) control: the copied statistics on white noise, same counts as the samplers
    rng = np.random.default_rng(seed)
    X_st, y_st = statistics_only(X, y, strategy, rng)
    out["arms"]["stats_only"] = scorer(np.concatenate([X, X_st]), np.concatenate([y, y_st]), seed)
    X_st, y_st = statistics_only(X, y, tstr_counts, rng)
    out["tstr"]["stats_only"] = scorer(X_st, y_st, seed)
    print(f"  seed {seed} (d) statistics only: F1 {out['arms']['stats_only']['f1_macro']:.4f}  "
          f"rare {out['arms']['stats_only']['f1_rare_mean']:.4f};  TSTR F1 "
          f"{out['tstr']['stats_only']['f1_macro']:.4f}", flush=True)

    # TSTR of BorderlineSMOTE: its synthetic part when asked to double every class
    double = {c: 2 * int(n) for c, n in enumerate(counts)}
    smote2 = BorderlineSMOTE(sampling_strategy=double, k_neighbors=5, m_neighbors=10,
                             kind="borderline-1", random_state=seed)
    (X_sm2, y_sm2), out["warnings"]["smote_tstr"] = recorded(lambda: smote2.fit_resample(X, y))
    X_syn, y_syn = X_sm2[len(y):], y_sm2[len(y):]
    if args.tstr_cap:  # the same cap as for diffusion, the first windows of each class
        keep = np.concatenate([np.flatnonzero(y_syn == c)[:args.tstr_cap]
                               for c in range(n_classes)])
        X_syn, y_syn = X_syn[keep], y_syn[keep]
    out["tstr"]["smote"] = scorer(X_syn, y_syn, seed)
    out["tstr"]["smote"]["n_classes_covered"] = len(np.unique(y_syn))
    out["fidelity"]["smote"] = fidelity(real_moments, X_syn, y_syn, n_classes)
    print(f"  seed {seed} TSTR BorderlineSMOTE: F1 {out['tstr']['smote']['f1_macro']:.4f} "
          f"({len(y_syn)} windows, {out['tstr']['smote']['n_classes_covered']} classes)",
          flush=True)
    for key in out["tstr"]:
        out["tstr"][key]["ratio_to_trtr"] = (out["tstr"][key]["f1_macro"]
                                             / out["arms"]["none"]["f1_macro"])
    return out, aug


# -- throughput -----------------------------------------------------------------
def throughput(aug, device, n, repeat, seed):
    """Windows / s of DDPM and DDIM on ``device``, same model; the samples of the last call."""
    if aug.device_.type != torch.device(device).type:
        aug = copy.deepcopy(aug)
        aug.model_ = aug.model_.to(device)
        aug.device_ = torch.device(device)
    per_class = max(1, n // len(aug.classes_))
    aug.sample(1, sampler="ddim", random_state=seed)  # warm-up: kernels, thread pools
    res, samples = {}, {}
    for sampler in ("ddim", "ddpm"):
        reps = 1 if (sampler == "ddpm" and torch.device(device).type == "cpu") else repeat
        times = []
        for _ in range(reps):
            sync(device)
            t = time.perf_counter()
            X_syn, _ = aug.sample(per_class, sampler=sampler, random_state=seed)
            times.append(time.perf_counter() - t)
        s = statistics.median(times)
        steps = aug.n_steps if sampler == "ddpm" else len(range(1, aug.n_steps + 1,
                                                              max(1, aug.n_steps // aug.sampling_steps)))
        res[sampler] = {"n": len(X_syn), "model_evals": steps, "repeat": reps, "s": s,
                        "all_s": times, "windows_per_s": len(X_syn) / s}
        samples[sampler] = X_syn
        print(f"  [{device}] {sampler.upper()} ({steps} steps): {len(X_syn)} windows in "
              f"{s:.2f} s = {len(X_syn) / s:.1f} windows/s", flush=True)
    res["speedup_ddim_over_ddpm"] = res["ddim"]["windows_per_s"] / res["ddpm"]["windows_per_s"]
    return res, samples


# -- main -----------------------------------------------------------------------
def main(args):
    t_start = time.perf_counter()
    devices = args.devices
    if "cuda" in devices and not torch.cuda.is_available():
        raise SystemExit("cuda is among the devices, but torch.cuda.is_available() is False.")
    train_device = devices[-1]
    if args.quick:
        args.seeds = args.seeds[:1]
        args.max_iter, args.n_steps, args.sampling_steps = 40, 100, 10
        args.width, args.depth, args.batch_size = 16, 2, 32
        args.n_estimators, args.tstr_cap = 50, 20
        args.cpu_n, args.gpu_n, args.repeat = 24, 48, 1

    data = load_windows(args.data_home, args.quick)
    X, y = data["X_train"], data["y_train"]
    n_classes = len(data["class_names"])
    targets, target = target_counts(y, args.target)
    counts = np.bincount(y, minlength=n_classes)
    print(f"uci_har_raw: {len(y)} train / {len(data['y_test'])} test windows; train counts "
          f"{counts.tolist()}; targets {targets}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; training on {train_device}", flush=True)
    results = {
        "dataset": "uci_har_raw", "quick": args.quick, "devices": devices,
        "train_device": train_device,
        "n_train": len(y), "n_test": len(data["y_test"]),
        "n_train_subjects": data["n_train_subjects"], "n_test_subjects": data["n_test_subjects"],
        "class_names": data["class_names"], "rare_classes": [data["class_names"][c] for c in RARE],
        "train_counts": counts.tolist(),
        "test_counts": np.bincount(data["y_test"], minlength=n_classes).tolist(),
        "standardize": {"channels": data["channel_names"], "mean": data["channel_mean"],
                        "std": data["channel_std"]},
        "target": {"spec": args.target, "count": target,
                   "sampling_strategy": {str(k): v for k, v in targets.items()}},
        "config": {
            "seeds": args.seeds,
            "classifier": f"StatFeatures(fs={data['fs']:g}) + ExtraTreesClassifier("
                          f"n_estimators={args.n_estimators}, n_jobs={args.n_jobs}, "
                          "random_state=seed)",
            "smote": {"kind": "borderline-1", "k_neighbors": 5, "m_neighbors": 10},
            "diffusion": {"n_steps": args.n_steps, "sampling_steps": args.sampling_steps,
                          "width": args.width, "depth": args.depth,
                          "max_iter": args.max_iter, "batch_size": args.batch_size,
                          "guidance": "empirical", "guidance_scale": args.guidance_scale,
                          "match_statistics": True, "device": train_device},
            "tstr_cap": args.tstr_cap, "cpu_n": args.cpu_n, "gpu_n": args.gpu_n,
            "repeat": args.repeat,
        },
        "torch_info": torch_info(devices),
    }

    scorer = Scorer(data, args.n_estimators, args.n_jobs)
    real_moments = {c: window_moments(X[y == c]) for c in range(n_classes)}
    reference = fidelity(real_moments, data["X_test"], data["y_test"], n_classes)
    if train_device == "cuda":  # CUDA context, cuDNN, allocator: not in seed 0's fit time
        warm = DiffusionAugmenter(max_iter=5, n_steps=args.n_steps, width=args.width,
                                  depth=args.depth, device="cuda", random_state=0)
        warm.fit(X[::20], y[::20]).sample(2)

    runs, first_aug = [], None
    for seed in args.seeds:
        print(f"seed {seed}:", flush=True)
        run, aug = run_seed(data, seed, targets, scorer, real_moments, args, train_device)
        runs.append(run)
        if first_aug is None:
            first_aug = aug

    print(f"generation throughput (model of seed {args.seeds[0]}):", flush=True)
    results["throughput"], samples = {}, {}
    for device in devices:
        n = args.gpu_n if device == "cuda" else args.cpu_n
        results["throughput"][device], samples[device] = throughput(
            first_aug, device, n, args.repeat, args.seeds[0])
    if len(samples) == 2:  # the CPU's draw again on the GPU: same random_state
        per_class = max(1, args.cpu_n // n_classes)
        results["throughput"]["cpu_vs_cuda_max_abs_diff"] = {
            s: float(np.abs(samples["cpu"][s] - first_aug.sample(
                per_class, sampler=s, random_state=args.seeds[0])[0]).max())
            for s in ("ddim", "ddpm")}

    results["runs"] = runs
    results["summary"] = summarise(runs, data["class_names"])
    results["fidelity_reference_test"] = reference
    results["total_s"] = time.perf_counter() - t_start
    name = "imbalance_uci_har_raw_" + ("cuda" if "cuda" in devices else "cpu")
    if args.quick:
        name += "_quick"
    if args.tag:
        name += "_" + args.tag
    save(name, results, make_table(results), update_results=args.update_results)
    print(f"total {results['total_s']:.0f} s", flush=True)
    return results


def summarise(runs, class_names):
    keys = ("accuracy", "f1_macro", "f1_rare_mean")
    summary = {"arms": {}, "tstr": {}, "fidelity": {}}
    for arm in [a for a in ARMS if a in runs[0]["arms"]]:
        s = {k: mean_std([r["arms"][arm][k] for r in runs]) for k in keys}
        s["f1_per_class"] = {c: mean_std([r["arms"][arm]["f1_per_class"][c] for r in runs])
                             for c in class_names}
        summary["arms"][arm] = s
    for key in runs[0]["tstr"]:
        summary["tstr"][key] = {k: mean_std([r["tstr"][key][k] for r in runs])
                                for k in ("f1_macro", "f1_rare_mean", "ratio_to_trtr")}
    for key in runs[0]["fidelity"]:
        summary["fidelity"][key] = {
            k: mean_std([r["fidelity"][key][k] for r in runs])
            for k in ("d_mean", "d_std", "d_skew", "spread", "rough", "n_classes")}
    summary["diffusion_fit_s"] = mean_std([r["diffusion"]["fit_s"] for r in runs])
    return summary


def make_table(results):
    s, cfg = results["summary"], results["config"]
    names, seeds = results["class_names"], cfg["seeds"]
    arms = [a for a in ARMS if a in s["arms"]]
    dif = cfg["diffusion"]
    ti = results["torch_info"]
    parts = [
        f"UCI-HAR/HAPT raw stream, 128-sample windows (step 64, majority label, unlabelled "
        f"dropped), standard subject split: {results['n_train']:,} train windows "
        f"({results['n_train_subjects']} subjects) / {results['n_test']:,} test windows "
        f"({results['n_test_subjects']} subjects), channels z-scored on train. Classifier "
        f"for every arm: {cfg['classifier']}. Rare classes (the six transitions, "
        f"{min(results['train_counts'][c] for c in RARE)}-"
        f"{max(results['train_counts'][c] for c in RARE)} train windows) "
        + ("doubled" if results["target"]["spec"] == "double" else
           f"brought up to {results['target']['count']} windows each ({results['target']['spec']})")
        + " by every sampler (the control (d) gets the same counts). Diffusion: width "
        f"{dif['width']}, depth {dif['depth']}, guidance scale {dif.get('guidance_scale', 0)}, "
        "statistics matched, "
        f"{dif['max_iter']} training steps (batch {dif['batch_size']}, "
        f"{fmt(s['diffusion_fit_s'], 1)} s on {dif['device']}), T = {dif['n_steps']}; "
        f"DDIM with {dif['sampling_steps']} steps. Mean ± std over seeds {seeds}; "
        f"torch {ti['torch']}, {ti['num_threads']} CPU threads"
        + (f", GPU {ti['gpu']}." if ti["gpu"] else "."),
    ]
    rows = [[ARM_NAMES[a], fmt(s["arms"][a]["f1_macro"]), fmt(s["arms"][a]["f1_rare_mean"]),
             fmt(s["arms"][a]["accuracy"])] for a in arms]
    parts.append("Test windows, 12 classes:\n\n" + markdown_table(
        ["arm", "macro-F1", "rare-class mean F1", "accuracy"], rows))
    rows = [[c + (" (rare)" if i in RARE else "")]
            + [fmt(s["arms"][a]["f1_per_class"][c], 3) for a in arms]
            for i, c in enumerate(names)]
    parts.append("Per-class F1:\n\n" + markdown_table(
        ["class"] + [ARM_NAMES[a] for a in arms], rows))
    trtr = s["arms"]["none"]
    tstr_names = {"diffusion_ddpm": f"diffusion DDPM ({dif['n_steps']} steps)",
                  "diffusion_ddim": f"diffusion DDIM ({dif['sampling_steps']} steps)",
                  "smote": "BorderlineSMOTE (synthetic part of doubling every class)",
                  "stats_only": "control: real statistics on white noise"}
    rows = [["real (TRTR)", fmt(trtr["f1_macro"]), fmt(trtr["f1_rare_mean"]), "1"]]
    rows += [[tstr_names[k], fmt(v["f1_macro"]), fmt(v["f1_rare_mean"]),
              fmt(v["ratio_to_trtr"], 3)] for k, v in s["tstr"].items()]
    cap = f", at most {cfg['tstr_cap']} per class" if cfg["tstr_cap"] else ""
    covered = [r["tstr"]["smote"]["n_classes_covered"] for r in results["runs"]]
    parts.append(
        "TSTR vs TRTR: the same classifier trained on synthetic windows only (as many "
        f"per class as real training windows{cap}), tested on the real test windows. "
        f"BorderlineSMOTE's synthetic part covered {covered} of 12 classes (a class "
        "without windows in danger gets none and scores 0):\n\n" + markdown_table(
            ["training windows", "macro-F1", "rare-class mean F1", "TSTR / TRTR"], rows))
    fid_names = {
        "diffusion_ddpm": "diffusion DDPM, TSTR set (all classes)",
        "diffusion_ddim": "diffusion DDIM, TSTR set (all classes)",
        "smote": "BorderlineSMOTE, TSTR set",
        "diffusion_ddim_aug": "diffusion DDIM, arm (c) (rare)",
        "diffusion_ddpm_aug": "diffusion DDPM, arm (c') (rare)",
        "smote_aug": "BorderlineSMOTE, arm (b) (rare)",
    }
    ref = results["fidelity_reference_test"]
    rows = [["real test windows (reference)", ref["n_classes"], f"{ref['d_mean']:.3f}",
             f"{ref['d_std']:.3f}", f"{ref['d_skew']:.3f}", f"{ref['spread']:.3f}",
             f"{ref['rough']:.3f}"]]
    rows += [[fid_names[k], f"{v['n_classes']['mean']:.0f}"]
             + [fmt(v[m], 3) for m in ("d_mean", "d_std", "d_skew", "spread", "rough")]
             for k, v in s["fidelity"].items()]
    parts.append(
        "Per-window statistics of synthetic vs real training windows, per class and "
        "channel, averaged over channels and the classes present: d = |mean_syn - "
        "mean_real| / SD_real of the window mean / std / skewness; spread = SD_syn / "
        "SD_real (1 = as varied); rough = mean |first difference| syn / real (1 = as "
        "smooth). Per class in the JSON:\n\n" + markdown_table(
            ["windows", "classes", "d mean", "d std", "d skew", "spread", "rough"], rows))
    tstr = s["tstr"]
    rows = []
    for device, res in results["throughput"].items():
        if device not in ("cpu", "cuda"):
            continue
        for sampler in ("ddpm", "ddim"):
            r = res[sampler]
            quality = (fmt(tstr["diffusion_" + sampler]["f1_macro"])
                       if device == results["train_device"] and "diffusion_" + sampler in tstr
                       else "")
            rows.append([device, sampler.upper(), r["model_evals"], r["n"], f"{r['s']:.2f}",
                         f"{r['windows_per_s']:.1f}",
                         f"{res['speedup_ddim_over_ddpm']:.1f}" if sampler == "ddim" else "",
                         quality])
    diff = results["throughput"].get("cpu_vs_cuda_max_abs_diff")
    note = (f" Largest |CPU - GPU| difference of the same draw: DDIM {diff['ddim']:.2e}, "
            f"DDPM {diff['ddpm']:.2e} (standardised units)." if diff else "")
    parts.append(
        f"Generation throughput, model of seed {seeds[0]}, one `aug.sample` call timed "
        f"(median of {cfg['repeat']} on the GPU; DDPM on the CPU once), TSTR macro-F1 of "
        f"part 2 as the quality check.{note}\n\n" + markdown_table(
            ["device", "sampler", "model evals", "windows", "s", "windows / s",
             "speed-up DDIM / DDPM", "TSTR macro-F1"], rows))
    parts.append(f"Whole run: {results['total_s']:.0f} s.")
    return "\n\n".join(parts)


def _target(text):
    if text in ("median", "double"):
        return text
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--target is 'median', 'double' or a positive int; got {text!r}")
    return int(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_args(parser)
    parser.add_argument("--devices", type=devices_arg,
                        default="cpu,cuda" if torch.cuda.is_available() else "cpu",
                        help="devices of the throughput part; the models are trained on the "
                             "last (default: cpu,cuda when CUDA is available, else cpu)")
    parser.add_argument("--seeds", type=ints_arg, default=[0, 1, 2],
                        help="seeds of the classifier and the samplers; the first also "
                             "seeds the throughput part")
    parser.add_argument("--target", type=_target, default="median",
                        help="windows per rare class after resampling: 'median' (the median "
                             "class count), 'double' (twice its own count) or an int")
    parser.add_argument("--guidance-scale", type=float, default=0.0,
                        help="classifier-free guidance weight of the DiffusionAugmenter")
    parser.add_argument("--no-ddpm", action="store_true",
                        help="DDPM only in the throughput part: no arm (c') and no DDPM TSTR "
                             "(for CPU-only runs, where 1000-step DDPM of ~15 k windows takes "
                             "hours)")
    add_diffusion_args(parser)
    parser.add_argument("--batch-size", type=int, default=64,
                        help="batch size of the diffusion training")
    parser.add_argument("--n-estimators", type=int, default=300)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--tstr-cap", type=int, default=0,
                        help="at most this many synthetic windows per class in TSTR (0: as "
                             "many as the class has real training windows)")
    parser.add_argument("--cpu-n", type=int, default=96,
                        help="windows generated per timed call on the CPU")
    parser.add_argument("--gpu-n", type=int, default=1024,
                        help="windows generated per timed call on the GPU")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed calls per sampler (DDPM on the CPU: one)")
    parser.add_argument("--tag", default="", help="suffix of the result file name")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 60 train windows per basic class, 12 per "
                             "transition, 20 test windows per class; a tiny model (width "
                             "16, depth 2, 40 steps, T = 100), one seed; results named "
                             "*_quick")
    add_results_args(parser)
    main(parser.parse_args())
