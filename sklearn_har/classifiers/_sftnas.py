"""SFTNASClassifier: seed 003's hardware-aware search (sensors, filters, time), then the
found network trained (search -> derive -> prune -> fine-tune, in one ``fit``)."""

import math
import sys
import time
from numbers import Integral, Real
from typing import ClassVar

import torch
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.utils import to_tensor

from ..exceptions import NonFiniteLossError
from ..nn.layers import temperature
from ..nn.models.sftnas import BACKENDS, SFTNASNet, SFTNet
from ..nn.profile import count_macs, count_params, peak_activation_bytes
from ..utils._docstring import fill_doc
from ._base import NeuralWindowClassifier
from ._data import IntervalNotBool

__all__ = ["SFTNASClassifier"]


def _batches(iterator):
    """Endless batches of a (re-shuffling) loader."""
    while True:
        empty = True
        for batch in iterator:
            empty = False
            yield batch
        if empty:
            raise ValueError("SFTNASClassifier: the validation split has no window.")


@fill_doc
class SFTNASClassifier(NeuralWindowClassifier):
    """SFTNAS (seed 003): search the first stage of a HAR network under a MAC and an SRAM
    budget, prune it physically, then train the network found.

    ``fit`` runs the whole method:

    1. **Search** (``search_epochs`` epochs) on the supernet
       :class:`~sklearn_har.nn.models.SFTNASNet`: a DCS mask on the input sensor
       channels; ``N = floor(log2(T / 4))`` stride-2 layers interleaved with
       stride-1 layers, each choosing among convolutions of kernel 1, 3, 5, 7 (and
       an identity in stride-1 layers) by Gumbel-max with the temperature
       ``tau0 * exp(-tau_decay * epoch)``; a DCS mask on every convolution's
       filters; then the later stages of ``backend``. Bi-level, first order (as
       DARTS' first-order variant: the architecture step uses the current weights
       instead of one unrolled step): per training batch, one Adam step of the
       architecture logits on a validation batch (``arch_lr``, betas
       ``arch_betas``, ``arch_weight_decay``), then one Adam step of the weights
       and mask scores on the training batch (``search_lr``). Both minimise
       cross-entropy ``+ beta1 * L_complexity + beta2 * L_memory``: eq. 11 (the
       squared MACs of the chosen operators with the kept filters and sensors, in
       units of the largest stage of the space) and eq. 13 (``log(PMem / L_Mem)``
       when the peak int8 activation memory of the stage, eq. 12, exceeds
       ``max_memory_kb`` KiB).
    2. **Derive**: each layer's most likely operator, its kept filters and the
       kept sensors; pruned sensors and filters are removed from the tensors
       (the input is sliced, convolutions are smaller), and the later stage is
       rebuilt at the width found (``F`` = filters of the last layer, ``C'`` =
       kept sensors), as TinyHAR's and DeepConvLSTM's widths follow their filter
       count.
    3. **Fine-tune** the derived network like any classifier of the library
       (``optimizer``, ``lr``, ``max_epochs``, ``patience``, ``batch_size``); the
       searched first-stage weights are kept, the rebuilt later stage starts
       fresh.

    ``backend``: ``"tinyhar"`` (TinyHAR's sensor self-attention, fusion, LSTM and
    temporal attention), ``"deepconvlstm"`` (an LSTM) or ``"conv"`` (a
    pure-convolution later stage). Only ``"conv"`` goes to a microcontroller:
    TFLite Micro's int8 path, as :func:`~sklearn_har.export.export_edge` builds
    it, runs no LSTM.

    Parameters
    ----------
    module : class, default=SFTNASNet
        The supernet; ``module__filters`` (64), ``module__kernels``,
        ``module__identity``, ``module__threshold`` (0.5), ``module__mask_init``
        and ``module__dropout`` reach it.
    backend : {{"tinyhar", "deepconvlstm", "conv"}}, default="tinyhar"
    beta1 : float, default=1.0
        Weight of the complexity loss (eq. 11). Larger: fewer MACs.
    beta2 : float, default=1.0
        Weight of the memory penalty (eq. 13).
    max_memory_kb : float, default=96
        ``L_Mem``, in KiB of int8 activations.
    search_epochs : int, default=100
    search_lr : float, default=1e-3
        Adam learning rate of the weights and mask scores during the search.
    arch_lr : float, default=5e-3
    arch_betas : tuple, default=(0.5, 0.999)
    arch_weight_decay : float, default=1e-3
    tau0 : float, default=5.0
    tau_decay : float, default=0.05
    channel_names : list of str, optional
        Names of the input channels, for ``search_report_`` (default ``ch0``, ...).
    optimizer : class, default=torch.optim.Adam
        Of the fine-tuning.
    lr : float, default=1e-3
        Of the fine-tuning.
    max_epochs : int, default=100
        Fine-tuning epochs at most (early stopping on the validation loss).
    batch_size : int, default=256
        Of the search and the fine-tuning (the paper's).
    {params: *, -optimizer, -lr, -max_epochs, -batch_size}

    Attributes
    ----------
    search_report_ : dict
        ``layers`` (per searched layer: stride, chosen operator, kept filters),
        ``sensors`` (kept channel names), ``sensors_dropped``, ``n_timesteps_out``,
        and the final network's ``params``, ``macs`` and ``peak_sram_int8_bytes``
        (the figures :func:`sklearn_har.profile` reports: parameters, MACs per window
        and the int8 estimate of the peak activation memory).
    search_history_ : list of dict
        Per search epoch: ``tau``, ``train_loss``, ``valid_loss``, ``valid_acc``
        (the current most likely architecture), ``macs``, ``peak_memory_bytes``,
        ``n_sensors`` and ``dur`` (seconds).
    final_module_ : torch.nn.Module
        The derived, fine-tuned network (an :class:`~sklearn_har.nn.models.SFTNet`,
        as ``module_``), which :func:`~sklearn_har.export.export_edge` takes.
    {fitted_attributes}

    Examples
    --------
    >>> from sklearn_har.classifiers import SFTNASClassifier
    >>> from sklearn_har.datasets import make_har_windows
    >>> X, y, groups = make_har_windows(n_windows=200, n_timesteps=32, random_state=0)
    >>> clf = SFTNASClassifier(backend="conv", module__filters=8, search_epochs=2,
    ...                        max_epochs=2, verbose=0, random_state=0)
    >>> clf.fit(X, y, groups=groups).predict(X[:3]).shape
    (3,)
    >>> [layer["op"] for layer in clf.search_report_["layers"]][:1]  # doctest: +SKIP
    ['conv5']
    """

    _parameter_constraints: ClassVar[dict] = {
        **NeuralWindowClassifier._parameter_constraints,
        "backend": [StrOptions(set(BACKENDS))],
        "beta1": [Interval(Real, 0, None, closed="left")],
        "beta2": [Interval(Real, 0, None, closed="left")],
        "max_memory_kb": [Interval(Real, 0, None, closed="neither")],
        "search_epochs": [IntervalNotBool(Integral, 0, None, closed="left")],
        "search_lr": [Interval(Real, 0, None, closed="neither")],
        "arch_lr": [Interval(Real, 0, None, closed="neither")],
        "arch_betas": [tuple, list],
        "arch_weight_decay": [Interval(Real, 0, None, closed="left")],
        "tau0": [Interval(Real, 0, None, closed="neither")],
        "tau_decay": [Interval(Real, 0, None, closed="left")],
        "channel_names": [list, tuple, None],
    }

    def __init__(self, module=SFTNASNet, *, backend="tinyhar", beta1=1.0, beta2=1.0,
                 max_memory_kb=96, search_epochs=100, search_lr=1e-3, arch_lr=5e-3,
                 arch_betas=(0.5, 0.999), arch_weight_decay=1e-3, tau0=5.0, tau_decay=0.05,
                 channel_names=None, optimizer=torch.optim.Adam, lr=1e-3, max_epochs=100,
                 batch_size=256, **kwargs):
        super().__init__(module, optimizer=optimizer, lr=lr, max_epochs=max_epochs,
                         batch_size=batch_size, **kwargs)
        self.backend = backend
        self.beta1 = beta1
        self.beta2 = beta2
        self.max_memory_kb = max_memory_kb
        self.search_epochs = search_epochs
        self.search_lr = search_lr
        self.arch_lr = arch_lr
        self.arch_betas = arch_betas
        self.arch_weight_decay = arch_weight_decay
        self.tau0 = tau0
        self.tau_decay = tau_decay
        self.channel_names = channel_names

    # the supernet is built with the backend parameter (module__backend wins)
    def _inferred_module_args(self, factory):
        args = super()._inferred_module_args(factory)
        if isinstance(factory, type) and issubclass(factory, SFTNASNet):
            args["backend"] = self.backend
        return args

    # the derived network is not what the parameters build: save and restore its shape
    def _saved_architecture(self):
        return self.module_.architecture()

    def _restore_architecture(self, spec):
        self.module_ = SFTNet.from_architecture(spec).to(self.device)
        self._initialize_optimizer()

    @property
    def final_module_(self):
        self.check_is_fitted()
        return self.module_

    def _check_names(self):
        names = self.channel_names
        if names is None:
            return [f"ch{i}" for i in range(self.n_channels_in_)]
        if len(names) != self.n_channels_in_:
            raise ValueError(f"channel_names has {len(names)} names for windows of "
                             f"{self.n_channels_in_} channels.")
        return [str(n) for n in names]

    # ------------------------------------------------------------------
    # fit = search -> derive -> fine-tune
    # ------------------------------------------------------------------
    def fit(self, X, y, groups=None, **fit_params):
        """Search, derive and prune, then fine-tune (see the class docstring).

        Parameters
        ----------
        X : array-like of shape (n_windows, n_channels, n_timesteps)
        y : array-like of shape (n_windows,)
        groups : array-like of shape (n_windows,), default=None
            Subject of each window: the validation split (architecture steps,
            early stopping) then keeps each subject on one side.
        """
        return self._search_and_train(X, y, groups, None, fit_params)

    def _search_and_train(self, X, y, groups, classes, fit_params):
        self._refuse_sample_weight(fit_params)
        if fit_params.get("resume") is not None:
            raise ValueError("SFTNASClassifier: resume= continues one training run; fit is a "
                             "search, a derivation and a fine-tuning, and cannot be resumed.")
        if fit_params:
            raise TypeError(f"SFTNASClassifier.fit takes no fit parameters; got "
                            f"{sorted(fit_params)}.")
        self._check_own_params()
        if len(self.arch_betas) != 2:
            raise ValueError(f"arch_betas must be two numbers; got {self.arch_betas!r}.")
        X, y_enc = self._prepare_fit(X, y, reset=True, classes=classes)
        names = self._check_names()
        self.initialize()
        if not isinstance(self.module_, SFTNASNet):
            raise TypeError(f"SFTNASClassifier needs an SFTNASNet supernet as module; got "
                            f"{type(self.module_).__name__}.")
        self._search(X, y_enc, groups)
        net, layers = self.module_.derive()
        self.module_ = net.to(self.device)
        self._initialize_optimizer()
        self._train(X, y_enc, groups=groups)
        self.search_report_ = self._report(layers, names)
        return self

    def partial_fit(self, X, y, classes=None, groups=None, **fit_params):
        """The first call runs the whole :meth:`fit` (search, derive, fine-tune; ``classes``
        may name labels not in this ``y``); later calls train the derived network
        ``max_epochs`` more epochs."""
        if not self.__sklearn_is_fitted__() or not hasattr(self, "search_report_"):
            return self._search_and_train(X, y, groups, classes, fit_params)
        return super().partial_fit(X, y, groups=groups, **fit_params)

    def _search_loss(self, x, y, limit):
        logits = self.infer(x)
        ce = torch.nn.functional.cross_entropy(logits, to_tensor(y, device=self.device))
        net = self.module_
        loss = ce + self.beta1 * net.complexity_loss() + self.beta2 * net.memory_loss(limit)
        return loss, ce, logits

    def _search(self, X, y_enc, groups):
        net = self.module_
        ds_train, ds_valid = self.get_split_datasets(X, y_enc, groups=groups)
        it_train = self.get_iterator(ds_train, training=True)
        # train_split=None: the architecture steps use training batches too
        it_arch = self.get_iterator(ds_valid if ds_valid is not None else ds_train,
                                    training=True)
        it_eval = self.get_iterator(ds_valid, training=False) if ds_valid is not None else None
        w_opt = torch.optim.Adam(net.weight_parameters(), lr=self.search_lr)
        a_opt = torch.optim.Adam(net.arch_parameters(), lr=self.arch_lr,
                                 betas=tuple(self.arch_betas),
                                 weight_decay=self.arch_weight_decay)
        limit = float(self.max_memory_kb) * 1024
        self.search_history_ = []
        arch_batches = _batches(it_arch)
        for epoch in range(self.search_epochs):
            start = time.perf_counter()
            tau = temperature(epoch, self.tau0, self.tau_decay)
            net.set_tau(tau)
            net.train()
            losses = []
            for xb, yb in it_train:
                xa, ya = next(arch_batches)
                a_opt.zero_grad(set_to_none=True)
                self._search_loss(xa, ya, limit)[0].backward()
                a_opt.step()
                w_opt.zero_grad(set_to_none=True)
                loss, ce, _ = self._search_loss(xb, yb, limit)
                loss.backward()
                w_opt.step()
                losses.append(ce.detach())
            train_loss = float(torch.stack(losses).mean()) if losses else float("nan")
            if not math.isfinite(train_loss):
                raise NonFiniteLossError(
                    f"The search's training loss became {train_loss} at search epoch "
                    f"{epoch + 1}. Try a lower search_lr (search_lr={self.search_lr}).")
            row = {"epoch": epoch + 1, "tau": tau, "train_loss": train_loss,
                   **self._search_state(it_eval)}
            row["dur"] = time.perf_counter() - start
            self.search_history_.append(row)
            if self.verbose:
                self._print_search(row)

    def _search_state(self, it_eval):
        """Validation loss / accuracy and costs of the current most likely architecture."""
        net = self.module_
        net.eval()
        with torch.no_grad():
            state = {"macs": float(net.stage.expected_macs()),
                     "peak_memory_bytes": float(net.stage.peak_memory()),
                     "n_sensors": int(net.stage.input_mask.kept().sum())}
            if it_eval is not None:
                total, correct, loss = 0, 0, 0.0
                for xb, yb in it_eval:
                    yb = to_tensor(yb, device=self.device)
                    logits = self.infer(xb)
                    loss += float(torch.nn.functional.cross_entropy(logits, yb,
                                                                    reduction="sum"))
                    correct += int((logits.argmax(1) == yb).sum())
                    total += len(yb)
                state.update(valid_loss=loss / total, valid_acc=correct / total)
        return state

    def _print_search(self, row):
        valid = (f"  valid_loss {row['valid_loss']:.4f}  valid_acc {row['valid_acc']:.4f}"
                 if "valid_loss" in row else "")
        print(f"search {row['epoch']:>3}/{self.search_epochs}  tau {row['tau']:.3f}  "
              f"train_loss {row['train_loss']:.4f}{valid}  MMACs {row['macs'] / 1e6:.3f}  "
              f"peak {row['peak_memory_bytes'] / 1024:.1f} KiB  sensors {row['n_sensors']}"
              f"/{self.n_channels_in_}  {row['dur']:.1f}s", file=sys.stdout, flush=True)

    def _report(self, layers, names):
        x = torch.zeros(1, self.n_channels_in_, self.n_timesteps_in_, device=self.device)
        self.module_.eval()
        macs = count_macs(self.module_, x)
        peak = peak_activation_bytes(self.module_, x)
        kept = self.module_.sensors
        t_out = self.n_timesteps_in_
        for layer in layers:
            t_out = -(-t_out // layer["stride"])
        return {
            "backend": self.backend,
            "layers": layers,
            "sensors": [names[c] for c in kept],
            "sensors_dropped": [n for c, n in enumerate(names) if c not in kept],
            "n_timesteps_out": t_out,
            "params": count_params(self.module_),
            "macs": int(macs),
            "peak_sram_int8_bytes": int(peak // 4),
        }
