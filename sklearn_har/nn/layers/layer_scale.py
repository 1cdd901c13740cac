"""LayerScale (Touvron et al. 2021): a learnable per-channel factor on a residual branch.

Seed 004 eq. 1: ``x_residual = f(x_{l-1}) x diag(lambda_1, ..., lambda_c)``, the
factors starting small so that every block starts close to the identity.
"""

import torch
from torch import nn

__all__ = ["LayerScale"]


class LayerScale(nn.Module):
    """``x * gamma`` with ``gamma`` of shape ``(channels,)``, on ``(B, C, T)`` (``channel_dim=1``)
    or ``(B, L, C)`` (``channel_dim=-1``).

    Parameters
    ----------
    channels : int
    init : float, default=1e-6
        Initial value of every factor (ConvNeXt's and CaiT's small init).
    channel_dim : {1, -1}, default=1

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import LayerScale
    >>> LayerScale(4, init=0.1)(torch.ones(2, 4, 3))[0, :, 0]
    tensor([0.1000, 0.1000, 0.1000, 0.1000], grad_fn=<SelectBackward0>)
    """

    def __init__(self, channels, init=1e-6, channel_dim=1):
        super().__init__()
        if channel_dim not in (1, -1):
            raise ValueError(f"LayerScale: channel_dim must be 1 or -1; got {channel_dim!r}.")
        self.gamma = nn.Parameter(torch.full((channels,), float(init)))
        self.channel_dim = channel_dim

    def forward(self, x):
        if self.channel_dim == 1:
            return x * self.gamma.view(1, -1, *([1] * (x.dim() - 2)))
        return x * self.gamma
