"""ClassTokenEncoder: the [class] token is what comes out, positions are learned."""

import pytest
import torch

from sklearn_har.nn.layers import ClassTokenEncoder
from sklearn_har.nn.profile import count_macs


@pytest.mark.parametrize("n_tokens", [1, 6, 12, 24])
def test_shapes(n_tokens):
    enc = ClassTokenEncoder(16, n_tokens=n_tokens, depth=2, heads=2)
    assert enc(torch.randn(3, n_tokens, 16)).shape == (3, 16)


def test_the_output_is_the_class_tokens():
    torch.manual_seed(0)
    enc = ClassTokenEncoder(16, n_tokens=6, depth=2, heads=2, dropout=0.0).eval()
    tokens = torch.randn(2, 6, 16)
    seen = {}

    def keep(module, inputs, output):
        seen["all"] = output

    handle = enc.norm.register_forward_hook(keep)
    out = enc(tokens)
    handle.remove()
    assert seen["all"].shape == (2, 7, 16)
    torch.testing.assert_close(out, seen["all"][:, 0])
    # the class token's parameter feeds it; the positions matter (no bag of tokens)
    (grad,) = torch.autograd.grad((out * torch.randn_like(out)).sum(), enc.cls_token)
    assert grad.abs().sum() > 0
    with torch.no_grad():
        enc.pos_embed.normal_()  # (initialised small: std 0.02)
        assert not torch.allclose(enc(tokens.flip(1)), enc(tokens), atol=1e-3)


def test_attention_is_counted():
    enc = ClassTokenEncoder(32, n_tokens=12, depth=1, heads=4)
    macs = count_macs(enc, torch.zeros(1, 12, 32))
    L, d = 13, 32
    linear = L * (4 * d * d + 2 * d * 4 * d)  # q, k, v, out and the MLP
    attention = 2 * L * L * d  # Q K^T and A V
    assert macs == linear + attention


def test_wrong_token_count_is_named():
    with pytest.raises(ValueError, match=r"tokens of shape \(batch, 6, dim\). Got \(2, 5, 16\)"):
        ClassTokenEncoder(16, n_tokens=6, depth=1, heads=2)(torch.zeros(2, 5, 16))
    with pytest.raises(ValueError, match=r"dim \(10\) must be a multiple of heads \(4\)"):
        ClassTokenEncoder(10, n_tokens=6, depth=1)
