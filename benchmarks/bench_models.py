"""Every deep model of sklearn_har on the shared datasets, honest and leaky protocols side by side.

Usage::

    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_models.py \\
        --model cnn,usad --dataset uci_har_official,wisdm_v1_1_windows \\
        --protocol subject,leaky --seeds 0,1,2 --device cuda --jobs 6
    # the USAD ablation ladder of seed 000 Table 1
    python benchmarks/bench_models.py --model usad --ladder --dataset wisdm_v1_1_windows
    # seed 002 Table 8 (MAG-Res2Net), and AdamW vs Lion at equal epochs
    python benchmarks/bench_models.py --model mag_res2net --ladder --protocol subject,leaky
    python benchmarks/bench_models.py --model mag_res2net --optimizers \
        --dataset wisdm_v1_1_windows --protocol subject
    # choosing a recipe without the test subjects (the inner protocol)
    python benchmarks/bench_models.py --model usad --recipes --dataset uci_har_official \\
        --protocol inner
    # a long report over several short calls: each call adds the runs the file lacks
    python benchmarks/bench_models.py ... --resume --time-budget 540
    # smoke test on CPU: 300 windows, 2 epochs, one fold
    python benchmarks/bench_models.py --quick --device cpu

A run is one (model, arm, dataset, protocol, seed, fold); results accumulate
run by run, so ``--resume`` continues a file over many calls and refuses one
measured with other settings. Adding a model is one line in ``MODELS`` (and
its ladder in ``LADDERS``). Protocols, metrics and result files:
``docs/benchmarks/bench_models.md``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import copy
import json
import multiprocessing
import os
import pickle
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _args import add_data_args
from _common import (
    RESULTS,
    add_results_args,
    fmt,
    ints_arg,
    markdown_table,
    mean_std,
    result_stem,
    resume_target,
    save,
    sync,
    torch_info,
)
from sklearn.model_selection import GroupKFold

from sklearn_har.callbacks import WeightAveraging
from sklearn_har.classifiers import (
    CNNClassifier,
    MAGRes2NetClassifier,
    NeuralWindowClassifier,
    SFTNASClassifier,
    UMSNetClassifier,
    USADClassifier,
    WindowValidSplit,
)
from sklearn_har.datasets import load_benchmark
from sklearn_har.metrics import har_report
from sklearn_har.nn import Lion
from sklearn_har.nn.models import TinyHAR
from sklearn_har.nn.profile import count_macs, count_params
from sklearn_har.samplers import BorderlineSMOTE, DiffusionAugmenter

NAME = "models"


def tinyhar_classifier(**params):
    """TinyHAR as seed 003 Table II counts it (unpadded convolutions: 298 k parameters,
    35.4 MMACs on UCI-HAR), with Adam at batch 256 as seed 003 trains."""
    return NeuralWindowClassifier(TinyHAR, **{"module__padding": "valid",
                                              "optimizer": torch.optim.Adam,
                                              "batch_size": 256, **params})


#: the estimator of each model name, at its library defaults (a new network: one line)
MODELS = {
    "cnn": CNNClassifier,
    "usad": USADClassifier,
    "mag_res2net": MAGRes2NetClassifier,
    "umsnet": UMSNetClassifier,
    "sftnas": SFTNASClassifier,
    "tinyhar": tinyhar_classifier,
}
#: seed 002's Lion setting (Table 6, WISDM)
_LION = dict(optimizer=Lion, lr=3e-3, batch_size=2048)
#: ablation ladders: (arm, parameters on top of the defaults, the arm it is paired with);
#: the arm "default" is the estimator as shipped, shared with the runs without --ladder
LADDERS = {
    "usad": [
        ("backbone", dict(module__spatial_attention=False, module__temporal_attention=False,
                          adaptive_loss=False), None),
        ("+spatial", dict(module__temporal_attention=False, adaptive_loss=False), "backbone"),
        ("+temporal", dict(module__spatial_attention=False, adaptive_loss=False), "backbone"),
        ("+both", dict(adaptive_loss=False), "backbone"),
        ("default", dict(), "+both"),  # + adaptive loss: the default recipe
        ("+diffusion pre-training", dict(augmenter="diffusion"), "default"),
    ],
    # seed 002 Table 8: SE and ECA each on the gated network; the default adds the center
    # loss; BorderlineSMOTE ("sampler") oversamples the training windows only
    "mag_res2net": [
        ("Res2Net", dict(module__gated=False, module__attention=None,
                         criterion__center_weight=0.0), None),
        ("+gates", dict(module__attention=None, criterion__center_weight=0.0), "Res2Net"),
        ("+SE", dict(module__attention="se", criterion__center_weight=0.0), "+gates"),
        ("+ECA", dict(criterion__center_weight=0.0), "+gates"),
        ("default", dict(), "+ECA"),  # + center loss: the default recipe
        ("+BorderlineSMOTE", dict(criterion__center_weight=0.0, sampler="borderline"), "+ECA"),
        ("+both", dict(sampler="borderline"), "default"),
    ],
    # seed 003's later stages: TinyHAR (the default) and DeepConvLSTM
    "sftnas": [
        ("default", dict(), None),
        ("deepconvlstm backend", dict(backend="deepconvlstm"), None),
    ],
}
#: optimizer comparisons at equal epochs (--optimizers): early stopping off, every run
#: trains max_epochs epochs and keeps its validation-accuracy curve; paired as the ladders.
#: Seed 002 Table 6/11: AdamW at batch 256 (UCI-HAR) vs Lion at lr 3e-3, batch 2048 (WISDM),
#: with and without the windows BorderlineSMOTE adds
OPTIMIZERS = {
    "mag_res2net": [
        ("AdamW", dict(patience=None), None),
        ("Lion", dict(patience=None, **_LION), "AdamW"),
        ("AdamW+BorderlineSMOTE", dict(patience=None, sampler="borderline"), None),
        ("Lion+BorderlineSMOTE", dict(patience=None, sampler="borderline", **_LION),
         "AdamW+BorderlineSMOTE"),
    ],
}
#: recipe variants to choose a model's recipe on the inner protocol (--recipes):
#: (arm, parameters, the arm it is paired with), as the ladders
RECIPES = {
    "usad": [
        ("small", dict(module__preset="small"), "default"),
        ("ema", dict(callbacks=[("averaging", WeightAveraging(decay=0.99))]), "default"),
        ("small+ema", dict(module__preset="small",
                           callbacks=[("averaging", WeightAveraging(decay=0.99))]), "small"),
        ("dropout 0.5", dict(module__dropout=0.5), "default"),
        ("weight decay 0.05", dict(optimizer__weight_decay=0.05), "default"),
    ],
    # seed 002 Table 6's WISDM choices: the 42-layer network, then its whole recipe (Lion at
    # lr 3e-3, batch 2048, center weight 0.0007, BorderlineSMOTE)
    "mag_res2net": [
        ("preset wisdm", dict(module__preset="wisdm"), "default"),
        ("paper WISDM recipe", dict(module__preset="wisdm", criterion__center_weight=0.0007,
                                    sampler="borderline", **_LION), "preset wisdm"),
    ],
}
#: seed 004's variants (Table 1) x slice counts K (Tables 2 and 4) (--grid): A's K = 12
#: and 24 paired with A K=6, variants B and C with A at the same K
#: SFTNAS (seed 003 Figure 5a): the complexity weight beta1 swept on the pure-convolution
#: backend, whose runs --export-mcu sends to a microcontroller; each arm unpaired
SFTNAS_BETA1 = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
GRIDS = {
    "sftnas": [(f"conv beta1={b:g}", dict(backend="conv", beta1=b), None)
               for b in SFTNAS_BETA1],
    "umsnet": [
        (f"{v} K={k}", dict(module__variant=v, module__n_slices=k),
         None if (v, k) == ("A", 6) else "A K=6" if v == "A" else f"A K={k}")
        for v in "ABC" for k in (6, 12, 24)
    ],
}
DATASETS = ("uci_har_official", "wisdm_v1_1_windows", "utd_mhad_inertial")
#: datasets whose subject protocol is leave-one-subject-out (few subjects, as seed 004)
LOSO = ("utd_mhad_inertial",)
#: UTD-MHAD: each recording (one action, 107-326 samples at 50 Hz) resampled to this
#: length, one window per recording (divisible by K = 6, 12 and 24)
UTD_LENGTH = 96
PROTOCOLS = {
    "subject": "train and test subjects disjoint (the official split; GroupKFold(5) by "
               "subject where there is none; leave-one-subject-out on UTD-MHAD); "
               "validation split by subject",
    "leaky": "LEAKY (the seeds' protocol): windows split at random 60/20/20 "
             "(train / validation / test), so every subject is on both sides",
    "inner": "model selection without the test subjects: the official training subjects "
             "only, 5 of them (a fixed draw) as the inner test set, validation split by "
             "subject among the others; for choosing a recipe, never for reporting",
}
#: the draw of the inner protocol's held-out training subjects (fixed across seeds)
INNER_DRAW, INNER_TEST_SUBJECTS = 123, 5
#: settings a resumed file must share with this run
#: (``batch_size`` / ``lr``: None is each estimator's own default, recorded per run)
RESUME_KEYS = ("max_epochs", "patience", "batch_size", "lr", "valid_size", "quick",
               "search_epochs", "diffusion")


# -- data and splits ------------------------------------------------------------
_CACHE = {}


def load(dataset, data_home, quick):
    key = (dataset, data_home, quick)
    if key not in _CACHE:
        data = load_benchmark(dataset, data_home=data_home, as_frame=False)
        if data.kind == "stream":
            out = recordings_as_windows(data, UTD_LENGTH)
        else:
            X, y = np.asarray(data.data, dtype=np.float32), np.asarray(data.target)
            out = {"X": X, "y": y, "subject": np.asarray(data.subject),
                   "class_names": [str(c) for c in data.target_names]}
        if "split" in data:
            out["split"] = np.asarray(data.split)
        if quick:  # every 10th window (at most 1500): same subjects, same classes
            keep = np.arange(0, len(out["y"]), 10)[:1500]
            out = {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in out.items()}
        _CACHE[key] = out
    return _CACHE[key]


def recordings_as_windows(data, length):
    """One window per recording of a stream dataset, each channel linearly resampled to
    ``length`` steps (whole-sequence classification, as UTD-MHAD is usually evaluated);
    every recording must hold one activity."""
    n_ch = len(data.channel_names)
    table, rec = np.asarray(data.data)[:, :n_ch], np.asarray(data.recording)
    target, subject = np.asarray(data.target), np.asarray(data.subject)
    order = np.argsort(rec, kind="stable")
    _, starts, counts = np.unique(rec[order], return_index=True, return_counts=True)
    X = np.empty((len(starts), n_ch, length), dtype=np.float32)
    first = order[starts]
    for i, (start, count) in enumerate(zip(starts, counts)):
        rows = order[start:start + count]
        if (target[rows] != target[rows[0]]).any():
            raise ValueError(f"recording {rec[rows[0]]} holds several activities; one "
                             "window per recording needs one activity each")
        t = np.linspace(0, count - 1, length)
        X[i] = [np.interp(t, np.arange(count), table[rows, c]) for c in range(n_ch)]
    return {"X": X, "y": target[first], "subject": subject[first].astype(int),
            "class_names": [str(c) for c in data.target_names]}


def folds(dataset, protocol, data, seed, quick):
    """``[(fold, train_idx, test_idx, groups_or_None, valid_fraction_of_train)]``."""
    n = len(data["y"])
    if protocol == "leaky":
        perm = np.random.default_rng(seed).permutation(n)
        cut = int(round(0.8 * n))
        # 80 % to fit, of which a quarter (20 % of all) is the random validation split
        return [("random", np.sort(perm[:cut]), np.sort(perm[cut:]), None, 0.25)]
    if protocol == "inner":
        if "split" not in data:
            raise SystemExit(f"--protocol inner needs a dataset with an official test split; "
                             f"{dataset} has none")
        train = np.flatnonzero(data["split"] == "train")
        subjects = np.unique(data["subject"][train])
        held = np.random.default_rng(INNER_DRAW).choice(subjects, INNER_TEST_SUBJECTS,
                                                        replace=False)
        inner_test = np.isin(data["subject"][train], held)
        fit = train[~inner_test]
        return [("inner", fit, train[inner_test], data["subject"][fit], 0.2)]
    if "split" in data:  # the official subject split
        train = data["split"] == "train"
        return [("official", np.flatnonzero(train), np.flatnonzero(~train),
                 data["subject"][train], 0.2)]
    out = []
    if dataset in LOSO:
        for subject in np.unique(data["subject"]):
            te = np.flatnonzero(data["subject"] == subject)
            tr = np.flatnonzero(data["subject"] != subject)
            out.append((f"loso{subject}", tr, te, data["subject"][tr], 0.2))
            if quick:
                break
        return out
    for k, (tr, te) in enumerate(GroupKFold(5).split(data["X"], data["y"], data["subject"])):
        out.append((f"fold{k}", tr, te, data["subject"][tr], 0.2))
        if quick:
            break
    return out


# -- one run --------------------------------------------------------------------
class TailValidation:
    """``train_split`` keeping the last ``n_valid`` windows for validation (the real
    windows of the validation subjects, after the oversampled training windows)."""

    def __init__(self, n_valid):
        self.n_valid = n_valid

    def __call__(self, dataset, y=None, groups=None):
        n = len(dataset)
        return (dataset.subset(np.arange(n - self.n_valid)),
                dataset.subset(np.arange(n - self.n_valid, n)))


def make_estimator(model, arm_params, settings, seed, device):
    """The estimator of one run; an arm's parameters override the benchmark's settings
    (``sampler`` is not an estimator parameter: :func:`fit_run` applies it)."""
    params = copy.deepcopy(arm_params)  # callbacks: one instance per run
    params.pop("sampler", None)
    if params.get("augmenter") == "diffusion":
        params["augmenter"] = DiffusionAugmenter(**settings["diffusion"], device=device,
                                                 verbose=0)
    base = {k: settings[k] for k in ("max_epochs", "patience", "batch_size", "lr")
            if settings[k] is not None}
    if model == "sftnas" and settings.get("search_epochs") is not None:
        base["search_epochs"] = settings["search_epochs"]
    return MODELS[model](**{**base, **params}, random_state=seed, device=device, verbose=0)


def fit_run(clf, sampler, X, y, groups, valid, seed):
    """Fit ``clf`` with its validation split by subject; with a ``sampler``, only the
    training part of the split is oversampled and the validation stays real windows."""
    split = WindowValidSplit(valid, random_state=seed)
    if sampler is None:
        return clf.set_params(train_split=split).fit(X, y, groups=groups)
    if sampler != "borderline":
        raise ValueError(f"unknown sampler {sampler!r}")
    fit, val = split.split_indices(y, groups)
    X_fit, y_fit = BorderlineSMOTE(random_state=seed).fit_resample(X[fit], y[fit])
    clf.set_params(train_split=TailValidation(len(val)))
    return clf.fit(np.concatenate([X_fit, X[val]]), np.concatenate([y_fit, y[val]]))


def run_unit(unit, settings, data_home, device):
    """Fit and score one (model, arm, dataset, protocol, seed, fold)."""
    data = load(unit["dataset"], data_home, settings["quick"])
    fold = next(f for f in folds(unit["dataset"], unit["protocol"], data, unit["seed"],
                                 settings["quick"]) if f[0] == unit["fold"])
    _, tr, te, groups, valid = fold
    clf = make_estimator(unit["model"], unit["params"], settings, unit["seed"], device)
    X_tr, y_tr, X_te, y_te = data["X"][tr], data["y"][tr], data["X"][te], data["y"][te]
    t = time.perf_counter()
    fit_run(clf, unit["params"].get("sampler"), X_tr, y_tr, groups, valid, unit["seed"])
    sync(device)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    proba = clf.predict_proba(X_te)
    sync(device)
    predict_s = time.perf_counter() - t
    pred = clf.classes_[proba.argmax(axis=1)]
    labels = np.arange(len(data["class_names"]))
    full = np.zeros((len(te), len(labels)))
    full[:, np.searchsorted(labels, clf.classes_)] = proba
    report = har_report(y_te, pred, full, labels=labels, target_names=data["class_names"])
    history = clf.history
    pre = getattr(clf, "pretrain_epochs_", 0)
    durs = history[pre:, "dur"]
    module = copy.deepcopy(clf.module_).cpu().eval()
    example = torch.zeros(1, X_tr.shape[1], X_tr.shape[2])
    if settings.get("save_models"):
        os.makedirs(settings["save_models"], exist_ok=True)
        with open(os.path.join(settings["save_models"], model_file(unit)), "wb") as fh:
            pickle.dump(clf, fh)
    return {
        **{k: unit[k] for k in ("model", "arm", "dataset", "protocol", "seed", "fold")},
        **{k: v for k, v in report.items() if k != "per_class"},
        "f1_per_class": {name: row["f1-score"] for name, row in report["per_class"].items()},
        "n_train": int(len(tr)), "n_test": int(len(te)),
        "params": count_params(module), "macs": count_macs(module, example),
        "epochs_run": len(history) - pre, "pretrain_epochs": pre,
        "lr": clf.lr, "batch_size": clf.batch_size, "n_fit": int(clf.class_counts_.sum()),
        # the curves only where early stopping is off (the optimizer comparison)
        **({"valid_acc_curve": [float(a) for a in history[pre:, "valid_acc"]],
            "epoch_s": [float(d) for d in durs]} if clf.patience is None else {}),
        "s_per_epoch": statistics.median(durs[1:] if len(durs) > 1 else durs),
        "fit_s": fit_s, "predict_windows_per_s": len(te) / predict_s,
        "device": device,
        "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else None,
        **search_record(clf),
    }


def model_file(unit):
    """File name of a run's pickled estimator (--save-models)."""
    key = "_".join(str(unit[k]) for k in ("model", "arm", "dataset", "protocol", "seed", "fold"))
    return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in key) + ".pkl"


def search_record(clf):
    """What an architecture search found (SFTNAS): per layer the operator and filters, the
    kept sensors, the output length, the search's epochs and seconds."""
    report = getattr(clf, "search_report_", None)
    if report is None:
        return {}
    history = clf.search_history_
    return {"search": {
        **{k: report[k] for k in ("backend", "layers", "sensors", "sensors_dropped",
                                  "n_timesteps_out", "peak_sram_int8_bytes")},
        "beta1": clf.beta1, "search_epochs": len(history),
        "search_s": float(sum(row["dur"] for row in history)),
        "search_valid_acc": history[-1].get("valid_acc") if history else None}}


def _worker_init(threads):
    torch.set_num_threads(threads)


# -- report ---------------------------------------------------------------------
def per_seed(runs, key):
    """``{seed: mean over folds}`` of one metric."""
    by_seed = {}
    for r in runs:
        by_seed.setdefault(r["seed"], []).append(r[key])
    return {s: statistics.fmean(v) for s, v in sorted(by_seed.items())}


def summarise(runs, expected_folds):
    """Seeds whose folds are all done, and mean ± std over them of each metric."""
    groups = {}
    for r in runs:
        groups.setdefault((r["model"], r["arm"], r["dataset"], r["protocol"]), []).append(r)
    rows = {}
    for key, rs in sorted(groups.items()):
        need = expected_folds[(key[2], key[3])]
        done = {s for s in {r["seed"] for r in rs}
                if len({r["fold"] for r in rs if r["seed"] == s}) == need}
        rs = [r for r in rs if r["seed"] in done]
        if not rs:
            continue
        stats = {m: mean_std(per_seed(rs, m).values()) for m in (
            "accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro",
            "g_mean", "roc_auc_ovr", "ece", "s_per_epoch", "predict_windows_per_s",
            "epochs_run")}
        stats["params"] = rs[0]["params"]
        stats["macs"] = rs[0]["macs"]
        stats["seeds"] = sorted(done)
        stats["per_seed_accuracy"] = per_seed(rs, "accuracy")
        rows[key] = stats
    return rows


def arms_of(model, ladder=False, recipes=False, optimizers=False, grid=False):
    """The arms of ``model`` a run plans: its defaults (unless only --optimizers or
    --grid), plus the ladder, the recipes, the optimizer comparison or the grid."""
    if ladder:
        arms = list(LADDERS[model])
    else:
        arms = [] if (optimizers or grid) and not recipes else [("default", {}, None)]
    for flag, table in ((recipes, RECIPES), (optimizers, OPTIMIZERS), (grid, GRIDS)):
        if flag:
            arms += [a for a in table[model] if a[0] not in {b[0] for b in arms}]
    return arms


def ladder_gains(summary, model, arms=None):
    """Paired accuracy gain of each arm over the arm it builds on, per dataset and protocol."""
    out = []
    if arms is None:
        arms = [a for t in (LADDERS, RECIPES, OPTIMIZERS, GRIDS) for a in t.get(model, [])]
    for arm, _, parent in arms:
        if parent is None:
            continue
        for (m, a, dataset, protocol), stats in summary.items():
            if m != model or a != arm or (m, parent, dataset, protocol) not in summary:
                continue
            base = summary[(m, parent, dataset, protocol)]["per_seed_accuracy"]
            seeds = sorted(set(base) & set(stats["per_seed_accuracy"]))
            diffs = [stats["per_seed_accuracy"][s] - base[s] for s in seeds]
            out.append({"model": model, "arm": arm, "parent": parent, "dataset": dataset,
                        "protocol": protocol, "gain": mean_std(diffs),
                        "seeds_better": sum(d > 0 for d in diffs), "n_seeds": len(diffs)})
    return out


def seconds_to(curve, epoch_s, target):
    """Training seconds until the validation accuracy first reaches ``target``."""
    total = 0.0
    for acc, dur in zip(curve, epoch_s):
        total += dur
        if acc >= target:
            return total
    return None


def optimizer_times(runs, model):
    """Per optimizer pair of OPTIMIZERS, paired by (dataset, protocol, seed, fold): the
    seconds each arm needs to reach the lower of the two best validation accuracies, and
    the ratio (parent / arm: > 1 means the arm is faster), with seconds per epoch."""
    by = {(r["model"], r["arm"], r["dataset"], r["protocol"], r["seed"], r["fold"]): r
          for r in runs if "valid_acc_curve" in r}
    out = []
    for arm, _, parent in OPTIMIZERS.get(model, []):
        if parent is None:
            continue
        cells = {}
        for (m, a, dataset, protocol, seed, fold), r in by.items():
            p = by.get((m, parent, dataset, protocol, seed, fold))
            if m != model or a != arm or p is None:
                continue
            target = min(max(r["valid_acc_curve"]), max(p["valid_acc_curve"]))
            t_arm = seconds_to(r["valid_acc_curve"], r["epoch_s"], target)
            t_par = seconds_to(p["valid_acc_curve"], p["epoch_s"], target)
            cell = cells.setdefault((dataset, protocol), {k: [] for k in (
                "target", "s_arm", "s_parent", "speedup", "epoch_s_arm", "epoch_s_parent",
                "acc_arm", "acc_parent")})
            for k, v in (("target", target), ("s_arm", t_arm), ("s_parent", t_par),
                         ("speedup", t_par / t_arm), ("epoch_s_arm", sum(r["epoch_s"]) /
                         len(r["epoch_s"])), ("epoch_s_parent", sum(p["epoch_s"]) /
                         len(p["epoch_s"])), ("acc_arm", r["accuracy"]),
                         ("acc_parent", p["accuracy"])):
                cell[k].append(v)
        for (dataset, protocol), cell in sorted(cells.items()):
            out.append({"model": model, "arm": arm, "parent": parent, "dataset": dataset,
                        "protocol": protocol, "n_runs": len(cell["target"]),
                        **{k: mean_std(v) for k, v in cell.items()}})
    return out


def tables(summary, gains, times=()):
    head = ["model", "arm", "dataset", "protocol", "seeds", "accuracy", "F1 macro",
            "F1 weighted", "G-mean", "AUC", "ECE", "params", "MMACs", "s/epoch", "windows/s"]
    rows = []
    for (model, arm, dataset, protocol), s in summary.items():
        rows.append([model, arm, dataset, protocol + {"leaky": " (LEAKY)", "inner": " (selection only)"}.get(protocol, ""),
                     len(s["seeds"]), fmt(s["accuracy"]), fmt(s["f1_macro"]),
                     fmt(s["f1_weighted"]), fmt(s["g_mean"]), fmt(s["roc_auc_ovr"]),
                     fmt(s["ece"]), f"{s['params'] / 1e3:.1f} k", f"{s['macs'] / 1e6:.2f}",
                     f"{s['s_per_epoch']['mean']:.2f}",
                     f"{s['predict_windows_per_s']['mean']:.0f}"])
    text = markdown_table(head, rows)
    if gains:
        text += "\n\nAblation ladder: paired accuracy gain of each arm over the arm it builds on\n\n"
        text += markdown_table(
            ["model", "arm", "over", "dataset", "protocol", "gain", "seeds better"],
            [[g["model"], g["arm"], g["parent"], g["dataset"], g["protocol"],
              fmt(g["gain"]), f"{g['seeds_better']}/{g['n_seeds']}"] for g in gains])
    if times:
        text += ("\n\nOptimizers at equal epochs: training seconds to reach the lower of the "
                 "two runs' best validation accuracy (paired by seed and fold)\n\n")
        text += markdown_table(
            ["model", "arm", "over", "dataset", "protocol", "runs", "target valid acc",
             "s (arm)", "s (over)", "speed-up", "s/epoch (arm)", "s/epoch (over)",
             "test acc (arm)", "test acc (over)"],
            [[t["model"], t["arm"], t["parent"], t["dataset"], t["protocol"], t["n_runs"],
              fmt(t["target"]), fmt(t["s_arm"], 1), fmt(t["s_parent"], 1), fmt(t["speedup"], 2),
              fmt(t["epoch_s_arm"], 2), fmt(t["epoch_s_parent"], 2), fmt(t["acc_arm"]),
              fmt(t["acc_parent"])] for t in times])
    return text


# -- SFTNAS: the microcontroller export and seed 003's figures --------------------
#: seed 003 Table II (UCI-HAR official split): parameters, MACs, F1 macro (%)
TABLE_II = {"TinyHAR": (298.18e3, 36.27e6, 94.58), "TinyHAR + SFTNAS": (13.96e3, 0.767e6, 94.36)}
#: calibration windows of an MCU export (drawn from the run's training windows)
MCU_CALIBRATION = 512
#: the export's own refusal threshold while measuring: a network over the budget is
#: measured and reported as not fitting, not skipped
MEASURE_ARENA_KB = 4096


def tflite_predict(folder, X):
    """Class indices from an MCU artefact (``model.tflite`` + ``model.json``) as a device
    runs it: standardise with the spec's statistics, quantise with its input scale and
    zero point, int8 inference with LiteRT's optimised kernels (which the export checked
    TFLite Micro matches within 1 LSB)."""
    from ai_edge_litert.interpreter import Interpreter

    from sklearn_har.edge import EdgeSpec

    with open(os.path.join(folder, "model.json")) as fh:
        spec = EdgeSpec.from_json(fh.read())
    norm, q = spec.normalization, spec.quantization["input"]
    Z = (X - np.asarray(norm["mean"])[:, None]) / np.asarray(norm["scale"])[:, None]
    Xq = np.clip(np.round(Z / q["scale"]) + q["zero_point"], -128, 127).astype(np.int8)
    it = Interpreter(model_path=os.path.join(folder, "model.tflite"))
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for x in Xq:
        it.set_tensor(i["index"], x[None])
        it.invoke()
        out.append(int(np.argmax(it.get_tensor(o["index"])[0])))
    return np.array(out)


def export_mcu_runs(runs, models_dir, data_home, settings, max_arena_kb=96):
    """Export every SFTNAS conv-backend run saved in ``models_dir`` (--save-models) with
    ``export_edge(target="mcu")`` and add its int8 figures to the run as ``run["mcu"]``."""
    from sklearn.metrics import f1_score

    done = 0
    for r in runs:
        if r["model"] != "sftnas" or r.get("search", {}).get("backend") != "conv" or "mcu" in r:
            continue
        path = os.path.join(models_dir, model_file(r))
        if not os.path.exists(path):
            continue
        with open(path, "rb") as fh:
            clf = pickle.load(fh)
        data = load(r["dataset"], data_home, settings["quick"])
        _, tr, te, _, _ = next(f for f in folds(r["dataset"], r["protocol"], data, r["seed"],
                                                settings["quick"]) if f[0] == r["fold"])
        pick = np.random.default_rng(r["seed"]).choice(len(tr), min(MCU_CALIBRATION, len(tr)),
                                                       replace=False)
        X_te, y_te = data["X"][te], data["y"][te]
        with tempfile.TemporaryDirectory() as folder:
            result = clf.export_edge(folder, target="mcu", calibration=data["X"][tr][pick],
                                     check_windows=X_te, check_y=y_te, on_mismatch="warn",
                                     max_arena_kb=MEASURE_ARENA_KB, n_runs=20)
            pred = clf.classes_[tflite_predict(folder, X_te)]
            flash = os.path.getsize(result.files["tflite"])
        check = next(c for c in result.verification if "agreement" in c)
        r["mcu"] = {
            "arena_bytes": result.profile.arena_bytes, "max_arena_kb": max_arena_kb,
            "fits": result.profile.arena_bytes <= max_arena_kb * 1024,
            "flash_bytes": flash, "int8_accuracy": float(np.mean(pred == y_te)),
            "int8_f1_macro": float(f1_score(y_te, pred, average="macro")),
            "agreement": check["agreement"], "verified": all(c["passed"] for c in
                                                             result.verification),
            "m33_bound_ms": result.profile.bounds_ms["cortex_m33_80mhz"],
            "arena_breakdown": result.profile.arena_breakdown,
        }
        done += 1
        print(f"  mcu {r['arm']:18s} seed {r['seed']} arena {r['mcu']['arena_bytes'] / 1024:.1f} "
              f"KiB flash {flash / 1024:.1f} KiB int8 F1 {r['mcu']['int8_f1_macro']:.4f}",
              flush=True)
    return done


def _mean(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else float("nan")


def sftnas_summary(runs, expected_folds):
    """Per SFTNAS / TinyHAR arm, dataset and protocol (complete seeds only): F1 and
    accuracy (mean ± std over seeds), size and cost of the networks found, filters per
    searched layer (mean over runs), and the MCU figures where exported."""
    rows = []
    summary = summarise([r for r in runs if r["model"] in ("sftnas", "tinyhar")],
                        expected_folds)
    for (model, arm, dataset, protocol), stats in summary.items():
        rs = [r for r in runs if (r["model"], r["arm"], r["dataset"], r["protocol"]) ==
              (model, arm, dataset, protocol) and r["seed"] in stats["seeds"]]
        row = {"model": model, "arm": arm, "dataset": dataset, "protocol": protocol,
               "seeds": stats["seeds"], "f1_macro": stats["f1_macro"],
               "accuracy": stats["accuracy"], "params": mean_std(r["params"] for r in rs),
               "macs": mean_std(r["macs"] for r in rs)}
        found = [r["search"] for r in rs if "search" in r]
        if found:
            n_layers = len(found[0]["layers"])
            row.update(
                beta1=found[0]["beta1"], backend=found[0]["backend"],
                n_sensors=_mean(len(f["sensors"]) for f in found),
                n_timesteps_out=_mean(f["n_timesteps_out"] for f in found),
                peak_sram_int8=_mean(f["peak_sram_int8_bytes"] for f in found),
                search_s=_mean(f["search_s"] for f in found),
                filters=[_mean(f["layers"][i]["filters"] for f in found)
                         for i in range(n_layers)],
                filters_all=[[f["layers"][i]["filters"] for f in found]
                             for i in range(n_layers)],
                ops=[[f["layers"][i]["op"] for f in found] for i in range(n_layers)])
        mcu = [r["mcu"] for r in rs if "mcu" in r]
        if mcu:
            row["mcu"] = {k: mean_std(m[k] for m in mcu) for k in (
                "int8_f1_macro", "int8_accuracy", "arena_bytes", "flash_bytes", "m33_bound_ms")}
            row["mcu"]["n_runs"] = len(mcu)
            row["mcu"]["all_fit"] = all(m["fits"] for m in mcu)
        rows.append(row)
    return rows


def sftnas_tables(rows):
    """Markdown: the networks found against seed 003 Table II, the beta1 sweep with its
    MCU figures, and the filters kept per searched layer (Figure 5b)."""
    if not rows:
        return ""
    text = ("\n\nSFTNAS (seed 003): the networks found, against Table II (UCI-HAR official "
            "split: TinyHAR 298.18 k / 36.27 MMACs / F1m 94.58; TinyHAR + SFTNAS 13.96 k / "
            "0.767 MMACs / F1m 94.36)\n\n")
    head = ["model", "arm", "dataset", "protocol", "seeds", "F1 macro", "accuracy", "params",
            "MMACs", "sensors kept", "T out", "peak SRAM int8 (est.)", "search s",
            "int8 F1 macro (MCU)", "arena KiB", "flash KiB", "M33 bound ms"]
    body = []
    for r in rows:
        m = r.get("mcu")
        body.append([
            r["model"], r["arm"], r["dataset"], r["protocol"], len(r["seeds"]),
            fmt(r["f1_macro"]), fmt(r["accuracy"]), f"{r['params']['mean'] / 1e3:.2f} k",
            f"{r['macs']['mean'] / 1e6:.3f}",
            f"{r['n_sensors']:.1f}" if "n_sensors" in r else "-",
            f"{r['n_timesteps_out']:.0f}" if "n_timesteps_out" in r else "-",
            f"{r['peak_sram_int8'] / 1024:.1f} KiB" if "peak_sram_int8" in r else "-",
            f"{r['search_s']:.0f}" if "search_s" in r else "-",
            fmt(m["int8_f1_macro"]) if m else "-",
            f"{m['arena_bytes']['mean'] / 1024:.1f}" if m else "-",
            f"{m['flash_bytes']['mean'] / 1024:.1f}" if m else "-",
            f"{m['m33_bound_ms']['mean']:.2f}" if m else "-"])
    text += markdown_table(head, body)
    searched = [r for r in rows if "filters" in r]
    if searched:
        n = max(len(r["filters"]) for r in searched)
        text += ("\n\nFilters kept per searched layer (mean over runs; Figure 5b), "
                 "stride-1 and stride-2 layers alternating\n\n")
        text += markdown_table(
            ["arm", "dataset", "protocol"] + [f"L{i + 1}" for i in range(n)],
            [[r["arm"], r["dataset"], r["protocol"]] + [f"{f:.1f}" for f in r["filters"]]
             for r in searched])
    return text


def sftnas_figures(rows, stem, directory=RESULTS):
    """Figure 5a (F1 macro against MACs over the beta1 sweep, with TinyHAR and Table II)
    and Figure 5b (filters per searched layer), as PNGs beside the results; [] without
    matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no SFTNAS figures", flush=True)
        return []
    paths = []
    for dataset, protocol in sorted({(r["dataset"], r["protocol"]) for r in rows}):
        cell = [r for r in rows if (r["dataset"], r["protocol"]) == (dataset, protocol)]
        sweep = sorted((r for r in cell if "beta1" in r and r["arm"].startswith("conv beta1")),
                       key=lambda r: r["beta1"])
        if not sweep:
            continue
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
        for label, key in (("torch fp32", None), ("int8 on the MCU", "mcu")):
            pts = [(r["macs"]["mean"] / 1e6, (r[key]["int8_f1_macro"] if key else
                                              r["f1_macro"]), r["beta1"])
                   for r in sweep if key is None or key in r]
            if pts:
                ax.errorbar([p[0] for p in pts], [100 * p[1]["mean"] for p in pts],
                            yerr=[100 * p[1]["std"] for p in pts], marker="o", capsize=3,
                            label=f"SFTNAS conv backend, {label}")
                if key is None:
                    for x, f, b in pts:
                        ax.annotate(f"β1={b:g}", (x, 100 * f["mean"]), fontsize=7,
                                    xytext=(3, 3), textcoords="offset points")
        for r in cell:
            if r not in sweep:  # TinyHAR, and SFTNAS with its other backends
                name = "TinyHAR (ours)" if r["model"] == "tinyhar" else f"SFTNAS {r['arm']}"
                ax.errorbar(r["macs"]["mean"] / 1e6, 100 * r["f1_macro"]["mean"],
                            yerr=100 * r["f1_macro"]["std"], marker="s", capsize=3,
                            linestyle="none", label=name)
        if dataset == "uci_har_official" and protocol == "subject":
            for name, (_, macs, f1) in TABLE_II.items():
                ax.plot(macs / 1e6, f1, marker="*", markersize=11, linestyle="none",
                        label=f"{name} (seed 003 Table II)")
        ax.set_xscale("log")
        ax.set_xlabel("MMACs per window (log)")
        ax.set_ylabel("F1 macro on the test subjects (%)")
        ax.set_title(f"accuracy vs MACs: {dataset}, {protocol}")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        for r in sweep:
            layers = np.arange(1, len(r["filters"]) + 1)
            bx.plot(layers, r["filters"], marker="o", label=f"β1={r['beta1']:g}")
        bx.set_xlabel("searched layer (odd: stride 1, even: stride 2)")
        bx.set_ylabel("filters kept (mean over seeds)")
        bx.set_title("filters per layer (Figure 5b)")
        bx.legend(fontsize=7)
        bx.grid(alpha=0.3)
        fig.tight_layout()
        path = Path(directory) / f"{stem}_sftnas_{dataset}_{protocol}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
        print(f"figure: {path}", flush=True)
    return paths


# -- main -----------------------------------------------------------------------
def plan(args, settings, data_home):
    """Every run to make, seed by seed and, within a fold, every model and arm together:
    a call cut short by ``--time-budget`` leaves whole seeds and complete pairs for the
    ladder gains (the order of ``--dataset`` and ``--protocol`` is kept within a seed)."""
    units, expected = [], {}
    for seed in args.seeds:
        for dataset in args.dataset:
            data = load(dataset, data_home, settings["quick"])
            for protocol in args.protocol:
                if protocol == "inner" and "split" not in data:
                    if seed == args.seeds[0]:
                        print(f"--protocol inner: {dataset} has no official split; skipped",
                              flush=True)
                    continue
                fs = folds(dataset, protocol, data, seed, settings["quick"])
                expected[(dataset, protocol)] = len(fs)
                units += [dict(model=model, arm=arm, params=params, dataset=dataset,
                               protocol=protocol, seed=seed, fold=f[0])
                          for f in fs for model in args.model
                          for arm, params, _ in arms_of(model, args.ladder, args.recipes,
                                                        args.optimizers, args.grid)]
    return units, expected


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=lambda t: t.split(","), default=list(MODELS),
                        help=f"comma list among {list(MODELS)}")
    parser.add_argument("--dataset", type=lambda t: t.split(","), default=list(DATASETS))
    parser.add_argument("--protocol", type=lambda t: t.split(","), default=["subject", "leaky"],
                        help=f"comma list among {list(PROTOCOLS)}")
    parser.add_argument("--seeds", type=ints_arg, default=[0, 1, 2])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--ladder", action="store_true",
                        help="the ablation ladder of each model instead of its defaults")
    parser.add_argument("--recipes", action="store_true",
                        help="also the recipe variants of each model (RECIPES), to be "
                             "compared on --protocol inner")
    parser.add_argument("--optimizers", action="store_true",
                        help="the optimizer comparison of each model at equal epochs "
                             "(OPTIMIZERS; early stopping off)")
    parser.add_argument("--grid", action="store_true",
                        help="the variant x setting grid of each model (GRIDS: UMSNet's "
                             "variants A/B/C x K in 6, 12, 24)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs trained at once (processes sharing the device)")
    parser.add_argument("--time-budget", type=float, default=None,
                        help="seconds after which no new run starts (the file keeps what "
                             "finished; --resume continues)")
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: each estimator's own (64; MAG-Res2Net 256)")
    parser.add_argument("--lr", type=float, default=None,
                        help="default: each estimator's own (1e-3; MAG-Res2Net 5e-3)")
    parser.add_argument("--diffusion-iter", type=int, default=3000,
                        help="training steps of the diffusion model of the pre-training arm")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: every 10th window, 2 epochs, one fold, tiny diffusion")
    parser.add_argument("--tag", default="", help="suffix of the result file name")
    parser.add_argument("--search-epochs", type=int, default=None,
                        help="SFTNAS search epochs (default: the estimator's, 100)")
    parser.add_argument("--save-models", metavar="DIR", default=None,
                        help="pickle each run's fitted estimator into DIR (for --export-mcu)")
    parser.add_argument("--export-mcu", metavar="DIR", default=None,
                        help="no training: export the SFTNAS conv-backend runs of the resumed "
                             "file whose estimators DIR holds (--save-models) with "
                             "export_edge(target='mcu') and add their int8 figures (CPU; "
                             "needs the mcu extra)")
    add_data_args(parser)
    add_results_args(parser, resume=True)
    args = parser.parse_args(argv)
    for name, values, known in (("model", args.model, MODELS), ("dataset", args.dataset, DATASETS),
                                ("protocol", args.protocol, PROTOCOLS)):
        bad = [v for v in values if v not in known]
        if bad:
            parser.error(f"--{name}: unknown {bad}; known: {list(known)}")
    if args.ladder and not all(m in LADDERS for m in args.model):
        parser.error(f"--ladder: models with a ladder are {list(LADDERS)}")
    if args.recipes and not all(m in RECIPES for m in args.model):
        parser.error(f"--recipes: models with recipe variants are {list(RECIPES)}")
    if args.grid and not all(m in GRIDS for m in args.model):
        parser.error(f"--grid: models with a grid are {list(GRIDS)}")
    if args.optimizers and not all(m in OPTIMIZERS for m in args.model):
        parser.error(f"--optimizers: models with an optimizer comparison are "
                     f"{list(OPTIMIZERS)}")
    data_home = args.data_home or os.environ.get("SKLEARN_HAR_DATA")
    settings = {
        "max_epochs": 2 if args.quick else args.max_epochs, "patience": args.patience,
        "batch_size": args.batch_size, "lr": args.lr, "valid_size": "0.2 of all windows",
        "quick": args.quick, "save_models": args.save_models,
        "search_epochs": 2 if args.quick else args.search_epochs,
        "diffusion": dict(max_iter=20 if args.quick else args.diffusion_iter,
                          n_steps=50 if args.quick else 1000, sampling_steps=10 if args.quick
                          else 50, ddim_eta=1.0, width=16 if args.quick else 64,
                          depth=1 if args.quick else 4),
    }
    name = NAME + (f"_{args.tag}" if args.tag else "")
    path, run = resume_target(name, args.resume, update_results=args.update_results)
    runs = []
    if path is not None:
        old = json.loads(path.read_text())
        diff = {k: (old["settings"].get(k), settings[k]) for k in RESUME_KEYS
                if old["settings"].get(k) != settings[k]}
        if diff:
            raise SystemExit(f"--resume: {path.name} was measured with other settings "
                             f"(file, this run): {diff}")
        runs = old["runs"]
        print(f"--resume: {len(runs)} runs from {path.name}", flush=True)
    done = {(r["model"], r["arm"], r["dataset"], r["protocol"], r["seed"], r["fold"])
            for r in runs}
    units, expected = plan(args, settings, data_home)
    for r in runs:  # resumed runs of datasets or protocols this call does not plan
        key = (r["dataset"], r["protocol"])
        if key not in expected:
            data = load(key[0], data_home, settings["quick"])
            expected[key] = len(folds(key[0], key[1], data, r["seed"], settings["quick"]))
    todo = [u for u in units if (u["model"], u["arm"], u["dataset"], u["protocol"], u["seed"],
                                 u["fold"]) not in done]
    print(f"{len(units)} runs planned, {len(todo)} to do, {args.jobs} at once on "
          f"{args.device}", flush=True)
    info = torch_info(["cuda"] if args.device.startswith("cuda") else ["cpu"])
    start = time.perf_counter()

    def write():
        summary = summarise(runs, expected)
        gains = [g for m in args.model for g in ladder_gains(summary, m)]
        times = [t for m in args.model for t in optimizer_times(runs, m)]
        sft = sftnas_summary(runs, expected)
        return save(name, {"settings": settings, "protocols": PROTOCOLS, "jobs": args.jobs,
                           "torch": info, "runs": runs,
                           "summary": [{"model": k[0], "arm": k[1], "dataset": k[2],
                                        "protocol": k[3], **v} for k, v in summary.items()],
                           "ladder": gains, "optimizers": times, "sftnas": sft},
                    tables(summary, gains, times) + sftnas_tables(sft)
                    + f"\n\n{args.jobs} run(s) at a time on {args.device}"
                    + (f" ({info['gpu']})" if info["gpu"] else "") + ": timings compare "
                    "models within this file.", update_results=args.update_results, run=run)

    def figures():
        stem = result_stem(name, update_results=args.update_results, run=run)
        sftnas_figures(sftnas_summary(runs, expected), stem)

    if args.export_mcu:
        if path is None:
            raise SystemExit("--export-mcu adds to a result file: pass --resume")
        n = export_mcu_runs(runs, args.export_mcu, data_home, settings)
        print(f"--export-mcu: {n} runs exported", flush=True)
        write()
        figures()
        return

    def record(result):
        runs.append(result)
        print(f"  {result['model']:5s} {result['arm']:24s} {result['dataset']:20s} "
              f"{result['protocol']:7s} seed {result['seed']} {result['fold']:8s} "
              f"acc {result['accuracy']:.4f} F1 {result['f1_macro']:.4f} "
              f"epochs {result['epochs_run']} {result['s_per_epoch']:.2f} s/epoch "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
        write()

    def out_of_time():
        return args.time_budget is not None and time.perf_counter() - start > args.time_budget

    if args.jobs <= 1:
        for unit in todo:
            if out_of_time():
                break
            record(run_unit(unit, settings, data_home, args.device))
    else:
        threads = max(1, (os.cpu_count() or 2) // args.jobs)
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_worker_init,
                                    initargs=(threads,)) as pool:
            pending, queue = set(), list(todo)
            while queue or pending:
                while queue and len(pending) < args.jobs and not out_of_time():
                    pending.add(pool.submit(run_unit, queue.pop(0), settings, data_home,
                                            args.device))
                if not pending:
                    break
                finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    record(fut.result())
    if any(r["model"] == "sftnas" for r in runs):
        figures()
    left = len(todo) - (len(runs) - len(done))
    print(f"finished {len(runs) - len(done)} runs in {time.perf_counter() - start:.0f} s; "
          f"{left} left" + (" (--resume continues)" if left else ""), flush=True)


if __name__ == "__main__":
    main()
