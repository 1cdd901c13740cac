"""CNN1D: conv blocks, global average pooling, a linear head.

In the family order: blocks (:class:`~sklearn_har.nn.layers.ConvBnAct`), the
network, a private builder, presets of a few lines.
"""

from torch import nn
from torch.nn import functional as F

from ..layers import ConvBnAct
from ._base import WindowNet, check_positive_int
from ._registry import register_model

__all__ = ["CNN1D"]


class CNN1D(WindowNet):
    """A small 1-D CNN: conv blocks, global average pooling, a linear head.

    Each block is ``Conv1d(k, padding=k//2, no bias) -> BatchNorm1d -> ReLU``,
    followed by a max-pool of 2 (while the sequence is at least 2 long). The
    default three blocks of 64 filters have about 45 k parameters on 9
    channels: the fast baseline of sklearn_har.

    Parameters
    ----------
    n_channels : int
        Input channels ``C``.
    n_classes : int
        Output logits.
    channels : tuple of int, default=(64, 64, 64)
        Filters of each block.
    kernel_size : int, default=5
    dropout : float, default=0.2
        Dropout before the linear head.
    norm_layer : type, default=nn.BatchNorm1d
    act_layer : type, default=nn.ReLU

    Attributes
    ----------
    n_features_out : int
        Size of the pooled features (the penultimate layer), e.g. for a
        center loss.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import CNN1D
    >>> net = CNN1D(n_channels=9, n_classes=6)
    >>> net(torch.zeros(2, 9, 128)).shape
    torch.Size([2, 6])
    >>> logits, features = net(torch.zeros(2, 9, 128), return_features=True)
    >>> features.shape
    torch.Size([2, 64])
    """

    def __init__(
        self,
        n_channels,
        n_classes,
        channels=(64, 64, 64),
        kernel_size=5,
        dropout=0.2,
        *,
        norm_layer=nn.BatchNorm1d,
        act_layer=nn.ReLU,
    ):
        super().__init__()
        owner = type(self).__name__
        check_positive_int(n_channels, "n_channels", owner)
        check_positive_int(n_classes, "n_classes", owner)
        check_positive_int(kernel_size, "kernel_size", owner)
        channels = tuple(channels)
        if not channels:
            raise ValueError(f"The 'channels' parameter of {owner} must name at least one block.")
        for c in channels:
            check_positive_int(c, "channels", owner)
        self.n_channels = n_channels
        blocks = []
        c_in = n_channels
        for c_out in channels:
            blocks.append(
                ConvBnAct(c_in, c_out, kernel_size, norm_layer=norm_layer, act_layer=act_layer)
            )
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.init_head(c_in, n_classes, dropout)

    def forward_features(self, x):
        """The last feature map ``(B, channels[-1], T')`` of windows ``(B, C, T)``."""
        self.check_input(x)
        for block in self.blocks:
            x = block(x)
            if x.shape[-1] >= 2:
                x = F.max_pool1d(x, 2)
        return x


def _create_cnn1d(n_channels, n_classes, preset, **kwargs):
    return CNN1D(n_channels, n_classes, **{**preset, **kwargs})


@register_model(
    module=CNN1D,
    default=True,
    mcu_notes=(
        "Conv1d, BatchNorm (folds into the conv), ReLU, max-pool, mean and one linear layer: "
        "TFLite Micro builtins only, no recurrent layer, no concatenation."
    ),
)
def cnn1d(n_channels, n_classes, **kwargs):
    """Three blocks of 64 filters, kernel 5 (about 45 k parameters on 9 channels)."""
    preset = dict(channels=(64, 64, 64), kernel_size=5)
    return _create_cnn1d(n_channels, n_classes, preset, **kwargs)
