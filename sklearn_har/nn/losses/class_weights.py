"""Per-class weights computed from the training labels of one fit.

:func:`balanced_class_weights` and :func:`class_balanced_weights` are plain
functions of the labels, so a classifier recomputes them in every ``fit``
(nothing is cached, and weights never leak from one cross-validation fold to
the next).
"""

import torch

from ._checks import _check_real, _counts

__all__ = ["balanced_class_weights", "class_balanced_weights"]


def class_balanced_weights(samples_per_class, beta=0.999):
    r"""Class weights from the effective number of samples (Cui et al. 2019).

    .. math::

        w_k = \frac{1 - \beta}{1 - \beta^{n_k}}, \qquad
        w \leftarrow K \, \frac{w}{\sum_k w_k}

    so the weights sum to the number of classes ``K``. ``beta=0`` gives equal
    weights; ``beta -> 1`` tends to inverse class frequency.

    Parameters
    ----------
    samples_per_class : array-like of shape (n_classes,)
        Number of training samples of each class, e.g.
        ``np.bincount(y, minlength=n_classes)``. A class with no sample is
        counted as one sample: it carries no training target, so its weight never
        enters the loss, but it stays finite (no ``inf`` or ``NaN``).
    beta : float, default=0.999
        Hyper-parameter in ``[0, 1)``.

    Returns
    -------
    weights : torch.Tensor of shape (n_classes,)
        Float tensor (default dtype) summing to ``n_classes``.

    Examples
    --------
    >>> from sklearn_har.nn import class_balanced_weights
    >>> class_balanced_weights([100, 10], beta=0.9)
    tensor([0.7889, 1.2111])
    >>> class_balanced_weights([100, 10], beta=0.0)
    tensor([1., 1.])
    """
    beta = _check_real(
        beta, "beta", "class_balanced_weights", 0.0, 1.0, closed_high=False
    )
    counts = _counts(samples_per_class).clamp(min=1.0)
    effective_number = (1.0 - beta**counts) / (1.0 - beta)
    weights = 1.0 / effective_number
    weights = weights * (counts.numel() / weights.sum())
    return weights.to(torch.get_default_dtype())


def balanced_class_weights(y, n_classes=None, *, beta=None):
    r"""Per-class weights computed from training labels, for one fit.

    Call it inside ``fit`` on the labels of the training split (never at
    import, never cached), so that each cross-validation fold gets the weights
    of its own training labels.

    - ``beta=None``: scikit-learn's ``"balanced"`` heuristic,
      :math:`w_k = n / (K \, n_k)` (a sample's average weight is 1).
    - ``beta`` a float in ``[0, 1)``: :func:`class_balanced_weights` of the
      class counts (weights sum to ``K``).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Integer-encoded labels in ``0 .. n_classes - 1``.
    n_classes : int, default=None
        Number of classes; ``max(y) + 1`` when None. Pass it explicitly when a
        fold may lack the last classes.
    beta : float, default=None
        See above.

    Returns
    -------
    weights : torch.Tensor of shape (n_classes,)
        Float tensor (default dtype). A class absent from ``y`` is counted as one
        sample (it never enters the loss, and its weight stays finite).

    Examples
    --------
    >>> from sklearn_har.nn import balanced_class_weights
    >>> balanced_class_weights([0, 0, 0, 1])
    tensor([0.6667, 2.0000])
    >>> balanced_class_weights([0, 0, 0, 1], n_classes=3).shape
    torch.Size([3])
    """
    y = torch.as_tensor(y).detach().reshape(-1)
    if y.numel() == 0:
        raise ValueError("balanced_class_weights expects at least one label. Got 0.")
    if y.dtype.is_floating_point:
        if not torch.equal(y, y.round()):
            raise ValueError(
                "balanced_class_weights expects integer-encoded labels 0..K-1. "
                "Got non-integer values."
            )
        y = y.long()
    if (y < 0).any():
        raise ValueError(
            "balanced_class_weights expects integer-encoded labels 0..K-1. "
            f"Got a negative label ({int(y.min())})."
        )
    y = y.long()
    observed = int(y.max()) + 1
    if n_classes is None:
        n_classes = observed
    elif isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 1:
        raise ValueError(
            "The 'n_classes' parameter of balanced_class_weights must be an int "
            f"in the range [1, inf) or None. Got {n_classes!r} instead."
        )
    elif n_classes < observed:
        raise ValueError(
            f"balanced_class_weights got n_classes={n_classes} but the labels "
            f"reach {observed - 1}."
        )
    counts = torch.bincount(y, minlength=n_classes).to(torch.float64)
    if beta is not None:
        return class_balanced_weights(counts, beta)
    weights = y.numel() / (n_classes * counts.clamp(min=1.0))
    return weights.to(torch.get_default_dtype())
