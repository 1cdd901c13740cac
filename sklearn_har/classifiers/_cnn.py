"""CNNClassifier: the reference 1-D CNN on the sklearn_har base classifier."""

import torch

from ..nn.models import CNN1D
from ._base import _DEFAULT_SPLIT, NeuralWindowClassifier

__all__ = ["CNNClassifier"]


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
    restored.

    All parameters are those of :class:`NeuralWindowClassifier`; the network's
    are ``module__channels``, ``module__kernel_size`` and ``module__dropout``.

    Parameters
    ----------
    module : class, default=CNN1D
    criterion : class or instance, default=torch.nn.CrossEntropyLoss
    optimizer : class, default=torch.optim.AdamW
    lr : float, default=1e-3
    max_epochs : int, default=60
    batch_size : int, default=64
    patience : int or None, default=10
        Early stopping on the validation loss, best weights restored.
    normalize : bool, default=True
        Standardise each input channel (training statistics).
    **kwargs
        See :class:`NeuralWindowClassifier`.

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

    def __init__(
        self,
        module=CNN1D,
        *,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=60,
        batch_size=64,
        train_split=_DEFAULT_SPLIT,
        patience=10,
        normalize=True,
        class_weight=None,
        random_state=None,
        device="auto",
        on_nan_loss="raise",
        on_interrupt="raise",
        check_axes=True,
        data_on_device="auto",
        progress_bar=False,
        verbose=1,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            patience=patience,
            normalize=normalize,
            class_weight=class_weight,
            random_state=random_state,
            device=device,
            on_nan_loss=on_nan_loss,
            on_interrupt=on_interrupt,
            check_axes=check_axes,
            data_on_device=data_on_device,
            progress_bar=progress_bar,
            verbose=verbose,
            **kwargs,
        )
