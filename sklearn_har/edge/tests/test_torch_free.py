"""The edge runtime runs where torch cannot be imported."""

import subprocess
import sys
import textwrap

import numpy as np

from sklearn_har import CNNClassifier, Pipeline, WindowSegmenter
from sklearn_har.datasets import make_har_table

BLOCKED = textwrap.dedent("""
    import sys

    class Block:  # any `import torch` / `import skorch` now raises ImportError
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.split(".")[0] in ("torch", "skorch"):
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, Block)
    import numpy as np
    from sklearn_har.edge import EdgeClassifier
    import pandas as pd
    X = pd.read_pickle(sys.argv[2])
    edge = EdgeClassifier.load(sys.argv[1])
    np.save(sys.argv[3], edge.predict(X).astype(str))
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "skorch"))
    print("LOADED", loaded)
""")


def test_edge_classifier_without_torch(tmp_path):
    X, y = make_har_table(n_users=3, n_activities=3, rows_per_user=900, random_state=1)
    pipe = Pipeline([("seg", WindowSegmenter(48, group_column="user")),
                     ("clf", CNNClassifier(max_epochs=3, random_state=0, verbose=0))]).fit(X, y)
    pipe.export_edge(tmp_path / "art", calibration=X, int8=False, n_runs=5)
    X.to_pickle(tmp_path / "X.pkl")
    out = subprocess.run(
        [sys.executable, "-c", BLOCKED, str(tmp_path / "art"), str(tmp_path / "X.pkl"),
         str(tmp_path / "pred.npy")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stdout
    np.testing.assert_array_equal(np.load(tmp_path / "pred.npy"), pipe.predict(X).astype(str))


def test_import_loads_neither_torch_nor_skorch():
    code = ("import sys; import sklearn_har.edge; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'skorch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
