"""Plain-PyTorch building blocks: losses, optimizers and networks (no scikit-learn, no skorch).

Networks are registered by name: :func:`list_models`, :func:`create_model`,
:func:`get_model_info`; reusable blocks live in :mod:`sklearn_har.nn.layers`,
parameter / MAC / activation-memory counts in :mod:`sklearn_har.nn.profile`.

Losses take logits ``(B, K)`` and integer targets ``(B,)``; :class:`CenterLoss`
takes penultimate features ``(B, D)``.
"""

from .losses import (
    CECenterLoss,
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
from .models import CNN1D, ModelInfo, create_model, get_model_info, list_models, register_model
from .optim import Lion

__all__ = [
    "CNN1D",
    "CECenterLoss",
    "CenterLoss",
    "ClassBalancedLoss",
    "CompositeLoss",
    "FocalLoss",
    "LabelSmoothingLoss",
    "Lion",
    "ModelInfo",
    "SmoothFocalCELoss",
    "balanced_class_weights",
    "center_loss_param_groups",
    "class_balanced_weights",
    "create_model",
    "get_model_info",
    "list_models",
    "register_model",
]
