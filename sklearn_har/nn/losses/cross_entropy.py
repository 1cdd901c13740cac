"""The cross-entropy family on logits ``(B, K)`` and integer targets ``(B,)``.

- :class:`FocalLoss` -- seed 000 eq. 24 (Lin et al. 2017).
- :class:`LabelSmoothingLoss` -- seed 000 eq. 25.
- :class:`ClassBalancedLoss` -- effective number of samples (Cui et al. 2019).
- :class:`SmoothFocalCELoss` -- seed 000 eq. 26: label smoothing + focal +
  cross-entropy, a :class:`~sklearn_har.nn.losses.CompositeLoss`.
"""

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import (
    _check_logits_targets,
    _check_n_classes,
    _check_real,
    _check_reduction,
    _per_class_tensor,
    _reduce,
)
from .class_weights import class_balanced_weights
from .composite import CompositeLoss

__all__ = ["ClassBalancedLoss", "FocalLoss", "LabelSmoothingLoss", "SmoothFocalCELoss"]


class FocalLoss(nn.Module):
    r"""Multi-class focal loss (Lin et al. 2017; seed 000 eq. 24).

    .. math::

        \ell_i = -\alpha_{y_i} \, (1 - p_{i, y_i})^{\gamma} \log p_{i, y_i}

    with :math:`p = \mathrm{softmax}(\text{logits})`. With ``gamma=0`` and
    ``alpha=None`` it is the cross-entropy.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter, ``>= 0``; larger values down-weight easy samples.
    alpha : float or array-like of shape (n_classes,), default=None
        Weighting factor :math:`\alpha_t`.

        - None: 1 for every sample.
        - a scalar: the same factor for every sample, i.e. a plain scale of the
          loss (multi-class has no "positive class"; in the binary sigmoid form
          of Lin et al. alpha weighs the positive class against ``1 - alpha``).
          Seed 000 tunes it as such (``alpha=0.25`` or ``0.5``) next to other
          weighted components.
        - a sequence or tensor: one weight per class, ``alpha_t = alpha[y_i]``;
          use it for class re-weighting (e.g. :func:`balanced_class_weights`).
          Stored as a buffer (moves with ``.to(device)``).
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` is the plain mean over the batch (not divided by the sum of
        the class weights, unlike ``torch.nn.CrossEntropyLoss(weight=...)``).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import FocalLoss
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> targets = torch.tensor([0, 0])
    >>> FocalLoss(gamma=2.0)(logits, targets)  # the easy sample barely counts
    tensor(0.8259)
    >>> FocalLoss(gamma=0.0)(logits, targets)  # == cross-entropy
    tensor(1.1269)
    """

    def __init__(self, gamma=2.0, alpha=None, reduction="mean"):
        super().__init__()
        owner = type(self).__name__
        self.gamma = _check_real(gamma, "gamma", owner, low=0.0)
        _check_reduction(reduction, owner)
        self.reduction = reduction
        if alpha is None or (
            not torch.is_tensor(alpha) and isinstance(alpha, (int, float))
        ):
            self.alpha_scalar = (
                None if alpha is None else _check_real(alpha, "alpha", owner, low=0.0)
            )
            self.register_buffer("alpha", None)
        else:
            self.alpha_scalar = None
            self.register_buffer("alpha", _per_class_tensor(alpha, "alpha", owner))

    def forward(self, logits, targets, **kwargs):
        """Focal loss of ``logits`` (B, K) against integer ``targets`` (B,).

        Extra keyword arguments (e.g. ``features``) are ignored.
        """
        owner = type(self).__name__
        _check_logits_targets(logits, targets, owner)
        _check_n_classes(self.alpha, logits, "alpha", owner)
        log_pt = F.log_softmax(logits, dim=1).gather(1, targets.unsqueeze(1)).squeeze(1)
        loss = -log_pt
        if self.gamma != 0.0:
            # 1 - p_t = -expm1(log p_t), accurate near p_t = 1; the clamp keeps
            # the gradient finite for gamma < 1 when p_t rounds to exactly 1
            one_minus_pt = (-torch.expm1(log_pt)).clamp(
                min=torch.finfo(log_pt.dtype).tiny
            )
            loss = one_minus_pt.pow(self.gamma) * loss
        if self.alpha is not None:
            loss = self.alpha.to(loss.dtype)[targets] * loss
        elif self.alpha_scalar is not None:
            loss = self.alpha_scalar * loss
        return _reduce(loss, self.reduction)

    def extra_repr(self):
        alpha = self.alpha_scalar if self.alpha is None else self.alpha.tolist()
        return f"gamma={self.gamma}, alpha={alpha}, reduction={self.reduction!r}"


class LabelSmoothingLoss(nn.Module):
    r"""Label-smoothing negative log-likelihood (seed 000 eq. 25).

    .. math::

        \ell_i = -\sum_{k=1}^{K} \log p_{i,k}
                 \left((1 - \epsilon)\,\delta_{k, y_i} + \frac{\epsilon}{K}\right)

    It equals ``torch.nn.functional.cross_entropy(logits, targets,
    weight=weight, label_smoothing=epsilon)``, including torch's handling of
    ``weight``: the true-class term is weighted by ``weight[y_i]``, the
    smoothing term by ``weight[k]``, and ``"mean"`` divides by
    :math:`\sum_i w_{y_i}` (by ``B`` without weights).

    Parameters
    ----------
    epsilon : float, default=0.1
        Smoothing in ``[0, 1]``; ``0`` gives the cross-entropy.
    weight : array-like of shape (n_classes,), default=None
        Optional per-class weights (a buffer).
    reduction : {"mean", "sum", "none"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import LabelSmoothingLoss
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> targets = torch.tensor([0, 1])
    >>> LabelSmoothingLoss(epsilon=0.0)(logits, targets)  # == cross-entropy
    tensor(0.1269)
    >>> LabelSmoothingLoss(epsilon=0.1)(logits, targets)  # confident and right: penalised
    tensor(0.2269)
    """

    def __init__(self, epsilon=0.1, weight=None, reduction="mean"):
        super().__init__()
        owner = type(self).__name__
        self.epsilon = _check_real(epsilon, "epsilon", owner, 0.0, 1.0)
        _check_reduction(reduction, owner)
        self.reduction = reduction
        self.register_buffer(
            "weight",
            None if weight is None else _per_class_tensor(weight, "weight", owner),
        )

    def forward(self, logits, targets, **kwargs):
        """Smoothed NLL of ``logits`` (B, K) against integer ``targets`` (B,).

        Extra keyword arguments (e.g. ``features``) are ignored.
        """
        owner = type(self).__name__
        _check_logits_targets(logits, targets, owner)
        _check_n_classes(self.weight, logits, "weight", owner)
        n_classes = logits.shape[1]
        log_p = F.log_softmax(logits, dim=1)
        nll = -log_p.gather(1, targets.unsqueeze(1)).squeeze(1)
        if self.weight is None:
            smooth = -log_p.sum(dim=1)
            denominator = logits.new_tensor(float(logits.shape[0]))
        else:
            weight = self.weight.to(log_p.dtype)
            nll = weight[targets] * nll
            smooth = -(log_p * weight).sum(dim=1)
            denominator = weight[targets].sum()
        loss = (1.0 - self.epsilon) * nll + (self.epsilon / n_classes) * smooth
        if self.reduction == "mean":
            return loss.sum() / denominator
        return _reduce(loss, self.reduction)

    def extra_repr(self):
        return f"epsilon={self.epsilon}, reduction={self.reduction!r}"


class ClassBalancedLoss(nn.Module):
    r"""Class-balanced loss on the effective number of samples (Cui et al. 2019).

    Each sample's base loss is multiplied by its class weight
    :math:`w_{y_i}` from :func:`class_balanced_weights` (weights summing to
    ``K``):

    .. math::

        \ell_i = w_{y_i} \, L_{\text{base}}(\text{logits}_i, y_i)

    Parameters
    ----------
    samples_per_class : array-like of shape (n_classes,)
        Training-sample count of each class, e.g.
        ``np.bincount(y_train, minlength=n_classes)``. Recompute it every fit
        (as ``criterion__samples_per_class``), so that no fold sees the counts
        of another one.
    beta : float, default=0.999
        Effective-number hyper-parameter in ``[0, 1)``.
    base : {"ce", "focal"}, default="ce"
        Base loss: softmax cross-entropy, or :class:`FocalLoss` with ``gamma``.
    gamma : float, default=2.0
        Focusing parameter, used when ``base="focal"``.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` is the plain mean over the batch as in Cui et al. (not
        divided by the sum of the weights, unlike
        ``torch.nn.CrossEntropyLoss(weight=...)``); ``"sum"`` equals
        ``cross_entropy(..., weight=weights, reduction="sum")`` for ``"ce"``.

    Attributes
    ----------
    weight : torch.Tensor of shape (n_classes,)
        The class weights (a buffer).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import ClassBalancedLoss
    >>> loss = ClassBalancedLoss([100, 10], beta=0.9)
    >>> loss.weight
    tensor([0.7889, 1.2111])
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> targets = torch.tensor([1, 1])  # both samples of the rare class
    >>> loss(logits, targets) / torch.nn.functional.cross_entropy(logits, targets)
    tensor(1.2111)
    """

    def __init__(
        self, samples_per_class, beta=0.999, base="ce", gamma=2.0, reduction="mean"
    ):
        super().__init__()
        owner = type(self).__name__
        if base not in ("ce", "focal"):
            raise ValueError(
                f"The 'base' parameter of {owner} must be a str among "
                f"{{'ce', 'focal'}}. Got {base!r} instead."
            )
        _check_reduction(reduction, owner)
        self.beta = _check_real(beta, "beta", owner, 0.0, 1.0, closed_high=False)
        self.base = base
        self.reduction = reduction
        self.gamma = _check_real(gamma, "gamma", owner, low=0.0)
        self.register_buffer(
            "weight", class_balanced_weights(samples_per_class, self.beta)
        )
        self._focal = FocalLoss(
            gamma=self.gamma if base == "focal" else 0.0, reduction="none"
        )

    def forward(self, logits, targets, **kwargs):
        """Class-balanced loss of ``logits`` (B, K) against ``targets`` (B,).

        Extra keyword arguments (e.g. ``features``) are ignored.
        """
        owner = type(self).__name__
        _check_logits_targets(logits, targets, owner)
        _check_n_classes(self.weight, logits, "samples_per_class", owner)
        loss = self._focal(logits, targets)
        loss = self.weight.to(loss.dtype)[targets] * loss
        return _reduce(loss, self.reduction)

    def extra_repr(self):
        return f"beta={self.beta}, base={self.base!r}, gamma={self.gamma}, reduction={self.reduction!r}"


class SmoothFocalCELoss(CompositeLoss):
    r"""Seed 000's composite loss: label smoothing + focal + cross-entropy (eq. 26).

    .. math::

        L = \omega_{sl} L_{sl\text{-}nll} + \omega_{fl} L_{fl} + \omega_{ce} L_{ce}

    A :class:`CompositeLoss` with components ``"sl"``
    (:class:`LabelSmoothingLoss`), ``"fl"`` (:class:`FocalLoss`) and ``"ce"``
    (cross-entropy), whose hyper-parameters are flat constructor arguments,
    so that a classifier exposes them as ``criterion__gamma``,
    ``criterion__weight_fl``, ... to ``GridSearchCV`` and Optuna.
    :class:`~sklearn_har.callbacks.AdaptiveLossWeights` changes the weights
    during training (``"fl"`` is eq. 27's :math:`\omega_1`).

    Defaults are seed 000 appendix C's best settings in joint tuning
    (C.3: :math:`\hat y = 0.1`, :math:`\gamma = 1`, :math:`\alpha = 0.5`;
    Table 9: initial weights [0.33, 0.33, 0.34]).

    Parameters
    ----------
    epsilon : float, default=0.1
        Label smoothing (eq. 25).
    gamma : float, default=1.0
        Focal focusing parameter (eq. 24).
    alpha : float, default=0.5
        Focal weight factor (eq. 24).
    weight_sl, weight_fl, weight_ce : float, default=0.33, 0.33, 0.34
        Component weights :math:`\omega_0, \omega_1, \omega_2`.
    weight : torch.Tensor of shape (n_classes,), default=None
        Per-class weights applied to all three terms (a classifier with
        ``class_weight="balanced"`` passes them, computed per fit); for the
        focal term they multiply ``alpha``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import SmoothFocalCELoss
    >>> loss = SmoothFocalCELoss()
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> round(float(loss(logits, torch.tensor([0, 1]))), 4)
    0.1205
    >>> sorted(loss.last_values)
    ['ce', 'fl', 'sl']
    """

    def __init__(
        self,
        epsilon=0.1,
        gamma=1.0,
        alpha=0.5,
        weight_sl=0.33,
        weight_fl=0.33,
        weight_ce=0.34,
        weight=None,
    ):
        owner = type(self).__name__
        alpha = _check_real(alpha, "alpha", owner, low=0.0)
        focal_alpha = alpha
        if weight is not None:
            weight = _per_class_tensor(weight, "weight", owner)
            focal_alpha = alpha * weight
        super().__init__(
            {
                "sl": LabelSmoothingLoss(epsilon, weight=weight),
                "fl": FocalLoss(gamma, alpha=focal_alpha),
                "ce": nn.CrossEntropyLoss(weight=weight),
            },
            weights={"sl": weight_sl, "fl": weight_fl, "ce": weight_ce},
        )
        self.epsilon = epsilon
        self.gamma = gamma
        self.alpha = alpha
