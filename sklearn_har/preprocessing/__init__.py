"""Tables to windows, windows to features."""

from ..exceptions import ShortRunWarning
from ._scaler import WindowScaler, channel_statistics
from ._segmenter import WindowSegmenter
from ._stat_features import StatFeatures
from ._window_index import WindowIndex

__all__ = [
    "WindowSegmenter",
    "WindowIndex",
    "ShortRunWarning",
    "StatFeatures",
    "WindowScaler",
    "channel_statistics",
]
