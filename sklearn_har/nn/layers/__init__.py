"""Reusable network blocks on ``(B, C, T)``, one concept a file (never importing the models).

Blocks take layer types as arguments (``norm_layer=``, ``act_layer=``), as timm's do.
"""

from .class_token_encoder import ClassTokenEncoder
from .conv_bn_act import ConvBnAct, create_act
from .drop_path import DropPath
from .eca import EfficientChannelAttention, eca_kernel_size
from .gumbel import MixedOp, gumbel_one_hot, temperature
from .layer_scale import LayerScale
from .lsr import LSRBlock, LSRDownsample
from .masks import ChannelMask, straight_through_binary
from .res2net import Res2NetBottleneck, create_channel_attention
from .spatial_attn import SpatialAttention
from .split_attn import SplitAttention, radix_softmax
from .split_gate import SplitGate
from .squeeze_excite import SqueezeExcite

__all__ = [
    "ChannelMask",
    "ClassTokenEncoder",
    "ConvBnAct",
    "DropPath",
    "EfficientChannelAttention",
    "LSRBlock",
    "LSRDownsample",
    "LayerScale",
    "MixedOp",
    "Res2NetBottleneck",
    "SpatialAttention",
    "SplitAttention",
    "SplitGate",
    "SqueezeExcite",
    "create_act",
    "create_channel_attention",
    "eca_kernel_size",
    "gumbel_one_hot",
    "radix_softmax",
    "straight_through_binary",
    "temperature",
]
