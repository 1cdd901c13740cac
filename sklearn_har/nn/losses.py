"""Classification losses for imbalanced activity recognition, in plain PyTorch.

Every loss here is a :class:`torch.nn.Module` taking logits of shape ``(B, K)``
and integer class targets of shape ``(B,)`` (except :class:`CenterLoss`, which
takes the penultimate features ``(B, D)``). Fixed per-class tensors are
registered as buffers, so ``.to(device)`` moves them with the module.

- :class:`FocalLoss` -- seed 000 eq. 24 (Lin et al. 2017).
- :class:`LabelSmoothingLoss` -- seed 000 eq. 25.
- :class:`ClassBalancedLoss` -- effective number of samples (Cui et al. 2019).
- :class:`CenterLoss` -- learnable class centres (Wen et al. 2016, seed 002 sec. 2.4).
- :class:`CompositeLoss` -- weighted sum of named components (seed 000 eq. 26),
  with weights that a callback may change between epochs (eq. 27).

Per-fit class weights come from :func:`balanced_class_weights` and
:func:`class_balanced_weights`: they are plain functions of the training labels,
so a classifier recomputes them in every ``fit`` (nothing is cached, and weights
never leak from one cross-validation fold to the next).
"""

import math
from collections.abc import Mapping

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "CenterLoss",
    "ClassBalancedLoss",
    "CompositeLoss",
    "FocalLoss",
    "LabelSmoothingLoss",
    "SmoothFocalCELoss",
    "balanced_class_weights",
    "center_loss_param_groups",
    "class_balanced_weights",
]

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------
# private helpers
# --------------------------------------------------------------------------
def _check_reduction(reduction, owner):
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"The 'reduction' parameter of {owner} must be a str among "
            f"{set(_REDUCTIONS)}. Got {reduction!r} instead."
        )


def _check_real(value, name, owner, low=None, high=None, closed_high=True):
    """Check a finite real number in [low, high] (or [low, high) when not closed_high)."""
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    if not bad:
        value = float(value)
        bad = (
            not math.isfinite(value)
            or (low is not None and value < low)
            or (high is not None and (value > high if closed_high else value >= high))
        )
    if bad:
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        bracket = "]" if closed_high and high is not None else ")"
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a float in the range "
            f"[{lo}, {hi}{bracket}. Got {value!r} instead."
        )
    return value


def _check_logits_targets(logits, targets, owner, what="logits"):
    if not torch.is_tensor(logits) or logits.ndim != 2:
        shape = (
            tuple(logits.shape) if torch.is_tensor(logits) else type(logits).__name__
        )
        raise ValueError(
            f"{owner} expects logits of shape (batch, n_classes). Received {shape}."
        )
    if (
        not torch.is_tensor(targets)
        or targets.ndim != 1
        or targets.shape[0] != logits.shape[0]
    ):
        shape = (
            tuple(targets.shape) if torch.is_tensor(targets) else type(targets).__name__
        )
        raise ValueError(
            f"{owner} expects integer targets of shape ({logits.shape[0]},) "
            f"matching the {what}' batch size. Received {shape}."
        )
    if targets.dtype.is_floating_point or targets.dtype == torch.bool:
        raise TypeError(
            f"{owner} expects integer class indices as targets (torch.long). "
            f"Received dtype {targets.dtype}; encode labels as 0..K-1 first."
        )


def _per_class_tensor(values, name, owner, dtype=None):
    """A 1-D float tensor of non-negative finite per-class values."""
    dtype = torch.get_default_dtype() if dtype is None else dtype
    tensor = torch.as_tensor(values, dtype=dtype).detach().clone()
    if tensor.ndim != 1 or tensor.numel() == 0:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a scalar or a 1-D sequence "
            f"with one value per class. Got shape {tuple(tensor.shape)} instead."
        )
    if not torch.isfinite(tensor).all() or (tensor < 0).any():
        raise ValueError(
            f"The '{name}' parameter of {owner} must hold finite non-negative "
            f"values. Got {tensor.tolist()} instead."
        )
    return tensor


def _check_n_classes(tensor, logits, name, owner):
    if tensor is not None and tensor.shape[0] != logits.shape[1]:
        raise ValueError(
            f"{owner} has '{name}' for {tensor.shape[0]} classes but the logits "
            f"have {logits.shape[1]} columns."
        )


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _counts(samples_per_class, owner="class_balanced_weights"):
    return _per_class_tensor(samples_per_class, "samples_per_class", owner, torch.float64)


# --------------------------------------------------------------------------
# class weights, computed per fit
# --------------------------------------------------------------------------
def class_balanced_weights(samples_per_class, beta=0.999):
    r"""Class weights from the effective number of samples (Cui et al. 2019).

    .. math::

        w_k = \frac{1 - \beta}{1 - \beta^{n_k}}, \qquad
        w \leftarrow K \, \frac{w}{\sum_k w_k}

    so the weights sum to the number of classes ``K``. ``beta=0`` gives equal
    weights; ``beta -> 1`` tends to inverse class frequency.

    Parameters
    ----------
    samples_per_class : array-like of shape (n_classes,)
        Number of training samples of each class, e.g.
        ``np.bincount(y, minlength=n_classes)``. A class with no sample is
        counted as one sample: it carries no training target, so its weight never
        enters the loss, but it stays finite (no ``inf`` or ``NaN``).
    beta : float, default=0.999
        Hyper-parameter in ``[0, 1)``.

    Returns
    -------
    weights : torch.Tensor of shape (n_classes,)
        Float tensor (default dtype) summing to ``n_classes``.

    Examples
    --------
    >>> from sklearn_har.nn import class_balanced_weights
    >>> class_balanced_weights([100, 10], beta=0.9)
    tensor([0.7889, 1.2111])
    >>> class_balanced_weights([100, 10], beta=0.0)
    tensor([1., 1.])
    """
    beta = _check_real(
        beta, "beta", "class_balanced_weights", 0.0, 1.0, closed_high=False
    )
    counts = _counts(samples_per_class).clamp(min=1.0)
    effective_number = (1.0 - beta**counts) / (1.0 - beta)
    weights = 1.0 / effective_number
    weights = weights * (counts.numel() / weights.sum())
    return weights.to(torch.get_default_dtype())


def balanced_class_weights(y, n_classes=None, *, beta=None):
    r"""Per-class weights computed from training labels, for one fit.

    Call it inside ``fit`` on the labels of the training split (never at
    import, never cached), so that each cross-validation fold gets the weights
    of its own training labels.

    - ``beta=None``: scikit-learn's ``"balanced"`` heuristic,
      :math:`w_k = n / (K \, n_k)` (a sample's average weight is 1).
    - ``beta`` a float in ``[0, 1)``: :func:`class_balanced_weights` of the
      class counts (weights sum to ``K``).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Integer-encoded labels in ``0 .. n_classes - 1``.
    n_classes : int, default=None
        Number of classes; ``max(y) + 1`` when None. Pass it explicitly when a
        fold may lack the last classes.
    beta : float, default=None
        See above.

    Returns
    -------
    weights : torch.Tensor of shape (n_classes,)
        Float tensor (default dtype). A class absent from ``y`` is counted as one
        sample (it never enters the loss, and its weight stays finite).

    Examples
    --------
    >>> from sklearn_har.nn import balanced_class_weights
    >>> balanced_class_weights([0, 0, 0, 1])
    tensor([0.6667, 2.0000])
    >>> balanced_class_weights([0, 0, 0, 1], n_classes=3).shape
    torch.Size([3])
    """
    y = torch.as_tensor(y).detach().reshape(-1)
    if y.numel() == 0:
        raise ValueError("balanced_class_weights expects at least one label. Got 0.")
    if y.dtype.is_floating_point:
        if not torch.equal(y, y.round()):
            raise ValueError(
                "balanced_class_weights expects integer-encoded labels 0..K-1. "
                "Got non-integer values."
            )
        y = y.long()
    if (y < 0).any():
        raise ValueError(
            "balanced_class_weights expects integer-encoded labels 0..K-1. "
            f"Got a negative label ({int(y.min())})."
        )
    y = y.long()
    observed = int(y.max()) + 1
    if n_classes is None:
        n_classes = observed
    elif isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 1:
        raise ValueError(
            "The 'n_classes' parameter of balanced_class_weights must be an int "
            f"in the range [1, inf) or None. Got {n_classes!r} instead."
        )
    elif n_classes < observed:
        raise ValueError(
            f"balanced_class_weights got n_classes={n_classes} but the labels "
            f"reach {observed - 1}."
        )
    counts = torch.bincount(y, minlength=n_classes).to(torch.float64)
    if beta is not None:
        return class_balanced_weights(counts, beta)
    weights = y.numel() / (n_classes * counts.clamp(min=1.0))
    return weights.to(torch.get_default_dtype())


# --------------------------------------------------------------------------
# losses on logits
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# center loss
# --------------------------------------------------------------------------
class CenterLoss(nn.Module):
    r"""Center loss with learnable class centres (Wen et al. 2016; seed 002 sec. 2.4).

    .. math::

        L_c = \frac{\lambda}{2} \cdot \frac{1}{B} \sum_{i=1}^{B}
              \lVert x_i - c_{y_i} \rVert_2^2

    where :math:`x_i \in \mathbb{R}^D` are the penultimate features and
    :math:`c_k` the rows of :attr:`centers`. The squared distance is summed over
    the ``D`` feature dimensions and averaged over the batch (seed 002's
    :math:`\frac{1}{2N}\sum_i \lVert x_i - c \rVert^2` is ``lambda_=1``).
    ``reduction="sum"`` drops the ``1/B``; ``"none"`` returns the ``B``
    per-sample terms :math:`\frac{\lambda}{2}\lVert x_i - c_{y_i}\rVert^2`.

    Gradients flow both to the features (pulling them towards their centre) and
    to :attr:`centers`, which the optimizer updates like any parameter.

    **Centres with their own learning rate.** Put the centres in their own
    optimizer parameter group, without weight decay (decay would pull the
    centres towards the origin):

    - plain PyTorch: ``torch.optim.SGD(center_loss_param_groups(model.parameters(),
      center_loss, lr_centers=0.5), lr=0.01)``
      (see :func:`center_loss_param_groups`);
    - skorch, with the loss (or a :class:`CompositeLoss` holding it) as the
      criterion: skorch hands the criterion's parameters to the optimizer, named
      ``centers`` (or ``components.<name>.centers``), so
      ``optimizer__param_groups=[("*centers", {"lr": 0.5, "weight_decay": 0.0})]``.

    Parameters
    ----------
    n_classes : int
        Number of classes ``K``.
    n_features : int
        Dimension ``D`` of the penultimate features.
    lambda_ : float, default=1.0
        Weight :math:`\lambda \geq 0`. ``1.0`` reproduces seed 002's equation;
        Wen et al. report values around ``0.003``--``0.01`` when the loss is
        added to the cross-entropy with weight 1 (the same effect can come from
        a :class:`CompositeLoss` weight).
    reduction : {"mean", "sum", "none"}, default="mean"

    Attributes
    ----------
    centers : torch.nn.Parameter of shape (n_classes, n_features)
        Class centres, initialised from a standard normal distribution (seed
        with ``torch.manual_seed`` for reproducibility).
    requires_features : bool
        Always True: :class:`CompositeLoss` passes it the ``features`` keyword.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import CenterLoss
    >>> loss = CenterLoss(n_classes=2, n_features=3, lambda_=1.0)
    >>> with torch.no_grad():
    ...     loss.centers.zero_()
    Parameter containing:
    tensor([[0., 0., 0.],
            [0., 0., 0.]], requires_grad=True)
    >>> features = torch.tensor([[1.0, 1.0, 0.0], [2.0, 0.0, 0.0]])
    >>> loss(features, torch.tensor([0, 1]))  # (2 + 4) / 2 / 2
    tensor(1.5000, grad_fn=<MulBackward0>)
    """

    requires_features = True

    def __init__(self, n_classes, n_features, lambda_=1.0, reduction="mean"):
        super().__init__()
        owner = type(self).__name__
        for name, value in (("n_classes", n_classes), ("n_features", n_features)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"The '{name}' parameter of {owner} must be an int in the "
                    f"range [1, inf). Got {value!r} instead."
                )
        self.n_classes = n_classes
        self.n_features = n_features
        self.lambda_ = _check_real(lambda_, "lambda_", owner, low=0.0)
        _check_reduction(reduction, owner)
        self.reduction = reduction
        self.centers = nn.Parameter(torch.randn(n_classes, n_features))

    def forward(self, features, targets, **kwargs):
        """Center loss of ``features`` (B, D) against integer ``targets`` (B,).

        Extra keyword arguments are ignored.
        """
        owner = type(self).__name__
        if (
            not torch.is_tensor(features)
            or features.ndim != 2
            or features.shape[1] != self.n_features
        ):
            shape = (
                tuple(features.shape)
                if torch.is_tensor(features)
                else type(features).__name__
            )
            raise ValueError(
                f"{owner} expects features of shape (batch, {self.n_features}). "
                f"Received {shape}."
            )
        _check_logits_targets(features, targets, owner, what="features")
        if targets.numel() and (
            int(targets.min()) < 0 or int(targets.max()) >= self.n_classes
        ):
            raise ValueError(
                f"{owner} has {self.n_classes} centres but the targets range over "
                f"[{int(targets.min())}, {int(targets.max())}]."
            )
        centers = self.centers.to(features.dtype)[targets]
        distance = (features - centers).pow(2).sum(dim=1)
        return _reduce(distance, self.reduction) * (self.lambda_ / 2.0)

    def extra_repr(self):
        return (
            f"n_classes={self.n_classes}, n_features={self.n_features}, "
            f"lambda_={self.lambda_}, reduction={self.reduction!r}"
        )


def center_loss_param_groups(
    model_params, center_loss, lr_centers, **center_group_kwargs
):
    """Optimizer parameter groups giving the centres their own learning rate.

    Parameters
    ----------
    model_params : iterable of torch.nn.Parameter or of dict
        The network's parameters (``model.parameters()``) or parameter groups
        already built; they keep the optimizer's defaults (or their own settings).
    center_loss : torch.nn.Module
        A :class:`CenterLoss`, or any module holding one (e.g. a
        :class:`CompositeLoss`): all its parameters go in the centre group.
    lr_centers : float
        Learning rate of the centres.
    **center_group_kwargs
        Other settings of the centre group. ``weight_decay`` defaults to ``0.0``
        (decay would pull the centres towards the origin).

    Returns
    -------
    param_groups : list of dict
        To pass as the first argument of any ``torch.optim`` optimizer.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import CenterLoss, center_loss_param_groups
    >>> model = torch.nn.Linear(4, 3)
    >>> center = CenterLoss(n_classes=2, n_features=3)
    >>> groups = center_loss_param_groups(model.parameters(), center, lr_centers=0.5)
    >>> opt = torch.optim.SGD(groups, lr=0.01, weight_decay=1e-4)
    >>> [(g["lr"], g["weight_decay"]) for g in opt.param_groups]
    [(0.01, 0.0001), (0.5, 0.0)]
    """
    lr_centers = _check_real(
        lr_centers, "lr_centers", "center_loss_param_groups", low=0.0
    )
    model_params = list(model_params)
    center_params = list(center_loss.parameters())
    if not center_params:
        raise ValueError(
            "center_loss_param_groups expects a module with learnable centres "
            f"(e.g. CenterLoss). Got {type(center_loss).__name__} without parameters."
        )
    if model_params and isinstance(model_params[0], Mapping):
        groups = [dict(group) for group in model_params]
    elif model_params:
        groups = [{"params": model_params}]
    else:
        groups = []
    seen = {
        id(p)
        for g in groups
        for p in (g["params"] if isinstance(g["params"], list) else list(g["params"]))
    }
    if any(id(p) in seen for p in center_params):
        raise ValueError(
            "center_loss_param_groups got the centres among model_params too; an "
            "optimizer rejects a parameter in two groups. Pass the network's "
            "parameters only."
        )
    group = {"params": center_params, "lr": lr_centers, "weight_decay": 0.0}
    group.update(center_group_kwargs)
    groups.append(group)
    return groups


# --------------------------------------------------------------------------
# composite loss
# --------------------------------------------------------------------------
class CompositeLoss(nn.Module):
    r"""Weighted sum of named loss components (seed 000 eq. 26, seed 002 sec. 2.4).

    .. math::

        L = \sum_i w_i \, L_i(\text{logits}, \text{targets})

    Components whose ``requires_features`` attribute is True (e.g.
    :class:`CenterLoss`) are called on ``features`` instead of ``logits``.

    Parameters
    ----------
    components : dict of str to torch.nn.Module
        Named losses, each returning a scalar (use ``reduction="mean"`` or
        ``"sum"``). Held in a :class:`torch.nn.ModuleDict`, so ``.to(device)``
        moves their buffers and parameters, and learnable ones (centres) appear
        in ``parameters()``, named ``components.<name>.<param>``.
    weights : dict of str to float, default=None
        Weight of each component; a missing name gets ``1.0`` (None: all 1.0,
        the plain sum). Weights may be negative (seed 000 eq. 27 can produce
        them); bounding them is the caller's job.

    Attributes
    ----------
    weights : dict of str to float
        Current weights; change them between epochs with :meth:`set_weights`
        (validated). They are saved in ``state_dict()`` (as extra state) and
        restored by ``load_state_dict``.
    last_values : dict of str to float
        Value of each component (unweighted) in the last ``forward``.
    requires_features : bool
        True when a component needs ``features``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import CompositeLoss, FocalLoss, LabelSmoothingLoss
    >>> loss = CompositeLoss(
    ...     {"sl": LabelSmoothingLoss(0.1), "fl": FocalLoss(1.0, alpha=0.5),
    ...      "ce": torch.nn.CrossEntropyLoss()},
    ...     weights={"sl": 0.33, "fl": 0.33, "ce": 0.34},
    ... )
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> total = loss(logits, torch.tensor([0, 1]))
    >>> {k: round(v, 4) for k, v in loss.last_values.items()}
    {'sl': 0.2269, 'fl': 0.0076, 'ce': 0.1269}
    >>> loss.set_weights({"fl": 0.5, "sl": 0.25, "ce": 0.25})
    >>> loss.weights
    {'sl': 0.25, 'fl': 0.5, 'ce': 0.25}
    """

    def __init__(self, components, weights=None):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(components, Mapping) or not components:
            raise ValueError(
                f"The 'components' parameter of {owner} must be a non-empty dict of "
                f"name -> loss module. Got {components!r} instead."
            )
        for name, module in components.items():
            if not isinstance(module, nn.Module):
                raise TypeError(
                    f"{owner} component {name!r} must be a torch.nn.Module (e.g. "
                    f"FocalLoss(), not the class FocalLoss). Got {module!r}."
                )
        self.components = nn.ModuleDict(dict(components))
        self.weights = {name: 1.0 for name in self.components}
        if weights is not None:
            self.set_weights(weights)
        self._last = {}

    @property
    def requires_features(self):
        """True when a component needs the ``features`` keyword."""
        return any(
            getattr(m, "requires_features", False) for m in self.components.values()
        )

    def set_weights(self, weights):
        """Update some or all component weights (e.g. once per epoch).

        Parameters
        ----------
        weights : dict of str to float
            New weights by component name; names not given keep their weight.
        """
        owner = type(self).__name__
        if not isinstance(weights, Mapping):
            raise TypeError(
                f"{owner}.set_weights expects a dict of name -> float. Got {weights!r}."
            )
        unknown = [name for name in weights if name not in self.components]
        if unknown:
            raise KeyError(
                f"{owner} has no component named {unknown[0]!r}; its components "
                f"are {list(self.components)}."
            )
        new = {}
        for name, value in weights.items():
            if torch.is_tensor(value):
                value = value.item()
            new[name] = _check_real(value, f"weights[{name!r}]", owner)
        self.weights.update(new)

    def forward(self, logits, targets, features=None, **kwargs):
        """Weighted sum of the components.

        Parameters
        ----------
        logits : torch.Tensor of shape (B, K)
        targets : torch.Tensor of shape (B,)
            Integer class indices.
        features : torch.Tensor of shape (B, D), default=None
            Penultimate features, required when a component needs them.
        **kwargs
            Ignored (skorch forwards fit parameters).

        Returns
        -------
        loss : torch.Tensor
            Scalar total.
        """
        total = None
        last = {}
        for name, module in self.components.items():
            if getattr(module, "requires_features", False):
                if features is None:
                    raise ValueError(
                        f"CompositeLoss component {name!r} ({type(module).__name__}) "
                        "needs the penultimate features: call "
                        "forward(logits, targets, features=...). Got features=None."
                    )
                value = module(features, targets)
            else:
                value = module(logits, targets)
            last[name] = value.detach()
            term = self.weights[name] * value
            total = term if total is None else total + term
        # detached tensors, not floats: no device sync per batch
        self._last = last
        return total

    @property
    def last_tensors(self):
        """Unweighted value of each component in the last ``forward``, as
        detached tensors on the loss's device (no host synchronisation)."""
        return dict(self._last)

    @property
    def last_values(self):
        """Unweighted value of each component in the last ``forward``, as floats.

        Stored as detached tensors and converted on access, so a training loop
        that does not read them pays no device synchronisation per batch.
        """
        return {name: float(value.float().mean()) for name, value in self._last.items()}

    def get_extra_state(self):
        return {"weights": dict(self.weights)}

    def set_extra_state(self, state):
        weights = dict(state["weights"])
        if set(weights) != set(self.components):
            raise ValueError(
                f"CompositeLoss state has weights for {sorted(weights)} but this "
                f"loss has components {sorted(self.components)}."
            )
        self.set_weights(weights)

    def __setstate__(self, state):
        super().__setstate__(state)
        self.__dict__.setdefault("_last", {})

    def extra_repr(self):
        return f"weights={self.weights}"


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
