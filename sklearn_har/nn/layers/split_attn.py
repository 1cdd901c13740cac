"""Split attention (ResNeSt): radix-wise soft attention inside cardinal groups.

Seed 000 sec. 3.2 (eq. 20-21) and seed 001 sec. 3.3 ("Split Attention"): the
input holds ``R`` splits of ``C`` channels each, and every split holds the ``K``
cardinal groups side by side. Per cardinal group ``k`` the splits are summed
(eq. 20), pooled over time, passed through two grouped fully connected layers
(``groups = K``) and turned into one weight per split and channel: a softmax
over the ``R`` splits for ``R > 1``, a sigmoid for ``R = 1`` (eq. 21). The
output is the weighted sum of the splits, ``C`` channels.
"""

import torch
from torch import nn

from ._helpers import reduced_width
from .conv_bn_act import create_act

__all__ = ["SplitAttention", "radix_softmax"]


def _sum_splits(splits):
    """``splits.sum(dim=1)`` over the ``R`` splits ``(B, R, C, T)``, as ``R - 1`` additions:
    the same values, and int8 ADD ops for a microcontroller (TFLite Micro's int8 SUM kernel
    was measured 127 LSB away from LiteRT's on this reduction)."""
    parts = splits.unbind(dim=1)
    out = parts[0]
    for part in parts[1:]:
        out = out + part
    return out


def radix_softmax(logits, radix, cardinality):
    """Eq. 21 on attention logits ``(B, R * C)`` laid out as (K, R, C/K) per row.

    Returns weights ``(B, R, C)``: for ``R > 1`` a softmax over the ``R`` splits
    (each channel's weights sum to one), for ``R = 1`` a sigmoid.
    """
    batch = logits.shape[0]
    if radix == 1:
        return torch.sigmoid(logits).reshape(batch, 1, -1)
    # the softmax runs over the last axis, (B, K, C/K, R): converters map a last-axis
    # softmax to one SOFTMAX op (int8 on a microcontroller), another axis to EXP / DIV
    w = logits.reshape(batch, cardinality, radix, -1).transpose(2, 3)
    w = torch.softmax(w, dim=-1).transpose(2, 3)
    # (B, K, R, C/K) -> (B, R, K, C/K): split index first, channels of a split in (K, C/K) order
    return w.transpose(1, 2).reshape(batch, radix, -1)


class SplitAttention(nn.Module):
    """Fuse ``R`` splits of a feature map with learned per-channel weights.

    Input ``(B, R * C, T)``: split ``r`` is channels ``[r*C, (r+1)*C)``, each
    ordered as ``K`` cardinal groups of ``C/K`` channels (what a convolution
    with ``groups = K * R`` gives). Output ``(B, C, T)``.

    Parameters
    ----------
    channels : int
        ``C``, channels of one split (a multiple of ``cardinality``).
    radix : int, default=2
        ``R``, splits per cardinal group.
    cardinality : int, default=1
        ``K``, cardinal groups (the grouped FC layers have ``groups = K``).
    rd_ratio : float, default=0.25
        Hidden width of the attention MLP relative to ``R * C``.
    rd_min : int, default=8
        Smallest hidden width (rounded up to a multiple of ``K``).
    norm_layer : type or None, default=nn.BatchNorm1d
        Normalisation after the first FC layer.
    act_layer : type, default=nn.ReLU

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import SplitAttention
    >>> sa = SplitAttention(16, radix=2, cardinality=2)
    >>> sa(torch.randn(3, 32, 50)).shape
    torch.Size([3, 16, 50])
    >>> weights = sa.split_weights(torch.randn(3, 32, 50))  # (B, R, C)
    >>> torch.allclose(weights.sum(dim=1), torch.ones(3, 16))
    True
    """

    def __init__(self, channels, radix=2, cardinality=1, *, rd_ratio=0.25, rd_min=8,
                 norm_layer=nn.BatchNorm1d, act_layer=nn.ReLU):
        super().__init__()
        for name, value in (("channels", channels), ("radix", radix),
                            ("cardinality", cardinality)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SplitAttention: {name} must be an int >= 1; got {value!r}.")
        if channels % cardinality:
            raise ValueError(
                f"SplitAttention: channels ({channels}) must be a multiple of the "
                f"cardinality ({cardinality})."
            )
        self.channels, self.radix, self.cardinality = channels, radix, cardinality
        hidden = reduced_width(radix * channels, rd_ratio, rd_min, cardinality)
        self.fc1 = nn.Conv1d(channels, hidden, 1, groups=cardinality)
        self.norm = norm_layer(hidden) if norm_layer is not None else nn.Identity()
        self.act = create_act(act_layer, inplace=True)
        self.fc2 = nn.Conv1d(hidden, radix * channels, 1, groups=cardinality)

    def _splits(self, x):
        batch, width, length = x.shape
        if width != self.radix * self.channels:
            raise ValueError(
                f"SplitAttention expects {self.radix} splits x {self.channels} channels = "
                f"{self.radix * self.channels} input channels; got {width}."
            )
        return x.reshape(batch, self.radix, self.channels, length)

    def _weights(self, splits):
        gap = _sum_splits(splits).mean(dim=-1, keepdim=True)  # eq. 20, then pooling: (B, C, 1)
        logits = self.fc2(self.act(self.norm(self.fc1(gap))))  # (B, R*C, 1), grouped by K
        return radix_softmax(logits.flatten(1), self.radix, self.cardinality)

    def split_weights(self, x):
        """The weights ``(B, R, C)`` the forward pass gives each split and channel."""
        return self._weights(self._splits(x))

    def forward(self, x):
        splits = self._splits(x)
        return _sum_splits(splits * self._weights(splits).unsqueeze(-1))
