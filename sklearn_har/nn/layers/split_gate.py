"""The tanh gate between the splits of Gated-Res2Net (Yang et al. 2020).

Seed 002 sec. 2.3: before split ``i`` is convolved, the output of split
``i - 1`` is added to it scaled by a gate ``g_i = tanh(f_1(f_2))``, where
``f_2 = concat(a(X), a(y_{i-1}), a(x_i))`` and ``X`` is the whole input of the
block. The paper's equations leave ``a`` and ``f_1`` loose; we read ``a`` as the
global average over time (one value per channel, as in the squeeze of an SE
block) and ``f_1`` as one fully connected layer (a 1x1 convolution) from the
concatenated descriptors to the split's channels. So each sample gets one gate
value per channel of the split, in ``(-1, 1)``: ``-1`` passes the previous
split's features negated, ``0`` blocks them, ``1`` passes them as plain Res2Net
does.
"""

import torch
from torch import nn

__all__ = ["SplitGate"]


class SplitGate(nn.Module):
    """``g = tanh(fc([mean_t(X); mean_t(y_prev); mean_t(x_i)]))`` of shape ``(B, width, 1)``.

    Parameters
    ----------
    block_channels : int
        Channels of ``X``, the whole input of the block (all splits).
    width : int
        Channels of one split (of ``y_prev`` and ``x_i``, and of the gate).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import SplitGate
    >>> X, y_prev, x_i = torch.randn(2, 32, 20), torch.randn(2, 8, 20), torch.randn(2, 8, 20)
    >>> SplitGate(32, 8)(X, y_prev, x_i).shape
    torch.Size([2, 8, 1])
    """

    def __init__(self, block_channels, width):
        super().__init__()
        self.fc = nn.Conv1d(block_channels + 2 * width, width, 1)

    def forward(self, X, y_prev, x_i):
        desc = torch.cat([X.mean(-1, keepdim=True), y_prev.mean(-1, keepdim=True),
                          x_i.mean(-1, keepdim=True)], dim=1)
        return torch.tanh(self.fc(desc))
