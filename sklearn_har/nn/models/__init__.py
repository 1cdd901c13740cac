"""Networks for windows ``(B, C, T)``, in plain PyTorch, registered by name.

Importing this package registers every family (one file each).
"""

from ._registry import ModelInfo, create_model, get_model_info, list_models, register_model
from .cnn1d import CNN1D
from .mag_res2net import MAGRes2Net
from .sftnas import DeepConvLSTM, SFTNASNet, SFTNet, TinyHAR
from .umsnet import UMSNet
from .usad import USADNet

__all__ = [
    "CNN1D",
    "DeepConvLSTM",
    "MAGRes2Net",
    "SFTNASNet",
    "SFTNet",
    "TinyHAR",
    "UMSNet",
    "USADNet",
    "ModelInfo",
    "create_model",
    "get_model_info",
    "list_models",
    "register_model",
]
