"""Synthetic pre-training, then real fine-tuning (seeds 000/001, eq. 16-18).

A mixin for classifiers whose paper trains on diffusion-generated windows
first: ``fit`` fits the ``augmenter`` on the training windows, pre-trains
on its samples and fine-tunes on the real windows, all inside one ``fit``,
so the recipe cross-validates and grid-searches like any estimator (the
augmenter sees the training fold only).
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..utils._torch import seed_from_random_state
from ._data import IntervalNotBool

__all__ = ["SyntheticPretrainingMixin"]


class SyntheticPretrainingMixin:
    """``fit`` = fit ``augmenter`` -> pre-train on its windows -> fine-tune on the real ones.

    The class using it stores ``augmenter``, ``synthetic_per_class`` and
    ``pretrain_epochs`` (see ``utils/_docstring.py`` for their text).
    """

    _pretrain_constraints = {
        "augmenter": [HasMethods(["fit", "sample"]), None],
        "synthetic_per_class": [StrOptions({"auto"}), IntervalNotBool(Integral, 1, None,
                                                                       closed="left")],
        "pretrain_epochs": [Interval(Integral, 1, None, closed="left"), None],
    }

    def set_params(self, **params):
        """Also ``augmenter__<param>``, set on the augmenter as scikit-learn's nested
        parameters are (skorch would keep them as attributes of the classifier)."""
        nested = {key.split("__", 1)[1]: params.pop(key) for key in list(params)
                  if key.startswith("augmenter__")}
        if "augmenter" in params:  # first, so that nested values reach the new one
            super().set_params(augmenter=params.pop("augmenter"))
        if params:
            super().set_params(**params)
        if nested:
            if self.augmenter is None:
                raise ValueError(
                    f"augmenter__* parameters ({sorted(nested)}) need an augmenter; "
                    f"this {type(self).__name__} has augmenter=None.")
            self.augmenter.set_params(**nested)
        return self

    def fit(self, X, y, groups=None, **fit_params):
        if self.augmenter is None:
            return super().fit(X, y, groups=groups, **fit_params)
        if fit_params.get("resume") is not None:
            raise ValueError(f"{type(self).__name__}: resume= continues one training run; "
                             "with an augmenter, fit is a pre-training and a fine-tuning "
                             "(set augmenter=None to resume, or fit again).")
        self._refuse_sample_weight(fit_params)
        self._check_own_params()
        # classes, input scaling and shapes come from the real windows
        X, y_enc = self._prepare_fit(X, y, reset=True)
        self.initialize()
        augmenter = clone(self.augmenter)
        if (self.random_state is not None and "random_state" in augmenter.get_params()
                and augmenter.get_params()["random_state"] is None):
            augmenter.set_params(random_state=seed_from_random_state(self.random_state))
        augmenter.fit(X, self.classes_[y_enc])
        if self.synthetic_per_class == "auto":
            n_per_class = int(np.bincount(y_enc).max())
        else:
            n_per_class = int(self.synthetic_per_class)
        X_syn, y_syn = augmenter.sample(n_per_class)
        self.augmenter_ = augmenter
        X_syn, y_syn_enc = self._prepare_fit(X_syn, y_syn, reset=False)
        self._train(X_syn, y_syn_enc, epochs=self.pretrain_epochs, **fit_params)
        self.pretrain_epochs_ = len(self.history)
        return self._train(X, y_enc, groups=groups, **fit_params)
