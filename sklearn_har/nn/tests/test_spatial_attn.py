"""SpatialAttention: a (B, 1, T) sigmoid map from the channel mean and max."""

import pytest
import torch

from sklearn_har.nn.layers import SpatialAttention


@pytest.mark.parametrize("kernel_size", [1, 3, 4, 7])
@pytest.mark.parametrize("channels, length", [(1, 24), (9, 128), (64, 512)])
def test_map_weights_every_channel_of_a_time_step_alike(kernel_size, channels, length):
    torch.manual_seed(0)
    sa = SpatialAttention(kernel_size)
    x = torch.randn(2, channels, length)
    m = sa.attention_map(x)
    assert m.shape == (2, 1, length) and ((m > 0) & (m < 1)).all()
    torch.testing.assert_close(sa(x), x * m)


def test_map_reads_only_the_channel_mean_and_max():
    torch.manual_seed(1)
    sa = SpatialAttention(3)
    x = torch.randn(3, 6, 40)
    perm = x[:, torch.randperm(6)]
    torch.testing.assert_close(sa.attention_map(perm), sa.attention_map(x))
    # the same mean and max but another channel mix gives the same map
    manual = torch.sigmoid(sa.conv(torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)))
    torch.testing.assert_close(sa.attention_map(x), manual)


def test_gradient_reaches_the_conv():
    sa = SpatialAttention(3)
    sa(torch.randn(2, 4, 10)).sum().backward()
    assert sa.conv.weight.grad.abs().sum() > 0


def test_bad_kernel():
    with pytest.raises(ValueError, match="kernel_size must be an int >= 1"):
        SpatialAttention(0)
