"""USADNet: the multi-branch split-attention network with spatio-temporal attention.

Seed 000 sec. 3.2 (Figure 2) and seed 001 sec. 3.3 (SATS, the same network).
In the family order: blocks (:class:`USADBlock`, :class:`USADStage`), the
network, a private builder, presets of a few lines.

A block is a ResNeSt bottleneck on ``(B, C, T)``: a 1x1 convolution, one
convolution of kernel ``k`` with ``groups = K * R`` that makes the ``K * R``
feature groups (sec. 3.2, last paragraph), then the method flow of sec. 3.2:
spatial attention on the split features, the cross-split summation weighted
by split attention (eq. 20-21), temporal attention (squeeze-excitation over
time, eq. 22), a 1x1 convolution and the residual connection. A stage runs
one branch of blocks per kernel size (3 / 5 / 7) in parallel and fuses them
(concatenation, 1x1 convolution, plus the mean of the branches as a residual).
"""

import torch
from torch import nn

from ..layers import ConvBnAct, SpatialAttention, SplitAttention, SqueezeExcite, create_act
from ._base import WindowNet, check_positive_int, preset_config
from ._registry import register_model

__all__ = ["PRESETS", "USADBlock", "USADNet", "USADStage"]

#: Widths and depths of the registered presets (``USADNet(preset=...)``).
PRESETS = {
    "small": dict(stem_width=16, widths=(32, 64), depths=(1, 1)),
    "base": dict(stem_width=32, widths=(64, 128, 128), depths=(1, 1, 1)),
    "large": dict(stem_width=64, widths=(96, 192, 256), depths=(1, 2, 1)),
}


def _round_to(value, multiple):
    return max(multiple, int(round(value / multiple)) * multiple)


class USADBlock(nn.Module):
    """Split-attention bottleneck with optional spatial and temporal attention.

    ``x -> 1x1 -> conv k (groups K*R, R splits) -> spatial attention ->
    split attention (cross-split summation) -> temporal attention -> 1x1``,
    plus the shortcut (average pooling and a 1x1 convolution when the shape
    changes), then the activation.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
    stride : int, default=1
    mid_channels : int
        Width of one split (a multiple of ``cardinality * radix``).
    cardinality, radix : int
        ``K`` and ``R``.
    spatial_attention, temporal_attention : bool, default=True
        Ablation switches (seed 000 Table 1): False leaves the module out.
    spatial_kernel : int, default=3
    se_ratio : float, default=0.25
    norm_layer, act_layer : type
    """

    def __init__(self, in_channels, out_channels, kernel_size, *, mid_channels, cardinality,
                 radix, stride=1, spatial_attention=True, temporal_attention=True,
                 spatial_kernel=3, se_ratio=0.25, norm_layer=nn.BatchNorm1d,
                 act_layer=nn.ReLU):
        super().__init__()
        layer = dict(norm_layer=norm_layer, act_layer=act_layer)
        self.reduce = ConvBnAct(in_channels, mid_channels, 1, **layer)
        self.conv = ConvBnAct(mid_channels, mid_channels * radix, kernel_size, stride=stride,
                              groups=cardinality * radix, **layer)
        self.spatial = SpatialAttention(spatial_kernel) if spatial_attention else None
        self.split = SplitAttention(mid_channels, radix, cardinality, norm_layer=norm_layer,
                                    act_layer=act_layer)
        self.temporal = SqueezeExcite(mid_channels, se_ratio, act_layer=act_layer) \
            if temporal_attention else None
        self.expand = ConvBnAct(mid_channels, out_channels, 1, norm_layer=norm_layer,
                                act_layer=None)
        shortcut = []
        if stride > 1:
            shortcut.append(nn.AvgPool1d(stride, stride, ceil_mode=True, count_include_pad=False))
        if in_channels != out_channels:
            shortcut.append(ConvBnAct(in_channels, out_channels, 1, norm_layer=norm_layer,
                                      act_layer=None))
        self.shortcut = nn.Sequential(*shortcut)
        self.act = create_act(act_layer, inplace=True)

    def forward(self, x):
        out = self.conv(self.reduce(x))
        if self.spatial is not None:
            out = self.spatial(out)
        out = self.split(out)
        if self.temporal is not None:
            out = self.temporal(out)
        out = self.expand(out)
        short = self.shortcut(x)
        return self.act(out + short[..., : out.shape[-1]])


class USADStage(nn.Module):
    """Parallel branches of :class:`USADBlock`, one per kernel size, fused.

    Every branch sees the stage input; the outputs are concatenated and
    mixed by a 1x1 convolution (cross-branch fusion), to which the mean of
    the branches is added (residual), then the activation.
    """

    def __init__(self, in_channels, out_channels, depth, kernels, *, stride=1,
                 norm_layer=nn.BatchNorm1d, act_layer=nn.ReLU, **block_args):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(*[
                USADBlock(in_channels if i == 0 else out_channels, out_channels, k,
                          stride=stride if i == 0 else 1, norm_layer=norm_layer,
                          act_layer=act_layer, **block_args)
                for i in range(depth)
            ])
            for k in kernels
        )
        self.fuse = ConvBnAct(len(kernels) * out_channels, out_channels, 1,
                              norm_layer=norm_layer, act_layer=None) if len(kernels) > 1 else None
        self.act = create_act(act_layer, inplace=True)

    def forward(self, x):
        outs = [branch(x) for branch in self.branches]
        if self.fuse is None:
            return outs[0]
        return self.act(self.fuse(torch.cat(outs, dim=1)) + torch.stack(outs).mean(dim=0))


class USADNet(WindowNet):
    """USAD's multi-branch spatio-temporal attention network (seed 000 Figure 2).

    ``stem -> stages (parallel kernels 3/5/7, split attention) -> global average
    pooling -> dropout -> linear``. Stages after the first halve the length.

    Parameters
    ----------
    n_channels : int
        Input channels ``C``.
    n_classes : int
    preset : {"small", "base", "large"}, default="base"
        Widths and depths (:data:`PRESETS`); ``stem_width``, ``widths`` and
        ``depths`` given here win. Parameters on 3 channels, 6 classes:
        small 53 k, base 350 k (seed 000 Table 4: 347 k on
        WISDM), large 1.39 M (``nn.profile.count_params``).
    stem_width : int, default=None
    widths : tuple of int, default=None
        Output channels of each stage.
    depths : tuple of int, default=None
        Blocks per branch in each stage.
    kernels : tuple of int, default=(3, 5, 7)
        One parallel branch per kernel size.
    cardinality : int, default=2
        ``K``: cardinal groups.
    radix : int, default=2
        ``R``: splits per cardinal group (1: sigmoid attention).
    bottleneck : float, default=0.5
        Width of a block's split relative to its output (rounded to a multiple
        of ``K * R``).
    spatial_attention : bool, default=True
    temporal_attention : bool, default=True
        The ablation switches of seed 000 Table 1 (both False: "backbone only").
    spatial_kernel : int, default=3
    se_ratio : float, default=0.25
        Bottleneck of the temporal attention.
    dropout : float, default=0.2
        Before the linear head.
    norm_layer : type, default=nn.BatchNorm1d
    act_layer : type, default=nn.ReLU

    Attributes
    ----------
    n_features_out : int
        Size of the pooled features (``widths[-1]``).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.models import USADNet
    >>> net = USADNet(n_channels=3, n_classes=6, preset="small")
    >>> logits, features = net(torch.zeros(2, 3, 90), return_features=True)
    >>> tuple(logits.shape), tuple(features.shape)
    ((2, 6), (2, 64))
    """

    def __init__(self, n_channels, n_classes, preset="base", *, stem_width=None, widths=None,
                 depths=None, kernels=(3, 5, 7), cardinality=2, radix=2, bottleneck=0.5,
                 spatial_attention=True, temporal_attention=True, spatial_kernel=3,
                 se_ratio=0.25, dropout=0.2, norm_layer=nn.BatchNorm1d, act_layer=nn.ReLU):
        super().__init__()
        owner = type(self).__name__
        cfg = preset_config(PRESETS, preset, owner, stem_width=stem_width, widths=widths,
                            depths=depths)
        widths, depths, kernels = tuple(cfg["widths"]), tuple(cfg["depths"]), tuple(kernels)
        ints = [("n_channels", n_channels), ("n_classes", n_classes),
                ("stem_width", cfg["stem_width"]), ("cardinality", cardinality),
                ("radix", radix), ("spatial_kernel", spatial_kernel)]
        ints += [("widths", w) for w in widths] + [("depths", d) for d in depths]
        ints += [("kernels", k) for k in kernels]
        for name, value in ints:
            check_positive_int(value, name, owner)
        if not widths or len(widths) != len(depths) or not kernels:
            raise ValueError(f"{owner} needs as many widths as depths (one per stage) and at "
                             f"least one kernel; got widths={widths}, depths={depths}, "
                             f"kernels={kernels}.")
        self.n_channels = n_channels
        layer = dict(norm_layer=norm_layer, act_layer=act_layer)
        self.stem = ConvBnAct(n_channels, cfg["stem_width"], 5, **layer)
        stages, c_in = [], cfg["stem_width"]
        for i, (width, depth) in enumerate(zip(widths, depths)):
            stages.append(USADStage(
                c_in, width, depth, kernels, stride=1 if i == 0 else 2,
                mid_channels=_round_to(width * bottleneck, cardinality * radix),
                cardinality=cardinality, radix=radix, spatial_attention=spatial_attention,
                temporal_attention=temporal_attention, spatial_kernel=spatial_kernel,
                se_ratio=se_ratio, **layer))
            c_in = width
        self.stages = nn.Sequential(*stages)
        self.init_head(c_in, n_classes, dropout)

    def forward_features(self, x):
        """The last feature map ``(B, widths[-1], T')`` of windows ``(B, C, T)``."""
        self.check_input(x)
        return self.stages(self.stem(x))


def _create_usad(n_channels, n_classes, preset, **kwargs):
    return USADNet(n_channels, n_classes, preset=preset, **kwargs)


_MCU = ("Conv1d (grouped), BatchNorm, ReLU, sigmoid/softmax gates, mean pooling, concatenation "
        "of 3 branches: TFLite Micro builtins; the grouped convolutions need a converter that "
        "keeps them (or splits them into per-group convolutions).")


@register_model(module=USADNet, mcu_notes=_MCU)
def usad_small(n_channels, n_classes, **kwargs):
    """USAD with stages (32, 64), one block per branch (about 53 k parameters on 3 channels)."""
    return _create_usad(n_channels, n_classes, "small", **kwargs)


@register_model(module=USADNet, default=True, mcu_notes=_MCU)
def usad(n_channels, n_classes, **kwargs):
    """USAD with stages (64, 128, 128), one block per branch (350 k parameters on 3 channels)."""
    return _create_usad(n_channels, n_classes, "base", **kwargs)


@register_model(module=USADNet, mcu_notes=_MCU)
def usad_large(n_channels, n_classes, **kwargs):
    """USAD with stages (96, 192, 256), depths (1, 2, 1) (1.39 M parameters on 3 channels)."""
    return _create_usad(n_channels, n_classes, "large", **kwargs)
