"""Samplers of windows: over-sample classes in ``fit`` only (never at predict time).

``DiffusionAugmenter`` (PyTorch) is loaded on first use, so that
``BorderlineSMOTE`` does not import torch.
"""

from ..exceptions import NoDangerWarning
from ._smote import BorderlineSMOTE

__all__ = ["BorderlineSMOTE", "DiffusionAugmenter", "NoDangerWarning"]


def __getattr__(name):
    if name == "DiffusionAugmenter":
        from ._diffusion import DiffusionAugmenter

        return DiffusionAugmenter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
