"""Deep classifiers of windows, as skorch / scikit-learn estimators."""

from ._base import NeuralWindowClassifier, NonFiniteLossError
from ._cnn import CNNClassifier
from ._data import WindowDataset, WindowValidSplit
from ._usad import USADClassifier

__all__ = [
    "CNNClassifier",
    "NeuralWindowClassifier",
    "NonFiniteLossError",
    "USADClassifier",
    "WindowDataset",
    "WindowValidSplit",
]
