"""Plain-PyTorch building blocks: losses, optimizers and networks (no scikit-learn, no skorch).

Losses take logits ``(B, K)`` and integer targets ``(B,)``; :class:`CenterLoss`
takes penultimate features ``(B, D)``.
"""

from .losses import (
    CenterLoss,
    ClassBalancedLoss,
    CompositeLoss,
    FocalLoss,
    LabelSmoothingLoss,
    SmoothFocalCELoss,
    balanced_class_weights,
    center_loss_param_groups,
    class_balanced_weights,
)
from .models import CNN1D
from .optim import Lion

__all__ = [
    "CNN1D",
    "CenterLoss",
    "ClassBalancedLoss",
    "CompositeLoss",
    "FocalLoss",
    "LabelSmoothingLoss",
    "Lion",
    "SmoothFocalCELoss",
    "balanced_class_weights",
    "center_loss_param_groups",
    "class_balanced_weights",
]
