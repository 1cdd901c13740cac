r"""Statistics-guided, label-conditioned DDPM for HAR windows (seed 000 sec. 3.1).

Plain PyTorch: the noise schedule (eq. 5-7), the statistical conditioning
features (eq. 1-4), a 1-D denoiser with AdaGN residual blocks (eq. 8-10), the
weighted noise-prediction loss (eq. 11-12), and two samplers (ancestral DDPM
and deterministic DDIM). :class:`sklearn_har.samplers.DiffusionAugmenter`
orchestrates them as an imbalanced-learn sampler.

Windows are ``(B, C, L)`` tensors, standardised per channel by the caller.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "ClassifierFreeGuidance",
    "CosineSchedule",
    "Denoiser1D",
    "condition_features",
    "ddim_sample",
    "ddpm_sample",
    "diffusion_loss",
    "drop_class_information",
    "window_statistics",
]


# --------------------------------------------------------------------------
# schedule (eq. 5-7) and loss weights (eq. 12)
# --------------------------------------------------------------------------
class CosineSchedule:
    r"""Cosine noise schedule of seed 000 eq. 6-7, with its derived quantities.

    .. math::

        \bar\alpha_t = \frac{\cos\big(\frac{\pi}{2}\cdot\frac{t/T + s}{1 + s}\big)}
                             {\cos\big(\frac{\pi}{2}\cdot\frac{s}{1 + s}\big)},\qquad
        \beta_t = \operatorname{clip}\Big(1 - \frac{\bar\alpha_t}{\bar\alpha_{t-1}},
                  0, \beta_{max}\Big)

    Eq. 6 is used as printed: the cosine is not squared (Nichol & Dhariwal's
    schedule squares it; ``power=2`` gives theirs). After clipping,
    :math:`\bar\alpha_t` is recomputed as :math:`\prod_{s \le t}(1-\beta_s)`,
    so that the forward process (eq. 5) and the samplers use one consistent
    set of values; they differ from eq. 6 only where the clip acts (the last
    step, where eq. 6 reaches 0).

    Parameters
    ----------
    n_steps : int, default=1000
        :math:`T`.
    s : float, default=0.008
        Offset, so that :math:`\bar\alpha_0 = 1` and the first steps add little noise.
    max_beta : float, default=0.999
    power : {1, 2}, default=1

    Attributes
    ----------
    betas, alphas, alpha_bars : torch.Tensor of shape (T + 1,), float64
        Index ``t`` holds step ``t``; index 0 is the clean data
        (:math:`\beta_0 = 0`, :math:`\bar\alpha_0 = 1`).
    loss_weights : torch.Tensor of shape (T + 1,), float64
        Eq. 12 (see :meth:`eq12_weights`), clipped at ``weight_clip`` and
        scaled to mean 1 over ``t = 1..T``; index 0 unused.

    Examples
    --------
    >>> from sklearn_har.nn.diffusion import CosineSchedule
    >>> sched = CosineSchedule(n_steps=4)
    >>> [round(float(a), 4) for a in sched.alpha_bars]
    [1.0, 0.9203, 0.7027, 0.3798, 0.0004]
    """

    def __init__(self, n_steps=1000, s=0.008, max_beta=0.999, power=1, weight_clip=10.0):
        if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
            raise ValueError(f"n_steps must be an int >= 1; got {n_steps!r}.")
        if power not in (1, 2):
            raise ValueError(f"power must be 1 (eq. 6) or 2 (Nichol & Dhariwal); got {power!r}.")
        self.n_steps, self.s, self.max_beta, self.power = n_steps, s, max_beta, power
        t = torch.arange(n_steps + 1, dtype=torch.float64)
        f = torch.cos(math.pi / 2 * (t / n_steps + s) / (1 + s)).clamp(min=0.0) ** power
        self.alpha_bars_eq6 = f / f[0]
        betas = 1.0 - self.alpha_bars_eq6[1:] / self.alpha_bars_eq6[:-1]
        betas = betas.clamp(0.0, max_beta)
        self.betas = torch.cat([torch.zeros(1, dtype=torch.float64), betas])
        self.alphas = 1.0 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)
        w = self.eq12_weights(self.alpha_bars)
        w = w.clamp(max=weight_clip)
        w[1:] = w[1:] / w[1:].mean()
        self.weight_clip = weight_clip
        self.loss_weights = w

    @staticmethod
    def eq12_weights(alpha_bars):
        r"""Raw importance weights of eq. 12 for ``t = 1..T`` (index 0 is 0).

        .. math:: w_t = \sqrt{\frac{1 - \bar\alpha_t}{\bar\alpha_t\,(1 - \bar\alpha_{t-1})}}

        :math:`w_1` is infinite (:math:`\bar\alpha_0 = 1`); the schedule clips
        the weights at ``weight_clip`` before normalising them.
        """
        ab = alpha_bars
        with torch.no_grad():
            num = 1.0 - ab[1:]
            den = ab[1:] * (1.0 - ab[:-1])
            w = torch.where(den > 0, torch.sqrt(num / den.clamp(min=1e-300)), torch.full_like(num, math.inf))
        return torch.cat([torch.zeros(1, dtype=ab.dtype), w])


# --------------------------------------------------------------------------
# conditioning features (eq. 1-4)
# --------------------------------------------------------------------------
def window_statistics(x, eps=1e-6):
    r"""Per-channel mean, std, skewness and z-scored sequence (eq. 1-2).

    Parameters
    ----------
    x : torch.Tensor of shape (B, C, L)

    Returns
    -------
    stats : torch.Tensor of shape (B, C, 3)
        :math:`(\mu, \sigma, \gamma)` per channel (population std; a constant
        channel has :math:`\sigma = 0`, :math:`\gamma = 0`).
    z : torch.Tensor of shape (B, C, L)
        :math:`(x - \mu) / \sigma`, 0 for a constant channel.
    """
    mu = x.mean(dim=-1, keepdim=True)
    centred = x - mu
    sigma = centred.pow(2).mean(dim=-1, keepdim=True).sqrt()
    safe = torch.where(sigma > eps, sigma, torch.ones_like(sigma))
    z = torch.where(sigma > eps, centred / safe, torch.zeros_like(centred))
    gamma = z.pow(3).mean(dim=-1, keepdim=True)
    return torch.cat([mu, sigma, gamma], dim=-1), z


def condition_features(stats, z):
    r"""The feature-conditioned input of eq. 3, one block of 4 rows per channel.

    For each channel the rows are :math:`\mu` and :math:`\sigma` and
    :math:`\gamma` repeated over the ``L`` steps, then :math:`z_1 .. z_L`.

    Parameters
    ----------
    stats : torch.Tensor of shape (B, C, 3)
    z : torch.Tensor of shape (B, C, L)

    Returns
    -------
    f : torch.Tensor of shape (B, 4 C, L)
    """
    B, C, L = z.shape
    rep = stats.unsqueeze(-1).expand(B, C, 3, L)
    return torch.cat([rep, z.unsqueeze(2)], dim=2).reshape(B, 4 * C, L)


# --------------------------------------------------------------------------
# denoiser (eq. 8-10)
# --------------------------------------------------------------------------
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


def drop_class_information(f, y, drop, null_label):
    """Hide the class from the denoiser where ``drop`` is True.

    The label becomes ``null_label`` and the prototype rows of the
    conditioning (every 4th row, :func:`condition_features`) become 0, so
    that only the window's own statistics (mean, std, skewness) remain: the
    unconditional branch of classifier-free guidance.
    """
    if not bool(drop.any()):
        return f, y
    f = f.clone()
    f[:, 3::4][drop] = 0.0
    return f, torch.where(drop, torch.full_like(y, null_label), y)


class ClassifierFreeGuidance(nn.Module):
    r"""Classifier-free guidance (Ho & Salimans 2022) around a trained denoiser.

    :math:`\hat\epsilon = \epsilon(x_t, f, y) + w\,(\epsilon(x_t, f, y) -
    \epsilon(x_t, f_\varnothing, \varnothing))`, where the second call sees
    no class (:func:`drop_class_information`); ``scale`` is :math:`w` (0 is
    the plain conditional model). A denoiser trained with class dropout
    learns both branches; a larger ``w`` gives windows more typical of their
    class and less varied. Both branches run in one batch.
    """

    def __init__(self, model, scale, null_label):
        super().__init__()
        self.model, self.scale, self.null_label = model, float(scale), int(null_label)

    def forward(self, x_t, t, f, y):
        if self.scale == 0:
            return self.model(x_t, t, f, y)
        drop = torch.ones_like(y, dtype=torch.bool)
        f_u, y_u = drop_class_information(f, y, drop, self.null_label)
        eps_c, eps_u = self.model(
            torch.cat([x_t, x_t]), torch.cat([t, t]), torch.cat([f, f_u]), torch.cat([y, y_u])
        ).chunk(2)
        return eps_c + self.scale * (eps_c - eps_u)


# --------------------------------------------------------------------------
# training objective (eq. 5, 11, 12) and samplers
# --------------------------------------------------------------------------
def _gather(values, t, like):
    return values.to(device=like.device, dtype=like.dtype)[t].view(-1, *([1] * (like.dim() - 1)))


def diffusion_loss(model, schedule, x0, f, y, t, noise, weighted=True):
    r"""Weighted noise-prediction loss of eq. 11 on one batch.

    :math:`x_t = \sqrt{\bar\alpha_t} x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon`
    (eq. 5); the loss is :math:`\operatorname{mean}_i\, w_{t_i}
    \lVert \epsilon_i - G_\theta(x_t, t_i, f_i, y_i) \rVert^2 / (C L)` with
    :math:`w_t` from eq. 12 (``schedule.loss_weights``) when ``weighted``.
    """
    ab = _gather(schedule.alpha_bars, t, x0)
    x_t = ab.sqrt() * x0 + (1.0 - ab).sqrt() * noise
    err = (model(x_t, t, f, y) - noise).pow(2).mean(dim=tuple(range(1, x0.dim())))
    if weighted:
        err = err * schedule.loss_weights.to(device=x0.device, dtype=x0.dtype)[t]
    return err.mean()


def _x0_from_eps(x_t, eps, ab, clip):
    x0 = (x_t - (1.0 - ab).sqrt() * eps) / ab.sqrt()
    return x0.clamp(-clip, clip) if clip is not None else x0


@torch.no_grad()
def ddpm_sample(model, schedule, f, y, shape, generator=None, clip=None, progress=None):
    r"""Ancestral DDPM sampling over all ``T`` steps (Ho et al. 2020).

    :math:`x_{t-1} = \tilde\mu_t(x_t, \hat x_0) + \tilde\beta_t^{1/2} z`, with
    :math:`\hat x_0` from the predicted noise (clipped to ``[-clip, clip]``
    when given) and :math:`\tilde\beta_t = \beta_t (1-\bar\alpha_{t-1}) /
    (1-\bar\alpha_t)`; no noise at the last step. Random numbers come from
    ``generator`` (a CPU ``torch.Generator``) so that CPU and GPU runs with
    one seed start from the same noise.
    """
    device = f.device
    x = torch.randn(shape, generator=generator).to(device)
    T = schedule.n_steps
    steps = range(T, 0, -1)
    for t in (progress(steps) if progress else steps):
        tt = torch.full((shape[0],), t, device=device, dtype=torch.long)
        eps = model(x, tt, f, y)
        ab, ab_prev = schedule.alpha_bars[t].item(), schedule.alpha_bars[t - 1].item()
        beta, alpha = schedule.betas[t].item(), schedule.alphas[t].item()
        x0 = _x0_from_eps(x, eps, torch.tensor(ab, device=device), clip)
        mean = (math.sqrt(ab_prev) * beta / (1 - ab)) * x0 + (math.sqrt(alpha) * (1 - ab_prev) / (1 - ab)) * x
        if t > 1:
            var = beta * (1 - ab_prev) / (1 - ab)
            x = mean + math.sqrt(var) * torch.randn(shape, generator=generator).to(device)
        else:
            x = mean
    return x


@torch.no_grad()
def ddim_sample(model, schedule, f, y, shape, n_steps=50, generator=None, clip=None, progress=None,
                eta=0.0):
    r"""DDIM sampling (Song et al. 2021): deterministic by default (:math:`\eta = 0`).

    Visits about ``n_steps`` of the ``T`` steps, :math:`\tau = 1, 1 + k, 1 +
    2k, \dots` with :math:`k = \lfloor T / n \rfloor` (Song et al.'s
    spacing), from the largest down, and jumps between them with
    :math:`x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat x_0 + \sqrt{1-\bar\alpha_{t'}}\,\hat\epsilon`;
    only the starting noise is random. Uses the model trained for DDPM as is.
    Starting below ``T`` matters: at ``t = T`` the cosine schedule has
    :math:`\bar\alpha_T \approx 0`, the estimate :math:`\hat x_0` is noise
    amplified by :math:`1/\sqrt{\bar\alpha_T}`, and a deterministic sampler
    carries that error to the end (measured: synthetic windows 2-4 times too
    rough).

    ``eta`` > 0 adds fresh noise at every jump (Song et al.'s eq. 16):
    :math:`x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat x_0 + \sqrt{1-\bar\alpha_{t'}-\sigma^2}\,\hat\epsilon
    + \sigma z` with :math:`\sigma = \eta \sqrt{(1-\bar\alpha_{t'})/(1-\bar\alpha_t)}
    \sqrt{1-\bar\alpha_t/\bar\alpha_{t'}}`, none at the last jump. ``eta=1``
    over all ``T`` steps is ancestral DDPM (the same windows as
    :func:`ddpm_sample` for the same ``generator``); over few steps it removes
    part of the roughness that a deterministic path keeps.
    """
    if not 0.0 <= eta <= 1.0:
        raise ValueError(f"eta must be in [0, 1]; got {eta!r}.")
    device = f.device
    T = schedule.n_steps
    stride = max(1, T // max(1, int(n_steps)))
    ts = list(range(1, T + 1, stride))[::-1]
    x = torch.randn(shape, generator=generator).to(device)
    pairs = list(zip(ts, ts[1:] + [0]))
    for t, t_prev in (progress(pairs) if progress else pairs):
        tt = torch.full((shape[0],), t, device=device, dtype=torch.long)
        eps = model(x, tt, f, y)
        ab = schedule.alpha_bars[t].item()
        ab_prev = schedule.alpha_bars[t_prev].item()
        x0 = _x0_from_eps(x, eps, torch.tensor(ab, device=device), clip)
        if clip is not None:  # keep eps consistent with the clipped x0
            eps = (x - math.sqrt(ab) * x0) / math.sqrt(max(1 - ab, 1e-12))
        sigma = 0.0
        if eta > 0 and t_prev > 0:
            sigma = eta * math.sqrt(max((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev), 0.0))
        x = math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps
        if sigma > 0:
            x = x + sigma * torch.randn(shape, generator=generator).to(device)
    return x
