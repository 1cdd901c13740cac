"""The skorch base classifier of every deep HAR model in sklearn_har."""

import contextlib
import copy
import inspect
import math
import numbers
import random
import signal
import threading
import warnings

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d
from skorch import NeuralNetClassifier
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    EpochTimer,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
)
from skorch.dataset import get_len, unpack_data
from skorch.utils import to_tensor
from torch.utils.data import DataLoader

from ..callbacks import DivergenceMonitor, ValidationScores
from ..exceptions import InputScaleWarning, NonFiniteLossError
from ..nn.losses import balanced_class_weights
from ..preprocessing import WindowScaler, channel_statistics
from ..utils._torch import resolve_device, seed_from_random_state
from ..utils.validation import check_labels_present, validate_windows
from ._data import BatchLoader, WindowDataset, WindowValidSplit

__all__ = ["NeuralWindowClassifier", "NonFiniteLossError"]

_DEFAULT_SPLIT = WindowValidSplit(0.2)
# normalize=False: a channel whose |mean| exceeds this many standard deviations
# gets an InputScaleWarning (standardised data: ~0; raw accelerometer: ~2-5)
_OFFSET_RATIO = 100.0


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


def _softmax(logits):
    return torch.softmax(logits, dim=-1)


def _identity(x):
    return x


def _flag(value):
    """True for a true bool / positive int (tolerates odd values set by checks)."""
    return isinstance(value, (bool, numbers.Integral)) and value > 0


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


class NeuralWindowClassifier(NeuralNetClassifier):
    """skorch ``NeuralNetClassifier`` for windows ``(n, channels, timesteps)``.

    Everything of skorch's API stays (``module__*``, ``criterion__*``,
    ``optimizer__*``, ``callbacks__<name>__*``, ``history``, ``partial_fit``,
    ``warm_start``), with these differences, all meant to make it safe inside
    scikit-learn pipelines and searches:

    - **Shapes are inferred.** ``n_channels``, ``n_timesteps`` and
      ``n_classes`` are read from the data at ``fit`` and passed to the module
      when its constructor takes them; explicit ``module__*`` values win. The
      criterion likewise receives ``n_classes``, ``samples_per_class`` (training
      class counts) and ``n_features`` (the module's ``n_features_out``) when it
      takes them. ``predict`` refuses windows with another channel count or
      length than at ``fit`` (and says when the axes look swapped).
    - **Labels** may be of any type (strings, ints); ``classes_`` is sorted as
      in scikit-learn and ``predict`` returns labels from it. X may be float64;
      the network computes in float32.
    - **Modules return logits.** ``predict_proba`` applies a softmax whatever
      the criterion (skorch applies one only for ``CrossEntropyLoss``); with
      ``torch.nn.NLLLoss`` the loss gets ``log_softmax(logits)``. A module may
      return ``(logits, features)`` when called with ``return_features=True``;
      this is done when the criterion has ``requires_features`` (center loss).
    - **Internal validation split:** :class:`WindowValidSplit`, stratified by
      class; ``fit(X, y, groups=subjects)`` splits by group instead, so that
      overlapping windows of one subject are never on both sides.
    - **Reproducible:** with an int ``random_state``, torch, numpy and Python's
      ``random`` are seeded before the module is built, and batches are
      shuffled by a generator seeded from it: two fits give identical
      predictions on CPU. (Seeding the global generators is a side effect, as
      with ``torch.manual_seed``.)
    - **Devices:** ``device="auto"`` takes CUDA when available, resolved at
      ``fit`` (``get_params()`` keeps ``"auto"``). Unfitted and fitted models
      pickle, deep-copy and ``clone`` (so ``GridSearchCV(..., n_jobs=2)`` and
      joblib work); a pickle round trip of a fitted model predicts exactly the
      same, and a model trained on a GPU loads on a CPU-only machine (skorch
      maps the weights and warns).
    - **Inputs are standardised** (``normalize=True``): each channel by its
      mean and standard deviation over the training windows
      (:class:`~sklearn_har.WindowScaler`, kept as ``input_scaler_`` and applied
      inside the model's forward pass, so ``predict`` and export use the
      same). Raw sensor units (one channel offset by 500) otherwise send a
      network to chance. ``partial_fit`` keeps the statistics of the first
      call.
    - **The benchmarked recipe is the default:** at most ``max_epochs=60``
      epochs, stopped when the validation loss has not improved for
      ``patience=10`` epochs, and the weights of the best epoch restored
      (skorch's ``EarlyStopping`` as the default callback ``early_stopping``;
      not added when ``train_split=None`` or when ``callbacks`` hold an
      ``EarlyStopping`` of their own). ``patience=None`` trains exactly
      ``max_epochs`` epochs.
    - **Ctrl-C** stops training cleanly (the epoch-end callbacks run, early
      stopping restores the best weights, so the model is usable) and then
      raises ``KeyboardInterrupt`` again (``on_interrupt="raise"``), so that a
      ``cross_val_score`` or a search stops instead of scoring a half-trained
      model. ``on_interrupt="stop"`` keeps skorch's behaviour for interactive
      use: ``fit`` returns the model trained so far.
    - **Finite divergence is warned about** (:class:`DivergenceMonitor`): a
      loss that grew by orders of magnitude, or a kept model that predicts one
      class for every validation window, gives a ``DivergenceWarning`` naming
      the epoch.
    - **Swapped axes are refused:** windows with more channels than time steps
      at ``fit`` are almost always ``(n, T, C)``; ``check_axes=False`` accepts
      them.
    - **Not fitted** is ``NotFittedError`` (skorch's ``__init__`` attributes
      would otherwise fool ``check_is_fitted``).
    - **NaN/inf loss** stops training with :class:`NonFiniteLossError`
      (``on_nan_loss="raise"``), or restores the weights of the last epoch whose
      losses were finite and stops with a warning (``"restore"``), instead of
      going on to predict a single class.
    - **Fast batches:** with the default ``DataLoader`` iterators, batches are
      sliced from tensors (one index per batch, no per-sample collate), the
      training windows are moved to the GPU once (``data_on_device``), and
      batch losses are read back once per epoch, not once per batch.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The network. Its ``forward(x, **kwargs)`` takes ``x`` of shape
        ``(B, C, T)`` and returns logits ``(B, n_classes)``; it must accept
        ``**kwargs`` (skorch forwards fit parameters to it).
    criterion : class or instance, default=torch.nn.CrossEntropyLoss
        Loss on logits (any loss in :mod:`sklearn_har.nn`, a
        :class:`~sklearn_har.nn.CompositeLoss`, or a torch loss).
    optimizer : class, default=torch.optim.AdamW
    lr : float, default=1e-3
    max_epochs : int, default=60
        Most epochs per ``fit`` (fewer when early stopping ends training).
    batch_size : int, default=64
    train_split : callable or None, default=WindowValidSplit(0.2)
        Internal validation split. None trains on all windows (no validation
        scores, no early stopping). skorch's ``ValidSplit`` and
        ``predefined_split`` work too (the latter with integer-encoded labels).
    patience : int or None, default=10
        Early stopping: epochs without a lower validation loss before training
        stops; the best epoch's weights are then restored. None (or 0) trains
        ``max_epochs`` epochs. Tunable as ``callbacks__early_stopping__*``
        too.
    normalize : bool, default=True
        Standardise each input channel with its mean and standard deviation
        over the training windows (``input_scaler_``). False feeds the windows
        as they are (for inputs already standardised, or a module that
        normalises itself); an ``InputScaleWarning`` then names a channel
        whose mean exceeds 100 times its standard deviation.
    class_weight : None, "balanced" or dict, default=None
        Class weights computed from the labels passed to each ``fit`` (so no
        weight leaks between cross-validation folds), given to the criterion as
        its ``weight`` argument (or ``alpha`` for a focal loss).
    random_state : int, RandomState instance or None, default=None
        Seed of weight initialisation, dropout, batch order and the internal
        split.
    device : "auto", str or torch.device, default="auto"
    on_nan_loss : {"raise", "restore"}, default="raise"
    on_interrupt : {"raise", "stop"}, default="raise"
        What Ctrl-C (``KeyboardInterrupt``) during ``fit`` does after training
        stopped cleanly: raise it again, so that cross-validation and searches
        stop, or ``"stop"``: return the model trained so far (skorch's
        behaviour, for interactive use). Early stopping is not an interrupt.
    check_axes : bool, default=True
        Refuse windows with more channels than time steps at ``fit``.
    data_on_device : "auto" or bool, default="auto"
        Move the training windows to the device once per ``fit`` ("auto": when
        they take less than a quarter of the free GPU memory).
    progress_bar : bool, default=False
        Show a per-batch progress bar (skorch's ``ProgressBar``, tqdm) besides
        the epoch table; ``verbose=0`` silences both.
    verbose : int, default=1
        1 prints skorch's table, one row per epoch.
    **kwargs
        Any other skorch parameter or ``module__*``, ``criterion__*``,
        ``optimizer__*``, ``iterator_train__*``, ``callbacks__*`` setting.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_channels_in_, n_timesteps_in_ : int
        Window shape seen at ``fit``.
    n_features_in_ : int
        ``n_channels_in_ * n_timesteps_in_``.
    class_counts_ : ndarray of shape (n_classes,)
        Training windows per class in the last ``fit``.
    input_scaler_ : WindowScaler or None
        The input standardisation fitted at ``fit`` (None when
        ``normalize=False``).
    interrupted_ : bool
        Whether the last ``fit`` / ``partial_fit`` was stopped by Ctrl-C.
    module_, criterion_, optimizer_, history_ : as in skorch.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.classifiers import NeuralWindowClassifier
    >>> from sklearn_har.datasets import make_har_windows
    >>> class TinyNet(torch.nn.Module):
    ...     def __init__(self, n_channels, n_classes):
    ...         super().__init__()
    ...         self.conv = torch.nn.Conv1d(n_channels, 8, 5, padding=2)
    ...         self.head = torch.nn.Linear(8, n_classes)
    ...     def forward(self, x, **kwargs):
    ...         return self.head(torch.relu(self.conv(x)).mean(-1))
    >>> X, y, groups = make_har_windows(n_windows=300, random_state=0)
    >>> clf = NeuralWindowClassifier(TinyNet, max_epochs=3, verbose=0, random_state=0)
    >>> clf.fit(X, y, groups=groups).predict(X[:4]).shape
    (4,)
    >>> clf.module_.conv.in_channels == X.shape[1]
    True
    """

    def __init__(
        self,
        module,
        *,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=60,
        batch_size=64,
        train_split=_DEFAULT_SPLIT,
        patience=10,
        normalize=True,
        class_weight=None,
        random_state=None,
        device="auto",
        on_nan_loss="raise",
        on_interrupt="raise",
        check_axes=True,
        data_on_device="auto",
        progress_bar=False,
        verbose=1,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.patience = patience
        self.normalize = normalize
        self.class_weight = class_weight
        self.random_state = random_state
        self.on_nan_loss = on_nan_loss
        self.on_interrupt = on_interrupt
        self.check_axes = check_axes
        self.data_on_device = data_on_device
        self.progress_bar = progress_bar

    # ------------------------------------------------------------------
    # scikit-learn parameter protocol
    # ------------------------------------------------------------------
    # "device" is a property: the parameter as given ("auto", "cuda", ...) is
    # kept in ``_device_param``; skorch's code reads ``self.device`` and gets
    # the device actually used (``device_resolved_``, set at initialisation).
    @property
    def device(self):
        resolved = self.__dict__.get("device_resolved_")
        return resolved if resolved is not None else self.__dict__.get("_device_param")

    @device.setter
    def device(self, value):
        self.__dict__["_device_param"] = value
        self.__dict__.pop("device_resolved_", None)

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_"; private state is not
        # a parameter (this also keeps skorch's _params_to_validate out).
        names = [k for k in super()._get_param_names() if not k.startswith("_")]
        return sorted(set(names) | {"device"})

    def get_params(self, deep=True, **kwargs):
        params = super().get_params(deep=deep, **kwargs)
        params["device"] = self.__dict__.get("_device_param")
        return params

    def _get_params_callbacks(self, deep=True):
        # skorch lists the user's callbacks only once initialised; list the
        # named ones before too, so get_params() shows callbacks__<name>__*.
        params = super()._get_params_callbacks(deep=deep)
        if not deep or hasattr(self, "callbacks_"):
            return params
        for item in self.callbacks or []:
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                continue
            name, cb = item
            if cb is None or isinstance(cb, type) or not hasattr(cb, "get_params"):
                continue
            params[f"callbacks__{name}"] = cb
            for key, value in cb.get_params().items():
                params[f"callbacks__{name}__{key}"] = value
        return params

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_input_norm_cache", None)  # tensors on the training device
        # skorch's __setstate__ maps the weights to state["device"]; before fit
        # there are none, and "auto" (kept unresolved) is no torch device
        resolved = self.__dict__.get("device_resolved_")
        state["device"] = resolved if resolved is not None else "cpu"
        return state

    def __setstate__(self, state):
        # skorch maps CUDA tensors to the CPU when CUDA is missing and rewrites
        # state["device"] (with a warning); that becomes the device in use.
        resolved = "device_resolved_" in state
        super().__setstate__(state)
        used = self.__dict__.pop("device", None)
        if resolved and used is not None:
            self.__dict__["device_resolved_"] = (
                str(used) if isinstance(used, torch.device) else used
            )

    def _own_early_stopping(self):
        """Whether the user's callbacks hold an EarlyStopping already."""
        for item in self.callbacks or []:
            cb = item[1] if isinstance(item, (tuple, list)) and len(item) == 2 else item
            if isinstance(cb, EarlyStopping) or (
                    isinstance(cb, type) and issubclass(cb, EarlyStopping)):
                return True
        return False

    @property
    def _default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("valid_scores", ValidationScores()),
            ("divergence", DivergenceMonitor()),
        ]
        if _flag(self.progress_bar) and _flag(self.verbose):
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.append(("print_log", PrintLog()))
        # after print_log: EarlyStopping ends training by raising from
        # on_epoch_end, and the table should show that last epoch
        # (a bad patience value is reported by _check_own_params at fit)
        patience = self.patience
        if (isinstance(patience, numbers.Integral) and not isinstance(patience, bool)
                and patience > 0 and self.train_split and not self._own_early_stopping()):
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss", patience=int(patience), load_best=True)))
        return callbacks

    def _check_own_params(self):
        name = type(self).__name__
        for param, allowed in (("on_nan_loss", ("raise", "restore")),
                               ("on_interrupt", ("raise", "stop"))):
            value = getattr(self, param)
            if not (isinstance(value, str) and value in allowed):
                raise ValueError(
                    f"The '{param}' parameter of {name} must be a str among "
                    f"{set(allowed)}. Got {value!r} instead."
                )
        for param in ("normalize", "check_axes"):
            value = getattr(self, param)
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(
                    f"The '{param}' parameter of {name} must be a bool. "
                    f"Got {value!r} instead."
                )
        p = self.patience
        if not (p is None or (isinstance(p, numbers.Integral) and not isinstance(p, bool)
                              and p >= 0)):
            raise ValueError(
                f"The 'patience' parameter of {name} must be an int >= 0 or None. "
                f"Got {p!r} instead."
            )
        if not (self.data_on_device == "auto" or isinstance(self.data_on_device, bool)):
            raise ValueError(
                f"The 'data_on_device' parameter of {name} must be 'auto' or a bool. "
                f"Got {self.data_on_device!r} instead."
            )
        cw = self.class_weight
        if not (cw is None or cw == "balanced" or isinstance(cw, dict)):
            raise ValueError(
                f"The 'class_weight' parameter of {name} must be None, 'balanced' or "
                f"a dict of label -> weight. Got {cw!r} instead."
            )
        rs = self.random_state
        if not (
            rs is None
            or isinstance(rs, np.random.RandomState)
            or (isinstance(rs, numbers.Integral) and not isinstance(rs, bool))
        ):
            raise ValueError(
                f"The 'random_state' parameter of {name} must be an int, a "
                f"numpy RandomState or None. Got {rs!r} instead."
            )

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

    def initialize(self):
        """Resolve the device, seed the generators, then build everything."""
        self._check_own_params()
        self._resolve_device()
        self._seed_everything()
        return super().initialize()

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
    # fitted state
    # ------------------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return bool(getattr(self, "initialized_", False)) and hasattr(self, "n_channels_in_")

    def check_is_fitted(self, attributes=None, *args, **kwargs):
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                "with appropriate arguments before using this estimator."
            )
        return super().check_is_fitted(attributes, *args, **kwargs)

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

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        return WindowDataset(X, y)

    def get_split_datasets(self, X, y=None, groups=None, **fit_params):
        dataset = self.get_dataset(X, y)
        if not self.train_split:
            return dataset, None
        if isinstance(self.train_split, WindowValidSplit):
            return self.train_split(dataset, y, groups=groups, random_state=self.split_seed_)
        if groups is not None:
            return self.train_split(dataset, y, groups=groups)
        return self.train_split(dataset, y)

    def _want_on_device(self, dataset):
        if torch.device(self.device).type != "cuda" or dataset.X.device.type == "cuda":
            return False
        if isinstance(self.data_on_device, bool):
            return self.data_on_device
        free, _ = torch.cuda.mem_get_info(torch.device(self.device))
        return dataset.nbytes < free / 4

    def get_iterator(self, dataset, training=False):
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        iterator = self.iterator_train if training else self.iterator_valid
        batch_size = kwargs.pop("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        shuffle = kwargs.pop("shuffle", training)
        if (
            iterator is DataLoader
            and isinstance(dataset, WindowDataset)
            and set(kwargs) <= {"drop_last"}
        ):
            if self._want_on_device(dataset):
                dataset = dataset.to(self.device)
            return BatchLoader(
                dataset,
                batch_size,
                shuffle=shuffle,
                drop_last=kwargs.get("drop_last", False),
                rng=getattr(self, "rng_", None),
            )
        if iterator is DataLoader and shuffle and "generator" not in kwargs:
            rng = getattr(self, "rng_", None) or np.random.default_rng()
            kwargs["generator"] = torch.Generator().manual_seed(int(rng.integers(2**62)))
        return iterator(dataset, batch_size=batch_size, shuffle=shuffle, **kwargs)

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------
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

    def _refuse_sample_weight(self, fit_params):
        if "sample_weight" in fit_params:
            raise ValueError(
                f"{type(self).__name__} does not support sample_weight (it would "
                "otherwise be passed to the module and ignored); weight the classes "
                "with class_weight= or a weighted criterion instead."
            )

    def fit(self, X, y, groups=None, **fit_params):
        """Initialise (unless ``warm_start``) and train for ``max_epochs``.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_channels, n_timesteps)
            2-D ``(n, T)`` is read as one channel.
        y : array-like of shape (n_windows,)
        groups : array-like of shape (n_windows,), default=None
            Subject (or recording) of each window: the internal validation
            split then keeps each group on one side.
        **fit_params
            Passed to the module's ``forward`` (skorch's convention).
        """
        self._refuse_sample_weight(fit_params)
        self._check_own_params()
        reinit = not self.warm_start or not self.initialized_ or not hasattr(
            self, "n_channels_in_"
        )
        X, y_enc = self._prepare_fit(X, y, reset=reinit)
        if reinit:
            self.initialize()
        return self._train(X, y_enc, groups=groups, **fit_params)

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

    def partial_fit(self, X, y, classes=None, groups=None, **fit_params):
        """Train ``max_epochs`` more epochs, keeping the weights.

        The first call builds the network (``classes`` may then name labels not
        in this ``y``); later calls continue from the current weights, optimizer
        state and history. This is the seeds' recipe: pre-train on synthetic
        windows, then fine-tune on real ones::

            clf.partial_fit(X_synthetic, y_synthetic)   # builds and pre-trains
            clf.set_params(lr=1e-4)                     # optional: smaller steps
            clf.partial_fit(X_real, y_real)             # continues training

        (``set_params`` of ``lr`` or other optimizer settings re-creates the
        optimizer, as in skorch.)
        """
        self._refuse_sample_weight(fit_params)
        self._check_own_params()
        first = not self.initialized_ or not hasattr(self, "n_channels_in_")
        X, y_enc = self._prepare_fit(X, y, reset=first, classes=classes)
        if first:
            self.initialize()
        return self._train(X, y_enc, groups=groups, **fit_params)

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _get_predict_nonlinearity(self):
        nonlin = self.predict_nonlinearity
        if nonlin is None:
            return _identity
        if isinstance(nonlin, str) and nonlin == "auto":
            return _softmax
        if not callable(nonlin):
            raise TypeError("predict_nonlinearity has to be a callable, 'auto' or None")
        return nonlin

    def evaluation_step(self, batch, training=False):
        Xi, _ = unpack_data(batch)
        with torch.set_grad_enabled(training):
            self._set_training(training)
            return self.infer(Xi)

    def predict_proba(self, X):
        """Class probabilities, shape ``(n_windows, n_classes)``, float64.

        A softmax of the module's logits (``predict_nonlinearity="auto"``),
        whatever the criterion.
        """
        self.check_is_fitted()
        X = validate_windows(self, X, reset=False)
        nonlin = self._get_predict_nonlinearity()
        chunks = []
        for yp in self.forward_iter(X, training=False, device=self.device):
            yp = yp[0] if isinstance(yp, (tuple, list)) else yp
            chunks.append(nonlin(yp))
        return torch.cat(chunks).double().cpu().numpy()

    def predict(self, X):
        """Predicted labels, from ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
