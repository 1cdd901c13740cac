"""UMSNet: seed 004's lightweight sensor residual network and Transformer over time slices.

Seed 004 sec. 3 (Figures 1-3, Table 1). A window ``(B, C, T)`` is cut into ``K``
slices of ``T / K`` steps (one reshape: the slices become batch items, no loop).

1. **Single-sensor LSR module**: each sensor (a group of channels, ``sensor_groups``)
   has its own stem convolution; then stages of :class:`~sklearn_har.nn.layers.LSRBlock`
   whose pointwise convolutions have one group per sensor, so every sensor keeps its
   own features (its "unified sensor feature" ``SF_i``), with a down-sampling layer
   between stages.
2. **Multi-sensor LSR module**: the sensors' feature maps of each slice, concatenated
   as the channels of one map (``SF_K``; the paper flattens each sensor's 2-D map,
   ours are already 1-D), go through LSR stages that mix the sensors, and are pooled
   over the slice's remaining time steps into one vector per slice (``SF'_K``).
3. **Transformer**: the ``K`` slice vectors, a learnable position embedding and a
   [class] token (:class:`~sklearn_har.nn.layers.ClassTokenEncoder`); the [class]
   token's output is the window's feature vector, and a linear layer classifies it.

A down-sampling layer halves the length where it is at least 2 and is a
norm + 1x1 convolution where the slice is already down to one step (short slices
cannot be halved three times in both modules).
"""

import torch
from torch import nn

from ..layers import ClassTokenEncoder, LSRBlock, LSRDownsample
from ._base import WindowNet, check_positive_int, preset_config
from ._registry import register_model

__all__ = ["UMSNet", "VARIANTS", "infer_sensor_groups"]

#: Table 1: LSR blocks per stage of the single-sensor and multi-sensor modules, and
#: Transformer encoder layers.
VARIANTS = {
    "A": dict(sensor_depths=(2, 2, 2, 2), fusion_depths=(2, 2, 2, 2), transformer_depth=3),
    "B": dict(sensor_depths=(2, 2, 6, 2), fusion_depths=(2, 2, 6, 2), transformer_depth=6),
    "C": dict(sensor_depths=(2, 2, 18, 2), fusion_depths=(2, 2, 18, 2), transformer_depth=6),
}


def infer_sensor_groups(n_channels):
    """One sensor per 3 channels (x, y, z), the last one taking what is left.

    >>> infer_sensor_groups(9), infer_sensor_groups(8), infer_sensor_groups(2)
    ((3, 3, 3), (3, 3, 2), (2,))
    """
    groups = [3] * (n_channels // 3)
    if n_channels % 3:
        groups.append(n_channels % 3)
    return tuple(groups)


def _stages(depths, widths, groups, length, *, drop_rates, layer_scale_init):
    """LSR stages with a down-sampling layer before every stage but the first; each block
    takes the next stochastic depth rate of the iterator ``drop_rates``."""
    layers = []
    for s, (depth, width) in enumerate(zip(depths, widths)):
        if s > 0:
            stride = 2 if length >= 2 else 1
            layers.append(LSRDownsample(widths[s - 1], width, groups=groups, stride=stride))
            length //= stride
        for _ in range(depth):
            layers.append(LSRBlock(width, groups=groups, layer_scale_init=layer_scale_init,
                                   drop_path=next(drop_rates)))
    return nn.Sequential(*layers), length


class UMSNet(WindowNet):
    """UMSNet (seed 004): single-sensor and multi-sensor LSR modules, Transformer over slices.

    Parameters
    ----------
    n_channels, n_classes : int
    n_timesteps : int
        Window length ``T``; ``n_slices`` must divide it.
    variant : {"A", "B", "C"}, default="A"
        Depths of Table 1; ``sensor_depths``, ``fusion_depths`` and
        ``transformer_depth`` override them.
    n_slices : int or "auto", default="auto"
        ``K``: the slices the Transformer attends over (the paper's 6 / 12 / 24:
        slices of 0.25 s in windows of 1.5 / 3 / 6 s). ``"auto"``: the largest
        divisor of the window length up to 8 (8 for 128 steps, 6 for 90).
    sensor_groups : tuple of int or None, default=None
        Channels of each sensor, in channel order (e.g. ``(3, 3, 3)`` for UCI-HAR's
        body_acc / body_gyro / total_acc); they must add up to ``n_channels``.
        None: one sensor per 3 channels (:func:`infer_sensor_groups`).
    sensor_depths, fusion_depths : tuple of int or None, default=None
    transformer_depth : int or None, default=None
    sensor_width : int, default=8
        Channels per sensor in the first single-sensor stage (doubled by each stage).
    fusion_width : int, default=16
        Channels of the first multi-sensor stage (doubled by each stage).
    dim : int, default=192
        The Transformer's width (the slice vectors are projected to it).
    heads : int, default=6
    drop_path_rate : float, default=0.1
        Stochastic depth: the rate rises linearly from 0 to this over the LSR blocks.
    layer_scale_init : float, default=1e-6
    dropout : float, default=0.1
        In the Transformer and before the linear head.

    Attributes
    ----------
    n_features_out : int
        The Transformer's dimension (the [class] token's output).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.models import UMSNet
    >>> net = UMSNet(6, 5, 96, n_slices=12, sensor_width=4, fusion_width=8, dim=32, heads=2)
    >>> logits, features = net(torch.zeros(2, 6, 96), return_features=True)
    >>> tuple(logits.shape), tuple(features.shape)
    ((2, 5), (2, 32))
    """

    def __init__(self, n_channels, n_classes, n_timesteps, variant="A", *, n_slices="auto",
                 sensor_groups=None, sensor_depths=None, fusion_depths=None,
                 transformer_depth=None, sensor_width=8, fusion_width=16, dim=192, heads=6,
                 drop_path_rate=0.1, layer_scale_init=1e-6, dropout=0.1):
        super().__init__()
        owner = type(self).__name__
        cfg = preset_config(VARIANTS, variant, owner, "variant", sensor_depths=sensor_depths,
                            fusion_depths=fusion_depths, transformer_depth=transformer_depth)
        if n_slices == "auto" and not isinstance(n_timesteps, bool) and \
                isinstance(n_timesteps, int) and n_timesteps >= 1:
            n_slices = max(k for k in range(1, 9) if n_timesteps % k == 0)
        ints = [("n_channels", n_channels), ("n_classes", n_classes),
                ("n_timesteps", n_timesteps), ("n_slices", n_slices),
                ("sensor_width", sensor_width), ("fusion_width", fusion_width),
                ("dim", dim), ("heads", heads), ("transformer_depth", cfg["transformer_depth"])]
        ints += [("sensor_depths", d) for d in cfg["sensor_depths"]]
        ints += [("fusion_depths", d) for d in cfg["fusion_depths"]]
        for name, value in ints:
            check_positive_int(value, name, owner)
        if n_timesteps % n_slices:
            divisors = [k for k in range(1, min(n_timesteps, 64) + 1) if n_timesteps % k == 0]
            raise ValueError(f"{owner}: n_slices={n_slices} must divide the window length; "
                             f"got windows of {n_timesteps} steps ({n_timesteps} % "
                             f"{n_slices} = {n_timesteps % n_slices}). Slice counts that "
                             f"divide {n_timesteps}: {divisors}.")
        groups = infer_sensor_groups(n_channels) if sensor_groups is None else \
            tuple(sensor_groups)
        if sum(groups) != n_channels or any(
                isinstance(g, bool) or not isinstance(g, int) or g < 1 for g in groups):
            raise ValueError(f"{owner}: sensor_groups {groups} must be positive ints adding "
                             f"up to the {n_channels} input channels (they add up to "
                             f"{sum(groups)}).")
        if not 0.0 <= drop_path_rate < 1.0:
            raise ValueError(f"The 'drop_path_rate' parameter of {owner} must be in [0, 1). "
                             f"Got {drop_path_rate!r} instead.")
        self.n_channels, self.n_timesteps, self.n_slices = n_channels, n_timesteps, n_slices
        self.sensor_groups = groups
        n_sensors = len(groups)
        n_blocks = sum(cfg["sensor_depths"]) + sum(cfg["fusion_depths"])
        # one rate sequence over both modules' blocks, in order
        rates = iter(torch.linspace(0, drop_path_rate, n_blocks).tolist())
        common = dict(drop_rates=rates, layer_scale_init=layer_scale_init)

        self.stems = nn.ModuleList(nn.Conv1d(c, sensor_width, 3, padding=1) for c in groups)
        widths = [n_sensors * sensor_width * 2 ** s for s in range(len(cfg["sensor_depths"]))]
        self.sensor_stages, length = _stages(cfg["sensor_depths"], widths, n_sensors,
                                             n_timesteps // n_slices, **common)
        fusion = [fusion_width * 2 ** s for s in range(len(cfg["fusion_depths"]))]
        self.fuse = LSRDownsample(widths[-1], fusion[0], stride=1)
        self.fusion_stages, _ = _stages(cfg["fusion_depths"], fusion, 1, length, **common)
        self.fusion_norm = nn.LayerNorm(fusion[-1])
        self.project = nn.Linear(fusion[-1], dim)
        self.transformer = ClassTokenEncoder(dim, n_slices, cfg["transformer_depth"],
                                             heads=heads, dropout=dropout)
        self.init_head(dim, n_classes, dropout)

    def slice_features(self, x):
        """``SF'_K``: one vector per slice, ``(B, K, dim)``."""
        self.check_input(x)
        B, C, T = x.shape
        if T != self.n_timesteps:
            raise ValueError(f"{type(self).__name__} was built for windows of "
                             f"{self.n_timesteps} steps ({self.n_slices} slices of "
                             f"{self.n_timesteps // self.n_slices}). Got {T} steps.")
        K, L = self.n_slices, T // self.n_slices
        slices = x.reshape(B, C, K, L).transpose(1, 2).reshape(B * K, C, L)
        parts = torch.split(slices, list(self.sensor_groups), dim=1)
        h = torch.cat([stem(p) for stem, p in zip(self.stems, parts)], dim=1)
        h = self.fusion_stages(self.fuse(self.sensor_stages(h)))
        return self.project(self.fusion_norm(h.mean(-1))).reshape(B, K, -1)

    def forward_features(self, x):
        """The [class] token's output ``(B, dim)``."""
        return self.transformer(self.slice_features(x))

    def forward_head(self, x, pre_logits=False):
        return x if pre_logits else self.head(self.dropout(x))


def _create(n_channels, n_classes, n_timesteps, variant, **kwargs):
    return UMSNet(n_channels, n_classes, n_timesteps, variant, **kwargs)


_MCU = ("converts to a full-int8 .tflite (attention as BATCH_MATMUL + SOFTMAX, layer norms "
        "as MEAN / RSQRT), but TensorFlow Lite Micro has no GELU kernel ('Didn't find op for "
        "builtin opcode GELU'); the position embedding fixes the window length.")


@register_model(module=UMSNet, default=True, fixed_length=True, mcu=False, mcu_notes=_MCU)
def umsnet_a(n_channels, n_classes, n_timesteps=96, **kwargs):
    """UMSNet-A: LSR depths 2-2-2-2 in both modules, 3 Transformer layers."""
    return _create(n_channels, n_classes, n_timesteps, "A", **kwargs)


@register_model(module=UMSNet, fixed_length=True, mcu=False, mcu_notes=_MCU)
def umsnet_b(n_channels, n_classes, n_timesteps=96, **kwargs):
    """UMSNet-B: LSR depths 2-2-6-2 in both modules, 6 Transformer layers."""
    return _create(n_channels, n_classes, n_timesteps, "B", **kwargs)


@register_model(module=UMSNet, fixed_length=True, mcu=False, mcu_notes=_MCU)
def umsnet_c(n_channels, n_classes, n_timesteps=96, **kwargs):
    """UMSNet-C: LSR depths 2-2-18-2 in both modules, 6 Transformer layers."""
    return _create(n_channels, n_classes, n_timesteps, "C", **kwargs)
