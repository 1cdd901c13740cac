"""SqueezeExcite: one gate per channel, constant over time."""

import pytest
import torch

from sklearn_har.nn.layers import SqueezeExcite


@pytest.mark.parametrize("channels, groups", [(8, 1), (16, 2), (64, 4)])
def test_one_gate_per_channel(channels, groups):
    torch.manual_seed(0)
    se = SqueezeExcite(channels, groups=groups)
    x = torch.rand(3, channels, 50) + 0.5  # positive: the ratio out / x is the gate
    gate = se(x) / x
    assert gate.shape == (3, channels, 50)
    torch.testing.assert_close(gate, gate[..., :1].expand_as(gate))
    assert ((gate > 0) & (gate < 1)).all()
    # the gate reads the time average only: shuffling time leaves it unchanged
    perm = x[..., torch.randperm(50)]
    torch.testing.assert_close(se(perm) / perm, gate)


def test_grouped_fc_layers_have_fewer_parameters():
    n1 = sum(p.numel() for p in SqueezeExcite(32, groups=1).parameters())
    n4 = sum(p.numel() for p in SqueezeExcite(32, groups=4).parameters())
    assert n4 < n1


def test_groups_must_divide_channels():
    with pytest.raises(ValueError, match=r"channels \(10\) must be a multiple of groups \(4\)"):
        SqueezeExcite(10, groups=4)
