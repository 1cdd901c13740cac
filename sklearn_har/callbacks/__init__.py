"""skorch callbacks: adaptive loss weights and validation scores."""

from ._adaptive import AdaptiveLossWeights, adaptive_loss_weights
from ._scoring import ValidationScores, confusion_scores

__all__ = ["AdaptiveLossWeights", "ValidationScores", "adaptive_loss_weights", "confusion_scores"]
