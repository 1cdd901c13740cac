"""What ``fit`` sets up before training: labels, input scaling, device, seeds,
and the module and criterion built with the arguments read from the data."""

import inspect
import random
import warnings

import numpy as np
import torch
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ..exceptions import InputScaleWarning
from ..nn.losses import balanced_class_weights
from ..preprocessing import WindowScaler, channel_statistics
from ..utils._torch import resolve_device, seed_from_random_state
from ..utils.validation import check_labels_present, validate_windows

__all__ = ["FitSetupMixin"]

# normalize=False: a channel whose |mean| exceeds this many standard deviations
# gets an InputScaleWarning (standardised data: ~0; raw accelerometer: ~2-5)
_OFFSET_RATIO = 100.0


def _accepted_args(factory):
    """Names of the keyword arguments ``factory(...)`` accepts (no **kwargs)."""
    target = factory.__init__ if isinstance(factory, type) else factory
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return set()
    return {
        name
        for name, p in params.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


class FitSetupMixin:
    """Labels, input scaler, device, seeds, module and criterion of a window
    classifier (mixed into a skorch ``NeuralNet``)."""

    # ------------------------------------------------------------------
    # initialisation: device, seeds, inferred module / criterion arguments
    # ------------------------------------------------------------------
    def _resolve_device(self):
        self.__dict__["device_resolved_"] = resolve_device(self.__dict__.get("_device_param"))

    def _seed_everything(self):
        if self.random_state is None:
            self.rng_ = np.random.default_rng()
            self.split_seed_ = None
            return
        seed = seed_from_random_state(self.random_state)
        torch.manual_seed(seed)
        np.random.seed(seed % 2**32)
        random.seed(seed)
        self.rng_ = np.random.default_rng(seed)
        self.split_seed_ = seed % 2**32

    def _inferred_module_args(self, factory):
        if not hasattr(self, "n_channels_in_"):
            return {}
        known = {
            "n_channels": self.n_channels_in_,
            "n_timesteps": self.n_timesteps_in_,
            "n_classes": len(self.classes_),
        }
        accepted = _accepted_args(factory)
        return {k: v for k, v in known.items() if k in accepted}

    def initialize_module(self):
        kwargs = self.get_params_for("module")
        if not isinstance(self.module, torch.nn.Module):
            kwargs = {**self._inferred_module_args(self.module), **kwargs}
        try:
            self.module_ = self.initialized_instance(self.module, kwargs)
        except TypeError as exc:
            if hasattr(self, "n_channels_in_"):
                raise
            raise TypeError(
                f"{exc}. {type(self).__name__} passes n_channels, n_timesteps and "
                "n_classes to the module when it sees the data in fit; to build the "
                "network before that (initialize()), pass them as module__n_channels=... "
                "etc."
            ) from exc
        return self

    def _class_weight_tensor(self):
        n_classes = len(self.classes_)
        if self.class_weight == "balanced":
            y = np.repeat(np.arange(n_classes), self.class_counts_)
            return balanced_class_weights(y, n_classes=n_classes)
        weights = np.ones(n_classes)
        unknown = [k for k in self.class_weight if k not in set(self.classes_.tolist())]
        if unknown:
            raise ValueError(
                f"class_weight names label {unknown[0]!r}, which is not among the "
                f"classes {self.classes_.tolist()}."
            )
        for i, label in enumerate(self.classes_.tolist()):
            if label in self.class_weight:
                weights[i] = float(self.class_weight[label])
        return torch.as_tensor(weights, dtype=torch.get_default_dtype())

    def _inferred_criterion_args(self, factory):
        if not hasattr(self, "class_counts_"):
            return {}
        accepted = _accepted_args(factory)
        args = {}
        if "n_classes" in accepted:
            args["n_classes"] = len(self.classes_)
        if "samples_per_class" in accepted:
            args["samples_per_class"] = self.class_counts_.tolist()
        n_features = getattr(self.module_, "n_features_out", None)
        if "n_features" in accepted and n_features is not None:
            args["n_features"] = int(n_features)
        if self.class_weight is not None:
            weights = self._class_weight_tensor()
            if "weight" in accepted:
                args["weight"] = weights
            elif "alpha" in accepted:
                args["alpha"] = weights
            else:
                raise ValueError(
                    f"class_weight={self.class_weight!r} needs a criterion with a "
                    f"'weight' or 'alpha' argument; {getattr(factory, '__name__', factory)} "
                    "has neither."
                )
        return args

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        if not isinstance(self.criterion, torch.nn.Module):
            kwargs = {**self._inferred_criterion_args(self.criterion), **kwargs}
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    # ------------------------------------------------------------------
    # data
    # ------------------------------------------------------------------
    def _validate_y(self, y, n_windows):
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        y = column_or_1d(y, warn=True)
        if y.shape[0] != n_windows:
            raise ValueError(
                f"X has {n_windows} windows but y has {y.shape[0]} labels; pass one "
                "label per window."
            )
        check_labels_present(y)
        check_classification_targets(y)
        return y

    def _encode(self, y, classes):
        sorter = np.argsort(classes, kind="stable")
        pos = np.searchsorted(classes, y, sorter=sorter)
        pos = np.clip(pos, 0, len(classes) - 1)
        codes = sorter[pos]
        unknown = classes[codes] != y
        if unknown.any():
            raise ValueError(
                f"y contains label {y[unknown][0].tolist()!r}, which is not among the classes "
                f"{classes.tolist()} this {type(self).__name__} was fitted on."
            )
        return codes.astype(np.int64)

    def _prepare_fit(self, X, y, *, reset, classes=None):
        X = validate_windows(self, X, reset=reset)
        y = self._validate_y(y, X.shape[0])
        if reset:
            if classes is None:
                classes = self.classes
            if classes is not None:
                classes = np.unique(np.asarray(classes))
            else:
                classes = np.unique(y)
                if classes.shape[0] < 2:
                    raise ValueError(
                        f"{type(self).__name__} needs at least 2 classes in y to "
                        f"train; got 1 class: {classes.tolist()}."
                    )
            self.classes_inferred_ = classes
        y_enc = self._encode(y, np.asarray(self.classes_))
        if reset:
            self.class_counts_ = np.bincount(y_enc, minlength=len(self.classes_))
            self.input_scaler_ = (
                WindowScaler(check_axes=False).fit(X) if self.normalize else None)
            self.__dict__.pop("_input_norm_cache", None)
            if not self.normalize:
                self._warn_unscaled(X)
        return X, y_enc

    def _warn_unscaled(self, X):
        """Warn when ``normalize=False`` meets a channel whose offset dwarfs it."""
        mean, std = channel_statistics(X)
        ratio = np.abs(mean) / np.where(std > 0, std, np.inf)
        bad = np.flatnonzero(ratio > _OFFSET_RATIO)
        if bad.size:
            c = int(bad[np.argmax(ratio[bad])])
            warnings.warn(
                f"normalize=False, and {bad.size} input channel(s) have a mean more than "
                f"{_OFFSET_RATIO:g} times their standard deviation (channel {c}: mean "
                f"{mean[c]:.4g}, std {std[c]:.4g}): raw units or a sensor offset, which "
                "can keep a network at chance. Use normalize=True (the default) or "
                "standardise the windows first (WindowScaler).",
                InputScaleWarning,
                stacklevel=4,
            )

    @property
    def classes_(self):
        if self.classes is not None and not hasattr(self, "classes_inferred_"):
            return np.unique(np.asarray(self.classes))
        try:
            return self.classes_inferred_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit."
            ) from None

