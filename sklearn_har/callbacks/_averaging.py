"""Exponential moving average of the weights, used to validate, to stop early and to predict."""

from numbers import Real

import torch
from sklearn.utils._param_validation import Interval, validate_parameter_constraints
from skorch.callbacks import Callback

__all__ = ["WeightAveraging"]


class WeightAveraging(Callback):
    r"""Validate and predict with an exponential moving average of the weights.

    After every optimizer step the average moves towards the network's
    weights, :math:`\bar w \leftarrow d\,\bar w + (1 - d)\,w` (Polyak
    averaging; batch-norm statistics are averaged alike, counters copied).
    The validation batches of each epoch run on the average, so the
    validation scores, the validation loss and early stopping (which keeps
    the best epoch's weights) all see the averaged network; the next epoch
    trains on from the network's own weights. When training ends, the
    averaged weights are the model's (or, with early stopping, the best
    epoch's average).

    The average smooths the epoch-to-epoch swings that a validation split of
    a few subjects shows, at the cost of one copy of the weights.

    Parameters
    ----------
    decay : float in [0, 1), default=0.99
        Weight of the old average at each step (0.99: about the last 100
        steps count).

    Attributes
    ----------
    average_ : dict of str to torch.Tensor
        The averaged state dict (on the network's device).

    Examples
    --------
    >>> from sklearn_har.callbacks import WeightAveraging
    >>> from sklearn_har.classifiers import CNNClassifier
    >>> clf = CNNClassifier(callbacks=[("averaging", WeightAveraging(decay=0.99))])
    >>> clf.set_params(callbacks__averaging__decay=0.9).callbacks[0][1].decay
    0.9
    """

    _parameter_constraints: dict = {"decay": [Interval(Real, 0, 1, closed="left")]}

    def __init__(self, decay=0.99):
        self.decay = decay

    def initialize(self):
        validate_parameter_constraints(self._parameter_constraints, {"decay": self.decay},
                                       caller_name=type(self).__name__)
        self.average_ = None
        self._live = None
        return self

    @staticmethod
    def _state(net):
        return net.module_.state_dict()

    def on_train_begin(self, net, **kwargs):
        # every fit / partial_fit starts the average at the weights it starts from
        self._live = None
        self.average_ = {k: v.detach().clone() for k, v in self._state(net).items()}

    def on_batch_end(self, net, training=None, **kwargs):
        if not training:
            return
        with torch.no_grad():
            for key, value in self._state(net).items():
                avg = self.average_[key]
                if avg.is_floating_point():
                    avg.mul_(self.decay).add_(value.detach(), alpha=1.0 - self.decay)
                else:
                    avg.copy_(value)

    def _use_average(self, net):
        if self._live is None:
            self._live = {k: v.detach().clone() for k, v in self._state(net).items()}
            net.module_.load_state_dict(self.average_)

    def on_batch_begin(self, net, training=None, **kwargs):
        if not training:  # the first validation batch of the epoch
            self._use_average(net)

    def on_epoch_end(self, net, **kwargs):
        self._use_average(net)  # without a validation split

    def on_epoch_begin(self, net, **kwargs):
        if self._live is not None:  # train on from the network's own weights
            net.module_.load_state_dict(self._live)
            self._live = None
