"""sklearn_har: human activity recognition from wearable sensors, the scikit-learn way.

Raw sensor tables are cut into windows (:class:`WindowSegmenter`), turned into
features (:class:`StatFeatures`) or fed to deep classifiers, inside a
:class:`Pipeline` that fits on rows and predicts one label per row.

The torch-backed names (the classifiers, the samplers) are imported when
first used (PEP 562), so ``import sklearn_har`` and the feature pipelines
never load torch or skorch.
"""

import importlib

from ._version import __version__
from .pipeline import Pipeline, make_pipeline
from .preprocessing import StatFeatures, WindowScaler, WindowSegmenter

# public name -> submodule that defines it, imported on first access
_LAZY = {
    "BorderlineSMOTE": ".samplers",
    "DiffusionAugmenter": ".samplers",
    "CNNClassifier": ".classifiers",
    "MAGRes2NetClassifier": ".classifiers",
    "NeuralWindowClassifier": ".classifiers",
    "SFTNASClassifier": ".classifiers",
    "UMSNetClassifier": ".classifiers",
    "USADClassifier": ".classifiers",
    "export_edge": ".export",
    "profile": ".export",
    "load": ".persistence",
    "StreamingClassifier": ".streaming",
}

__all__ = [
    "Pipeline",
    "make_pipeline",
    "WindowSegmenter",
    "StatFeatures",
    "WindowScaler",
    "BorderlineSMOTE",
    "DiffusionAugmenter",
    "CNNClassifier",
    "MAGRes2NetClassifier",
    "NeuralWindowClassifier",
    "SFTNASClassifier",
    "UMSNetClassifier",
    "USADClassifier",
    "StreamingClassifier",
    "export_edge",
    "load",
    "profile",
    "__version__",
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later look-ups skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
