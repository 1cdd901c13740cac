"""Epoch scores on the validation split: accuracy, macro-F1, G-mean."""

import numpy as np
import torch
from skorch.callbacks import Callback

__all__ = ["ValidationScores", "confusion_scores"]

_SCORES = ("acc", "f1_macro", "g_mean")


def confusion_scores(y_true, y_pred):
    """Accuracy, macro-F1 and macro G-mean of integer labels, from one confusion matrix.

    The same values as ``accuracy_score``, ``f1_score(average="macro",
    zero_division=0)`` and :func:`sklearn_har.metrics.g_mean` (labels: the
    union of ``y_true`` and ``y_pred``; G-mean leaves out the labels where it
    is undefined), without their input validation, which costs more than the
    arithmetic when it runs every epoch.

    Examples
    --------
    >>> from sklearn_har.callbacks import confusion_scores
    >>> {k: round(v, 3) for k, v in confusion_scores([0, 0, 1, 2], [0, 1, 1, 2]).items()}
    {'acc': 0.75, 'f1_macro': 0.778, 'g_mean': 0.841}
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    k = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    cm = np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k).astype(float)
    present = (cm.sum(0) + cm.sum(1)) > 0
    cm = cm[np.ix_(present, present)]
    n = cm.sum()
    tp = np.diag(cm)
    fn = cm.sum(1) - tp
    fp = cm.sum(0) - tp
    tn = n - tp - fn - fp
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
        g = np.sqrt((tp / (tp + fn)) * (tn / (tn + fp)))
    g = g[np.isfinite(g)]
    return {
        "acc": float(tp.sum() / n) if n else float("nan"),
        "f1_macro": float(f1.mean()) if f1.size else float("nan"),
        "g_mean": float(g.mean()) if g.size else float("nan"),
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
    (:func:`sklearn_har.metrics.g_mean`). It also records how many distinct
    classes were predicted and present (``valid_n_pred_classes``,
    ``valid_n_true_classes``, and ``valid_pred_class`` when only one was
    predicted), which :class:`DivergenceMonitor` reads. Without a validation
    split nothing is recorded.

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
        unknown = [s for s in self.scores if s not in _SCORES]
        if unknown:
            raise ValueError(
                f"ValidationScores knows the scores {list(_SCORES)}; got "
                f"{unknown[0]!r}."
            )
        self.best_ = {}
        self.preds_, self.targets_ = [], []
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
        y_pred = torch.cat([p.reshape(-1).cpu() for p in self.preds_]).numpy()
        y_true = torch.cat([t.reshape(-1).cpu() for t in self.targets_]).numpy()
        self.preds_, self.targets_ = [], []
        predicted = np.unique(y_pred)
        net.history.record(f"{self.prefix}_n_pred_classes", int(predicted.size))
        net.history.record(f"{self.prefix}_n_true_classes", int(np.unique(y_true).size))
        if predicted.size == 1:
            net.history.record(f"{self.prefix}_pred_class", int(predicted[0]))
        values = confusion_scores(y_true, y_pred)
        for score in self.scores:
            key = f"{self.prefix}_{score}"
            value = values[score]
            is_best = value > self.best_.get(key, -np.inf)
            if is_best:
                self.best_[key] = value
            net.history.record(key, value)
            net.history.record(key + "_best", bool(is_best))
