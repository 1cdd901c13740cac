"""Raw sensor units and the CNN's default input standardisation (``uci_har_official``).

Usage::

    SKLEARN_HAR_DATA=/path/to/data python benchmarks/bench_raw_units_uci_har_official.py \\
        [--seeds 0,1,2] [--device cpu] [--update-results]

Protocol, result files and timings: ``docs/benchmarks/bench_raw_units_uci_har_official.md``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _args import add_data_args
from _common import add_results_args, fmt, ints_arg, markdown_table, mean_std, save, torch_info
from _data import load_official
from sklearn.metrics import accuracy_score, f1_score

from sklearn_har import CNNClassifier
from sklearn_har.exceptions import DivergenceWarning, InputScaleWarning

OFFSET = 500.0
ARMS = [("raw", True), ("offset", True), ("raw", False), ("offset", False)]


def run_arm(data, inputs, normalize, seed, device):
    X_train, X_test = data["X_train"], data["X_test"]
    if inputs == "offset":
        X_train, X_test = X_train.copy(), X_test.copy()
        X_train[:, data["channel"]] += OFFSET
        X_test[:, data["channel"]] += OFFSET
    clf = CNNClassifier(normalize=normalize, random_state=seed, device=device, verbose=0)
    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DivergenceWarning)
        warnings.simplefilter("always", InputScaleWarning)
        clf.fit(X_train, data["y_train"], groups=data["groups"])
    fit_s = time.perf_counter() - t
    y_pred = clf.predict(X_test)
    return {
        "accuracy": accuracy_score(data["y_test"], y_pred),
        "f1_macro": f1_score(data["y_test"], y_pred, average="macro"),
        "epochs": len(clf.history),
        "fit_s": fit_s,
        "n_pred_classes": int(np.unique(y_pred).size),
        "divergence_warnings": [str(w.message)[:160] for w in caught
                                if issubclass(w.category, DivergenceWarning)],
        "input_scale_warnings": [str(w.message)[:160] for w in caught
                                 if issubclass(w.category, InputScaleWarning)],
    }


def main(seeds, device="cpu", data_home=None, update_results=False):
    data = load_official(data_home, standardize="none")  # the windows in sensor units
    for key in ("X_train", "X_test"):
        data[key] = data[key].astype(np.float32)
    data["channel"] = data["channel_names"].index("body_acc_x")
    results = {
        "dataset": "uci_har_official", "protocol": "official split by subject",
        "offset": OFFSET, "offset_channel": "body_acc_x", "seeds": seeds,
        "classifier": "CNNClassifier defaults (AdamW 1e-3, batch 64, <= 60 epochs, "
                      "early stopping patience 10 on a subject-wise validation split)",
        "torch": torch_info([device]), "device": device, "runs": {},
    }
    for inputs, normalize in ARMS:
        key = f"{inputs}/normalize={normalize}"
        results["runs"][key] = []
        for seed in seeds:
            res = run_arm(data, inputs, normalize, seed, device)
            results["runs"][key].append({"seed": seed, **res})
            print(f"{key:24s} seed {seed}: acc {res['accuracy']:.4f} f1 {res['f1_macro']:.4f} "
                  f"({res['epochs']} epochs, {res['fit_s']:.0f} s)", flush=True)

    rows, summary = [], {}
    for inputs, normalize in ARMS:
        runs = results["runs"][f"{inputs}/normalize={normalize}"]
        acc = mean_std([r["accuracy"] for r in runs])
        f1 = mean_std([r["f1_macro"] for r in runs])
        summary[f"{inputs}/normalize={normalize}"] = {"accuracy": acc, "f1_macro": f1}
        rows.append([inputs, normalize, fmt(acc), fmt(f1),
                     fmt(mean_std([r["epochs"] for r in runs]), 1),
                     sum(bool(r["input_scale_warnings"]) for r in runs),
                     sum(bool(r["divergence_warnings"]) for r in runs)])
    gaps = {}
    for normalize in (True, False):
        raw = results["runs"][f"raw/normalize={normalize}"]
        off = results["runs"][f"offset/normalize={normalize}"]
        gaps[str(normalize)] = mean_std([o["accuracy"] - r["accuracy"] for o, r in zip(off, raw)])
    results["summary"] = summary
    results["offset_minus_raw_accuracy"] = gaps
    table = (
        f"Official UCI-HAR split (train subjects / other test subjects), CNNClassifier with "
        f"its defaults, {len(seeds)} seed(s) {seeds}, on {device}. `offset`: body_acc_x + "
        f"{OFFSET:g} in train and test.\n\n"
        + markdown_table(["inputs", "normalize", "accuracy", "macro-F1", "epochs",
                          "runs with an InputScaleWarning",
                          "runs with a DivergenceWarning"], rows)
        + "\n\nAccuracy of `offset` minus `raw`, per seed, mean ± std: normalize=True "
        f"{fmt(gaps['True'])}; normalize=False {fmt(gaps['False'])}."
    )
    save("raw_units_uci_har_official", results, table, update_results=update_results)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=ints_arg, default=[0, 1, 2])
    parser.add_argument("--device", default="cpu")
    add_data_args(parser)
    add_results_args(parser)
    args = parser.parse_args()
    main(args.seeds, args.device, args.data_home, args.update_results)
