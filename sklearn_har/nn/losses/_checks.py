"""Argument and tensor checks shared by the losses (private)."""

import math

import torch

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------
# private helpers
# --------------------------------------------------------------------------
def _check_reduction(reduction, owner):
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"The 'reduction' parameter of {owner} must be a str among "
            f"{set(_REDUCTIONS)}. Got {reduction!r} instead."
        )


def _check_real(value, name, owner, low=None, high=None, closed_high=True):
    """Check a finite real number in [low, high] (or [low, high) when not closed_high)."""
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    if not bad:
        value = float(value)
        bad = (
            not math.isfinite(value)
            or (low is not None and value < low)
            or (high is not None and (value > high if closed_high else value >= high))
        )
    if bad:
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        bracket = "]" if closed_high and high is not None else ")"
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a float in the range "
            f"[{lo}, {hi}{bracket}. Got {value!r} instead."
        )
    return value


def _check_logits_targets(logits, targets, owner, what="logits"):
    if not torch.is_tensor(logits) or logits.ndim != 2:
        shape = (
            tuple(logits.shape) if torch.is_tensor(logits) else type(logits).__name__
        )
        raise ValueError(
            f"{owner} expects logits of shape (batch, n_classes). Received {shape}."
        )
    if (
        not torch.is_tensor(targets)
        or targets.ndim != 1
        or targets.shape[0] != logits.shape[0]
    ):
        shape = (
            tuple(targets.shape) if torch.is_tensor(targets) else type(targets).__name__
        )
        raise ValueError(
            f"{owner} expects integer targets of shape ({logits.shape[0]},) "
            f"matching the {what}' batch size. Received {shape}."
        )
    if targets.dtype.is_floating_point or targets.dtype == torch.bool:
        raise TypeError(
            f"{owner} expects integer class indices as targets (torch.long). "
            f"Received dtype {targets.dtype}; encode labels as 0..K-1 first."
        )


def _per_class_tensor(values, name, owner, dtype=None):
    """A 1-D float tensor of non-negative finite per-class values."""
    dtype = torch.get_default_dtype() if dtype is None else dtype
    tensor = torch.as_tensor(values, dtype=dtype).detach().clone()
    if tensor.ndim != 1 or tensor.numel() == 0:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a scalar or a 1-D sequence "
            f"with one value per class. Got shape {tuple(tensor.shape)} instead."
        )
    if not torch.isfinite(tensor).all() or (tensor < 0).any():
        raise ValueError(
            f"The '{name}' parameter of {owner} must hold finite non-negative "
            f"values. Got {tensor.tolist()} instead."
        )
    return tensor


def _check_n_classes(tensor, logits, name, owner):
    if tensor is not None and tensor.shape[0] != logits.shape[1]:
        raise ValueError(
            f"{owner} has '{name}' for {tensor.shape[0]} classes but the logits "
            f"have {logits.shape[1]} columns."
        )


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _counts(samples_per_class, owner="class_balanced_weights"):
    return _per_class_tensor(samples_per_class, "samples_per_class", owner, torch.float64)
