"""Warn when training diverges without a NaN: a loss that explodes, predictions of one class."""

import math
import warnings

from skorch.callbacks import Callback

from ..exceptions import DivergenceWarning

__all__ = ["DivergenceMonitor"]


class DivergenceMonitor(Callback):
    """Warn (:class:`~sklearn_har.exceptions.DivergenceWarning`) when training
    diverges with finite numbers.

    A NaN loss stops training with an error; a diverged run whose numbers stay
    finite (a learning rate far too high gave a loss of 4e18 and one predicted
    class) would otherwise go unnoticed. Two signs, each warned once per
    ``fit``, naming the epoch:

    - **the loss grew by orders of magnitude**: an epoch's training or
      validation loss above ``growth`` times the reference, the larger of the
      first training batch's loss (the untrained network) and ``log(n_classes)``
      (the loss of a uniform guess, so that fine-tuning an already trained
      network does not count as growth);
    - **the validation predictions collapsed to one class** while the
      validation split holds several, at the end of training (on the weights
      that are kept: an early-stopping callback with ``load_best`` restores
      another epoch's). Collapsing in an early epoch and recovering is normal
      and not warned about.

    The collapse is read from the ``valid_n_pred_classes`` /
    ``valid_n_true_classes`` entries that :class:`ValidationScores` (a
    default callback) records every epoch; without it, only the loss is
    watched.

    Parameters
    ----------
    growth : float, default=100.0
        Factor over the reference loss that counts as divergence.

    Examples
    --------
    >>> from sklearn_har.callbacks import DivergenceMonitor
    >>> DivergenceMonitor(growth=1000).growth
    1000
    """

    def __init__(self, growth=100.0):
        self.growth = growth

    def initialize(self):
        if not (isinstance(self.growth, (int, float)) and self.growth > 1):
            raise ValueError(
                f"DivergenceMonitor's growth must be a number > 1; got {self.growth!r}."
            )
        return self

    def on_train_begin(self, net, **kwargs):
        self.reference_ = None
        self.first_epoch_ = len(net.history) + 1
        self.grew_ = False

    def _reference(self, net):
        batches = net.history[self.first_epoch_ - 1]["batches"]
        first = next((b["train_loss"] for b in batches if "train_loss" in b), None)
        n_classes = len(getattr(net, "classes_", ())) or 2
        chance = math.log(n_classes)
        if first is None or not math.isfinite(first):
            return chance
        return max(float(first), chance)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if self.grew_:
            return
        if self.reference_ is None:
            self.reference_ = self._reference(net)
        for key in ("train_loss", "valid_loss"):
            value = row.get(key)
            if value is None or not math.isfinite(value):
                continue
            if value > self.growth * self.reference_:
                self.grew_ = True
                warnings.warn(
                    f"The {key.replace('_', ' ')} grew from {self.reference_:.3g} to "
                    f"{value:.3g} at epoch {row['epoch']} (more than {self.growth:g}x): "
                    "training diverged, though the numbers stayed finite. Lower the "
                    f"learning rate (lr={getattr(net, 'lr', '?')}), or check the inputs "
                    "for extreme values.",
                    DivergenceWarning,
                    stacklevel=2,
                )
                return

    def _kept_epoch(self, net):
        """The epoch whose weights the model ends with (1-based)."""
        for _, cb in getattr(net, "callbacks_", []):
            best = getattr(cb, "best_epoch_", None)
            restored = getattr(cb, "load_best", False) and getattr(
                cb, "best_model_weights_", None) is not None
            if restored and best:
                return int(best)
        return len(net.history)

    def on_train_end(self, net, **kwargs):
        if len(net.history) < self.first_epoch_:
            return
        kept = self._kept_epoch(net)
        row = net.history[kept - 1]
        if row.get("valid_n_pred_classes") != 1 or row.get("valid_n_true_classes", 0) < 2:
            return
        start = kept
        while start > self.first_epoch_ and net.history[start - 2].get("valid_n_pred_classes") == 1:
            start -= 1
        classes = getattr(net, "classes_", None)
        code = row.get("valid_pred_class")
        label = classes[code] if classes is not None and code is not None else code
        label = label.item() if hasattr(label, "item") else label
        since = f"since epoch {start}" if start < kept else "at that epoch"
        fixes = [f"lower the learning rate (lr={getattr(net, 'lr', '?')})",
                 "train longer"]
        if getattr(net, "normalize", True) is False:
            fixes.append("standardise the inputs (normalize=True)")
        if getattr(net, "class_weight", None) is None:
            fixes.append("weight the classes (class_weight='balanced')")
        warnings.warn(
            f"The model kept (epoch {kept}) predicts one class ({label!r}) for every "
            f"validation window, {since}, while the validation split holds "
            f"{row['valid_n_true_classes']} classes: training diverged or stalled. "
            f"Try to {', '.join(fixes[:-1])} or {fixes[-1]}.",
            DivergenceWarning,
            stacklevel=2,
        )
