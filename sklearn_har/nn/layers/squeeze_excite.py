"""Squeeze-and-excitation over time: channel attention from a global average.

The "temporal attention" of seed 000 (eq. 22) and seed 001 (eq. 2-4), and the
SE block of seed 002's Table 8: pool each channel over time, a bottleneck of two
1x1 convolutions (``C -> C * rd_ratio -> C``) with an activation between, a
sigmoid gate that rescales every channel.
"""

from torch import nn

from ._helpers import reduced_width
from .conv_bn_act import create_act

__all__ = ["SqueezeExcite"]


class SqueezeExcite(nn.Module):
    """``x * gate(fc2(act(fc1(mean_t(x)))))`` on ``(B, C, T)``.

    Parameters
    ----------
    channels : int
    rd_ratio : float, default=0.25
        Bottleneck width relative to ``channels`` (``1/r`` of eq. 3).
    rd_min : int, default=8
        Smallest bottleneck width.
    groups : int, default=1
        Groups of both FC layers (seed 000: the cardinality).
    act_layer : type, default=nn.ReLU
        ``delta`` of eq. 3.
    gate_layer : type, default=nn.Sigmoid

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import SqueezeExcite
    >>> SqueezeExcite(16)(torch.randn(2, 16, 30)).shape
    torch.Size([2, 16, 30])
    """

    def __init__(self, channels, rd_ratio=0.25, *, rd_min=8, groups=1, act_layer=nn.ReLU,
                 gate_layer=nn.Sigmoid):
        super().__init__()
        if channels % groups:
            raise ValueError(f"SqueezeExcite: channels ({channels}) must be a multiple of "
                             f"groups ({groups}).")
        hidden = reduced_width(channels, rd_ratio, rd_min, groups)
        self.fc1 = nn.Conv1d(channels, hidden, 1, groups=groups)
        self.act = create_act(act_layer, inplace=True)
        self.fc2 = nn.Conv1d(hidden, channels, 1, groups=groups)
        self.gate = gate_layer()

    def forward(self, x):
        s = x.mean(dim=-1, keepdim=True)
        return x * self.gate(self.fc2(self.act(self.fc1(s))))
