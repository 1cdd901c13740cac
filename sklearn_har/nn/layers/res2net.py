"""The 1-D Res2Net bottleneck (Gao et al. 2019), optionally gated (Yang et al. 2020)
and with channel attention: the block of seed 002's MAG-Res2Net (sec. 2.3, Figure 3).

``1x1 conv -> split into `scale` groups of `width` channels -> hierarchical
3x1 convolutions -> concatenation -> 1x1 conv -> attention -> + shortcut``.
Within the block, split 1 passes unchanged, split 2 is convolved, and every
later split is convolved after the previous split's output was added to it
(``y_i = K_i(x_i + y_{i-1})``), so the last split sees the widest receptive
field. With ``gated=True`` the addition is scaled by a :class:`SplitGate`
(``y_i = K_i(x_i + g_i * y_{i-1})``, seed 002's equation). A block with
``stride > 1`` (the first of a stage) cannot chain splits of different lengths:
as in Res2Net's own "stage" blocks, each split is convolved on its own and the
identity split is average-pooled to the new length.
"""

import torch
from torch import nn

from .conv_bn_act import ConvBnAct
from .eca import EfficientChannelAttention
from .split_gate import SplitGate
from .squeeze_excite import SqueezeExcite

__all__ = ["Res2NetBottleneck", "create_channel_attention"]

ATTENTIONS = ("eca", "se", None)


def create_channel_attention(kind, channels, *, se_ratio=1 / 16):
    """``"eca"`` (:class:`EfficientChannelAttention`), ``"se"`` (:class:`SqueezeExcite`
    with ``rd_ratio=se_ratio``, SENet's ``r = 16``) or ``None`` (identity)."""
    if kind == "eca":
        return EfficientChannelAttention(channels)
    if kind == "se":
        return SqueezeExcite(channels, rd_ratio=se_ratio)
    if kind is None:
        return nn.Identity()
    raise ValueError(f"attention must be one of {ATTENTIONS}; got {kind!r}.")


class Res2NetBottleneck(nn.Module):
    """A 1-D (gated) Res2Net bottleneck on ``(B, in_channels, T)``, giving
    ``(B, out_channels, ceil(T / stride))``.

    Parameters
    ----------
    in_channels, out_channels : int
    width : int
        Channels of each split (Res2Net's ``w``).
    scale : int, default=4
        Number of splits (Res2Net's ``s``); ``scale=1`` is a plain ResNet bottleneck.
    stride : int, default=1
        Applied by the split convolutions (and the shortcut).
    gated : bool, default=False
        Scale each hierarchical addition by a :class:`SplitGate`.
    attention : {"eca", "se", None}, default=None
        Channel attention on the block's output, before the residual addition.
    kernel_size : int, default=3
        Of the split convolutions (the paper's ``3x1``).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import Res2NetBottleneck
    >>> block = Res2NetBottleneck(64, 256, width=26, gated=True, attention="eca", stride=2)
    >>> block(torch.randn(2, 64, 128)).shape
    torch.Size([2, 256, 64])
    """

    def __init__(self, in_channels, out_channels, width, scale=4, *, stride=1, gated=False,
                 attention=None, kernel_size=3):
        super().__init__()
        if scale < 1 or width < 1:
            raise ValueError(f"Res2NetBottleneck: scale and width must be >= 1; got scale="
                             f"{scale}, width={width}.")
        self.width, self.scale, self.stride = width, scale, stride
        self.conv1 = ConvBnAct(in_channels, width * scale, 1)
        n_convs = max(scale - 1, 1)
        self.convs = nn.ModuleList(
            ConvBnAct(width, width, kernel_size, stride=stride) for _ in range(n_convs))
        # gates exist only where splits chain: from split 3 on, in stride-1 blocks
        self.chained = stride == 1 and scale > 2
        self.gates = nn.ModuleList(
            SplitGate(width * scale, width) for _ in range(scale - 2)
        ) if gated and self.chained else None
        self.pool = nn.AvgPool1d(3, stride, padding=1) if stride > 1 and scale > 1 else None
        self.conv3 = ConvBnAct(width * scale, out_channels, 1, act_layer=None)
        self.attention = create_channel_attention(attention, out_channels)
        self.shortcut = (
            ConvBnAct(in_channels, out_channels, 1, stride=stride, act_layer=None)
            if stride != 1 or in_channels != out_channels else nn.Identity())
        self.act = nn.ReLU(inplace=True)

    def _splits(self, x):
        X = self.conv1(x)
        if self.scale == 1:
            return [self.convs[0](X)]
        xs = torch.split(X, self.width, dim=1)
        out = [xs[0] if self.pool is None else self.pool(xs[0])]  # y_1 = x_1
        y = None
        for i, (conv, x_i) in enumerate(zip(self.convs, xs[1:]), start=2):
            if y is not None and self.chained:
                g = self.gates[i - 3](X, y, x_i) if self.gates is not None else 1.0
                x_i = x_i + g * y
            y = conv(x_i)
            out.append(y)
        return out

    def forward(self, x):
        out = self.conv3(torch.cat(self._splits(x), dim=1))
        return self.act(self.attention(out) + self.shortcut(x))
