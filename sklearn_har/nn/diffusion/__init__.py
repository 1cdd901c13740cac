r"""Statistics-guided, label-conditioned DDPM for HAR windows (seed 000 sec. 3.1).

Plain PyTorch: the noise schedule (eq. 5-7), the statistical conditioning
features (eq. 1-4), a 1-D denoiser with AdaGN residual blocks (eq. 8-10), the
weighted noise-prediction loss (eq. 11-12), and two samplers (ancestral DDPM
and deterministic DDIM). :class:`sklearn_har.samplers.DiffusionAugmenter`
orchestrates them as an imbalanced-learn sampler.

Windows are ``(B, C, L)`` tensors, standardised per channel by the caller.
"""

from .conditioning import (
    condition_features,
    draw_statistics,
    drop_class_information,
    impose_statistics,
    window_statistics,
)
from .denoiser import AdaGNBlock, Denoiser1D, SinusoidalTimeEmbedding
from .sampling import ClassifierFreeGuidance, ddim_sample, ddpm_sample, generate_windows
from .schedule import CosineSchedule
from .training import TrainedDenoiser, diffusion_loss, train_denoiser

__all__ = [
    "AdaGNBlock",
    "ClassifierFreeGuidance",
    "CosineSchedule",
    "Denoiser1D",
    "SinusoidalTimeEmbedding",
    "TrainedDenoiser",
    "condition_features",
    "ddim_sample",
    "ddpm_sample",
    "diffusion_loss",
    "draw_statistics",
    "drop_class_information",
    "generate_windows",
    "impose_statistics",
    "train_denoiser",
    "window_statistics",
]
