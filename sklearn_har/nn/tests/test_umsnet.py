"""UMSNet: slices, sensor groups, variants of Table 1, the Transformer's [class] token."""

import pytest
import torch

from sklearn_har.nn import create_model
from sklearn_har.nn.layers import LSRBlock
from sklearn_har.nn.models import UMSNet
from sklearn_har.nn.models.umsnet import VARIANTS
from sklearn_har.nn.profile import count_macs, count_params

TINY = dict(sensor_width=4, fusion_width=8, dim=16, heads=2,
            sensor_depths=(1, 1), fusion_depths=(1, 1), transformer_depth=1)


@pytest.mark.parametrize("n_slices", [1, 6, 12, 24])
@pytest.mark.parametrize("n_channels", [3, 6, 9, 40])
def test_shapes(n_slices, n_channels):
    net = UMSNet(n_channels, 4, 96, n_slices=n_slices, **TINY).eval()
    logits, features = net(torch.randn(2, n_channels, 96), return_features=True)
    assert logits.shape == (2, 4) and features.shape == (2, 16)
    assert net.slice_features(torch.randn(2, n_channels, 96)).shape == (2, n_slices, 16)


def test_each_slice_vector_reads_its_own_slice_only():
    torch.manual_seed(0)
    net = UMSNet(6, 4, 48, n_slices=6, **TINY).eval()
    x = torch.randn(1, 6, 48, requires_grad=True)
    (grad,) = torch.autograd.grad(net.slice_features(x)[0, 2].square().sum(), x)
    touched = grad.abs().sum(1)[0].nonzero().flatten()
    assert touched.min() == 16 and touched.max() == 23  # slice 2 = steps 16..23


def test_single_sensor_module_keeps_sensors_apart():
    torch.manual_seed(0)
    net = UMSNet(6, 4, 48, n_slices=6, sensor_groups=(3, 3), **TINY).eval()
    x = torch.randn(2 * 6, 6, 8, requires_grad=True)  # slices as the module sees them
    parts = torch.split(x, [3, 3], dim=1)
    h = net.sensor_stages(torch.cat([s(p) for s, p in zip(net.stems, parts)], dim=1))
    first_sensor = h[:, : h.shape[1] // 2]
    (grad,) = torch.autograd.grad(first_sensor.square().sum(), x)
    assert grad[:, 3:].abs().sum() == 0 and grad[:, :3].abs().sum() > 0
    assert all(b.pw1.groups == 2 for b in net.sensor_stages if isinstance(b, LSRBlock))


def test_features_are_the_class_token_output():
    torch.manual_seed(0)
    net = UMSNet(3, 4, 48, n_slices=6, **TINY).eval()
    x = torch.randn(2, 3, 48)
    _, features = net(x, return_features=True)
    torch.testing.assert_close(features, net.transformer(net.slice_features(x)))


def test_variants_are_the_depths_of_table_1():
    for variant, cfg in VARIANTS.items():
        net = UMSNet(6, 6, 96, variant)
        n_blocks = sum(isinstance(m, LSRBlock) for m in net.modules())
        assert n_blocks == sum(cfg["sensor_depths"]) + sum(cfg["fusion_depths"])
        assert len(net.transformer.encoder.layers) == cfg["transformer_depth"]
    small = UMSNet(6, 6, 96, "C", sensor_depths=(1, 1, 1, 1))
    assert sum(isinstance(m, LSRBlock) for m in small.modules()) == 4 + 24


@pytest.mark.parametrize("name, params, mmacs", [
    # 2 sensors (acc + gyro) x 120 steps, K = 24; the paper's HHAR models: 2.9 / 4.9 / 6.1 M
    ("umsnet_a", 1_920_694, 47.995),
    ("umsnet_b", 3_458_038, 86.648),
    ("umsnet_c", 4_066_294, 100.914),
])
def test_preset_parameter_counts_are_stable(name, params, mmacs):
    net = create_model(name, 6, 6, n_timesteps=120, n_slices=24)
    assert count_params(net) == params
    assert count_macs(net, torch.zeros(1, 6, 120)) / 1e6 == pytest.approx(mmacs, abs=0.01)


def test_stochastic_depth_rises_over_the_blocks():
    net = UMSNet(6, 6, 96, "A", drop_path_rate=0.3)
    rates = [m.drop_path.rate for m in net.modules() if isinstance(m, LSRBlock)]
    assert rates[0] == 0.0 and rates[-1] == pytest.approx(0.3) and rates == sorted(rates)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_timesteps=100, n_slices=6), r"n_slices=6 must divide the window length; got "
                                        r"windows of 100 steps"),
    (dict(sensor_groups=(3, 2)), r"sensor_groups \(3, 2\) must be positive ints adding up to "
                                 r"the 6 input channels \(they add up to 5\)"),
    (dict(variant="D"), "'variant' parameter of UMSNet must be one of"),
    (dict(drop_path_rate=1.0), "'drop_path_rate' parameter of UMSNet must be in"),
])
def test_bad_settings_are_named(kwargs, match):
    args = dict(n_channels=6, n_classes=4, n_timesteps=96)
    args.update({k: kwargs.pop(k) for k in list(kwargs) if k in args})
    with pytest.raises(ValueError, match=match):
        UMSNet(**args, **kwargs)


def test_a_window_of_another_length_is_refused():
    net = UMSNet(3, 4, 48, n_slices=6, **TINY)
    with pytest.raises(ValueError, match="built for windows of 48 steps .6 slices of 8.. Got 60"):
        net(torch.zeros(2, 3, 60))


@pytest.mark.parametrize("T, K", [(128, 8), (90, 6), (120, 8), (7, 7), (11, 1), (100, 5)])
def test_auto_slices_are_the_largest_divisor_up_to_8(T, K):
    assert UMSNet(3, 4, T, **TINY).n_slices == K
