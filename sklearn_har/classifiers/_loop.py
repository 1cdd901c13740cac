"""The fast epoch loop of NeuralWindowClassifier: steps, batches, NaN guard, Ctrl-C.

A mixin over skorch's ``NeuralNet``: it overrides ``infer`` (input
standardisation), ``get_loss`` (logits in, NLL / center-loss features
handled), the train and validation steps, ``run_single_epoch`` and
``fit_loop``, and adds ``_train``, skorch's ``partial_fit`` body with
interrupts told apart. The classifier that inherits it provides
``get_split_datasets``, ``get_iterator``, ``input_scaler_`` and
``on_nan_loss`` / ``on_interrupt``.
"""

import contextlib
import copy
import math
import signal
import threading
import warnings

import torch
from skorch.callbacks import Callback, ProgressBar
from skorch.dataset import get_len, unpack_data
from skorch.utils import to_tensor

from ..callbacks._checkpoint import restore_callback_states
from ..exceptions import NonFiniteLossError

__all__ = ["EpochLoopMixin"]


class _SigintSeen:
    received = False


@contextlib.contextmanager
def _watch_sigint():
    """Note whether SIGINT (Ctrl-C) arrives, keeping the current handler's effect.

    Signal handlers can only be set in the main thread; elsewhere nothing is
    installed and ``received`` stays False.
    """
    seen = _SigintSeen()
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):  # SIG_IGN / SIG_DFL: leave them alone
        yield seen
        return

    def handler(signum, frame):
        seen.received = True
        previous(signum, frame)

    signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


class EpochLoopMixin:
    """skorch's epoch loop, sped up and guarded (mixed into a ``NeuralNet``).

    - batch losses are read back once per epoch (not once per batch), and only
      the callbacks that override the batch hooks are called per batch;
    - a NaN/inf training or validation loss raises :class:`NonFiniteLossError`
      or, with ``on_nan_loss="restore"``, restores the last finite weights;
    - Ctrl-C ends training cleanly and is raised again unless
      ``on_interrupt="stop"``.
    """

    @property
    def _needs_features(self):
        return bool(getattr(getattr(self, "criterion_", None), "requires_features", False))

    def _input_norm(self, device):
        """(mean, scale) tensors of ``input_scaler_`` on ``device``, cached."""
        cache = self.__dict__.get("_input_norm_cache")
        if cache is None or cache[0] != device:
            scaler = self.input_scaler_
            shape = (1, -1, 1)
            mean = torch.as_tensor(scaler.mean_, dtype=torch.float32).reshape(shape)
            scale = torch.as_tensor(scaler.scale_, dtype=torch.float32).reshape(shape)
            cache = (device, mean.to(device), scale.to(device))
            self.__dict__["_input_norm_cache"] = cache
        return cache[1], cache[2]

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self.device)
        if x.dtype != torch.float32 and x.is_floating_point():
            x = x.float()
        if getattr(self, "input_scaler_", None) is not None:
            mean, scale = self._input_norm(x.device)
            x = (x - mean) / scale
        return self.module_(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        features = None
        if isinstance(y_pred, (tuple, list)):
            y_pred, features = y_pred[0], (y_pred[1] if len(y_pred) > 1 else None)
        if isinstance(self.criterion_, torch.nn.NLLLoss):
            return self.criterion_(torch.log_softmax(y_pred, dim=-1), y_true)
        if self._needs_features:
            if features is None:
                raise ValueError(
                    f"The criterion {type(self.criterion_).__name__} needs the "
                    "penultimate features, but the module returned logits only. Its "
                    "forward must return (logits, features) when called with "
                    "return_features=True."
                )
            return self.criterion_(y_pred, y_true, features=features)
        return self.criterion_(y_pred, y_true)

    def _forward_params(self, fit_params):
        if self._needs_features:
            return {**fit_params, "return_features": True}
        return fit_params

    def _set_training_once(self, training):
        # skorch sets the mode on every batch; module.train() walks all
        # submodules (tens of microseconds), so only switch when it changes
        module = getattr(self, "module_", None)
        if not isinstance(module, torch.nn.Module) or module.training != training:
            self._set_training(training)
            return
        criterion = getattr(self, "criterion_", None)
        if isinstance(criterion, torch.nn.Module) and criterion.training != training:
            self._set_training(training)

    def train_step_single(self, batch, **fit_params):
        self._set_training_once(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **self._forward_params(fit_params))
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        self._set_training_once(False)
        Xi, yi = unpack_data(batch)
        with torch.no_grad():
            y_pred = self.infer(Xi, **self._forward_params(fit_params))
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}

    def _overridden_hooks(self, name):
        """Bound ``name`` methods of the callbacks that define their own."""
        base = getattr(Callback, name)
        return [
            getattr(cb, name)
            for _, cb in getattr(self, "callbacks_", [])
            if getattr(type(cb), name, base) is not base
        ]

    def _log_batches_eagerly(self):
        return any(isinstance(cb, ProgressBar) for _, cb in getattr(self, "callbacks_", []))

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over ``iterator``; batch losses are read back at the end.

        skorch calls ``loss.item()`` after every batch, which waits for the GPU;
        here the detached losses are kept and copied to the host once per epoch
        (every batch when a progress bar needs them live).
        """
        if iterator is None:
            return
        eager = self._log_batches_eagerly()
        key = prefix + "_loss"
        pending = []
        batch_count = 0
        # skorch's notify() calls every callback's hook on every batch; call
        # only the callbacks that override the batch hooks (same order)
        begin_hooks = self._overridden_hooks("on_batch_begin")
        end_hooks = self._overridden_hooks("on_batch_end")
        for batch in iterator:
            self.on_batch_begin(self, batch=batch, training=training)
            for hook in begin_hooks:
                hook(self, batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            if eager:
                self.history.record_batch(key, step["loss"].item())
            else:
                pending.append(step["loss"].detach())
            self.history.record_batch(prefix + "_batch_size", get_len(batch[0]))
            self.on_batch_end(self, batch=batch, training=training, **step)
            for hook in end_hooks:
                hook(self, batch=batch, training=training, **step)
            batch_count += 1
        if pending:
            values = torch.stack(pending).float().cpu().tolist()
            rows = [b for b in self.history[-1]["batches"] if prefix + "_batch_size" in b]
            for row, value in zip(rows[-batch_count:], values):
                row[key] = value
        self.history.record(prefix + "_batch_count", batch_count)

    def _snapshot(self):
        state = {}
        for name in self._modules + self._criteria:
            obj = getattr(self, name + "_", None)
            if isinstance(obj, torch.nn.Module):
                state[name] = copy.deepcopy(obj.state_dict())
        return state, len(self.history)

    def _restore(self, snapshot):
        state, _ = snapshot
        for name, sd in state.items():
            getattr(self, name + "_").load_state_dict(sd)

    def _epoch_is_finite(self, prefix, snapshot):
        key = prefix + "_loss"
        losses = [b[key] for b in self.history[-1]["batches"] if key in b]
        bad = [i for i, v in enumerate(losses) if not math.isfinite(v)]
        if not bad:
            return True
        epoch = len(self.history)
        where = (
            f"The {prefix} loss became {losses[bad[0]]} at epoch {epoch} (batch "
            f"{bad[0] + 1} of {len(losses)})"
        )
        if self.on_nan_loss == "restore" and snapshot is not None:
            self._restore(snapshot)
            good = snapshot[1]
            self.history.record("nan_loss_restored", True)
            warnings.warn(
                f"{where}. Training stopped; the weights of "
                + (f"epoch {good}" if good else "initialisation")
                + " (the last with finite losses) were restored.",
                RuntimeWarning,
                stacklevel=4,
            )
            return False
        raise NonFiniteLossError(
            f"{where}. Training stopped instead of going on with broken weights. "
            f"Try a lower learning rate (lr={self.lr}), check X for extreme values, "
            "or pass on_nan_loss='restore' to keep the last finite weights."
        )

    def fit_loop(self, X, y=None, epochs=None, *, _routing_method="fit", groups=None, **fit_params):
        """skorch's fit loop with group-aware splitting and NaN/inf checks."""
        self.check_training_readiness()
        epochs = self.max_epochs if epochs is None else epochs
        dataset_train, dataset_valid = self.get_split_datasets(X, y, groups=groups)
        on_epoch_kwargs = {"dataset_train": dataset_train, "dataset_valid": dataset_valid}
        iterator_train = self.get_iterator(dataset_train, training=True)
        iterator_valid = None
        if dataset_valid is not None:
            iterator_valid = self.get_iterator(dataset_valid, training=False)
        snapshot = self._snapshot() if self.on_nan_loss == "restore" else None
        for _ in range(epochs):
            self.notify("on_epoch_begin", **on_epoch_kwargs)
            self.run_single_epoch(
                iterator_train, training=True, prefix="train",
                step_fn=self.train_step, **fit_params,
            )
            if not self._epoch_is_finite("train", snapshot):
                break
            self.run_single_epoch(
                iterator_valid, training=False, prefix="valid",
                step_fn=self.validation_step, **fit_params,
            )
            if not self._epoch_is_finite("valid", snapshot):
                break
            try:
                self.notify("on_epoch_end", **on_epoch_kwargs)
            except KeyboardInterrupt as exc:
                # skorch's way for a callback to end training (EarlyStopping)
                exc._sklearn_har_from_callback = True
                raise
            if snapshot is not None:
                snapshot = self._snapshot()
        return self

    def _train(self, X, y_enc, groups=None, **fit_params):
        """skorch's ``partial_fit`` body, with interrupts told apart and re-raised.

        skorch ends training on any ``KeyboardInterrupt`` and returns: the one
        an ``EarlyStopping`` callback raises, and a user's Ctrl-C alike. Here a
        Ctrl-C (seen by a SIGINT handler installed for the duration of training
        when this runs in the main thread; elsewhere, any interrupt not raised
        by an epoch-end callback) ends training the same clean way (the
        ``on_train_end`` callbacks run: best weights restored) and is then
        raised again, unless ``on_interrupt="stop"``.
        """
        self.interrupted_ = False
        self.notify("on_train_begin", X=X, y=y_enc)
        resumed = self.__dict__.pop("_resume_state", None)
        if resumed is not None:  # after on_train_begin, which resets the callbacks
            restore_callback_states(self, resumed)
        interrupt = None
        with _watch_sigint() as sigint:
            try:
                self.fit_loop(X, y_enc, groups=groups, **fit_params)
            except KeyboardInterrupt as exc:
                from_callback = getattr(exc, "_sklearn_har_from_callback", False)
                if sigint.received or not from_callback:
                    interrupt = exc
        if interrupt is not None:
            self.interrupted_ = True
            self.history.record("interrupted", True)
        self.notify("on_train_end", X=X, y=y_enc)
        if interrupt is not None and self.on_interrupt == "raise":
            raise interrupt
        return self

