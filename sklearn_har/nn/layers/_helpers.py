"""Small helpers the layers share."""

__all__ = ["reduced_width"]


def reduced_width(width, ratio, minimum, divisor=1):
    """The hidden width of an attention bottleneck: ``round(width * ratio)``, at
    least ``minimum``, rounded up to a multiple of ``divisor`` (the groups).

    >>> reduced_width(64, 0.25, 8), reduced_width(16, 0.25, 8), reduced_width(40, 0.25, 8, 4)
    (16, 8, 12)
    """
    hidden = max(int(round(width * ratio)), minimum)
    return -(-hidden // divisor) * divisor
