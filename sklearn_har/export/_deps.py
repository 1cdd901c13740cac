"""Optional dependencies of the export: a missing one names the pip command that fixes it."""

from __future__ import annotations

import importlib.util

__all__ = ["require", "EXTRAS"]

#: the extra of pyproject.toml that brings each importable module
EXTRAS = {
    "onnx": "edge", "onnxruntime": "edge", "onnxscript": "edge",
    "litert_torch": "mcu", "ai_edge_litert": "mcu", "tflite_micro": "mcu",
}


def require(*modules, extra=None):
    """Raise ImportError naming ``pip install sklearn-har[extra]`` if a module is missing."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        extra = extra or EXTRAS.get(missing[0], "edge")
        raise ImportError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} needed for this "
            f"export and not installed: pip install 'sklearn-har[{extra}]'")
