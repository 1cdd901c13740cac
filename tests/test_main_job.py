"""The main job (``python -m sklearn_har``) on the embedded default."""

import io
import os
import subprocess
import sys

import pytest

from sklearn_har._main import run


def test_main_job_on_embedded_default_reports_per_row_metrics():
    out = io.StringIO()
    report = run(out=out)
    text = out.getvalue()
    assert "GroupKFold(4) by subject" in text and "f1_macro" in text
    assert report["n_samples"] == 8 * 6000  # one prediction per row
    # 5 activities: chance is 0.2; the synthetic task is learnable but not trivial
    assert 0.5 < report["accuracy"] < 1.0
    assert 0.0 <= report["ece"] <= 1.0


def test_main_job_cli_runs_and_explains_missing_data(tmp_path):
    env = {**os.environ, "SKLEARN_HAR_DATA": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "sklearn_har", "uci_har_raw"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode != 0
    assert "uci_har_raw_stream.npz" in proc.stderr and str(tmp_path) in proc.stderr


@pytest.mark.slow
def test_main_job_on_uci_har_raw():
    if not os.environ.get("SKLEARN_HAR_DATA"):
        pytest.skip("SKLEARN_HAR_DATA is not set")
    report = run("uci_har_raw", out=io.StringIO(), n_jobs=-1)
    assert report["accuracy"] > 0.85


def test_main_job_with_the_cnn_baseline():
    out = io.StringIO()
    report = run(model="cnn", out=out)
    assert "WindowSegmenter -> CNNClassifier" in out.getvalue()
    assert report["n_samples"] == 8 * 6000
    assert report["accuracy"] > 0.45  # 5 activities: chance is 0.2
