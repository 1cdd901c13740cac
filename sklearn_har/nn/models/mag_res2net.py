"""MAGRes2Net: seed 002's multiscale-attention gated Res2Net on windows ``(B, C, T)``.

Seed 002 sec. 2.3 (Figures 3-4): a ResNet-50-style network whose bottlenecks
are Res2Net blocks (:class:`~sklearn_har.nn.layers.Res2NetBottleneck`: splits
of ``width`` channels chained by hierarchical 3x1 convolutions), a tanh gate
between the splits (Gated-Res2Net) and ECA channel attention after each
block's last 1x1 convolution. Four stages; the first keeps the window length,
each later one halves it and doubles the widths; global average pooling and a
linear head.

Widths: with ``base_width=32`` (bottleneck channels of stage 1, 4x that at its
output) and ``width=8`` (channels of one split in stage 1), the presets have
3.41 M parameters / 81 M MACs (``depths=(3, 4, 6, 3)``) and 2.03 M / 60 M
(``(3, 4, 5, 1)``) on UCI-HAR's 9 x 128 windows and 6 classes: the scale of the
authors' models (about 3.48 M / 85 M and 2.10 M / 60 M).
"""

from torch import nn

from ..layers import ConvBnAct, Res2NetBottleneck
from ..layers.res2net import ATTENTIONS
from ._base import WindowNet, check_positive_int, preset_config
from ._registry import register_model

__all__ = ["MAGRes2Net", "PRESETS"]

#: Stage depths of seed 002 Table 6 (``MAGRes2Net(preset=...)``): the 50-layer network
#: the paper trains on UCI-HAR and the 42-layer one it trains on WISDM.
PRESETS = {
    "uci_har": dict(depths=(3, 4, 6, 3)),
    "wisdm": dict(depths=(3, 4, 5, 1)),
}


class MAGRes2Net(WindowNet):
    """Gated Res2Net with ECA attention (seed 002).

    Parameters
    ----------
    n_channels : int
    n_classes : int
    preset : {"uci_har", "wisdm"}, default="uci_har"
        Stage depths of seed 002 Table 6: ``(3, 4, 6, 3)`` (50 layers, used on
        UCI-HAR) or ``(3, 4, 5, 1)`` (42 layers, used on WISDM). Both run on any
        input; the names only say where the paper used them.
    depths : tuple of int or None, default=None
        Blocks per stage; overrides the preset (any number of stages).
    base_width : int, default=32
        Bottleneck channels of stage 1 (doubled by each later stage); a block's
        output has 4x as many.
    width : int, default=8
        Channels of one split in stage 1 (doubled by each later stage).
    scale : int, default=4
        Splits per block (Res2Net's ``s``; 1 gives a plain ResNet bottleneck).
    gated : bool, default=True
        The tanh gates between splits (Gated-Res2Net).
    attention : {"eca", "se", None}, default="eca"
        Channel attention in every block: seed 002's ECA, the SE block of its
        Table 8, or none.
    stem_width : int, default=32
        Channels of the stem convolution (kernel 3, no down-sampling: HAR
        windows are short).
    dropout : float, default=0.2
        Before the linear head (inactive at inference).

    Attributes
    ----------
    n_features_out : int
        Size of the pooled features: ``4 * base_width * 2 ** (n_stages - 1)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.models import MAGRes2Net
    >>> net = MAGRes2Net(3, 6, depths=(1, 1), base_width=8, width=4)
    >>> logits, features = net(torch.zeros(2, 3, 90), return_features=True)
    >>> tuple(logits.shape), tuple(features.shape)
    ((2, 6), (2, 64))
    """

    def __init__(self, n_channels, n_classes, preset="uci_har", *, depths=None, base_width=32,
                 width=8, scale=4, gated=True, attention="eca", stem_width=32, dropout=0.2):
        super().__init__()
        owner = type(self).__name__
        depths = tuple(preset_config(PRESETS, preset, owner, depths=depths)["depths"])
        if attention not in ATTENTIONS:
            raise ValueError(f"The 'attention' parameter of {owner} must be one of "
                             f"{list(ATTENTIONS)}. Got {attention!r} instead.")
        if not depths:
            raise ValueError(f"{owner} needs at least one stage; got depths={depths}.")
        for name, value in [("n_channels", n_channels), ("n_classes", n_classes),
                            ("base_width", base_width), ("width", width), ("scale", scale),
                            ("stem_width", stem_width)] + [("depths", d) for d in depths]:
            check_positive_int(value, name, owner)
        self.n_channels = n_channels
        self.stem = ConvBnAct(n_channels, stem_width, 3)
        blocks, c_in = [], stem_width
        for stage, depth in enumerate(depths):
            c_out = 4 * base_width * 2 ** stage
            for i in range(depth):
                blocks.append(Res2NetBottleneck(
                    c_in, c_out, width * 2 ** stage, scale,
                    stride=2 if stage > 0 and i == 0 else 1, gated=gated, attention=attention))
                c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.init_head(c_in, n_classes, dropout)

    def forward_features(self, x):
        """The last feature map ``(B, n_features_out, T / 2 ** (n_stages - 1))``."""
        self.check_input(x)
        return self.blocks(self.stem(x))


_MCU = ("Conv1d, BatchNorm, ReLU, tanh/sigmoid gates, mean pooling, average pooling and "
        "concatenations of `scale` (4) splits: TFLite Micro builtins; 2-3 M parameters need "
        "int8 and a large flash (the preset is a Raspberry Pi model, not an MCU one).")


@register_model(module=MAGRes2Net, default=True, mcu_notes=_MCU)
def mag_res2net(n_channels, n_classes, **kwargs):
    """MAG-Res2Net-50, depths (3, 4, 6, 3) (3.41 M parameters on 9 x 128, 6 classes)."""
    return MAGRes2Net(n_channels, n_classes, preset="uci_har", **kwargs)


@register_model(module=MAGRes2Net, mcu_notes=_MCU)
def mag_res2net_wisdm(n_channels, n_classes, **kwargs):
    """MAG-Res2Net-42, depths (3, 4, 5, 1) (2.03 M parameters on 9 x 128, 6 classes)."""
    return MAGRes2Net(n_channels, n_classes, preset="wisdm", **kwargs)
