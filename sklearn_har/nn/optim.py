"""Optimizers not shipped by PyTorch.

torch 2.13's ``torch.optim`` has no Lion optimizer (it has ``Adafactor`` and
``Muon``, not Lion), so :class:`Lion` is a small implementation here.
"""

import math

import torch
from torch.optim import Optimizer

__all__ = ["Lion"]


def _check(value, name, low, high=None, closed_high=False):
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    if not bad:
        bad = (
            not math.isfinite(value)
            or value < low
            or (high is not None and (value > high if closed_high else value >= high))
        )
    if bad:
        hi = "inf)" if high is None else (f"{high}]" if closed_high else f"{high})")
        raise ValueError(
            f"The '{name}' parameter of Lion must be a float in the range "
            f"[{low}, {hi}. Got {value!r} instead."
        )


class Lion(Optimizer):
    r"""Lion, EvoLved Sign Momentum (Chen et al. 2023; seed 002 sec. 2.4).

    For each parameter :math:`\theta` with gradient :math:`g_t`:

    .. math::

        u_t &= \operatorname{sign}\big(\beta_1 m_{t-1} + (1 - \beta_1) g_t\big)
               + \lambda \theta_{t-1} \\
        \theta_t &= \theta_{t-1} - \eta \, u_t \\
        m_t &= \beta_2 m_{t-1} + (1 - \beta_2) g_t

    with :math:`m_0 = 0`. The weight decay :math:`\lambda` is decoupled (as in
    AdamW: it acts on the weights, not through the gradient or the momentum) and
    scaled by the learning rate :math:`\eta`. Every coordinate moves by exactly
    :math:`\eta` (plus decay) per step, so Lion wants a learning rate 3-10x
    smaller than AdamW's and a weight decay 3-10x larger.

    Usable wherever a ``torch.optim`` class is expected, e.g. skorch's
    ``optimizer=Lion, optimizer__weight_decay=1e-2``; parameter groups work as
    usual.

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups (dicts).
    lr : float, default=1e-4
        Learning rate :math:`\eta \geq 0`.
    betas : tuple of (float, float), default=(0.9, 0.99)
        :math:`\beta_1` interpolates the update direction, :math:`\beta_2` the
        momentum; each in ``[0, 1]``.
    weight_decay : float, default=0.0
        Decoupled weight decay :math:`\lambda \geq 0`.
    maximize : bool, default=False
        Maximise the objective instead of minimising it.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import Lion
    >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    >>> opt = Lion([w], lr=0.1)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, *, maximize=False
    ):
        _check(lr, "lr", 0.0)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(
                f"The 'betas' parameter of Lion must be a pair of floats in the range "
                f"[0, 1]. Got {betas!r} instead."
            )
        _check(betas[0], "betas[0]", 0.0, 1.0, closed_high=True)
        _check(betas[1], "betas[1]", 0.0, 1.0, closed_high=True)
        _check(weight_decay, "weight_decay", 0.0)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)

    @torch.no_grad()
    def step(self, closure=None):
        """Perform one optimisation step.

        Parameters
        ----------
        closure : callable, default=None
            Re-evaluates the model and returns the loss.

        Returns
        -------
        loss : torch.Tensor or None
            The closure's loss, when a closure is given.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if grad.is_sparse:
                    raise RuntimeError("Lion does not support sparse gradients.")
                if group["maximize"]:
                    grad = -grad
                state = self.state[p]
                if len(state) == 0:
                    state["exp_avg"] = torch.zeros_like(
                        p, memory_format=torch.preserve_format
                    )
                exp_avg = state["exp_avg"]

                # decoupled weight decay on theta_{t-1}
                if weight_decay != 0.0:
                    p.mul_(1.0 - lr * weight_decay)
                update = exp_avg.mul(beta1).add_(grad, alpha=1.0 - beta1).sign_()
                p.add_(update, alpha=-lr)
                exp_avg.mul_(beta2).add_(grad, alpha=1.0 - beta2)
        return loss
