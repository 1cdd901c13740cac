"""USADNet: shapes over channels and lengths, the ablation switches, presets."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from sklearn_har.nn.layers import SpatialAttention, SplitAttention, SqueezeExcite
from sklearn_har.nn.models import USADNet, create_model
from sklearn_har.nn.models.usad import PRESETS
from sklearn_har.nn.profile import count_params


def _count(net, kind):
    return sum(isinstance(m, kind) for m in net.modules())


@pytest.mark.parametrize("n_channels", [1, 3, 64])
@pytest.mark.parametrize("length", [24, 90, 512])
def test_shapes_over_channels_and_lengths(n_channels, length):
    torch.manual_seed(0)
    net = USADNet(n_channels, 6, preset="small").eval()
    with torch.no_grad():
        logits, features = net(torch.randn(2, n_channels, length), return_features=True)
    assert logits.shape == (2, 6) and features.shape == (2, 64)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("spatial, temporal", [(True, True), (True, False), (False, True),
                                               (False, False)])
def test_switches_remove_the_modules(spatial, temporal):
    full = USADNet(3, 6, preset="small")
    net = USADNet(3, 6, preset="small", spatial_attention=spatial, temporal_attention=temporal)
    n_blocks = _count(full, SplitAttention)
    assert _count(net, SplitAttention) == n_blocks  # the backbone keeps split attention
    assert _count(net, SpatialAttention) == (n_blocks if spatial else 0)
    assert _count(net, SqueezeExcite) == (n_blocks if temporal else 0)
    if not (spatial and temporal):
        assert count_params(net) < count_params(full)
    out = net(torch.randn(4, 3, 48))
    F.cross_entropy(out, torch.tensor([0, 1, 2, 3])).backward()
    assert all(p.grad is not None for p in net.parameters())


def test_one_branch_per_kernel():
    net = USADNet(3, 6, preset="small", kernels=(3, 9))
    stage = net.stages[0]
    assert [b[0].conv.conv.kernel_size[0] for b in stage.branches] == [3, 9]
    single = USADNet(3, 6, preset="small", kernels=(5,))
    assert single.stages[0].fuse is None
    assert single(torch.randn(2, 3, 30)).shape == (2, 6)


def test_groups_of_the_split_convolution_are_k_times_r():
    net = USADNet(3, 6, preset="small", cardinality=2, radix=3)
    block = net.stages[0].branches[0][0]
    assert block.conv.conv.groups == 6
    assert block.split.radix == 3 and block.split.cardinality == 2


def test_default_preset_size_matches_the_paper():
    # seed 000 Table 4: 3.47e5 parameters on WISDM (3 channels, window 90, 6 classes)
    n = count_params(create_model("usad", n_channels=3, n_classes=6))
    assert 3.47e5 / 1.5 <= n <= 3.47e5 * 1.5
    sizes = [count_params(USADNet(3, 6, preset=p)) for p in ("small", "base", "large")]
    assert sizes == sorted(sizes)


def test_explicit_widths_win_over_the_preset():
    net = USADNet(3, 6, preset="large", widths=(16, 24), depths=(1, 1), stem_width=8)
    assert net.n_features_out == 24 and len(net.stages) == 2
    assert set(PRESETS) == {"small", "base", "large"}


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="'preset' parameter of USADNet must be one of"):
        USADNet(3, 6, preset="huge")
    with pytest.raises(ValueError, match="as many widths as depths"):
        USADNet(3, 6, widths=(8, 16), depths=(1,))
    with pytest.raises(ValueError, match="'kernels' parameter"):
        USADNet(3, 6, kernels=(3, 0))
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, 3, timesteps\)"):
        USADNet(3, 6, preset="small")(torch.randn(2, 4, 30))


def test_other_layer_types():
    net = USADNet(3, 6, preset="small", act_layer=nn.GELU,
                  norm_layer=lambda c: nn.GroupNorm(1, c))
    assert _count(net, nn.GELU) > 0 and _count(net, nn.BatchNorm1d) == 0
    assert _count(net, nn.ReLU) == 0
    assert net(torch.randn(2, 3, 30)).shape == (2, 6)
