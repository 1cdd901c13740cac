"""SplitAttention: the radix softmax of eq. 21 over the layout of a K*R-group convolution."""

import pytest
import torch
from torch.nn import functional as F

from sklearn_har.nn.layers import SplitAttention, radix_softmax


def _reference(sa, x):
    """Eq. 20-21 written with explicit loops over cardinal groups and splits."""
    B, _, T = x.shape
    R, K, C = sa.radix, sa.cardinality, sa.channels
    g = C // K
    U = [x[:, r * C:(r + 1) * C] for r in range(R)]
    gap = sum(U).mean(dim=-1, keepdim=True)
    logits = sa.fc2(F.relu(sa.norm(sa.fc1(gap)))).squeeze(-1)  # (B, R*C), grouped by K
    out = torch.zeros(B, C, T)
    for k in range(K):
        for c_local in range(g):
            c = k * g + c_local
            # fc2's group k holds R*g outputs: split r's channel c_local at r*g + c_local
            z = torch.stack([logits[:, k * R * g + r * g + c_local] for r in range(R)], dim=1)
            a = torch.softmax(z, dim=1) if R > 1 else torch.sigmoid(z)
            out[:, c] = sum(a[:, r, None] * U[r][:, c] for r in range(R))
    return out


@pytest.mark.parametrize("channels, radix, cardinality", [(8, 2, 1), (12, 3, 2), (16, 1, 4),
                                                          (16, 2, 4), (6, 4, 3)])
def test_matches_the_equations_written_out(channels, radix, cardinality):
    torch.manual_seed(0)
    sa = SplitAttention(channels, radix, cardinality).eval()
    x = torch.randn(3, radix * channels, 17)
    with torch.no_grad():
        torch.testing.assert_close(sa(x), _reference(sa, x))


@pytest.mark.parametrize("radix", [2, 3, 4])
def test_weights_sum_to_one_over_the_radix(radix):
    torch.manual_seed(1)
    sa = SplitAttention(8, radix, 2)
    w = sa.split_weights(torch.randn(5, radix * 8, 20))
    assert w.shape == (5, radix, 8)
    torch.testing.assert_close(w.sum(dim=1), torch.ones(5, 8))
    assert (w > 0).all()


def test_radix_one_is_a_sigmoid_gate():
    torch.manual_seed(2)
    sa = SplitAttention(8, 1, 2)
    x = torch.randn(4, 8, 20)
    w = sa.split_weights(x)
    assert w.shape == (4, 1, 8) and ((w > 0) & (w < 1)).all()
    assert not torch.allclose(w.sum(dim=1), torch.ones(4, 8))
    torch.testing.assert_close(sa(x), x * w[:, 0, :, None])


def test_radix_softmax_layout():
    # (B, K, R, C/K) logits: group k, split r, channel j -> weight[b, r, k*C/K + j]
    logits = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(1, -1)  # K=2, R=3, C/K=4
    w = radix_softmax(logits, radix=3, cardinality=2)
    expected = torch.softmax(logits.reshape(1, 2, 3, 4), dim=2).permute(0, 2, 1, 3).reshape(1, 3, 8)
    torch.testing.assert_close(w, expected)


def test_gradients_reach_every_parameter():
    torch.manual_seed(3)
    sa = SplitAttention(8, 2, 2)
    x = torch.randn(4, 16, 12, requires_grad=True)
    sa(x).pow(2).sum().backward()
    assert x.grad.abs().sum() > 0
    for name, p in sa.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"channels \(10\) must be a multiple of the cardinality \(4\)"):
        SplitAttention(10, 2, 4)
    with pytest.raises(ValueError, match="radix must be an int >= 1"):
        SplitAttention(8, 0)
    with pytest.raises(ValueError, match="expects 2 splits x 8 channels = 16 input channels; got 8"):
        SplitAttention(8, 2)(torch.randn(1, 8, 5))
