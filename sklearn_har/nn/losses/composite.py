"""Weighted sum of named loss components (seed 000 eq. 26), with weights that a
callback may change between epochs (eq. 27).
"""

from collections.abc import Mapping

import torch
from torch import nn

from ._checks import _check_real

__all__ = ["CompositeLoss"]


class CompositeLoss(nn.Module):
    r"""Weighted sum of named loss components (seed 000 eq. 26, seed 002 sec. 2.4).

    .. math::

        L = \sum_i w_i \, L_i(\text{logits}, \text{targets})

    Components whose ``requires_features`` attribute is True (e.g.
    :class:`CenterLoss`) are called on ``features`` instead of ``logits``.

    Parameters
    ----------
    components : dict of str to torch.nn.Module
        Named losses, each returning a scalar (use ``reduction="mean"`` or
        ``"sum"``). Held in a :class:`torch.nn.ModuleDict`, so ``.to(device)``
        moves their buffers and parameters, and learnable ones (centres) appear
        in ``parameters()``, named ``components.<name>.<param>``.
    weights : dict of str to float, default=None
        Weight of each component; a missing name gets ``1.0`` (None: all 1.0,
        the plain sum). Weights may be negative (seed 000 eq. 27 can produce
        them); bounding them is the caller's job.

    Attributes
    ----------
    weights : dict of str to float
        Current weights; change them between epochs with :meth:`set_weights`
        (validated). They are saved in ``state_dict()`` (as extra state) and
        restored by ``load_state_dict``.
    last_values : dict of str to float
        Value of each component (unweighted) in the last ``forward``.
    requires_features : bool
        True when a component needs ``features``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import CompositeLoss, FocalLoss, LabelSmoothingLoss
    >>> loss = CompositeLoss(
    ...     {"sl": LabelSmoothingLoss(0.1), "fl": FocalLoss(1.0, alpha=0.5),
    ...      "ce": torch.nn.CrossEntropyLoss()},
    ...     weights={"sl": 0.33, "fl": 0.33, "ce": 0.34},
    ... )
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> total = loss(logits, torch.tensor([0, 1]))
    >>> {k: round(v, 4) for k, v in loss.last_values.items()}
    {'sl': 0.2269, 'fl': 0.0076, 'ce': 0.1269}
    >>> loss.set_weights({"fl": 0.5, "sl": 0.25, "ce": 0.25})
    >>> loss.weights
    {'sl': 0.25, 'fl': 0.5, 'ce': 0.25}
    """

    def __init__(self, components, weights=None):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(components, Mapping) or not components:
            raise ValueError(
                f"The 'components' parameter of {owner} must be a non-empty dict of "
                f"name -> loss module. Got {components!r} instead."
            )
        for name, module in components.items():
            if not isinstance(module, nn.Module):
                raise TypeError(
                    f"{owner} component {name!r} must be a torch.nn.Module (e.g. "
                    f"FocalLoss(), not the class FocalLoss). Got {module!r}."
                )
        self.components = nn.ModuleDict(dict(components))
        self.weights = {name: 1.0 for name in self.components}
        if weights is not None:
            self.set_weights(weights)
        self._last = {}

    @property
    def requires_features(self):
        """True when a component needs the ``features`` keyword."""
        return any(
            getattr(m, "requires_features", False) for m in self.components.values()
        )

    def set_weights(self, weights):
        """Update some or all component weights (e.g. once per epoch).

        Parameters
        ----------
        weights : dict of str to float
            New weights by component name; names not given keep their weight.
        """
        owner = type(self).__name__
        if not isinstance(weights, Mapping):
            raise TypeError(
                f"{owner}.set_weights expects a dict of name -> float. Got {weights!r}."
            )
        unknown = [name for name in weights if name not in self.components]
        if unknown:
            raise KeyError(
                f"{owner} has no component named {unknown[0]!r}; its components "
                f"are {list(self.components)}."
            )
        new = {}
        for name, value in weights.items():
            if torch.is_tensor(value):
                value = value.item()
            new[name] = _check_real(value, f"weights[{name!r}]", owner)
        self.weights.update(new)

    def forward(self, logits, targets, features=None, **kwargs):
        """Weighted sum of the components.

        Parameters
        ----------
        logits : torch.Tensor of shape (B, K)
        targets : torch.Tensor of shape (B,)
            Integer class indices.
        features : torch.Tensor of shape (B, D), default=None
            Penultimate features, required when a component needs them.
        **kwargs
            Ignored (skorch forwards fit parameters).

        Returns
        -------
        loss : torch.Tensor
            Scalar total.
        """
        total = None
        last = {}
        for name, module in self.components.items():
            if getattr(module, "requires_features", False):
                if features is None:
                    raise ValueError(
                        f"CompositeLoss component {name!r} ({type(module).__name__}) "
                        "needs the penultimate features: call "
                        "forward(logits, targets, features=...). Got features=None."
                    )
                value = module(features, targets)
            else:
                value = module(logits, targets)
            last[name] = value.detach()
            term = self.weights[name] * value
            total = term if total is None else total + term
        # detached tensors, not floats: no device sync per batch
        self._last = last
        return total

    @property
    def last_tensors(self):
        """Unweighted value of each component in the last ``forward``, as
        detached tensors on the loss's device (no host synchronisation)."""
        return dict(self._last)

    @property
    def last_values(self):
        """Unweighted value of each component in the last ``forward``, as floats.

        Stored as detached tensors and converted on access, so a training loop
        that does not read them pays no device synchronisation per batch.
        """
        return {name: float(value.float().mean()) for name, value in self._last.items()}

    def get_extra_state(self):
        return {"weights": dict(self.weights)}

    def set_extra_state(self, state):
        weights = dict(state["weights"])
        if set(weights) != set(self.components):
            raise ValueError(
                f"CompositeLoss state has weights for {sorted(weights)} but this "
                f"loss has components {sorted(self.components)}."
            )
        self.set_weights(weights)

    def __setstate__(self, state):
        super().__setstate__(state)
        self.__dict__.setdefault("_last", {})

    def extra_repr(self):
        return f"weights={self.weights}"
