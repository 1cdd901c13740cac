"""Samplers of windows: over-sample classes in ``fit`` only (never at predict time)."""

from ._diffusion import DiffusionAugmenter
from ._smote import BorderlineSMOTE, NoDangerWarning

__all__ = ["BorderlineSMOTE", "DiffusionAugmenter", "NoDangerWarning"]
