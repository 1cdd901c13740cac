"""Seed 004's lightweight sensor residual (LSR) block and its down-sampling layer.

Figures 2(b) and 3: one grouped convolution with as many groups as channels
(depthwise, the paper's ``[g3x3]``), the block's only normalisation, an inverted
bottleneck (``1x1`` to 4x the channels, the only GELU, ``1x1`` back), LayerScale and
stochastic depth on the branch, and the identity shortcut: ConvNeXt's block with a
batch norm. ``groups`` > 1 splits the two ``1x1`` convolutions into independent
groups, which is how one module runs the single-sensor LSR modules of all sensors at
once (one group per sensor, nothing mixed between them). Between stages, the
down-sampling layer is a norm and a convolution of kernel 2, stride 2 (sec. 4.4).
"""

from torch import nn

from .drop_path import DropPath
from .layer_scale import LayerScale

__all__ = ["LSRBlock", "LSRDownsample"]


class LSRBlock(nn.Module):
    """``x + drop_path(layer_scale(pw2(gelu(pw1(norm(dwconv(x)))))))`` on ``(B, C, T)``.

    Parameters
    ----------
    channels : int
    kernel_size : int, default=3
        Of the depthwise convolution.
    expansion : int, default=4
        Width of the inverted bottleneck relative to ``channels``.
    groups : int, default=1
        Groups of the two pointwise convolutions (sensors kept apart).
    layer_scale_init : float or None, default=1e-6
        None: no LayerScale.
    drop_path : float, default=0.0
        Stochastic depth rate of this block.
    norm_layer, act_layer : type, default=nn.BatchNorm1d, nn.GELU

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import LSRBlock
    >>> LSRBlock(12, groups=3)(torch.randn(2, 12, 16)).shape
    torch.Size([2, 12, 16])
    """

    def __init__(self, channels, kernel_size=3, expansion=4, *, groups=1,
                 layer_scale_init=1e-6, drop_path=0.0, norm_layer=nn.BatchNorm1d,
                 act_layer=nn.GELU):
        super().__init__()
        if channels % groups:
            raise ValueError(f"LSRBlock: channels ({channels}) must be a multiple of groups "
                             f"({groups}).")
        self.dwconv = nn.Conv1d(channels, channels, kernel_size, padding=kernel_size // 2,
                                groups=channels)
        self.norm = norm_layer(channels)
        self.pw1 = nn.Conv1d(channels, expansion * channels, 1, groups=groups)
        self.act = act_layer()
        self.pw2 = nn.Conv1d(expansion * channels, channels, 1, groups=groups)
        self.layer_scale = (LayerScale(channels, layer_scale_init)
                            if layer_scale_init is not None else nn.Identity())
        self.drop_path = DropPath(drop_path)

    def forward(self, x):
        y = self.pw2(self.act(self.pw1(self.norm(self.dwconv(x)))))
        return x + self.drop_path(self.layer_scale(y))


class LSRDownsample(nn.Sequential):
    """``norm -> Conv1d(kernel 2, stride 2)``: halves the length, changes the width.

    ``stride=1`` keeps the length (a kernel-1 convolution), for maps already too
    short to halve.
    """

    def __init__(self, in_channels, out_channels, *, groups=1, stride=2,
                 norm_layer=nn.BatchNorm1d):
        super().__init__(norm_layer(in_channels),
                         nn.Conv1d(in_channels, out_channels, stride, stride=stride,
                                   groups=groups))
