"""Deep classifiers of windows, as skorch / scikit-learn estimators."""

from ._base import NeuralWindowClassifier, NonFiniteLossError
from ._cnn import CNNClassifier
from ._data import WindowDataset, WindowValidSplit

__all__ = [
    "CNNClassifier",
    "NeuralWindowClassifier",
    "NonFiniteLossError",
    "WindowDataset",
    "WindowValidSplit",
]
