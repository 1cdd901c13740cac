"""The 1-D denoiser of seed 000 (eq. 8-10): AdaGN residual blocks conditioned on the
diffusion step and the label."""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["AdaGNBlock", "Denoiser1D", "SinusoidalTimeEmbedding"]


class SinusoidalTimeEmbedding(nn.Module):
    """Transformer-style sinusoidal embedding of the diffusion step, ``dim`` wide."""

    def __init__(self, dim=128):
        super().__init__()
        if dim % 2:
            raise ValueError(f"The time embedding needs an even dim; got {dim}.")
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(
            -math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half
        )
        args = t.float().unsqueeze(-1) * freqs
        return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


def _groups(width, groups):
    g = min(groups, width)
    while width % g:
        g -= 1
    return g


class AdaGNBlock(nn.Module):
    r"""Residual block with adaptive group normalisation (eq. 9).

    ``h -> conv(SiLU(AdaGN(h))) -> conv(SiLU(AdaGN(.)))`` plus the input, where
    :math:`\text{AdaGN}(h) = (1 + \gamma_y(t)) \odot \text{GN}(h) + \beta_y(t)`.
    The ``1 +`` keeps the block near the identity at initialisation (the
    scale/shift projections start at zero); it is eq. 9 with
    :math:`\gamma = 1 + \gamma'`.
    """

    def __init__(self, width, emb_dim, dilation=1, kernel_size=3, groups=8):
        super().__init__()
        pad = dilation * (kernel_size // 2)
        self.norm1 = nn.GroupNorm(_groups(width, groups), width, affine=False)
        self.conv1 = nn.Conv1d(width, width, kernel_size, padding=pad, dilation=dilation)
        self.norm2 = nn.GroupNorm(_groups(width, groups), width, affine=False)
        self.conv2 = nn.Conv1d(width, width, kernel_size, padding=pad, dilation=dilation)
        self.film = nn.Linear(emb_dim, 4 * width)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)

    def forward(self, h, emb):
        g1, b1, g2, b2 = self.film(emb).unsqueeze(-1).chunk(4, dim=1)
        out = self.conv1(F.silu((1 + g1) * self.norm1(h) + b1))
        out = self.conv2(F.silu((1 + g2) * self.norm2(out) + b2))
        return h + out


class Denoiser1D(nn.Module):
    r"""Noise predictor :math:`G_\theta(x_t, t, f, y)` for windows (eq. 8).

    The input convolution reads ``x_t`` (``C`` channels) concatenated with the
    conditioning features ``f`` (``4 C`` channels, eq. 3); ``depth`` residual
    AdaGN blocks of ``width`` channels follow, with dilations cycling 1, 2, 4,
    8 so that the receptive field covers windows of hundreds of steps without
    down-sampling (any length works, 24-512 steps tested); a last convolution
    predicts the noise. The label embedding :math:`e_y` and the 128-d
    sinusoidal step embedding :math:`\psi(t)` are concatenated and passed
    through an MLP (eq. 10), whose output every block projects to its own
    scale and shift. The label embedding has one more row than there are
    classes: label ``n_classes`` means "no class", the unconditional branch
    of classifier-free guidance (:class:`ClassifierFreeGuidance`).

    Parameters
    ----------
    n_channels : int
    n_classes : int
    width : int, default=64
    depth : int, default=4
    time_dim : int, default=128
    label_dim : int, default=128
    groups : int, default=8
        GroupNorm groups (reduced to a divisor of ``width``).

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.diffusion import Denoiser1D
    >>> net = Denoiser1D(n_channels=3, n_classes=4, width=16, depth=2)
    >>> x, f = torch.zeros(2, 3, 50), torch.zeros(2, 12, 50)
    >>> net(x, torch.tensor([1, 500]), f, torch.tensor([0, 3])).shape
    torch.Size([2, 3, 50])
    """

    def __init__(self, n_channels, n_classes, width=64, depth=4, time_dim=128, label_dim=128, groups=8):
        super().__init__()
        for name, value in (("n_channels", n_channels), ("n_classes", n_classes),
                            ("width", width), ("depth", depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Denoiser1D {name} must be an int >= 1; got {value!r}.")
        self.n_channels, self.n_classes = n_channels, n_classes
        emb_dim = 2 * width
        self.time_embedding = SinusoidalTimeEmbedding(time_dim)
        self.label_embedding = nn.Embedding(n_classes + 1, label_dim)  # + the "no class" token
        self.mlp = nn.Sequential(
            nn.Linear(time_dim + label_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim)
        )
        self.inp = nn.Conv1d(5 * n_channels, width, 3, padding=1)
        self.blocks = nn.ModuleList(
            AdaGNBlock(width, emb_dim, dilation=2 ** (i % 4), groups=groups) for i in range(depth)
        )
        self.out_norm = nn.GroupNorm(_groups(width, groups), width)
        self.out = nn.Conv1d(width, n_channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x_t, t, f, y):
        emb = self.mlp(torch.cat([self.label_embedding(y), self.time_embedding(t)], dim=-1))
        h = self.inp(torch.cat([x_t, f], dim=1))
        for block in self.blocks:
            h = block(h, emb)
        return self.out(F.silu(self.out_norm(h)))
