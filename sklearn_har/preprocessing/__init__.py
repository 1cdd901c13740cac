"""Tables to windows, windows to features."""

from ..exceptions import ShortRunWarning
from ._scaler import WindowScaler, channel_statistics
from ._segmenter import WindowIndex, WindowSegmenter
from ._stat_features import StatFeatures

__all__ = [
    "WindowSegmenter",
    "WindowIndex",
    "ShortRunWarning",
    "StatFeatures",
    "WindowScaler",
    "channel_statistics",
]
