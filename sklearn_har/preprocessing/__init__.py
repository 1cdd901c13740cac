"""Tables to windows, windows to features."""

from ._segmenter import ShortRunWarning, WindowIndex, WindowSegmenter

__all__ = ["WindowSegmenter", "WindowIndex", "ShortRunWarning"]

try:  # StatFeatures lands in its own module
    from ._stat_features import StatFeatures  # noqa: F401

    __all__.append("StatFeatures")
except ImportError:  # pragma: no cover
    pass
