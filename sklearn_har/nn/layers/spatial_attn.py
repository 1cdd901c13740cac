"""Spatial attention over time (CBAM's spatial branch on 1-D feature maps).

Seed 000 sec. 3.2 ("Method Flow") and seed 001 eq. 5: average and max pooling
across channels, concatenated into a ``(B, 2, T)`` descriptor, one convolution
and a sigmoid give a map ``(B, 1, T)`` that weights every time step of every
channel.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["SpatialAttention"]


class SpatialAttention(nn.Module):
    """``x * sigmoid(conv([mean_c(x); max_c(x)]))`` on ``(B, C, T)``.

    Parameters
    ----------
    kernel_size : int, default=3
        Width of the convolution over time (seed 001: ``f_{3x3}``; CBAM uses 7).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import SpatialAttention
    >>> SpatialAttention()(torch.randn(2, 8, 40)).shape
    torch.Size([2, 8, 40])
    """

    def __init__(self, kernel_size=3):
        super().__init__()
        if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1:
            raise ValueError(f"SpatialAttention: kernel_size must be an int >= 1; got "
                             f"{kernel_size!r}.")
        self.conv = nn.Conv1d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def attention_map(self, x):
        """The map ``(B, 1, T)`` in ``(0, 1)``."""
        # the max over channels as a max-pooling of (B, T, C) over C: the same values, and
        # one int8 MAX_POOL op for a microcontroller where a max reduction stays float
        peak = F.max_pool1d(x.transpose(1, 2), kernel_size=x.shape[1]).transpose(1, 2)
        desc = torch.cat([x.mean(dim=1, keepdim=True), peak], dim=1)
        m = self.conv(desc)
        return torch.sigmoid(m[..., : x.shape[-1]])  # even kernels pad one step more

    def forward(self, x):
        return x * self.attention_map(x)
