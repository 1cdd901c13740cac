"""skorch callbacks: adaptive loss weights, validation scores, divergence warnings, weight averaging."""

from ._adaptive import AdaptiveLossWeights, adaptive_loss_weights
from ._averaging import WeightAveraging
from ._divergence import DivergenceMonitor
from ._scoring import ValidationScores, confusion_scores

__all__ = [
    "AdaptiveLossWeights",
    "DivergenceMonitor",
    "ValidationScores",
    "WeightAveraging",
    "adaptive_loss_weights",
    "confusion_scores",
]
