"""CNNClassifier: the reference 1-D CNN on the sklearn_har base classifier."""

from ..nn.models import CNN1D
from ..utils._docstring import fill_doc
from ._base import NeuralWindowClassifier

__all__ = ["CNNClassifier"]


@fill_doc
class CNNClassifier(NeuralWindowClassifier):
    """A small 1-D CNN classifier of windows (:class:`~sklearn_har.nn.CNN1D`).

    Three conv blocks of 64 filters (kernel 5, batch norm, ReLU, max-pool),
    global average pooling and a linear head: about 45 k parameters, a few
    seconds per epoch on a laptop CPU for UCI-HAR. The fast deep baseline of
    sklearn_har and the reference for the other networks.

    The defaults are the benchmarked recipe
    (``benchmarks/bench_cnn_uci_har_official.py``: 0.934 accuracy on the
    official UCI-HAR test subjects): inputs standardised per channel on the
    training windows, AdamW at lr 1e-3, batch 64, at most 60 epochs with early
    stopping on the validation loss (patience 10) and the best epoch's weights
    restored. Every parameter but ``module`` is one of
    :class:`NeuralWindowClassifier`; the network's are ``module__channels``,
    ``module__kernel_size`` and ``module__dropout``.

    Parameters
    ----------
    module : class, default=CNN1D
    {params: *}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> from sklearn_har.classifiers import CNNClassifier
    >>> from sklearn_har.datasets import make_har_windows
    >>> X, y, groups = make_har_windows(n_windows=300, random_state=0)
    >>> clf = CNNClassifier(module__channels=(16, 16), max_epochs=5, verbose=0,
    ...                     random_state=0).fit(X, y, groups=groups)
    >>> clf.predict_proba(X[:2]).shape == (2, len(clf.classes_))
    True
    """

    def __init__(self, module=CNN1D, **kwargs):
        super().__init__(module, **kwargs)
