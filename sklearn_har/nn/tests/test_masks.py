"""ChannelMask (DCS): binary forward, straight-through backward, kept channels."""

import pytest
import torch

from sklearn_har.nn.layers.masks import ChannelMask, straight_through_binary


def test_forward_is_binary_and_backward_passes_the_gradient():
    v = torch.tensor([0.2, 0.5, 0.51, 3.0], requires_grad=True)
    b = straight_through_binary(v, 0.5)
    assert b.tolist() == [0.0, 0.0, 1.0, 1.0]  # eq. 3: kept only strictly above
    upstream = torch.tensor([1.0, -2.0, 3.0, 0.5])
    (b * upstream).sum().backward()
    torch.testing.assert_close(v.grad, upstream)  # eq. 4: dL/dv = dL/db, at every v


def test_mask_zeroes_channels_and_scores_still_learn():
    mask = ChannelMask(3)
    with torch.no_grad():
        mask.scores.copy_(torch.tensor([1.0, 0.1, 0.9]))
    x = torch.randn(2, 3, 7, requires_grad=True)
    y = mask(x)
    torch.testing.assert_close(y[:, 1], torch.zeros(2, 7))
    torch.testing.assert_close(y[:, [0, 2]], x[:, [0, 2]])
    assert mask.kept().tolist() == [True, False, True] and float(mask.n_kept()) == 2.0
    y.sum().backward()
    # the dropped channel's score gets the gradient it would have as a kept one
    torch.testing.assert_close(mask.scores.grad, x.detach().sum(dim=(0, 2)))
    assert torch.all(x.grad[:, 1] == 0)


def test_mask_on_four_dimensional_maps():
    mask = ChannelMask(4)
    with torch.no_grad():
        mask.scores[2] = 0.0
    out = mask(torch.ones(2, 4, 5, 3))
    assert out.shape == (2, 4, 5, 3) and out[:, 2].abs().sum() == 0 and out[:, 3].min() == 1


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_bad_channel_count(bad):
    with pytest.raises(ValueError, match="n_channels must be an int >= 1"):
        ChannelMask(bad)
