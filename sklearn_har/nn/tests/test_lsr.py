"""LSR block, LayerScale, stochastic depth and the down-sampling layer of seed 004."""

import pytest
import torch
from torch import nn

from sklearn_har.nn.layers import DropPath, LayerScale, LSRBlock, LSRDownsample


def test_layer_scale_starts_at_its_init_value():
    for init in (1e-6, 0.1, 1.0):
        ls = LayerScale(8, init=init)
        torch.testing.assert_close(ls.gamma.detach(), torch.full((8,), init))
        x = torch.randn(2, 8, 5)
        torch.testing.assert_close(ls(x), x * init)
    tokens = torch.randn(2, 5, 8)
    torch.testing.assert_close(LayerScale(8, 0.5, channel_dim=-1)(tokens), tokens * 0.5)


def test_drop_path_is_the_identity_in_eval_mode():
    x = torch.randn(64, 4, 10)
    assert torch.equal(DropPath(0.7).eval()(x), x)
    assert torch.equal(DropPath(0.0).train()(x), x)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.6])
def test_drop_path_drops_whole_residuals_at_the_rate(rate):
    torch.manual_seed(0)
    n = 20000
    x = torch.ones(n, 3, 4)
    out = DropPath(rate).train()(x)
    per_sample = out.flatten(1)
    # each sample is dropped whole (all zeros) or kept whole, scaled by 1 / (1 - rate)
    dropped = (per_sample == 0).all(1)
    kept = torch.isclose(per_sample, torch.tensor(1 / (1 - rate))).all(1)
    assert bool((dropped | kept).all())
    # binomial: 4 standard deviations of the observed rate
    sd = (rate * (1 - rate) / n) ** 0.5
    assert abs(dropped.float().mean().item() - rate) < 4 * sd
    assert abs(out.mean().item() - 1.0) < 4 * sd / (1 - rate)  # unbiased in expectation


def test_lsr_block_starts_near_the_identity_and_uses_one_norm_one_activation():
    torch.manual_seed(0)
    block = LSRBlock(16).eval()
    x = torch.randn(2, 16, 20)
    assert (block(x) - x).abs().max() < 1e-3  # LayerScale 1e-6 on the branch
    kinds = [type(m) for m in block.modules()]
    assert kinds.count(nn.BatchNorm1d) == 1 and kinds.count(nn.GELU) == 1
    assert block.dwconv.groups == 16 and block.pw1.out_channels == 64  # inverted x4


def test_lsr_groups_keep_sensors_apart():
    torch.manual_seed(0)
    block = LSRBlock(12, groups=3, layer_scale_init=1.0).eval()
    x = torch.randn(1, 12, 10, requires_grad=True)
    out = block(x)
    (grad,) = torch.autograd.grad(out[:, :4].sum(), x)  # the first sensor's output ...
    assert grad[:, 4:].abs().sum() == 0 and grad[:, :4].abs().sum() > 0  # ... reads it only


def test_stochastic_depth_in_a_block_drops_its_branch():
    torch.manual_seed(0)
    block = LSRBlock(8, layer_scale_init=1.0, drop_path=0.5).train()
    x = torch.randn(4000, 8, 6)
    same = (block(x) == x).flatten(1).all(1).float().mean().item()
    assert abs(same - 0.5) < 0.05


def test_downsample_halves_the_length():
    down = LSRDownsample(8, 16)
    assert down(torch.randn(2, 8, 24)).shape == (2, 16, 12)
    assert isinstance(down[0], nn.BatchNorm1d) and down[1].kernel_size == (2,)
    assert LSRDownsample(8, 16, stride=1)(torch.randn(2, 8, 3)).shape == (2, 16, 3)


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match=r"channels \(10\) must be a multiple of groups \(3\)"):
        LSRBlock(10, groups=3)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\); got 1.0"):
        DropPath(1.0)
