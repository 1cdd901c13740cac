"""Center loss with learnable class centres, and its optimizer parameter groups."""

from collections.abc import Mapping

import torch
from torch import nn

from ._checks import (
    _check_logits_targets,
    _check_real,
    _check_reduction,
    _per_class_tensor,
    _reduce,
)
from .composite import CompositeLoss

__all__ = ["CECenterLoss", "CenterLoss", "center_loss_param_groups"]


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


class CECenterLoss(CompositeLoss):
    r"""Cross-entropy plus weighted center loss: seed 002's combined loss (sec. 2.4).

    .. math::

        L = L_{ce}(\text{logits}) + w_c \cdot \frac{1}{2B} \sum_i \lVert x_i - c_{y_i} \rVert^2

    A :class:`CompositeLoss` with components ``"ce"``
    (:class:`~torch.nn.CrossEntropyLoss`, weight 1) and ``"center"``
    (:class:`CenterLoss` on the penultimate features ``x_i``, weight
    ``center_weight``), whose settings are flat constructor arguments so that
    a classifier exposes them as ``criterion__center_weight``. A classifier
    fills ``n_classes`` and ``n_features`` from the data and the network; the
    centres are the parameters ``components.center.centers``, so
    ``optimizer__param_groups=[("*centers", {"lr": ..., "weight_decay": 0.0})]``
    gives them their own learning rate.

    Parameters
    ----------
    n_classes : int
    n_features : int
        Size of the penultimate features (the network's ``n_features_out``).
    center_weight : float, default=0.0005
        :math:`w_c`, seed 002 Table 6's "loss weight" on UCI-HAR (0.0007 on WISDM).
    weight : torch.Tensor of shape (n_classes,), default=None
        Per-class weights of the cross-entropy (``class_weight="balanced"``).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import CECenterLoss
    >>> loss = CECenterLoss(n_classes=2, n_features=3, center_weight=0.5)
    >>> logits, features = torch.zeros(2, 2), torch.zeros(2, 3)
    >>> total = loss(logits, torch.tensor([0, 1]), features=features)
    >>> sorted(loss.last_values), loss.weights
    (['ce', 'center'], {'ce': 1.0, 'center': 0.5})
    """

    def __init__(self, n_classes, n_features, center_weight=0.0005, weight=None):
        owner = type(self).__name__
        center_weight = _check_real(center_weight, "center_weight", owner, low=0.0)
        if weight is not None:
            weight = _per_class_tensor(weight, "weight", owner)
        super().__init__(
            {"ce": nn.CrossEntropyLoss(weight=weight),
             "center": CenterLoss(n_classes, n_features, lambda_=1.0)},
            weights={"ce": 1.0, "center": center_weight},
        )
        self.n_classes = n_classes
        self.n_features = n_features
        self.center_weight = center_weight


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
