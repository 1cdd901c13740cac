"""Res2NetBottleneck: the hierarchical split chain, the gate, attention, stride and shapes."""

import pytest
import torch

from sklearn_har.nn.layers import (
    EfficientChannelAttention,
    Res2NetBottleneck,
    SplitGate,
    SqueezeExcite,
)


def _n(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("channels, T", [(1, 24), (9, 128), (64, 512), (33, 50)])
@pytest.mark.parametrize("stride", [1, 2])
def test_shapes(channels, T, stride):
    block = Res2NetBottleneck(channels, 32, width=4, scale=4, stride=stride, gated=True,
                              attention="eca")
    assert block(torch.randn(2, channels, T)).shape == (2, 32, -(-T // stride))


def _chain(block, x):
    """Run the block, keeping the output of its first 1x1 conv and of each split conv."""
    seen = {}

    def keep(name):
        def hook(module, inputs, output):
            seen[name] = output
        return hook

    handles = [block.conv1.register_forward_hook(keep("X"))]
    handles += [c.register_forward_hook(keep(i)) for i, c in enumerate(block.convs, start=2)]
    block(x)
    for h in handles:
        h.remove()
    return seen


def _depends(out, X, width):
    """Which splits of X (by number, from 1) ``out`` depends on."""
    (grad,) = torch.autograd.grad(out.sum(), X, retain_graph=True)
    return [i + 1 for i, g in enumerate(torch.split(grad, width, dim=1)) if g.abs().sum() > 0]


@pytest.mark.parametrize("gated", [False, True])
def test_the_hierarchical_splits_really_chain(gated):
    torch.manual_seed(0)
    block = Res2NetBottleneck(8, 16, width=4, scale=4, gated=gated).eval()
    seen = _chain(block, torch.randn(2, 8, 20))
    X = seen["X"]
    # split i reads the output of split i - 1 (y_i = K_i(x_i + g_i * y_{i-1}))
    for i in (3, 4):
        (grad,) = torch.autograd.grad(seen[i].sum(), seen[i - 1], retain_graph=True)
        assert grad.abs().sum() > 0
    # y_2 = K_2(x_2); y_4 reads x_4, y_3 and so x_3 and x_2, never x_1 ...
    assert _depends(seen[2], X, 4) == [2]
    # ... except through the gates, which read the whole block input X (their a(X))
    assert _depends(seen[3], X, 4) == ([1, 2, 3, 4] if gated else [2, 3])
    assert _depends(seen[4], X, 4) == ([1, 2, 3, 4] if gated else [2, 3, 4])


def test_a_stride_two_block_does_not_chain():
    torch.manual_seed(0)
    block = Res2NetBottleneck(8, 16, width=4, scale=4, stride=2, gated=True).eval()
    seen = _chain(block, torch.randn(2, 8, 20))
    assert [_depends(seen[i], seen["X"], 4) for i in (2, 3, 4)] == [[2], [3], [4]]


def test_gates_between_splits_from_the_third():
    block = Res2NetBottleneck(8, 16, width=4, scale=5, gated=True)
    assert len(block.gates) == 3 and all(isinstance(g, SplitGate) for g in block.gates)
    assert _n(block) > _n(Res2NetBottleneck(8, 16, width=4, scale=5, gated=False))
    # a stride-2 block convolves its splits side by side: nothing to gate
    assert Res2NetBottleneck(8, 16, width=4, scale=5, gated=True, stride=2).gates is None


@pytest.mark.parametrize("attention, cls", [("eca", EfficientChannelAttention),
                                            ("se", SqueezeExcite)])
def test_attention_is_really_there_and_removable(attention, cls):
    with_att = Res2NetBottleneck(16, 64, width=4, attention=attention)
    assert isinstance(with_att.attention, cls)
    without = Res2NetBottleneck(16, 64, width=4, attention=None)
    assert not any(isinstance(m, cls) for m in without.modules())
    assert _n(without) < _n(with_att)


def test_scale_one_is_a_plain_bottleneck():
    block = Res2NetBottleneck(8, 16, width=6, scale=1)
    assert len(block.convs) == 1 and block(torch.randn(2, 8, 10)).shape == (2, 16, 10)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    block = Res2NetBottleneck(8, 32, width=4, scale=4, gated=True, attention="se")
    block(torch.randn(4, 8, 24)).square().mean().backward()
    for name, p in block.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="attention must be one of"):
        Res2NetBottleneck(8, 16, width=4, attention="cbam")
    with pytest.raises(ValueError, match="scale and width must be >= 1; got scale=0"):
        Res2NetBottleneck(8, 16, width=4, scale=0)
