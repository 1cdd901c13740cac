"""Epoch scores on the validation split: accuracy, macro-F1, G-mean."""

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score
from skorch.callbacks import Callback

from ..metrics import g_mean

__all__ = ["ValidationScores"]

_SCORERS = {
    "acc": lambda y, p: accuracy_score(y, p),
    "f1_macro": lambda y, p: f1_score(y, p, average="macro", zero_division=0),
    "g_mean": lambda y, p: g_mean(y, p, average="macro"),
}


def _logits(y_pred):
    return y_pred[0] if isinstance(y_pred, (tuple, list)) else y_pred


class ValidationScores(Callback):
    """Record accuracy, macro-F1 and G-mean of the validation split every epoch.

    The predicted classes of the validation batches are kept on the device
    and copied to the host once per epoch; the scores go into ``history`` as
    ``valid_acc``, ``valid_f1_macro`` and ``valid_g_mean`` (with ``*_best``
    flags, so skorch's ``EarlyStopping(monitor="valid_f1_macro",
    lower_is_better=False)`` and ``Checkpoint(monitor="valid_f1_macro_best")``
    work on them). G-mean is the macro mean of per-class sqrt(TPR * TNR)
    (:func:`sklearn_har.metrics.g_mean`). Without a validation split nothing
    is recorded.

    Parameters
    ----------
    scores : tuple of str, default=("acc", "f1_macro", "g_mean")
        Which scores to record, among those three.
    prefix : str, default="valid"
        Prefix of the history keys.

    Examples
    --------
    >>> from sklearn_har.callbacks import ValidationScores
    >>> ValidationScores(scores=("f1_macro",)).scores
    ('f1_macro',)
    """

    def __init__(self, scores=("acc", "f1_macro", "g_mean"), prefix="valid"):
        self.scores = scores
        self.prefix = prefix

    def initialize(self):
        unknown = [s for s in self.scores if s not in _SCORERS]
        if unknown:
            raise ValueError(
                f"ValidationScores knows the scores {sorted(_SCORERS)}; got "
                f"{unknown[0]!r}."
            )
        self.preds_, self.targets_ = [], []
        self.best_ = {}
        return self

    def on_train_begin(self, net, **kwargs):
        self.best_ = {}
        for score in self.scores:
            key = f"{self.prefix}_{score}"
            previous = [row[key] for row in net.history if key in row]
            self.best_[key] = max(previous) if previous else -np.inf

    def on_epoch_begin(self, net, **kwargs):
        self.preds_, self.targets_ = [], []

    def on_batch_end(self, net, batch=None, training=None, y_pred=None, **kwargs):
        if training or y_pred is None:
            return
        self.preds_.append(_logits(y_pred).detach().argmax(dim=-1))
        self.targets_.append(torch.as_tensor(batch[1]))

    def on_epoch_end(self, net, **kwargs):
        if not self.preds_:
            return
        y_pred = torch.cat([p.cpu() for p in self.preds_]).numpy()
        y_true = torch.cat([t.cpu() for t in self.targets_]).numpy()
        self.preds_, self.targets_ = [], []
        for score in self.scores:
            key = f"{self.prefix}_{score}"
            value = float(_SCORERS[score](y_true, y_pred))
            is_best = value > self.best_.get(key, -np.inf)
            if is_best:
                self.best_[key] = value
            net.history.record(key, value)
            net.history.record(key + "_best", bool(is_best))
