"""Deep classifiers of windows, as skorch / scikit-learn estimators."""

from ._base import NeuralWindowClassifier, NonFiniteLossError
from ._cnn import CNNClassifier
from ._data import WindowDataset, WindowValidSplit
from ._mag_res2net import MAGRes2NetClassifier
from ._sftnas import SFTNASClassifier
from ._umsnet import UMSNetClassifier
from ._usad import USADClassifier

__all__ = [
    "CNNClassifier",
    "MAGRes2NetClassifier",
    "NeuralWindowClassifier",
    "NonFiniteLossError",
    "SFTNASClassifier",
    "UMSNetClassifier",
    "USADClassifier",
    "WindowDataset",
    "WindowValidSplit",
]
