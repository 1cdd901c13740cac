"""sklearn_har: human activity recognition from wearable sensors, the scikit-learn way.

Raw sensor tables are cut into windows (:class:`WindowSegmenter`), turned into
features (:class:`StatFeatures`) or fed to deep classifiers, inside a
:class:`Pipeline` that fits on rows and predicts one label per row.
"""

from .classifiers import CNNClassifier, NeuralWindowClassifier
from .pipeline import Pipeline, make_pipeline
from .preprocessing import StatFeatures, WindowScaler, WindowSegmenter
from .samplers import BorderlineSMOTE, DiffusionAugmenter

__version__ = "0.1.0.dev0"

__all__ = [
    "Pipeline",
    "make_pipeline",
    "WindowSegmenter",
    "StatFeatures",
    "WindowScaler",
    "BorderlineSMOTE",
    "DiffusionAugmenter",
    "CNNClassifier",
    "NeuralWindowClassifier",
    "__version__",
]
