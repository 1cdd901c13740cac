"""MAGRes2Net: presets (parameter counts), shapes, switches of Table 8, features, gradients."""

import pytest
import torch

from sklearn_har.nn import create_model, get_model_info
from sklearn_har.nn.layers import EfficientChannelAttention, SplitGate, SqueezeExcite
from sklearn_har.nn.models import MAGRes2Net
from sklearn_har.nn.profile import count_macs, count_params

TINY = dict(depths=(1, 2), base_width=4, width=4, stem_width=8)


@pytest.mark.parametrize("name, n_channels, T, params, mmacs", [
    # seed 002's scale: ~3.48 M / 85 M and ~2.10 M / 60 M on 9 x 128 (authors' notebook)
    ("mag_res2net", 9, 128, 3_413_590, 81.35),
    ("mag_res2net_wisdm", 9, 128, 2_032_711, 58.78),
    ("mag_res2net_wisdm", 3, 90, 2_032_135, 42.37),
])
def test_preset_parameter_counts_are_stable(name, n_channels, T, params, mmacs):
    net = create_model(name, n_channels, 6).eval()
    assert count_params(net) == params
    assert count_macs(net, torch.zeros(1, n_channels, T)) / 1e6 == pytest.approx(mmacs, abs=0.01)


def test_presets_are_the_depths_of_table_6():
    assert len(create_model("mag_res2net", 9, 6).blocks) == 3 + 4 + 6 + 3
    assert len(create_model("mag_res2net_wisdm", 3, 6).blocks) == 3 + 4 + 5 + 1
    assert get_model_info(MAGRes2Net).name == "mag_res2net"


@pytest.mark.parametrize("n_channels", [1, 3, 9, 64])
@pytest.mark.parametrize("T", [24, 90, 128, 512])
def test_any_channels_and_window_length(n_channels, T):
    net = MAGRes2Net(n_channels, 5, **TINY)
    logits, features = net(torch.randn(2, n_channels, T), return_features=True)
    assert logits.shape == (2, 5) and features.shape == (2, net.n_features_out) == (2, 32)


@pytest.mark.parametrize("switch, cls", [
    (dict(gated=False), SplitGate),
    (dict(attention=None), EfficientChannelAttention),
    (dict(attention="se"), EfficientChannelAttention),
])
def test_switches_remove_the_modules(switch, cls):
    full = MAGRes2Net(3, 6, **TINY)
    ablated = MAGRes2Net(3, 6, **TINY, **switch)
    assert any(isinstance(m, cls) for m in full.modules())
    assert not any(isinstance(m, cls) for m in ablated.modules())
    if switch.get("attention") == "se":
        assert any(isinstance(m, SqueezeExcite) for m in ablated.modules())
        assert count_params(ablated) > count_params(full)  # SE has FC layers, ECA 3 weights
    else:
        assert count_params(ablated) < count_params(full)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    net = MAGRes2Net(3, 4, **TINY, attention="se")
    net(torch.randn(6, 3, 40)).logsumexp(-1).mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_dropout_is_off_at_inference():
    torch.manual_seed(0)
    net = MAGRes2Net(3, 4, **TINY, dropout=0.5).eval()
    x = torch.randn(3, 3, 40)
    torch.testing.assert_close(net(x), net(x))


@pytest.mark.parametrize("kwargs, match", [
    (dict(preset="pamap2"), "'preset' parameter of MAGRes2Net must be one of"),
    (dict(attention="cbam"), "'attention' parameter of MAGRes2Net must be one of"),
    (dict(depths=()), "needs at least one stage"),
    (dict(depths=(3, 0)), "'depths' parameter of MAGRes2Net must be an int >= 1"),
    (dict(width=2.5), "'width' parameter of MAGRes2Net must be an int >= 1"),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MAGRes2Net(3, 6, **kwargs)


def test_wrong_input_shape_names_both():
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, 3, timesteps\)"):
        MAGRes2Net(3, 6, **TINY)(torch.zeros(2, 4, 40))
