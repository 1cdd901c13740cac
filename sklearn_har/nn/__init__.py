"""Plain-PyTorch building blocks: losses and optimizers (no scikit-learn, no skorch).

Losses take logits ``(B, K)`` and integer targets ``(B,)``; :class:`CenterLoss`
takes penultimate features ``(B, D)``.
"""

from .losses import (
    CenterLoss,
    ClassBalancedLoss,
    CompositeLoss,
    FocalLoss,
    LabelSmoothingLoss,
    balanced_class_weights,
    center_loss_param_groups,
    class_balanced_weights,
)
from .optim import Lion

__all__ = [
    "CenterLoss",
    "ClassBalancedLoss",
    "CompositeLoss",
    "FocalLoss",
    "LabelSmoothingLoss",
    "Lion",
    "balanced_class_weights",
    "center_loss_param_groups",
    "class_balanced_weights",
]
