"""Save a fitted model as data and load it without running anyone's code.

``estimator.save(path)`` / :func:`save` write one file: a zip holding the
estimator's parameters, fitted attributes and training history as JSON, and the
network's tensors as safetensors; never pickle. :func:`load` checks the file
(format, checksums, versions) and every type it names (this library's, skorch's,
torch's optimisers and losses are trusted; anything else must be listed in
``trusted=``) before it imports or builds anything.
"""

from __future__ import annotations

import os

from ._codec import TRUSTED_PREFIXES
from ._container import read, write

__all__ = ["TRUSTED_PREFIXES", "load", "save"]

def save(estimator, path):
    """Write a fitted deep classifier of sklearn_har, or a fitted sklearn_har ``Pipeline``,
    to the file ``path``.

    A classifier's parameters, fitted attributes and history are JSON and its
    tensors safetensors; a Pipeline's other steps (segmenter, features,
    scikit-learn estimators) are skops files. The file is replaced atomically:
    written beside ``path`` first, flushed to disk and renamed, so an error (a full
    disk) never leaves a half-written model under ``path``.

    Returns
    -------
    str
        ``path``.
    """
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):  # sklearn_har's (and imbalanced-learn's) subclass it
        from ._pipeline import pipeline_members

        return write(path, pipeline_members(estimator), "pipeline")
    if not hasattr(estimator, "_saved_architecture"):
        raise TypeError(f"save: {type(estimator).__name__} cannot be saved by sklearn_har "
                        "(a fitted deep classifier of sklearn_har is expected, or a fitted "
                        "sklearn_har.Pipeline).")
    from ._classifier import classifier_members

    return write(path, classifier_members(estimator), "classifier")


def load(path, *, trusted=None, device=None):
    """Load a model written by :func:`save` (``estimator.save``, ``pipeline.save``).

    Parameters
    ----------
    path : str or path-like
    trusted : list of str or types, optional
        Types besides :data:`TRUSTED_PREFIXES` the file may name (your own network
        class, say): check them before listing them. A file naming any other type
        raises :class:`~sklearn_har.exceptions.UntrustedTypeError` listing them all,
        and nothing is built.
    device : str, optional
        Where to put the networks (default: where they were fitted, or the CPU with a
        warning when that was a GPU and none is here).

    Returns
    -------
    estimator
        Fitted, predicting exactly as the saved one on the same device.
    """
    manifest, members = read(path, None)
    source = os.fspath(path)
    if manifest.get("kind") == "pipeline":
        from ._pipeline import pipeline_from_members

        return pipeline_from_members(members, trusted, device, source)
    from ._classifier import classifier_from_members

    return classifier_from_members(members, trusted, device, source)
