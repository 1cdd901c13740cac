"""Device resolution and seeding, one copy for the classifiers and the samplers."""

import numpy as np

__all__ = ["resolve_device", "seed_from_random_state"]


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when CUDA is available, else ``"cpu"``; anything
    else is returned as given (a str or a ``torch.device``)."""
    if isinstance(device, str) and device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def seed_from_random_state(random_state):
    """An int seed from a ``random_state`` parameter (scikit-learn's meaning).

    None draws a fresh seed from the OS; a ``np.random.RandomState`` gives its
    next draw (so a RandomState shared by several estimators gives each its
    own seed); an int is returned as is.

    Examples
    --------
    >>> from sklearn_har.utils._torch import seed_from_random_state
    >>> seed_from_random_state(7)
    7
    >>> import numpy as np
    >>> seed_from_random_state(np.random.RandomState(0)) == seed_from_random_state(
    ...     np.random.RandomState(0))
    True
    """
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    return int(random_state)
