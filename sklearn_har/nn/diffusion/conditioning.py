"""The statistical conditioning features of seed 000 (eq. 1-4), and hiding the class
from them for classifier-free guidance."""

import torch

__all__ = ["condition_features", "drop_class_information", "window_statistics"]


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


def impose_statistics(X, stats):
    """Give every window channel exactly the mean and std it was conditioned on.

    ``x' = mu + sigma z`` per window and channel, with ``z`` the window's own
    z-scored sequence (eq. 2 inverted, applied to the generated shape); a
    channel the model left constant gets ``mu``. ``X`` is a float32 array
    ``(n, C, L)``, ``stats`` ``(n, C, >= 2)`` holds (mean, std, ...).
    """
    import numpy as np

    _, z = window_statistics(torch.from_numpy(np.ascontiguousarray(X)))
    return (stats[..., 0:1] + stats[..., 1:2] * z.numpy()).astype(np.float32)


def draw_statistics(labels, prototypes, train_stats, guidance, rng):
    """The statistics (mean, std, skewness) each synthetic window is conditioned on.

    ``labels`` ``(n,)`` class indices; ``prototypes`` ``(K, C, >= 3)`` the eq. 4
    class means; ``train_stats[k]`` ``(n_k, C, 3)`` the statistics of class
    ``k``'s training windows. ``guidance="prototype"`` gives every window its
    class mean (eq. 4); ``"empirical"`` those of a training window of the
    class drawn with ``rng`` (a numpy Generator). Returns float32 ``(n, C, 3)``.
    """
    import numpy as np

    stats = np.empty((len(labels), prototypes.shape[1], 3), dtype=np.float32)
    for k in np.unique(labels):
        sel = labels == k
        if guidance == "prototype":
            stats[sel] = prototypes[k, :, :3]
        else:
            pool = train_stats[k]
            stats[sel] = pool[rng.integers(0, len(pool), sel.sum())]
    return stats
