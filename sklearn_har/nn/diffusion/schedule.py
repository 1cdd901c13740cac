"""The cosine noise schedule of seed 000 (eq. 5-7) and its loss weights (eq. 12)."""

import math

import torch

__all__ = ["CosineSchedule"]


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
