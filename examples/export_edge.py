"""Train a deep Pipeline on a raw sensor table, ship it to a Raspberry Pi and to a microcontroller.

Run: python examples/export_edge.py [--out edge_export]
Needs the extras: pip install -e ".[edge,mcu]" (and pandas).

1. Pipeline(WindowSegmenter, CNNClassifier) fitted on a synthetic raw table;
2. export_edge(target="pi"): model.onnx (+ model.int8.onnx if it pays), verified;
3. the torch-free runtime EdgeClassifier predicts every row of a new table,
   the same labels as the fitted Pipeline;
4. export_edge(target="mcu"): model.tflite (full int8), model_data.cc/.h for a
   TensorFlow Lite Micro firmware, arena checked against a 96 KiB budget.
"""

import argparse
import os

import numpy as np

from sklearn_har import CNNClassifier, Pipeline, WindowSegmenter
from sklearn_har.datasets import make_har_table
from sklearn_har.edge import EdgeClassifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="edge_export", help="folder for the artefacts")
    args = parser.parse_args()

    X, y = make_har_table(n_users=5, n_activities=4, rows_per_user=2000, random_state=0)
    X_new, _ = make_har_table(n_users=2, n_activities=4, rows_per_user=1000, random_state=1)
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=64, step=32, group_column="user")),
        ("clf", CNNClassifier(max_epochs=8, random_state=0, verbose=0)),
    ]).fit(X, y)

    # Raspberry Pi: calibration = the training table (cut by the segmenter); a fifth of
    # its windows is held out to verify every artefact against torch
    pi = pipe.export_edge(os.path.join(args.out, "pi"), "pi", calibration=X, sampling_rate=50)
    print(pi)

    # on the Pi: numpy + onnxruntime only (importing sklearn_har.edge loads no torch)
    edge = EdgeClassifier.load(os.path.join(args.out, "pi"))
    rows = edge.predict(X_new)
    same = np.mean(rows == pipe.predict(X_new))
    print(f"\n{edge}: {len(rows)} rows predicted, {same:.1%} equal to the torch Pipeline")

    # microcontroller: full int8, arena checked against the STM32L552's 96 KiB
    mcu = pipe.export_edge(os.path.join(args.out, "mcu"), "mcu", calibration=X,
                           max_arena_kb=96)
    print(f"\nMCU: {mcu.profile.arena_bytes / 1024:.1f} KiB arena, "
          f"{mcu.profile.files['model.tflite'] / 1024:.1f} KiB model, "
          f"Cortex-M33 @ 80 MHz bound {mcu.profile.bounds_ms['cortex_m33_80mhz']:.1f} ms; "
          f"firmware files: {mcu.files['c_source']}, {mcu.files['c_header']}")


if __name__ == "__main__":
    main()
