"""CNNClassifier on the official UCI-HAR windows (``uci_har_official``).

Usage::

    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_cnn_uci_har_official.py
    # CPU only: overhead at batch 256, 3 epochs per run, no accuracy runs
    python benchmarks/bench_cnn_uci_har_official.py --devices cpu \\
        --timing-batch-sizes 256 --cpu-timing-epochs 3 --skip-accuracy
    # smoke test: 600 train / 300 test windows, 2 epochs, one seed
    python benchmarks/bench_cnn_uci_har_official.py --quick --devices cpu

Protocol, result files and timings: ``docs/benchmarks/bench_cnn_uci_har_official.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from _args import add_data_args
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
from _data import load_official
from sklearn.metrics import accuracy_score, f1_score
from skorch.callbacks import Callback, EarlyStopping

from sklearn_har.classifiers import CNNClassifier, WindowValidSplit
from sklearn_har.metrics import g_mean
from sklearn_har.nn import CNN1D

VALID_SIZE = 0.2
LR = 1e-3
CHANNELS = (64, 64, 64)  # CNN1D's default: three blocks of 64 filters


# -- helpers --------------------------------------------------------------------
class EpochClock(Callback):
    """Clock read at every epoch end, after every other callback but PrintLog (run last)."""

    def __init__(self, device="cpu"):
        self.device = device

    def on_train_begin(self, net, **kwargs):
        self.ends_ = []

    def on_epoch_end(self, net, **kwargs):
        sync(self.device)
        self.ends_.append(time.perf_counter())

    def cycles(self):
        """Seconds from one epoch end to the next (the first epoch has none)."""
        return np.diff(self.ends_).tolist()


# -- 1. accuracy ----------------------------------------------------------------
def accuracy_run(data, device, seed, *, max_epochs, patience, batch_size):
    callbacks = []
    if patience > 0:
        callbacks.append(("early_stopping", EarlyStopping(
            monitor="valid_loss", patience=patience, load_best=True)))
    # the script standardises the windows itself and sets its own early stopping
    clf = CNNClassifier(max_epochs=max_epochs, batch_size=batch_size, lr=LR,
                        random_state=seed, device=device, verbose=0, normalize=False,
                        patience=None, train_split=WindowValidSplit(VALID_SIZE),
                        callbacks=callbacks)
    t = time.perf_counter()
    clf.fit(data["X_train"], data["y_train"], groups=data["groups"])
    sync(device)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    pred = clf.predict(data["X_test"])
    predict_s = time.perf_counter() - t

    y_test, names = data["y_test"], data["class_names"]
    history = clf.history
    best = [i + 1 for i, row in enumerate(history) if row.get("valid_loss_best")]
    per_class = f1_score(y_test, pred, labels=np.arange(len(names)), average=None,
                         zero_division=0)
    durs = history[:, "dur"]
    return {
        "seed": seed,
        "accuracy": accuracy_score(y_test, pred),
        "f1_macro": f1_score(y_test, pred, average="macro", zero_division=0),
        "g_mean": g_mean(y_test, pred, average="macro"),
        "f1_per_class": dict(zip(names, per_class.tolist())),
        "epochs_run": len(history),
        "best_epoch": best[-1] if best else None,
        "best_valid_loss": min(history[:, "valid_loss"]),
        "s_per_epoch": statistics.median(durs[1:] if len(durs) > 1 else durs),
        "fit_s": fit_s,
        "predict_s": predict_s,
    }


def accuracy_part(data, device, seeds, **kwargs):
    runs = []
    for seed in seeds:
        run = accuracy_run(data, device, seed, **kwargs)
        print(f"  [{device}] seed {seed}: acc {run['accuracy']:.4f}  "
              f"F1 {run['f1_macro']:.4f}  epochs {run['epochs_run']}  "
              f"{run['s_per_epoch']:.3f} s/epoch", flush=True)
        runs.append(run)
    keys = ["accuracy", "f1_macro", "g_mean", "epochs_run", "best_epoch", "s_per_epoch",
            "fit_s"]
    summary = {key: mean_std([r[key] for r in runs if r[key] is not None]) for key in keys}
    summary["f1_per_class"] = {name: mean_std([r["f1_per_class"][name] for r in runs])
                               for name in data["class_names"]}
    return {"device": device, "runs": runs, "summary": summary}


# -- 2. training-loop overhead ---------------------------------------------------
def time_skorch(data, device, batch_size, epochs, seed, channels=CHANNELS):
    """CNNClassifier for ``epochs`` epochs; skorch's ``dur`` and the full cycles."""
    clock = EpochClock(device)
    # the same work as the raw loop: fixed epochs, windows standardised beforehand
    clf = CNNClassifier(max_epochs=epochs, batch_size=batch_size, lr=LR,
                        random_state=seed, device=device, verbose=0,
                        normalize=False, patience=None,
                        train_split=WindowValidSplit(VALID_SIZE),
                        data_on_device=torch.device(device).type == "cuda",
                        module__channels=channels, callbacks=[("epoch_clock", clock)])
    clf.fit(data["X_train"], data["y_train"], groups=data["groups"])
    last = clf.history[-1]
    return {
        "dur": clf.history[1:, "dur"],
        "cycle": clock.cycles(),
        "n_train": int(sum(b["train_batch_size"] for b in last["batches"]
                           if "train_batch_size" in b)),
        "n_valid": int(sum(b["valid_batch_size"] for b in last["batches"]
                           if "valid_batch_size" in b)),
        "valid_acc": float(last["valid_acc"]),
    }


def time_raw(data, device, batch_size, epochs, seed, channels=CHANNELS):
    """The same training by hand: data on the device, one sync per epoch."""
    X, y = data["X_train"], data["y_train"]
    train_idx, valid_idx = WindowValidSplit(VALID_SIZE).split_indices(
        y, data["groups"], random_state=seed)
    torch.manual_seed(seed)  # as CNNClassifier does right before building the module
    model = CNN1D(n_channels=X.shape[1], n_classes=len(data["class_names"]),
                  channels=channels).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)
    criterion = torch.nn.CrossEntropyLoss()
    criterion_sum = torch.nn.CrossEntropyLoss(reduction="sum")
    Xt = torch.as_tensor(X[train_idx], device=device)
    yt = torch.as_tensor(y[train_idx], device=device)
    Xv = torch.as_tensor(X[valid_idx], device=device)
    yv = torch.as_tensor(y[valid_idx], device=device)
    n, n_valid = len(yt), len(yv)
    generator = torch.Generator(device=device).manual_seed(seed)

    times = []
    for _ in range(epochs):
        sync(device)
        t = time.perf_counter()
        model.train()
        order = torch.randperm(n, device=device, generator=generator)
        train_loss = torch.zeros((), device=device)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(Xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
            train_loss += loss.detach()
        model.eval()
        valid_loss = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        with torch.no_grad():
            for start in range(0, n_valid, batch_size):
                logits = model(Xv[start:start + batch_size])
                yb = yv[start:start + batch_size]
                valid_loss += criterion_sum(logits, yb)
                correct += (logits.argmax(dim=-1) == yb).sum()
        n_batches = -(-n // batch_size)
        stats = torch.stack([train_loss / n_batches, valid_loss / n_valid,
                             correct.float() / n_valid]).tolist()  # the one sync
        sync(device)
        times.append(time.perf_counter() - t)
    return {"epoch": times[1:], "n_train": n, "n_valid": n_valid, "valid_acc": stats[2]}


def warm_up(data, device, n=256):
    """One short fit of each implementation, untimed: thread pools, kernels, caches."""
    step = max(1, len(data["y_train"]) // n)  # strided: every subject and class
    small = {key: data[key][::step] for key in ("X_train", "y_train", "groups")}
    small["class_names"] = data["class_names"]
    time_skorch(small, device, 64, 2, 0)
    time_raw(small, device, 64, 2, 0)


def timing_part(data, device, batch_sizes, epochs, seed, repeat=1, channels=CHANNELS):
    """Per batch size: ``repeat`` runs of each loop, interleaved in ABBA order."""
    runs = {bs: {"sk": [], "raw": []} for bs in batch_sizes}
    loops = {"sk": time_skorch, "raw": time_raw}
    for r in range(repeat):
        for bs in batch_sizes:
            for kind in ("sk", "raw") if r % 2 == 0 else ("raw", "sk"):
                runs[bs][kind].append(loops[kind](data, device, bs, epochs, seed, channels))
    out = {}
    for bs, run in runs.items():
        sk, raw = run["sk"][0], run["raw"][0]
        if (sk["n_train"], sk["n_valid"]) != (raw["n_train"], raw["n_valid"]):
            raise RuntimeError(f"the two loops saw different splits: {sk} vs {raw}")
        n_batches = -(-raw["n_train"] // bs) + -(-raw["n_valid"] // bs)
        # median over every timed epoch of every repeat
        durs = [t for r in run["sk"] for t in r["dur"]]
        cycles = [t for r in run["sk"] for t in r["cycle"]]
        raws = [t for r in run["raw"] for t in r["epoch"]]
        dur, cycle, raw_s = (statistics.median(v) for v in (durs, cycles, raws))
        out[bs] = {
            "timed_epochs": len(raws),
            "n_train": raw["n_train"], "n_valid": raw["n_valid"],
            "batches_per_epoch": n_batches,
            "skorch_dur_s": dur, "skorch_cycle_s": cycle, "raw_s": raw_s,
            "ratio_dur": dur / raw_s, "ratio_cycle": cycle / raw_s,
            "overhead_us_per_batch_dur": 1e6 * (dur - raw_s) / n_batches,
            "overhead_us_per_batch_cycle": 1e6 * (cycle - raw_s) / n_batches,
            "skorch_valid_acc": sk["valid_acc"], "raw_valid_acc": raw["valid_acc"],
            "skorch_dur_all_s": durs, "skorch_cycle_all_s": cycles, "raw_all_s": raws,
        }
        print(f"  [{device}] batch {bs}: CNNClassifier {dur:.4f} s/epoch (dur), "
              f"{cycle:.4f} (cycle); raw loop {raw_s:.4f}; ratio {dur / raw_s:.2f}",
              flush=True)
    return out


# -- main -----------------------------------------------------------------------
def main(args):
    devices = args.devices
    accuracy_devices = [] if args.skip_accuracy else (args.accuracy_devices or devices[-1:])
    if "cuda" in devices + accuracy_devices and not torch.cuda.is_available():
        raise SystemExit("cuda is among the devices, but torch.cuda.is_available() is False.")
    if args.quick:
        subset, epochs_acc, seeds, repeat = (600, 300), 2, args.seeds[:1], 1
        timing = {"cpu": 2, "cuda": 2}
    else:
        subset, epochs_acc, seeds, repeat = None, args.max_epochs, args.seeds, args.timing_repeat
        timing = {"cpu": args.cpu_timing_epochs, "cuda": args.timing_epochs}
    if min(timing.values()) < 2:
        raise SystemExit("Timing needs at least 2 epochs per run (the first is warm-up).")
    timing_devices = [] if args.skip_timing else devices

    data = load_official(args.data_home, args.standardize, subset)
    results = {
        "dataset": "uci_har_official",
        "n_train": len(data["y_train"]), "n_test": len(data["y_test"]),
        "n_train_subjects": len(np.unique(data["groups"])),
        "standardize": args.standardize, "valid_size": VALID_SIZE, "lr": LR,
        "quick": args.quick, "devices": devices,
        "config": {"seeds": seeds, "max_epochs": epochs_acc, "patience": args.patience,
                   "batch_size": args.batch_size,
                   "timing_batch_sizes": args.timing_batch_sizes,
                   "timing_epochs": {d: timing[d] for d in timing_devices},
                   "timing_repeat": repeat,
                   "timing_channels": list(args.timing_channels)},
        "torch_info": torch_info(devices + accuracy_devices),
        "accuracy": {}, "timing": {},
    }
    print(f"uci_har_official: {results['n_train']} train / {results['n_test']} test "
          f"windows; torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)

    for device in sorted(set(timing_devices) | set(accuracy_devices)):
        warm_up(data, device)
    for device in timing_devices:
        print(f"timing on {device} ({repeat} x {timing[device]} epochs per batch size "
              "and loop, the first epoch of each run untimed):", flush=True)
        results["timing"][device] = timing_part(
            data, device, args.timing_batch_sizes, timing[device], seeds[0], repeat,
            tuple(args.timing_channels))
    for device in accuracy_devices:
        print(f"accuracy on {device} (seeds {seeds}):", flush=True)
        results["accuracy"][device] = accuracy_part(
            data, device, seeds, max_epochs=epochs_acc, patience=args.patience,
            batch_size=args.batch_size)

    # seconds per epoch of the accuracy configuration on every device
    per_epoch = {}
    for device in devices:
        if device in results["accuracy"]:
            s = results["accuracy"][device]["summary"]["s_per_epoch"]["mean"]
            per_epoch[device] = {"s_per_epoch": s, "source": "accuracy runs (dur)"}
        elif (args.batch_size in results["timing"].get(device, {})
              and tuple(args.timing_channels) == CHANNELS):
            s = results["timing"][device][args.batch_size]["skorch_dur_s"]
            per_epoch[device] = {"s_per_epoch": s, "source": "timing runs (dur)"}
    results["s_per_epoch_accuracy_config"] = per_epoch

    name = "cnn_uci_har_official_" + ("cuda" if "cuda" in devices else "cpu")
    if args.quick:
        name += "_quick"
    if args.tag:
        name += "_" + args.tag
    save(name, results, make_table(results, data["class_names"]),
         update_results=args.update_results)
    return results


def make_table(results, class_names):
    ti = results["torch_info"]
    cfg = results["config"]
    parts = [
        f"Official UCI-HAR split: {results['n_train']:,} train windows "
        f"({results['n_train_subjects']} subjects, {results['valid_size']:.0%} of them "
        f"held out for validation) / {results['n_test']:,} test windows (the other "
        "subjects); inputs: "
        + ("z-scored per channel (train statistics)" if results["standardize"] == "channel"
           else "raw")
        + f". torch {ti['torch']} (CUDA {ti['cuda']}, cuDNN "
        f"{ti['cudnn']}), {ti['num_threads']} CPU threads"
        + (f", GPU {ti['gpu']}." if ti["gpu"] else ".")
    ]
    for device, acc in results["accuracy"].items():
        s = acc["summary"]
        stop = (f"early stopping on valid_loss, patience {cfg['patience']}, best weights "
                "restored" if cfg["patience"] > 0 else "no early stopping")
        rows = [
            ["accuracy", fmt(s["accuracy"])],
            ["macro-F1", fmt(s["f1_macro"])],
            ["G-mean (macro)", fmt(s["g_mean"])],
            *[[f"F1 {c}", fmt(s["f1_per_class"][c])] for c in class_names],
            ["epochs run", fmt(s["epochs_run"], 1)],
            ["best epoch (lowest valid_loss)", fmt(s["best_epoch"], 1)],
            ["s / epoch (median dur)", fmt(s["s_per_epoch"], 3)],
            ["fit s", fmt(s["fit_s"], 1)],
        ]
        parts.append(
            f"Accuracy on the test windows, CNNClassifier on {device}, mean ± std over "
            f"{len(acc['runs'])} seed(s) {[r['seed'] for r in acc['runs']]}; batch "
            f"{cfg['batch_size']}, AdamW lr {results['lr']}, at most {cfg['max_epochs']} "
            f"epochs, {stop}:\n\n" + markdown_table(["metric", "mean ± std"], rows))
    rows = []
    for device, by_bs in results["timing"].items():
        for bs, t in by_bs.items():
            rows.append([device, bs, t["batches_per_epoch"], f"{t['skorch_dur_s']:.4f}",
                         f"{t['skorch_cycle_s']:.4f}", f"{t['raw_s']:.4f}",
                         f"{t['ratio_dur']:.2f}", f"{t['ratio_cycle']:.2f}",
                         f"{t['overhead_us_per_batch_dur']:.0f}",
                         f"{t['skorch_valid_acc']:.3f} / {t['raw_valid_acc']:.3f}"])
    if rows:
        parts.append(
            "Training-loop overhead: seconds per epoch (training pass + validation pass), "
            "median over the epochs after a warm-up epoch, CNNClassifier (skorch `dur`; "
            "full cycle incl. end-of-epoch callbacks) against a hand-written PyTorch "
            f"loop with the same CNN1D (channels {tuple(cfg['timing_channels'])}), initial "
            "weights, split, batch size and optimizer; epochs per run (the first untimed) "
            f"{cfg['timing_epochs']}, {cfg['timing_repeat']} run(s) of each loop per batch "
            "size, interleaved:\n\n" + markdown_table(
                ["device", "batch", "batches / epoch", "CNNClassifier s (dur)",
                 "CNNClassifier s (cycle)", "raw loop s", "ratio dur / raw",
                 "ratio cycle / raw", "overhead µs / batch (dur)",
                 "valid acc skorch / raw"], rows))
    per_epoch = results["s_per_epoch_accuracy_config"]
    if per_epoch:
        parts.append(
            f"Seconds per epoch of the accuracy configuration (batch {cfg['batch_size']}):"
            "\n\n" + markdown_table(["device", "s / epoch", "from"], [
                [d, f"{p['s_per_epoch']:.3f}", p["source"]] for d, p in per_epoch.items()]))
    return "\n\n".join(parts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_args(parser)
    parser.add_argument("--devices", type=devices_arg,
                        default="cpu,cuda" if torch.cuda.is_available() else "cpu",
                        help="devices timed in part 2 (default: cpu,cuda when CUDA is "
                             "available, else cpu)")
    parser.add_argument("--accuracy-devices", type=devices_arg, default=None,
                        help="devices of the accuracy runs (default: the fastest of "
                             "--devices)")
    parser.add_argument("--seeds", type=ints_arg, default=[0, 1, 2],
                        help="seeds of the accuracy runs; the first seeds the timing")
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--patience", type=int, default=10,
                        help="early-stopping patience on valid_loss; 0: fixed epochs")
    parser.add_argument("--batch-size", type=int, default=64,
                        help="batch size of the accuracy runs (CNNClassifier's default)")
    parser.add_argument("--standardize", choices=["channel", "none"], default="channel")
    parser.add_argument("--timing-batch-sizes", type=ints_arg, default=[256, 64])
    parser.add_argument("--timing-epochs", type=int, default=10,
                        help="epochs per timing run on CUDA (the first is warm-up)")
    parser.add_argument("--cpu-timing-epochs", type=int, default=4,
                        help="epochs per timing run on CPU (the first is warm-up)")
    parser.add_argument("--timing-channels", type=ints_arg, default=list(CHANNELS),
                        help="CNN1D filters per block in the timing runs (e.g. 8: a much "
                             "smaller net, where the loop's own per-batch cost weighs more)")
    parser.add_argument("--timing-repeat", type=int, default=2,
                        help="timing runs per batch size and loop, interleaved; the "
                             "median is over all their timed epochs")
    parser.add_argument("--tag", default="",
                        help="suffix of the result file name, e.g. ch8 for --timing-channels 8")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 600 train / 300 test windows, 2 epochs, one "
                             "seed; results named *_quick")
    add_results_args(parser)
    main(parser.parse_args())
