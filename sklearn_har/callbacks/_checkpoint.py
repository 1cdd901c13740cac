"""Checkpoints of the whole training state, and resuming from them exactly.

:class:`TrainingCheckpoint` writes, after every epoch (``every``), everything the
next epoch depends on: the network's, the criterion's and the optimizer's state,
the history, the fitted state of every callback (early stopping's best weights
and patience count, the adaptive loss weights, a learning-rate scheduler's state,
...) and every random generator (torch's, numpy's global one, Python's, and the
classifier's batch-shuffling generator). ``fit(X, y, resume=path)`` restores all
of it after the callbacks' ``on_train_begin`` and trains the remaining epochs, so
that on the CPU a run interrupted after epoch ``k`` and resumed gives the same
history from epoch ``k`` on and the same predictions as a run never interrupted.

Each ``fit`` writes into its own folder under ``dirname`` (``<class>-<UTC
time>-<process>-<random>``, kept as ``checkpoint_dir_`` on the classifier), so
parallel fits (``GridSearchCV(n_jobs=...)``) never share one. A checkpoint is
written to a temporary file, fsync'ed and renamed: an interrupt while writing
leaves the previous one intact. The file is read with ``torch.load(...,
weights_only=True)``: tensors and plain containers only, no code.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid

import numpy as np
import torch
from skorch.callbacks import Callback

from ..utils._io import atomic_write

__all__ = ["TrainingCheckpoint", "load_training_state", "restore_training_state",
           "training_state"]

FILE = "checkpoint.pt"
#: bumped when the checkpoint's layout changes
VERSION = 1


def _plain(value):
    """``value`` as tensors and plain containers (what weights_only loading accepts),
    or None when it is not data (an open file, a progress bar)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"__ndarray__": torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        if any(i is None and v is not None for i, v in zip(items, value)):
            return None
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        if not all(isinstance(k, (str, int)) for k in value):
            return None
        items = {k: _plain(v) for k, v in value.items()}
        if any(items[k] is None and value[k] is not None for k in value):
            return None
        return items
    if (not isinstance(value, type) and hasattr(value, "state_dict")
            and hasattr(value, "load_state_dict")):
        return {"__state_dict__": _plain(value.state_dict())}
    return None


def _unplain(value, current=None):
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_unplain(v) for v in value["__tuple__"])
        if "__ndarray__" in value:
            return value["__ndarray__"].numpy().copy()
        if "__state_dict__" in value:
            if current is None or not hasattr(current, "load_state_dict"):
                raise ValueError("a checkpoint holds an object's state, but the callback has "
                                 "no such object to load it into.")
            current.load_state_dict(_unplain(value["__state_dict__"]))
            return current
        return {k: _unplain(v) for k, v in value.items()}
    return value


def _callback_state(cb):
    """The fitted state (attributes ending in ``_``) of a callback that is data."""
    state, skipped = {}, []
    for key, value in vars(cb).items():
        if not key.endswith("_") or key.startswith("_") or key.endswith("__"):
            continue
        plain = _plain(value)
        if plain is None and value is not None:
            skipped.append(key)
        else:
            state[key] = plain
    return state, skipped


def _rng_states(net):
    np_state = np.random.get_state()
    return {
        "torch": torch.random.get_rng_state(),
        "cuda": (torch.stack(torch.cuda.get_rng_state_all())
                 if torch.cuda.is_available() and torch.cuda.is_initialized() else None),
        "numpy": {"__tuple__": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)),
                                int(np_state[2]), int(np_state[3]), float(np_state[4])]},
        "python": _plain(random.getstate()),
        "batches": (_plain(net.rng_.bit_generator.state)
                    if getattr(net, "rng_", None) is not None else None),
    }


def _set_rng_states(net, states):
    torch.random.set_rng_state(states["torch"])
    if states["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(list(states["cuda"]))
    kind, keys, pos, has_gauss, cached = states["numpy"]["__tuple__"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = _unplain(states["python"])
    random.setstate((version, tuple(internal), gauss))
    if states["batches"] is not None and getattr(net, "rng_", None) is not None:
        net.rng_.bit_generator.state = _unplain(states["batches"])


def _sanitize(value):
    """Numpy scalars anywhere in a state as Python numbers (weights_only loading refuses
    them); the structure is kept."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _sanitize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitize(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_sanitize(v) for v in value)
    return value


def _json_history(history):
    return json.loads(json.dumps(list(history), default=float))


def training_state(net):
    """Everything the next epoch of ``net`` depends on, as tensors and plain containers."""
    callbacks, skipped = {}, {}
    for name, cb in getattr(net, "callbacks_", []):
        callbacks[name], skipped[name] = _callback_state(cb)
    return {
        "version": VERSION,
        "estimator": type(net).__name__,
        "shape": [int(net.n_channels_in_), int(net.n_timesteps_in_)],
        "classes": [str(c) for c in net.classes_],
        "epoch": len(net.history),
        "module": net.module_.state_dict(),
        "criterion": net.criterion_.state_dict(),
        "optimizer": net.optimizer_.state_dict(),
        "history": _json_history(net.history),
        "callbacks": callbacks,
        "skipped": {k: v for k, v in skipped.items() if v},
        "rng": _rng_states(net),
    }


def save_training_state(net, folder):
    """Write :func:`training_state` into ``folder`` atomically (temporary file, fsync,
    rename)."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, FILE)
    with atomic_write(path) as fh:
        torch.save(_sanitize(training_state(net)), fh)
    return path


def load_training_state(path):
    """A checkpoint written by :class:`TrainingCheckpoint` (a folder or its file),
    read without running code (``weights_only=True``)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"resume: no checkpoint at {path} (TrainingCheckpoint writes "
                                f"<run folder>/{FILE}).")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated or not a checkpoint
        raise ValueError(f"resume: {path} is not a readable checkpoint ({exc}).") from None
    if not isinstance(state, dict) or state.get("version") != VERSION:
        raise ValueError(f"resume: {path} is not a sklearn_har checkpoint of version "
                         f"{VERSION}.")
    return state


def check_compatible(net, state, source):
    """Refuse a checkpoint of another estimator, input shape or class set."""
    mine = (type(net).__name__, [int(net.n_channels_in_), int(net.n_timesteps_in_)],
            [str(c) for c in net.classes_])
    theirs = (state["estimator"], state["shape"], state["classes"])
    for what, a, b in zip(("estimator", "(channels, window)", "classes"), theirs, mine):
        if a != b:
            raise ValueError(f"resume: {source} is a checkpoint of {what} {a}, but this fit "
                             f"has {b}.")


def restore_training_state(net, state):
    """Load the weights, optimizer, history and random generators of ``state`` into
    ``net`` (before training); the callbacks' state follows in
    :func:`restore_callback_states`, after their ``on_train_begin``."""
    from skorch.history import History

    net.module_.load_state_dict(state["module"])
    net.criterion_.load_state_dict(state["criterion"])
    net.optimizer_.load_state_dict(state["optimizer"])
    net.history_ = History(state["history"])
    _set_rng_states(net, state["rng"])


def restore_callback_states(net, state):
    for name, cb in getattr(net, "callbacks_", []):
        if isinstance(cb, TrainingCheckpoint):  # it keeps writing where it resumed
            continue
        for key, value in state["callbacks"].get(name, {}).items():
            setattr(cb, key, _unplain(value, getattr(cb, key, None)))


class TrainingCheckpoint(Callback):
    """Save the whole training state after every ``every`` epochs, to resume exactly.

    Parameters
    ----------
    dirname : str, default="checkpoints"
        Each ``fit`` writes ``<dirname>/<class>-<UTC time>-<pid>-<random>/checkpoint.pt``
        (the folder is the classifier's ``checkpoint_dir_``); a resumed fit keeps
        writing the folder it resumed from.
    every : int, default=1

    Examples
    --------
    >>> from sklearn_har import CNNClassifier
    >>> from sklearn_har.callbacks import TrainingCheckpoint
    >>> clf = CNNClassifier(callbacks=[("checkpoint", TrainingCheckpoint("ckpt"))])
    >>> # clf.fit(X, y) ... interrupted; then, in a new process:
    >>> # clf.fit(X, y, resume=clf.checkpoint_dir_)   # or the folder's path
    """

    def __init__(self, dirname="checkpoints", every=1):
        self.dirname = dirname
        self.every = every

    def initialize(self):
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"The 'every' parameter of TrainingCheckpoint must be an int >= 1."
                             f" Got {self.every!r} instead.")
        self.run_dir_ = None
        return self

    def on_train_begin(self, net, **kwargs):
        resumed = getattr(net, "_resume_dir", None)
        if resumed is not None:
            self.run_dir_ = resumed
        elif self.run_dir_ is None or not getattr(net, "warm_start", False):
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            self.run_dir_ = os.path.join(
                os.fspath(self.dirname),
                f"{type(net).__name__}-{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        os.makedirs(self.run_dir_, exist_ok=True)
        net.checkpoint_dir_ = self.run_dir_

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) % self.every == 0:
            save_training_state(net, self.run_dir_)
