"""skorch callbacks: adaptive loss weights, validation scores, divergence warnings, weight
averaging, checkpoints to resume from."""

from ._adaptive import AdaptiveLossWeights, adaptive_loss_weights
from ._averaging import WeightAveraging
from ._checkpoint import TrainingCheckpoint
from ._divergence import DivergenceMonitor
from ._scoring import ValidationScores, confusion_scores

__all__ = [
    "AdaptiveLossWeights",
    "DivergenceMonitor",
    "TrainingCheckpoint",
    "ValidationScores",
    "WeightAveraging",
    "adaptive_loss_weights",
    "confusion_scores",
]
