"""Reusable network blocks on ``(B, C, T)``, one concept a file (never importing the models).

Blocks take layer types as arguments (``norm_layer=``, ``act_layer=``), as timm's do.
"""

from .conv_bn_act import ConvBnAct

__all__ = ["ConvBnAct"]
