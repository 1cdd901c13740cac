"""Training the denoiser: the objective of seed 000 (eq. 5, 11, 12) and its loop.

:func:`train_denoiser` is the whole training run on standardised windows
``(n, C, L)``: class prototypes, the denoiser's initialisation, AdamW with a
cosine learning rate, class dropout and an exponential moving average of the
weights. Plain PyTorch (no scikit-learn): the estimator
:class:`sklearn_har.samplers.DiffusionAugmenter` only prepares the windows and
keeps what comes back.
"""

import copy
import time
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .conditioning import condition_features, drop_class_information, window_statistics
from .denoiser import Denoiser1D

__all__ = ["TrainedDenoiser", "diffusion_loss", "train_denoiser"]


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


class TrainedDenoiser(NamedTuple):
    """What :func:`train_denoiser` returns."""

    model: nn.Module
    """The EMA copy of the denoiser (the raw one when ``ema_decay=0``), in eval mode."""
    prototypes: torch.Tensor
    """``(n_classes, C, 3 + L)``: each class's mean statistics and mean z-scored window (eq. 4)."""
    train_stats: list
    """Per class, the ``(n_k, C, 3)`` statistics of its training windows."""
    loss_curve: list
    """Mean loss of every 50 steps (and of the last, shorter stretch)."""
    fit_time: float
    """Seconds spent in the optimisation loop."""


def train_denoiser(x, y, n_classes, schedule, *, generator, seed, width=64, depth=4,
                   max_iter=2000, batch_size=64, lr=1e-3, ema_decay=0.999, class_dropout=0.1,
                   weighted=True, device="cpu", progress=None):
    """Train a :class:`Denoiser1D` on standardised windows (seed 000 sec. 3.1).

    Every random number of the loop (batch indices, steps, noise, class
    dropout) comes from ``generator``, a CPU ``torch.Generator``, and the
    initial weights from ``seed`` (the global RNG is left as it was): the
    same ``generator`` state and ``seed`` give the same model on CPU.

    Parameters
    ----------
    x : torch.Tensor of shape (n, C, L), float32
        Windows, standardised per channel.
    y : torch.Tensor of shape (n,), int64
        Class indices ``0 .. n_classes - 1``; every class has a window.
    n_classes : int
    schedule : CosineSchedule
    generator : torch.Generator
        CPU generator; consumed.
    seed : int
        Seed of the denoiser's initial weights.
    width, depth : int, default=64, 4
        The denoiser's size.
    max_iter : int, default=2000
        Optimisation steps.
    batch_size : int, default=64
        Capped at ``n``.
    lr : float, default=1e-3
        AdamW learning rate, annealed (cosine) to ``0.1 * lr``.
    ema_decay : float, default=0.999
        Decay of the weights' moving average; 0 keeps the raw weights.
    class_dropout : float, default=0.1
        Share of batch windows shown without their class.
    weighted : bool, default=True
        Eq. 12 loss weights.
    device : str or torch.device, default="cpu"
    progress : callable, default=None
        Wraps the step iterable (a progress bar), or None.

    Returns
    -------
    TrainedDenoiser

    Raises
    ------
    FloatingPointError
        When the loss stops being finite.
    """
    device = torch.device(device)
    n, C, L = x.shape
    stats, z = window_statistics(x)
    proto_stats = torch.stack([stats[y == k].mean(0) for k in range(n_classes)])
    proto_z = torch.stack([z[y == k].mean(0) for k in range(n_classes)])
    prototypes = torch.cat([proto_stats, proto_z], dim=-1)
    train_stats = [stats[y == k] for k in range(n_classes)]

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Denoiser1D(C, n_classes, width=int(width), depth=int(depth))
    model.to(device)
    ema = copy.deepcopy(model).requires_grad_(False) if ema_decay > 0 else None
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, int(max_iter), eta_min=0.1 * lr)

    Xd, yd = x.to(device), y.to(device)
    proto_zd = proto_z.to(device)
    statsd = stats.to(device)
    bs = min(int(batch_size), n)
    loss_curve = []
    pending = []
    t0 = time.perf_counter()
    steps = range(int(max_iter))
    model.train()
    for it in progress(steps) if progress else steps:
        idx = torch.randint(0, n, (bs,), generator=generator).to(device)
        t = torch.randint(1, schedule.n_steps + 1, (bs,), generator=generator).to(device)
        noise = torch.randn((bs, C, L), generator=generator).to(device)
        x0, yb = Xd[idx], yd[idx]
        f = condition_features(statsd[idx], proto_zd[yb])
        if class_dropout > 0:
            drop = (torch.rand(bs, generator=generator) < class_dropout).to(device)
            f, yb = drop_class_information(f, yb, drop, n_classes)
        loss = diffusion_loss(model, schedule, x0, f, yb, t, noise, weighted=weighted)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if ema is not None:
            with torch.no_grad():
                decay = min(ema_decay, (1 + it) / (10 + it))
                for p_ema, p in zip(ema.parameters(), model.parameters()):
                    p_ema.lerp_(p, 1 - decay)
        pending.append(loss.detach())
        if len(pending) == 50 or it == int(max_iter) - 1:
            values = torch.stack(pending).float().cpu().numpy()
            if not np.isfinite(values).all():
                raise FloatingPointError(
                    f"The diffusion loss became {values[~np.isfinite(values)][0]} near "
                    f"step {it + 1}; lower lr (now {lr})."
                )
            loss_curve.append(float(values.mean()))
            pending = []
    fit_time = time.perf_counter() - t0
    final = ema if ema is not None else model
    final.eval()
    return TrainedDenoiser(final, prototypes, train_stats, loss_curve, fit_time)
