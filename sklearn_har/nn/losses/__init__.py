"""Classification losses for imbalanced activity recognition, in plain PyTorch.

Every loss here is a :class:`torch.nn.Module` taking logits of shape ``(B, K)``
and integer class targets of shape ``(B,)`` (except :class:`CenterLoss`, which
takes the penultimate features ``(B, D)``). Fixed per-class tensors are
registered as buffers, so ``.to(device)`` moves them with the module.

- :class:`FocalLoss` -- seed 000 eq. 24 (Lin et al. 2017).
- :class:`LabelSmoothingLoss` -- seed 000 eq. 25.
- :class:`ClassBalancedLoss` -- effective number of samples (Cui et al. 2019).
- :class:`CenterLoss` -- learnable class centres (Wen et al. 2016, seed 002 sec. 2.4).
- :class:`CECenterLoss` -- cross-entropy + weighted center loss (seed 002 sec. 2.4).
- :class:`CompositeLoss` -- weighted sum of named components (seed 000 eq. 26),
  with weights that a callback may change between epochs (eq. 27).

Per-fit class weights come from :func:`balanced_class_weights` and
:func:`class_balanced_weights`: they are plain functions of the training labels,
so a classifier recomputes them in every ``fit`` (nothing is cached, and weights
never leak from one cross-validation fold to the next).
"""

from .center import CECenterLoss, CenterLoss, center_loss_param_groups
from .class_weights import balanced_class_weights, class_balanced_weights
from .composite import CompositeLoss
from .cross_entropy import (
    ClassBalancedLoss,
    FocalLoss,
    LabelSmoothingLoss,
    SmoothFocalCELoss,
)

__all__ = [
    "CECenterLoss",
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
