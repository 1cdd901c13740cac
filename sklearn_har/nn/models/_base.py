"""What every registered network shares: the input check, the pooled linear head, ``forward``.

A network subclasses :class:`WindowNet`, builds its body, calls
:meth:`WindowNet.init_head` and implements ``forward_features``; ``forward``,
``forward_head`` and ``return_features=True`` then behave alike in every family.
"""

from torch import nn

__all__ = ["WindowNet", "check_positive_int", "preset_config"]


def check_positive_int(value, name, owner):
    """``value`` if it is an int >= 1 (not a bool), else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be an int >= 1. Got {value!r} instead."
        )
    return value


def preset_config(presets, name, owner, param="preset", **overrides):
    """The settings of preset ``name`` of ``presets``, with the ``overrides`` that are not
    None; a ValueError naming ``param`` and the presets for an unknown name."""
    if name not in presets:
        raise ValueError(f"The '{param}' parameter of {owner} must be one of "
                         f"{sorted(presets)}. Got {name!r} instead.")
    cfg = dict(presets[name])
    cfg.update({key: value for key, value in overrides.items() if value is not None})
    return cfg


class WindowNet(nn.Module):
    """Base of the networks on windows ``(B, C, T)``: features -> mean over time -> linear.

    Attributes
    ----------
    n_channels : int
        Input channels the network was built for (checked on every call).
    n_features_out : int
        Size of the pooled features (the penultimate layer).
    """

    def init_head(self, n_features, n_classes, dropout):
        """Dropout and the linear head on ``n_features`` pooled features."""
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"The 'dropout' parameter of {type(self).__name__} must be in "
                             f"[0, 1). Got {dropout!r} instead.")
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(n_features, n_classes)
        self.n_features_out = n_features

    def check_input(self, x):
        """Refuse anything but ``(batch, n_channels, timesteps)``, naming both shapes."""
        if x.dim() != 3 or x.shape[1] != self.n_channels:
            raise ValueError(
                f"{type(self).__name__} expects input of shape (batch, {self.n_channels}, "
                f"timesteps). Got {tuple(x.shape)}."
            )

    def forward_features(self, x):  # pragma: no cover - every family defines it
        raise NotImplementedError

    def forward_head(self, x, pre_logits=False):
        """Pool a feature map ``(B, D, T')``: features ``(B, D)`` if ``pre_logits``, else logits."""
        features = x.mean(dim=-1)
        return features if pre_logits else self.head(self.dropout(features))

    def forward(self, x, return_features=False, **kwargs):
        """Logits ``(B, n_classes)``; with ``return_features``, also the pooled features."""
        features = self.forward_head(self.forward_features(x), pre_logits=True)
        logits = self.head(self.dropout(features))
        return (logits, features) if return_features else logits
