"""TrainingCheckpoint and fit(resume=...): an interrupted run resumed equals one never
interrupted (CPU), parallel fits write apart, bad checkpoints are refused."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from sklearn_har.callbacks import TrainingCheckpoint
from sklearn_har.classifiers import CNNClassifier, SFTNASClassifier, USADClassifier
from sklearn_har.datasets import make_har_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")

SETTINGS = {
    CNNClassifier: dict(module__channels=(8,), module__dropout=0.3),
    # adaptive loss weights, early stopping, dropout: every piece of state matters
    USADClassifier: dict(module__stem_width=8, module__widths=(8,), module__depths=(1,),
                         module__kernels=(3, 5), module__dropout=0.3),
}


@pytest.fixture(scope="module")
def data():
    return make_har_windows(n_windows=200, n_classes=3, n_timesteps=32, n_groups=5,
                            random_state=0)


def _scores(history):
    return [{k: v for k, v in row.items() if k not in ("dur", "batches")} for row in history]


@pytest.mark.parametrize("cls", list(SETTINGS), ids=lambda c: c.__name__)
def test_resumed_run_equals_the_uninterrupted_one(cls, data, tmp_path):
    X, y, groups = data
    common = dict(SETTINGS[cls], max_epochs=7, patience=3, batch_size=32, verbose=0,
                  random_state=0)
    full = cls(**common).fit(X, y, groups=groups)
    first = cls(**{**common, "max_epochs": 3},
                callbacks=[("checkpoint", TrainingCheckpoint(tmp_path))]).fit(X, y, groups=groups)
    assert os.path.exists(os.path.join(first.checkpoint_dir_, "checkpoint.pt"))
    resumed = cls(**common, callbacks=[("checkpoint", TrainingCheckpoint(tmp_path))])
    resumed.fit(X, y, groups=groups, resume=first.checkpoint_dir_)
    assert resumed.checkpoint_dir_ == first.checkpoint_dir_  # it goes on writing there
    assert _scores(resumed.history) == _scores(full.history)
    np.testing.assert_array_equal(resumed.predict_proba(X), full.predict_proba(X))


def test_a_learning_rate_schedule_resumes_where_it_stopped(data, tmp_path):
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import StepLR

    X, y, groups = data
    common = dict(SETTINGS[CNNClassifier], max_epochs=6, patience=None, batch_size=32,
                  verbose=0, random_state=0)

    def callbacks():
        return [("lr", LRScheduler(StepLR, step_size=2, gamma=0.5)),
                ("checkpoint", TrainingCheckpoint(tmp_path))]

    full = CNNClassifier(**common, callbacks=callbacks()).fit(X, y, groups=groups)
    first = CNNClassifier(**{**common, "max_epochs": 3}, callbacks=callbacks()).fit(
        X, y, groups=groups)
    resumed = CNNClassifier(**common, callbacks=callbacks())
    resumed.fit(X, y, groups=groups, resume=first.checkpoint_dir_)
    lrs = [g["lr"] for g in resumed.optimizer_.param_groups]
    assert lrs == [g["lr"] for g in full.optimizer_.param_groups] == [1e-3 * 0.5 ** 3]
    assert _scores(resumed.history) == _scores(full.history)
    np.testing.assert_array_equal(resumed.predict_proba(X), full.predict_proba(X))


def test_parallel_fits_never_share_a_checkpoint_folder(data, tmp_path):
    """Fault: parallel fits (GridSearchCV n_jobs=2) with one checkpoint directory.
    Behaviour: each fit writes its own folder; none overwrites another."""
    X, y, groups = data
    clf = CNNClassifier(module__channels=(4,), max_epochs=1, verbose=0, random_state=0,
                        callbacks=[("checkpoint", TrainingCheckpoint(tmp_path))])
    GridSearchCV(clf, {"lr": [1e-3, 1e-2]}, cv=2, n_jobs=2).fit(X, y)
    runs = os.listdir(tmp_path)
    assert len(runs) == 2 * 2 + 1  # 2 settings x 2 folds, and the refit
    assert all(os.path.exists(tmp_path / r / "checkpoint.pt") for r in runs)


def test_bad_checkpoints_are_refused(data, tmp_path):
    """Fault: resuming from a checkpoint of another model, shape or class set, or a
    truncated one.
    Behaviour: refused, naming what differs (or that the file is unreadable)."""
    X, y, groups = data
    first = CNNClassifier(module__channels=(4,), max_epochs=1, verbose=0, random_state=0,
                          callbacks=[("c", TrainingCheckpoint(tmp_path))]).fit(X, y)
    folder = first.checkpoint_dir_
    with pytest.raises(ValueError, match=r"classes \['0', '1', '2'\], but this fit has"):
        CNNClassifier(module__channels=(4,), verbose=0).fit(X, (y + 1) % 4 + 10,
                                                            resume=folder)
    with pytest.raises(ValueError, match=r"\(channels, window\) \[3, 32\]"):
        CNNClassifier(module__channels=(4,), verbose=0).fit(X[:, :2], y, resume=folder)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        CNNClassifier(verbose=0).fit(X, y, resume=tmp_path / "nothing")
    path = os.path.join(folder, "checkpoint.pt")
    with open(path, "r+b") as fh:
        fh.truncate(100)
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        CNNClassifier(module__channels=(4,), verbose=0).fit(X, y, resume=folder)
    with pytest.raises(ValueError, match="cannot be resumed"):
        SFTNASClassifier(verbose=0).fit(X, y, resume=folder)
    with pytest.raises(ValueError, match="set augmenter=None to resume"):
        USADClassifier(augmenter="diffusion", verbose=0).fit(X, y, resume=folder)
    with pytest.raises(ValueError, match="'every' parameter of TrainingCheckpoint"):
        CNNClassifier(max_epochs=1, verbose=0,
                      callbacks=[("c", TrainingCheckpoint(tmp_path, every=0))]).fit(X, y)


CHILD = """
import json, sys, time
import torch
from skorch.callbacks import Callback
from sklearn_har.callbacks import TrainingCheckpoint
from sklearn_har.classifiers import CNNClassifier
from sklearn_har.datasets import make_har_windows

torch.set_num_threads(1)
X, y, groups = make_har_windows(n_windows=200, n_classes=3, n_timesteps=32, n_groups=5,
                                random_state=0)

class Slow(Callback):
    def on_epoch_end(self, net, **kwargs):
        with open(sys.argv[2], "w") as fh:
            fh.write(str(len(net.history)))
        time.sleep(0.3)

clf = CNNClassifier(module__channels=(8,), module__dropout=0.3, max_epochs=40, patience=None,
                    batch_size=32, verbose=0, random_state=0,
                    callbacks=[("checkpoint", TrainingCheckpoint(sys.argv[1])), ("slow", Slow())])
try:
    clf.fit(X, y, groups=groups)
    outcome = "finished"
except KeyboardInterrupt:
    outcome = "interrupted"
print(json.dumps({"outcome": outcome, "dir": clf.checkpoint_dir_, "epochs": len(clf.history),
                  "interrupted": clf.interrupted_, "usable": clf.predict(X[:5]).tolist()}))
"""


def test_ctrl_c_in_a_subprocess_then_resume(data, tmp_path):
    """Fault: Ctrl-C (SIGINT) during fit.
    Behaviour: training stops cleanly, the estimator predicts (best weights), the last
    epoch's checkpoint is on disk, and fit(resume=...) ends as an uninterrupted run."""
    X, y, groups = data
    script, marker = tmp_path / "child.py", tmp_path / "epochs"
    script.write_text(textwrap.dedent(CHILD))
    child = subprocess.Popen([sys.executable, str(script), str(tmp_path / "ckpt"), str(marker)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if marker.exists() and marker.read_text().strip() and int(marker.read_text()) >= 3:
            break
        if child.poll() is not None:
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["outcome"] == "interrupted" and report["interrupted"]
    assert len(report["usable"]) == 5  # the interrupted estimator still predicts
    done = torch.load(os.path.join(report["dir"], "checkpoint.pt"), weights_only=True)["epoch"]
    assert 3 <= done < 40
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        common = dict(module__channels=(8,), module__dropout=0.3, max_epochs=done + 3,
                      patience=None, batch_size=32, verbose=0, random_state=0)
        full = CNNClassifier(**common).fit(X, y, groups=groups)
        resumed = CNNClassifier(**common, callbacks=[
            ("checkpoint", TrainingCheckpoint(tmp_path / "ckpt"))])
        resumed.fit(X, y, groups=groups, resume=report["dir"])
    finally:
        torch.set_num_threads(threads)
    assert len(resumed.history) == done + 3
    assert _scores(resumed.history) == _scores(full.history)
    np.testing.assert_array_equal(resumed.predict_proba(X), full.predict_proba(X))
