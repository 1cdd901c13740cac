"""The main job (``python -m sklearn_har``): the embedded default, the command line."""

import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from sklearn_har._main import main, run
from sklearn_har.datasets import list_benchmarks


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


# -- the command line ---------------------------------------------------------

def _fake_benchmark(home, name, *, n_subjects=4, fs=10.0, seed=0):
    """Tiny files with the keys :func:`load_benchmark` reads, for dataset ``name``."""
    from sklearn_har.datasets._benchmark import _BENCHMARKS

    rng = np.random.default_rng(seed)
    spec = _BENCHMARKS[name]
    meta = dict(classes=np.array(["sit", "walk", "run"]), fs=fs)
    if spec.kind == "stream":
        rows = 120  # per subject, in two recordings of 60
        subject = np.repeat(np.arange(n_subjects), rows)
        recording = np.repeat(np.arange(2 * n_subjects), rows // 2)
        y = np.tile(np.repeat([0, 1, 2, -1], rows // 4), n_subjects)
        X = rng.normal(size=(y.size, 3)).astype(np.float32) + y[:, None]
        arrays = dict(X=X, y=y, subject=subject, recording=recording,
                      channels=np.array(["acc_x", "acc_y", "acc_z"]))
    else:
        n = 12 * n_subjects
        y = np.tile([0, 1, 2], n // 3)
        arrays = dict(y=y, subject=np.repeat(np.arange(n_subjects), 12))
        if spec.kind == "windows":
            arrays["X"] = (rng.normal(size=(n, 3, 32)) + y[:, None, None]).astype(np.float32)
            arrays["channels"] = np.array(["acc_x", "acc_y", "acc_z"])
        else:
            arrays["X"] = rng.normal(size=(n, 5)) + y[:, None]
            arrays["features"] = np.array([f"f{i}" for i in range(5)])
    os.makedirs(home / name, exist_ok=True)
    for file in spec.files:
        np.savez(home / name / file, **arrays, **meta)
    return str(home)


@pytest.mark.parametrize("argv, option", [
    (["--window", "0"], "--window"),
    (["--window", "-128"], "--window"),
    (["--step", "0"], "--step"),
    (["--step", "half"], "--step"),
    (["--n-jobs", "0"], "--n-jobs"),
    (["--folds", "1"], "--folds"),
    (["--seed", "-1"], "--seed"),
    (["--data-home", "/no/such/folder", "uci_har_raw"], "--data-home"),
])
def test_main_job_cli_refuses_bad_arguments_up_front(argv, option, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("python -m sklearn_har: error: argument " + option)
    assert "Traceback" not in "\n".join(err)


@pytest.mark.parametrize("name", list_benchmarks())
def test_main_job_cli_offers_only_datasets_it_runs(name, tmp_path, capsys):
    from sklearn_har.datasets._benchmark import _BENCHMARKS

    home = _fake_benchmark(tmp_path, name)
    try:
        code = main([name, "--data-home", home, "--folds", "2"])
    except SystemExit as exc:  # argparse refused the name: it must not be a choice
        code = exc.code
        assert "invalid choice" in capsys.readouterr().err
        assert _BENCHMARKS[name].kind == "features"
        return
    assert code == 0
    # the fake classes are well apart: a shifted probability column would score ~0
    accuracy = float(re.search(r"^accuracy +([0-9.]+)$", capsys.readouterr().out, re.M)[1])
    assert accuracy > 0.7


def test_main_job_cli_prints_fold_progress_on_stderr(tmp_path, capsys):
    home = _fake_benchmark(tmp_path, "seglearn_watch")
    assert main(["seglearn_watch", "--data-home", home, "--folds", "2"]) == 0
    out, err = capsys.readouterr()
    assert "f1_macro" in out and "[sklearn_har]" not in out  # the report stays on stdout
    assert re.search(r"fold 1/2 done \(\d+\.\d s elapsed\)", err)
    assert re.search(r"fold 2/2 done \(\d+\.\d s elapsed\)", err)

    assert main(["seglearn_watch", "--data-home", home, "--folds", "2", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "f1_macro" in out and err == ""


def test_main_job_cli_progress_in_a_subprocess(tmp_path):
    """Progress lines reach stderr as the folds finish, not only at the end."""
    home = _fake_benchmark(tmp_path, "utd_mhad_inertial")
    proc = subprocess.run([sys.executable, "-m", "sklearn_har", "utd_mhad_inertial",
                           "--data-home", home, "--folds", "3"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if " done (" in line]
    assert [line.split()[2] for line in lines] == ["1/3", "2/3", "3/3"]
    assert "f1_macro" in proc.stdout and "[sklearn_har]" not in proc.stdout


def test_main_job_cli_cnn_with_parallel_folds(tmp_path, capsys):
    """``--model cnn --n-jobs 2``: the folds' unfitted pipelines go to worker processes."""
    home = _fake_benchmark(tmp_path, "seglearn_watch")
    assert main(["seglearn_watch", "--data-home", home, "--folds", "2", "--model", "cnn",
                 "--n-jobs", "2"]) == 0
    out, err = capsys.readouterr()
    assert "WindowSegmenter -> CNNClassifier" in out and "fold 2/2 done" in err


def test_main_job_cli_reports_a_window_longer_than_the_recordings(tmp_path, capsys):
    home = _fake_benchmark(tmp_path, "seglearn_watch")  # recordings of 60 rows
    assert main(["seglearn_watch", "--data-home", home, "--window", "100", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: window=100 is longer than every run")
