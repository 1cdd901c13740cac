"""examples/plots.py draws every figure (tiny settings): non-empty PNGs of the size asked."""

import importlib.util
import struct
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plots.py"


def _png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")
def test_every_figure_is_drawn(tmp_path):
    spec = importlib.util.spec_from_file_location("plots_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    paths = example.main(tmp_path, n_windows=200, epochs=2, diffusion_iter=10, dpi=50)
    assert [p.name for p in paths] == [
        "confusion_matrix.png", "training_curves.png", "features_pca.png",
        "real_vs_synthetic.png", "per_class_f1.png", "accuracy_vs_macs.png"]
    for path in paths:
        width, height = _png_size(path)
        assert path.stat().st_size > 5_000
        assert 150 <= width <= 1000 and 100 <= height <= 600, (path.name, width, height)
