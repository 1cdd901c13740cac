"""EfficientChannelAttention: ECA-Net's adaptive kernel, one gate per channel from its neighbours."""

import math

import pytest
import torch

from sklearn_har.nn.layers import EfficientChannelAttention, eca_kernel_size


@pytest.mark.parametrize("channels", [1, 3, 8, 16, 64, 100, 256, 512, 1024, 2048])
def test_kernel_size_follows_the_formula(channels):
    t = int(abs((math.log2(channels) + 1) / 2))
    expected = t if t % 2 else t + 1
    k = eca_kernel_size(channels)
    assert k == expected and k % 2 == 1
    assert EfficientChannelAttention(channels).conv.kernel_size == (k,)


def test_kernel_grows_with_the_channels():
    sizes = [eca_kernel_size(2 ** p) for p in range(2, 14)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_one_gate_per_channel_from_the_time_average():
    torch.manual_seed(0)
    eca = EfficientChannelAttention(32)
    x = torch.rand(3, 32, 40) + 0.5
    gate = eca(x) / x
    torch.testing.assert_close(gate, gate[..., :1].expand_as(gate))
    assert ((gate > 0) & (gate < 1)).all()
    perm = x[..., torch.randperm(40)]
    torch.testing.assert_close(eca(perm) / perm, gate)


def test_a_channels_gate_reads_only_its_neighbours():
    eca = EfficientChannelAttention(64, kernel_size=3)
    x = torch.rand(1, 64, 10, requires_grad=True)
    gate_of_10 = (eca(x) / x.detach())[0, 10, 0]
    (grad,) = torch.autograd.grad(gate_of_10, x)
    touched = grad[0].abs().sum(-1).nonzero().flatten().tolist()
    assert touched == [9, 10, 11]


def test_no_dimension_reduction_three_weights():
    assert sum(p.numel() for p in EfficientChannelAttention(512, kernel_size=3).parameters()) == 3


@pytest.mark.parametrize("bad", [0, 2, 4, True, 3.0])
def test_bad_kernel_size_is_named(bad):
    with pytest.raises(ValueError, match=f"kernel_size must be an odd int >= 1 or None; got {bad!r}"):
        EfficientChannelAttention(16, kernel_size=bad)
