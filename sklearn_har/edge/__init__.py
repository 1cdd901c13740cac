"""The torch-free edge runtime: artefacts of :mod:`sklearn_har.export` on a
Raspberry Pi or any onnxruntime host (numpy + onnxruntime; importing it loads
neither torch nor skorch)."""

from ._format import EdgeSpec
from ._runtime import EdgeClassifier

__all__ = ["EdgeClassifier", "EdgeSpec"]
