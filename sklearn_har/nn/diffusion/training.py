"""The training objective of seed 000 (eq. 5, 11, 12)."""

import torch

__all__ = ["diffusion_loss"]


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
