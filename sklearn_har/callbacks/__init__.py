"""skorch callbacks: adaptive loss weights, validation scores, divergence warnings."""

from ._adaptive import AdaptiveLossWeights, adaptive_loss_weights
from ._divergence import DivergenceMonitor
from ._scoring import ValidationScores, confusion_scores

__all__ = [
    "AdaptiveLossWeights",
    "DivergenceMonitor",
    "ValidationScores",
    "adaptive_loss_weights",
    "confusion_scores",
]
