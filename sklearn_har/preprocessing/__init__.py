"""Tables to windows, windows to features."""

from ._segmenter import ShortRunWarning, WindowIndex, WindowSegmenter
from ._stat_features import StatFeatures

__all__ = ["WindowSegmenter", "WindowIndex", "ShortRunWarning", "StatFeatures"]
