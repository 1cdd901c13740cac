"""Reusable network blocks on ``(B, C, T)``, one concept a file (never importing the models).

Blocks take layer types as arguments (``norm_layer=``, ``act_layer=``), as timm's do.
"""

from .conv_bn_act import ConvBnAct, create_act
from .spatial_attn import SpatialAttention
from .split_attn import SplitAttention, radix_softmax
from .squeeze_excite import SqueezeExcite

__all__ = [
    "ConvBnAct",
    "SpatialAttention",
    "SplitAttention",
    "SqueezeExcite",
    "create_act",
    "radix_softmax",
]
