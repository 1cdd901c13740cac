"""The input tags every window estimator declares (scikit-learn's ``__sklearn_tags__``)."""

__all__ = ["window_input_tags"]


def window_input_tags(tags):
    """Declare windows as input: ``(n, C, T)`` arrays and their flat ``(n, C*T)``
    form, dense, without NaN (the library refuses NaN in windows). Returns ``tags``.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> tags = window_input_tags(BaseEstimator().__sklearn_tags__())
    >>> tags.input_tags.three_d_array, tags.input_tags.two_d_array, tags.input_tags.allow_nan
    (True, True, False)
    """
    tags.input_tags.three_d_array = True
    tags.input_tags.two_d_array = True
    tags.input_tags.sparse = False
    tags.input_tags.allow_nan = False
    return tags
