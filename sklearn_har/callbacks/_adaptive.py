r"""Accuracy-driven loss weights (seed 000 sec. 3.3 eq. 27 and appendix C).

Seed 000 combines label-smoothing NLL, focal and cross-entropy losses
(eq. 26, :math:`L = \omega_0 L_{sl} + \omega_1 L_{fl} + \omega_2 L_{ce}`) and
sets the weights once per epoch from the model's accuracy (eq. 27):

.. math::

    \omega_1 = 2 - \tau - \frac{1}{acc + 10^{-8}}, \qquad
    \omega_0 = \omega_2 = 0.5\,(1 - \omega_1).

Appendix C tunes a bounded version of the same mechanism with "initial
weights", a "temperature" and "min/max weight" (Table 9, best: uniform
initial weights, temperature 1, weights in [0.1, 0.8]) but gives no formula.
Our bounded rule, documented in :func:`adaptive_loss_weights`, keeps eq. 27 as
the accuracy signal and turns it into weights that are positive, sum to one
and stay within the bounds.
"""

import math
from collections.abc import Mapping
from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from skorch.callbacks import Callback

__all__ = ["AdaptiveLossWeights", "adaptive_loss_weights"]

_EPS = 1e-8


def _project_bounded_simplex(v, low, high):
    """Euclidean projection of ``v`` onto {w : sum(w) = 1, low <= w <= high}."""
    v = np.asarray(v, dtype=float)
    lo_theta = v.min() - high
    hi_theta = v.max() - low
    for _ in range(200):
        theta = 0.5 * (lo_theta + hi_theta)
        total = np.clip(v - theta, low, high).sum()
        if total > 1.0:
            lo_theta = theta
        else:
            hi_theta = theta
    w = np.clip(v - 0.5 * (lo_theta + hi_theta), low, high)
    return w / w.sum()


def adaptive_loss_weights(
    acc,
    names,
    *,
    primary="fl",
    tau=0.5,
    mode="bounded",
    initial_weights=None,
    temperature=1.0,
    min_weight=0.1,
    max_weight=0.8,
):
    r"""Loss weights for the next epoch from this epoch's accuracy.

    - ``mode="eq27"`` (seed 000 eq. 27, as written): the ``primary`` component
      (the focal loss, :math:`\omega_1`) gets :math:`u_p = 2 - \tau - 1/(acc +
      10^{-8})` and the others share the rest equally,
      :math:`u_j = (1 - u_p)/(n - 1)` (0.5 each for three components). The
      weights sum to one but are not bounded: :math:`u_p < 0` when
      :math:`acc < 1/(2 - \tau)`, e.g. in the first epochs.
    - ``mode="bounded"`` (appendix C's parameters): with :math:`u` from eq. 27
      and initial weights :math:`w^0`,

      .. math::

          w = \Pi_{[w_{min}, w_{max}]}\Big(
              \frac{w^0 \odot e^{u / T}}{\sum_j w^0_j e^{u_j / T}}\Big)

      where :math:`\Pi` is the Euclidean projection onto the weights that sum
      to one and lie in ``[min_weight, max_weight]``. The temperature ``T``
      sets how far accuracy moves the weights from :math:`w^0`: a high
      temperature keeps them near :math:`w^0` ("overly uniform"), a low one
      sends them to the bounds ("extreme"), as appendix C describes.

    Parameters
    ----------
    acc : float in [0, 1]
        Accuracy of the epoch just finished.
    names : sequence of str
        Component names, e.g. ``("sl", "fl", "ce")``.
    primary : str, default="fl"
        The component eq. 27 calls :math:`\omega_1`.
    tau : float, default=0.5
        Weight-tuning parameter :math:`\tau` of eq. 27.
    mode : {"bounded", "eq27"}, default="bounded"
    initial_weights : mapping of str to float, default=None
        :math:`w^0` (normalised to sum to one); None: uniform.
    temperature : float > 0, default=1.0
    min_weight, max_weight : float, default=0.1, 0.8
        Bounds, with ``n * min_weight <= 1 <= n * max_weight``.

    Returns
    -------
    weights : dict of str to float

    Examples
    --------
    >>> from sklearn_har.callbacks import adaptive_loss_weights
    >>> w = adaptive_loss_weights(0.9, ["sl", "fl", "ce"], tau=0.5, mode="eq27")
    >>> {k: round(v, 4) for k, v in w.items()}
    {'sl': 0.3056, 'fl': 0.3889, 'ce': 0.3056}
    >>> w = adaptive_loss_weights(0.9, ["sl", "fl", "ce"], tau=0.5)
    >>> round(sum(w.values()), 6), all(0.1 <= v <= 0.8 for v in w.values())
    (1.0, True)
    """
    names = list(names)
    n = len(names)
    if n < 2:
        raise ValueError(f"Adaptive loss weights need at least 2 components; got {names}.")
    if primary not in names:
        raise ValueError(
            f"The primary component {primary!r} (eq. 27's omega_1) is not among the "
            f"loss components {names}; set primary= to one of them."
        )
    acc = float(acc)
    if not 0.0 <= acc <= 1.0 or math.isnan(acc):
        raise ValueError(f"acc must be an accuracy in [0, 1]; got {acc!r}.")
    u_primary = 2.0 - tau - 1.0 / (acc + _EPS)
    u = np.array(
        [u_primary if name == primary else (1.0 - u_primary) / (n - 1) for name in names]
    )
    if mode == "eq27":
        return dict(zip(names, u.tolist()))
    if mode != "bounded":
        raise ValueError(f"mode must be 'bounded' or 'eq27'; got {mode!r}.")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature!r}.")
    if not (0.0 <= min_weight <= max_weight) or n * min_weight > 1.0 + 1e-12 or n * max_weight < 1.0 - 1e-12:
        raise ValueError(
            f"min_weight={min_weight} and max_weight={max_weight} leave no weights "
            f"for {n} components that sum to one (need {n} * min_weight <= 1 <= "
            f"{n} * max_weight)."
        )
    if initial_weights is None:
        w0 = np.full(n, 1.0 / n)
    else:
        w0 = np.array([float(initial_weights[name]) for name in names])
        if (w0 <= 0).any():
            raise ValueError(f"initial weights must be positive; got {initial_weights}.")
        w0 = w0 / w0.sum()
    logits = np.log(w0) + u / temperature
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return dict(zip(names, _project_bounded_simplex(p, min_weight, max_weight).tolist()))


class AdaptiveLossWeights(Callback):
    r"""Set the weights of a :class:`~sklearn_har.nn.CompositeLoss` once per epoch.

    At the end of every epoch the accuracy of the chosen split gives the
    weights of the next epoch (:func:`adaptive_loss_weights`: seed 000 eq. 27,
    or its bounded variant with appendix C's parameters). Every epoch the
    history gets ``loss_weight_<name>`` (the weights used in that epoch),
    ``train_loss_<name>`` (each component's mean training loss, unweighted)
    and ``adaptive_acc`` (the accuracy the update used); with a validation
    split also ``valid_loss_<name>`` and ``valid_loss_fixed``: the validation
    loss under the *initial* weights, comparable from epoch to epoch (the
    ``valid_loss`` skorch records uses each epoch's own weights, so it moves
    when the weights do; early stopping should watch ``valid_loss_fixed``).

    Add it under a name to tune it with scikit-learn's syntax, e.g.
    ``callbacks=[("adaptive_loss", AdaptiveLossWeights())]`` and then
    ``clf__callbacks__adaptive_loss__tau`` in a grid.

    Parameters
    ----------
    tau : float, default=0.5
        :math:`\tau` of eq. 27.
    mode : {"bounded", "eq27"}, default="bounded"
        ``"eq27"`` is the paper's rule as written (weights may be negative
        while accuracy is below :math:`1/(2-\tau)`); ``"bounded"`` keeps them
        in ``[min_weight, max_weight]``.
    accuracy_on : {"valid", "train"}, default="valid"
        Accuracy of the validation split (needs ``train_split``), or running
        accuracy over the epoch's training batches.
    primary : str, default="fl"
        The component eq. 27 calls :math:`\omega_1` (the focal loss in
        :class:`~sklearn_har.nn.SmoothFocalCELoss`).
    initial_weights : dict of str to float, default=None
        Weights of the first epoch and :math:`w^0` of the bounded rule. None:
        the criterion's own weights (normalised to sum to one).
    temperature : float, default=1.0
    min_weight, max_weight : float, default=0.1, 0.8
        Appendix C's best settings.

    Attributes
    ----------
    weights_ : dict of str to float
        Weights the criterion uses now (for the next epoch).

    Examples
    --------
    >>> from sklearn_har.callbacks import AdaptiveLossWeights
    >>> from sklearn_har.classifiers import CNNClassifier
    >>> from sklearn_har.nn import SmoothFocalCELoss
    >>> clf = CNNClassifier(criterion=SmoothFocalCELoss,
    ...                     callbacks=[("adaptive_loss", AdaptiveLossWeights(tau=0.5))])
    >>> clf.set_params(callbacks__adaptive_loss__tau=0.3).callbacks[0][1].tau
    0.3
    """

    def __init__(
        self,
        tau=0.5,
        mode="bounded",
        accuracy_on="valid",
        primary="fl",
        initial_weights=None,
        temperature=1.0,
        min_weight=0.1,
        max_weight=0.8,
    ):
        self.tau = tau
        self.mode = mode
        self.accuracy_on = accuracy_on
        self.primary = primary
        self.initial_weights = initial_weights
        self.temperature = temperature
        self.min_weight = min_weight
        self.max_weight = max_weight

    _parameter_constraints: dict = {
        "tau": [Real],
        "mode": [StrOptions({"bounded", "eq27"})],
        "accuracy_on": [StrOptions({"valid", "train"})],
        "primary": [str],
        "initial_weights": [Mapping, None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "min_weight": [Interval(Real, 0, 1, closed="both")],
        "max_weight": [Interval(Real, 0, 1, closed="both")],
    }

    def initialize(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        self.weights_ = None
        self.w0_ = None
        self._reset_epoch()
        return self

    def _reset_epoch(self):
        self.correct_ = None
        self.seen_ = 0
        self.sums_ = {}
        self.train_seen_ = 0
        self.valid_sums_ = {}
        self.valid_seen_ = 0

    def on_train_begin(self, net, **kwargs):
        crit = net.criterion_
        if not (hasattr(crit, "set_weights") and hasattr(crit, "components")):
            raise TypeError(
                "AdaptiveLossWeights needs a CompositeLoss criterion (e.g. "
                f"SmoothFocalCELoss); got {type(crit).__name__}."
            )
        names = list(crit.components)
        if self.primary not in names:
            raise ValueError(
                f"AdaptiveLossWeights(primary={self.primary!r}) is not among the "
                f"criterion's components {names}."
            )
        if self.accuracy_on == "valid" and not net.train_split:
            raise ValueError(
                "AdaptiveLossWeights(accuracy_on='valid') needs a validation split, "
                "but train_split is None. Use accuracy_on='train' or set a train_split."
            )
        if self.weights_ is not None:  # partial_fit: keep the adapted weights
            crit.set_weights(self.weights_)
            return
        if self.initial_weights is not None:
            if not isinstance(self.initial_weights, Mapping):
                raise TypeError(
                    "initial_weights must be a dict of component name -> weight; got "
                    f"{self.initial_weights!r}."
                )
            w0 = {name: float(self.initial_weights.get(name, 0.0)) for name in names}
        else:
            w0 = {name: float(crit.weights[name]) for name in names}
        total = sum(w0.values())
        if total <= 0 or any(v < 0 for v in w0.values()):
            raise ValueError(f"Initial loss weights must be >= 0 with a positive sum; got {w0}.")
        self.w0_ = {k: v / total for k, v in w0.items()}
        self.weights_ = dict(self.w0_)
        crit.set_weights(self.weights_)

    def on_epoch_begin(self, net, **kwargs):
        self._reset_epoch()

    def on_batch_end(self, net, batch=None, training=None, y_pred=None, **kwargs):
        yi = batch[1]
        bs = len(yi)
        sums = self.sums_ if training else self.valid_sums_
        for name, value in net.criterion_.last_tensors.items():
            term = value.detach().float().mean() * bs
            sums[name] = sums[name] + term if name in sums else term
        if training:
            self.train_seen_ += bs
        else:
            self.valid_seen_ += bs
        if y_pred is None or training != (self.accuracy_on == "train"):
            return
        logits = y_pred[0] if isinstance(y_pred, (tuple, list)) else y_pred
        yi = torch.as_tensor(yi, device=logits.device)
        correct = (logits.detach().argmax(dim=-1) == yi).sum()
        self.correct_ = correct if self.correct_ is None else self.correct_ + correct
        self.seen_ += int(yi.shape[0])

    def on_epoch_end(self, net, **kwargs):
        names = list(net.criterion_.components)
        for name in names:
            net.history.record(f"loss_weight_{name}", float(self.weights_[name]))
            if name in self.sums_ and self.train_seen_:
                net.history.record(
                    f"train_loss_{name}", float(self.sums_[name]) / self.train_seen_
                )
        if self.valid_seen_ and all(name in self.valid_sums_ for name in names):
            valid = {name: float(self.valid_sums_[name]) / self.valid_seen_ for name in names}
            for name, value in valid.items():
                net.history.record(f"valid_loss_{name}", value)
            net.history.record("valid_loss_fixed",
                               sum(self.w0_[name] * valid[name] for name in names))
        if not self.seen_:
            return
        acc = float(self.correct_) / self.seen_
        net.history.record("adaptive_acc", acc)
        self.weights_ = adaptive_loss_weights(
            acc,
            names,
            primary=self.primary,
            tau=self.tau,
            mode=self.mode,
            initial_weights=self.w0_,
            temperature=self.temperature,
            min_weight=self.min_weight,
            max_weight=self.max_weight,
        )
        net.criterion_.set_weights(self.weights_)
