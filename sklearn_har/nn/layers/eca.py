"""Efficient channel attention (ECA-Net, Wang et al. 2020) on 1-D feature maps.

Seed 002 sec. 2.3 and Figure 4: pool each channel over time, one 1-D
convolution *across channels* (no bottleneck, no dimension reduction: each
channel's weight depends on its ``k`` neighbours), a sigmoid, and the input
multiplied by it. The kernel size adapts to the channel count (ECA-Net eq. 12):
``k = |log2(C) / gamma + b / gamma|`` rounded to the nearest odd number
(``gamma = 2``, ``b = 1``).
"""

import math

from torch import nn

__all__ = ["EfficientChannelAttention", "eca_kernel_size"]


def eca_kernel_size(channels, gamma=2, beta=1):
    """ECA-Net's adaptive kernel size: ``t = int(|(log2(C) + b) / gamma|)``, then ``t`` if
    odd else ``t + 1``.

    >>> [eca_kernel_size(c) for c in (16, 64, 256, 512, 2048)]
    [3, 3, 5, 5, 7]
    """
    t = int(abs((math.log2(channels) + beta) / gamma))
    return t if t % 2 else t + 1


class EfficientChannelAttention(nn.Module):
    """``x * sigmoid(conv1d_over_channels(mean_t(x)))`` on ``(B, C, T)``.

    Parameters
    ----------
    channels : int
        Only used for the adaptive kernel size.
    kernel_size : int or None, default=None
        ``None``: :func:`eca_kernel_size` of ``channels``. An odd int fixes it.
    gamma, beta : int, default=2, 1
        The constants of the adaptive kernel size.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import EfficientChannelAttention
    >>> eca = EfficientChannelAttention(256)
    >>> eca.conv.kernel_size, eca(torch.randn(2, 256, 16)).shape
    ((5,), torch.Size([2, 256, 16]))
    """

    def __init__(self, channels, kernel_size=None, *, gamma=2, beta=1):
        super().__init__()
        if kernel_size is None:
            kernel_size = eca_kernel_size(channels, gamma, beta)
        if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or \
                kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"EfficientChannelAttention: kernel_size must be an odd int >= 1 "
                             f"or None; got {kernel_size!r}.")
        self.conv = nn.Conv1d(1, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        s = x.mean(dim=-1).unsqueeze(1)  # (B, 1, C): channels as the conv's sequence
        w = self.gate(self.conv(s)).transpose(1, 2)  # (B, C, 1)
        return x * w
