"""SplitGate: Gated-Res2Net's tanh gate, one value per channel of the split, in (-1, 1)."""

import torch

from sklearn_har.nn.layers import SplitGate


def test_gate_values_in_minus_one_one_constant_over_time():
    torch.manual_seed(0)
    gate = SplitGate(16, 4)
    X, y_prev, x_i = (torch.randn(5, c, 30) * 10 for c in (16, 4, 4))
    g = gate(X, y_prev, x_i)
    assert g.shape == (5, 4, 1)
    assert ((g > -1) & (g < 1)).all()
    assert (g < 0).any() and (g > 0).any()  # signed: a gate can also negate


def test_gate_reads_all_three_descriptors():
    torch.manual_seed(0)
    gate = SplitGate(8, 2)
    inputs = [torch.randn(2, c, 12, requires_grad=True) for c in (8, 2, 2)]
    grads = torch.autograd.grad(gate(*inputs).sum(), inputs)
    assert all(g.abs().sum() > 0 for g in grads)
