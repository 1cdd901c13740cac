"""Differentiable channel-wise scaling (DCS): binary channel masks trained with a
straight-through estimator (seed 003 sec. IV-A, eq. 1-4).

A mask holds one continuous score ``v`` per channel. Forward, the channel is
kept (``b = 1``) when ``v > threshold`` and zeroed (``b = 0``) otherwise (eq. 3);
backward, the gradient reaching ``b`` is passed to ``v`` unchanged (eq. 4), so
the scores learn with the weights. On the input, a mask selects sensor
channels; after a convolution, its filters. :meth:`ChannelMask.kept` tells
which survive, so a derived network can drop the others physically.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ChannelMask", "straight_through_binary"]


def straight_through_binary(scores, threshold=0.5):
    """``(scores > threshold)`` as 0. / 1. forward, identity gradient backward (eq. 3-4)."""
    hard = (scores > threshold).to(scores.dtype)
    return hard + (scores - scores.detach())  # exactly 0. / 1. forward (x - x == 0)


class ChannelMask(nn.Module):
    """Keep or zero each channel of ``(B, C, ...)`` by a learned binary mask (a DCS layer).

    Parameters
    ----------
    n_channels : int
        ``C``, the size of axis 1.
    threshold : float, default=0.5
        A channel is kept while its score is above it (the paper's ``thres``).
    init : float, default=1.0
        Initial score of every channel (above the threshold: all kept; the paper
        does not state its initial value).

    Attributes
    ----------
    scores : torch.nn.Parameter of shape (C,)
        The continuous ``v`` of eq. 3.
    """

    def __init__(self, n_channels, threshold=0.5, init=1.0):
        super().__init__()
        if isinstance(n_channels, bool) or not isinstance(n_channels, int) or n_channels < 1:
            raise ValueError(f"ChannelMask: n_channels must be an int >= 1; got {n_channels!r}.")
        self.threshold = float(threshold)
        self.scores = nn.Parameter(torch.full((n_channels,), float(init)))

    def mask(self):
        """The binary mask ``b`` (straight-through), shape ``(C,)``."""
        return straight_through_binary(self.scores, self.threshold)

    def kept(self):
        """Boolean ``(C,)``: the channels the mask keeps now."""
        return (self.scores.detach() > self.threshold)

    def n_kept(self):
        """``sum(b)`` with its straight-through gradient (eq. 11's ``b-hat``), a 0-d tensor."""
        return self.mask().sum()

    def forward(self, x):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return x * self.mask().reshape(shape)

    def extra_repr(self):
        return f"{self.scores.numel()}, threshold={self.threshold}"
