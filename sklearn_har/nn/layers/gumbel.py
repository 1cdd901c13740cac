"""Operator choice by the Gumbel-max trick, trained through a Gumbel-softmax
(seed 003 sec. IV-B, eq. 5-7).

Forward, one candidate operator is drawn (``argmax_j log(alpha_j) + g_j`` with
``g`` standard Gumbel noise, eq. 5) and only that operator runs (eq. 6).
Backward, the one-hot choice takes the gradient of the Gumbel-softmax at
temperature ``tau`` (eq. 7), so every architecture weight ``alpha`` learns,
through the normalisation, from the operator that ran. In eval mode the most
likely operator (``argmax alpha``) runs, without noise.

The architecture weights are stored as logits (``log alpha``): the paper
initialises every ``alpha`` to 1e-3, i.e. a uniform choice, which equal
logits give, and a logit cannot leave the domain of ``log``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["MixedOp", "gumbel_one_hot", "temperature"]


def temperature(epoch, tau0=5.0, decay=0.05):
    """The paper's schedule ``tau = tau0 * exp(-decay * epoch)``."""
    return float(tau0) * math.exp(-float(decay) * float(epoch))


def gumbel_one_hot(logits, tau, generator=None):
    """A one-hot draw over the last axis, with Gumbel-softmax gradients (eq. 5-7)."""
    u = torch.rand(logits.shape, generator=generator, device=logits.device,
                   dtype=logits.dtype).clamp_(1e-10, 1.0 - 1e-7)
    gumbel = -torch.log(-torch.log(u))
    soft = torch.softmax((logits + gumbel) / tau, dim=-1)
    index = soft.argmax(dim=-1, keepdim=True)
    hard = torch.zeros_like(soft).scatter_(-1, index, 1.0)
    return hard + (soft - soft.detach())  # exactly one-hot forward (x - x == 0)


class MixedOp(nn.Module):
    """One of several candidate operators, chosen by Gumbel-max (one runs per forward).

    Parameters
    ----------
    ops : list of nn.Module
        Candidates with equal output shapes (e.g. convolutions k = 1, 3, 5, 7 and
        an identity).
    names : list of str, optional
        A name per candidate, for reports (default ``op0``, ``op1``, ...).

    Attributes
    ----------
    alpha : torch.nn.Parameter of shape (n_ops,)
        Architecture logits, initialised equal.
    tau : float
        The Gumbel-softmax temperature, set by the training loop (default 5.0).
    last_choice : torch.Tensor
        The one-hot choice of the last forward pass (with its gradient), which a
        complexity loss weighs the candidates' costs by.
    """

    def __init__(self, ops, names=None):
        super().__init__()
        if len(ops) < 1:
            raise ValueError("MixedOp needs at least one candidate operator.")
        self.ops = nn.ModuleList(ops)
        self.names = list(names) if names is not None else [f"op{i}" for i in range(len(ops))]
        if len(self.names) != len(self.ops):
            raise ValueError(f"MixedOp: {len(self.names)} names for {len(self.ops)} operators.")
        self.alpha = nn.Parameter(torch.zeros(len(ops)))
        self.tau = 5.0
        self.last_choice = None

    def choice(self):
        """One-hot over the candidates: a Gumbel draw in training, ``argmax alpha`` in eval."""
        if self.training:
            return gumbel_one_hot(self.alpha, self.tau)
        hard = torch.zeros_like(self.alpha)
        hard[int(self.alpha.argmax())] = 1.0
        return hard

    def chosen(self):
        """Index of the most likely candidate (the derived network's operator)."""
        return int(self.alpha.detach().argmax())

    def forward(self, x):
        p = self.choice()
        self.last_choice = p
        j = int(p.detach().argmax())
        return p[j] * self.ops[j](x)

    def extra_repr(self):
        return f"candidates={self.names}"
