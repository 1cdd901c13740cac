"""The skorch base classifier of every deep HAR model in sklearn_har.

One concern a module: ``_setup`` (labels, input scaling, device, seeds, module
and criterion built from the data), ``_data`` (datasets, batch loader, split),
``_loop`` (the epoch loop, NaN guard, Ctrl-C); this file holds the parameters,
the default callbacks and the public ``fit`` / ``predict`` faces.
"""

import os
from numbers import Integral

import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints
from skorch import NeuralNetClassifier
from skorch.callbacks import (
    EarlyStopping,
    EpochTimer,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
)
from skorch.dataset import unpack_data

from ..callbacks import DivergenceMonitor, ValidationScores
from ..exceptions import NonFiniteLossError
from ..utils._docstring import fill_doc
from ..utils._tags import window_input_tags
from ..utils.validation import validate_windows, warn_unseen_labels
from ._data import IntervalNotBool, LoaderMixin, WindowValidSplit
from ._loop import EpochLoopMixin
from ._setup import FitSetupMixin

__all__ = ["NeuralWindowClassifier", "NonFiniteLossError"]

_DEFAULT_SPLIT = WindowValidSplit(0.2)


def _softmax(logits):
    return torch.softmax(logits, dim=-1)


def _identity(x):
    return x


def _flag(value):
    """True for a true bool / positive int (tolerates odd values set by checks)."""
    return isinstance(value, (bool, Integral)) and value > 0


@fill_doc
class NeuralWindowClassifier(
        EpochLoopMixin, LoaderMixin, FitSetupMixin, NeuralNetClassifier):
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
    {params: *}

    Attributes
    ----------
    {fitted_attributes}

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

    # the history key early stopping watches (a subclass whose loss changes its
    # weights during training watches a comparable one)
    _early_stopping_monitor = "valid_loss"

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
        if (isinstance(patience, Integral) and not isinstance(patience, bool)
                and patience > 0 and self.train_split and not self._own_early_stopping()):
            callbacks.append(("early_stopping", EarlyStopping(
                monitor=self._early_stopping_monitor, patience=int(patience), load_best=True)))
        return callbacks

    # the parameters this class adds to skorch's (skorch validates its own);
    # checked at fit / partial_fit / initialize
    _parameter_constraints: dict = {
        "patience": [IntervalNotBool(Integral, 0, None, closed="left"), None],
        "normalize": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "random_state": ["random_state"],
        "on_nan_loss": [StrOptions({"raise", "restore"})],
        "on_interrupt": [StrOptions({"raise", "stop"})],
        "check_axes": ["boolean"],
        "data_on_device": [StrOptions({"auto"}), "boolean"],
    }

    def _check_own_params(self):
        """Validate ``_parameter_constraints`` (scikit-learn's error template:
        "The 'on_nan_loss' parameter of CNNClassifier must be a str among ...")."""
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )

    def initialize(self):
        """Resolve the device, seed the generators, then build everything."""
        self._check_own_params()
        self._resolve_device()
        self._seed_everything()
        return super().initialize()

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
    # training
    # ------------------------------------------------------------------
    def _refuse_sample_weight(self, fit_params):
        if "sample_weight" in fit_params:
            raise ValueError(
                f"{type(self).__name__} does not support sample_weight (it would "
                "otherwise be passed to the module and ignored); weight the classes "
                "with class_weight= or a weighted criterion instead."
            )

    def fit(self, X, y, groups=None, resume=None, **fit_params):
        """Initialise (unless ``warm_start``) and train for ``max_epochs``.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_channels, n_timesteps)
            2-D ``(n, T)`` is read as one channel.
        y : array-like of shape (n_windows,)
        groups : array-like of shape (n_windows,), default=None
            Subject (or recording) of each window: the internal validation
            split then keeps each group on one side.
        resume : str or path-like, optional
            A checkpoint of :class:`~sklearn_har.callbacks.TrainingCheckpoint`
            (its run folder, ``checkpoint_dir_``, or the file): the weights,
            optimizer, history, callbacks' state and random generators are
            restored and training goes on to ``max_epochs`` epochs in all, as if
            it had never stopped (same data and parameters needed; another
            estimator, input shape or class set is refused).
        **fit_params
            Passed to the module's ``forward`` (skorch's convention).
        """
        self._refuse_sample_weight(fit_params)
        self._check_own_params()
        if resume is not None:
            return self._resume(X, y, groups, resume, fit_params)
        reinit = not self.warm_start or not self.initialized_ or not hasattr(
            self, "n_channels_in_"
        )
        X, y_enc = self._prepare_fit(X, y, reset=reinit)
        if reinit:
            self.initialize()
        return self._train(X, y_enc, groups=groups, **fit_params)

    def _resume(self, X, y, groups, resume, fit_params):
        from ..callbacks._checkpoint import (
            check_compatible,
            load_training_state,
            restore_training_state,
        )

        state = load_training_state(resume)
        X, y_enc = self._prepare_fit(X, y, reset=True)
        self.initialize()
        check_compatible(self, state, resume)
        restore_training_state(self, state)
        folder = os.fspath(resume)
        self._resume_dir = folder if os.path.isdir(folder) else os.path.dirname(folder)
        self._resume_state = state
        try:
            return self._train(X, y_enc, groups=groups,
                               epochs=max(0, self.max_epochs - state["epoch"]), **fit_params)
        finally:
            self.__dict__.pop("_resume_dir", None)
            self.__dict__.pop("_resume_state", None)

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

    def score(self, X, y, sample_weight=None):
        """Accuracy on windows ``X``; labels never seen at ``fit`` count as errors and
        are warned about (:class:`~sklearn_har.exceptions.UnseenLabelWarning`)."""
        from sklearn.metrics import accuracy_score

        self.check_is_fitted()
        warn_unseen_labels(y, self.classes_, type(self).__name__)
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    # ------------------------------------------------------------------
    # persistence
    # ------------------------------------------------------------------
    def save(self, path):
        """Write this fitted classifier to the file ``path`` as data: parameters, fitted
        attributes and history as JSON, the network's tensors as safetensors (no
        pickle). ``sklearn_har.load(path)`` reads it back; see
        :func:`sklearn_har.persistence.save`."""
        from ..persistence import save

        return save(self, path)

    def _saved_architecture(self):
        """What rebuilds ``module_`` beyond the parameters (None: the parameters do)."""
        return None

    def _restore_architecture(self, spec):  # pragma: no cover - only overridden
        raise TypeError(f"{type(self).__name__} saves no architecture to restore.")

    # ------------------------------------------------------------------
    # edge
    # ------------------------------------------------------------------
    def export_edge(self, path, target="pi", calibration=None, **kwargs):
        """Write verified edge artefacts of this fitted classifier into the folder ``path``.

        ``target="pi"``: ONNX fp32 (+ int8 where it pays); ``target="mcu"``: a
        full-int8 ``.tflite`` and its C array. See
        :func:`sklearn_har.export.export_edge` for every option.

        Returns
        -------
        sklearn_har.export.ExportResult
        """
        from ..export import export_edge

        return export_edge(self, path, target, calibration, **kwargs)

    def __sklearn_tags__(self):
        tags = window_input_tags(super().__sklearn_tags__())
        tags.non_deterministic = self.random_state is None
        return tags
