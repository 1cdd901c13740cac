"""Gumbel-max operator choice: one-hot forward, Gumbel-softmax gradients, tau schedule."""

import math

import torch
from torch import nn

from sklearn_har.nn.layers.gumbel import MixedOp, gumbel_one_hot, temperature


def test_forward_is_one_hot_and_follows_the_logits():
    g = torch.Generator().manual_seed(0)
    logits = torch.log(torch.tensor([0.1, 0.2, 0.7]))
    draws = torch.stack([gumbel_one_hot(logits, tau=1.0, generator=g) for _ in range(4000)])
    assert torch.all((draws == 0) | (draws == 1)) and torch.all(draws.sum(-1) == 1)
    freq = draws.mean(0)
    torch.testing.assert_close(freq, torch.tensor([0.1, 0.2, 0.7]), atol=0.03, rtol=0)


def test_gradient_is_the_gumbel_softmax_one():
    logits = torch.zeros(3, requires_grad=True)
    p = gumbel_one_hot(logits, tau=0.5, generator=torch.Generator().manual_seed(1))
    (p * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    assert abs(float(logits.grad.sum())) < 1e-6  # softmax gradients sum to zero


def test_temperature_schedule():
    assert temperature(0) == 5.0
    assert math.isclose(temperature(10), 5.0 * math.exp(-0.5))
    assert math.isclose(temperature(20, tau0=2.0, decay=0.1), 2.0 * math.exp(-2.0))


def test_mixed_op_runs_one_candidate_and_every_alpha_learns():
    torch.manual_seed(0)
    calls = []

    class Tagged(nn.Module):
        def __init__(self, k):
            super().__init__()
            self.k, self.conv = k, nn.Conv1d(2, 2, 2 * k + 1, padding=k)

        def forward(self, x):
            calls.append(self.k)
            return self.conv(x)

    op = MixedOp([Tagged(k) for k in range(3)], names=["k1", "k3", "k5"])
    x = torch.randn(4, 2, 9)
    op(x).square().mean().backward()
    assert len(calls) == 1  # eq. 6: only the drawn operator runs
    assert op.last_choice.detach().sum() == 1
    assert torch.all(op.alpha.grad != 0)  # through the softmax's normalisation
    with torch.no_grad():
        op.alpha.copy_(torch.tensor([0.0, 2.0, 1.0]))
    op.eval()
    calls.clear()
    op(x)
    assert calls == [1] and op.chosen() == 1
