"""Stochastic depth (Huang et al. 2016): drop a residual branch per sample in training.

Seed 004 eq. 2: ``x_l = id(x_{l-1}) + b * x_residual`` with ``b ~ Bernoulli(1 - rate)``
drawn per sample. As in current practice (ConvNeXt, timm), the kept branches are
scaled by ``1 / (1 - rate)`` during training, so that inference (where every branch is
kept unscaled) sees the same expected value; the paper's equation leaves the scaling
out, which changes nothing but where the factor lives.
"""

import torch
from torch import nn

__all__ = ["DropPath"]


class DropPath(nn.Module):
    """Zero the whole residual branch of each sample with probability ``rate`` (training only).

    Parameters
    ----------
    rate : float, default=0.0
        Drop probability in ``[0, 1)``. 0 (or eval mode) is the identity.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import DropPath
    >>> x = torch.ones(4, 2, 3)
    >>> torch.equal(DropPath(0.5).eval()(x), x)
    True
    """

    def __init__(self, rate=0.0):
        super().__init__()
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"DropPath: rate must be in [0, 1); got {rate!r}.")
        self.rate = float(rate)

    def forward(self, x):
        if not self.training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        shape = (x.shape[0],) + (1,) * (x.dim() - 1)
        mask = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self):
        return f"rate={self.rate}"
