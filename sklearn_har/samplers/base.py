"""The shared base of the window samplers (BorderlineSMOTE, DiffusionAugmenter).

imbalanced-learn's template method: the public ``fit`` / ``fit_resample``
validate, the subclass writes ``_fit_resample``. What this base adds for
windows: ``(n, C, T)`` input through :func:`check_windows_X_y` (2-D input is
one channel, and comes back 2-D), a missing-label check before anything else,
the window tags, and feature names passed through unchanged.
"""

from imblearn.over_sampling.base import BaseOverSampler
from sklearn.utils.validation import check_is_fitted

from ..utils._tags import window_input_tags
from ..utils.validation import channel_feature_names_out, check_labels_present
from ._validation import check_windows_X_y

__all__ = ["BaseWindowSampler"]


class BaseWindowSampler(BaseOverSampler):
    """Base class of the over-samplers of windows ``(n, C, T)``.

    Subclasses implement ``_fit_resample(X, y)`` on 3-D float32 windows and
    return 3-D windows through :meth:`_restore_layout`.
    """

    def fit(self, X, y, **params):
        """Check the inputs and the sampling strategy (imbalanced-learn's ``fit``)."""
        check_labels_present(y)
        return super().fit(X, y, **params)

    def fit_resample(self, X, y, **params):
        """Resample the windows; see the class docstring."""
        check_labels_present(y)
        return super().fit_resample(X, y, **params)

    def _check_X_y(self, X, y, accept_sparse=None):
        """Windows ``(n, C, T)`` float32 and 1-D labels (imblearn's hook)."""
        X, y, binarize_y, self._flat_input = check_windows_X_y(self, X, y)
        return X, y, binarize_y

    def _restore_layout(self, X):
        """3-D windows ``(n, C, T)`` back in the input's layout (2-D input: ``(n, T)``)."""
        return X[:, 0, :] if self._flat_input else X

    def get_feature_names_out(self, input_features=None):
        """Feature names: a sampler passes them through unchanged.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            For 3-D windows, the channel names (one per channel; None:
            ``"ch0"``, ``"ch1"``, ...), as :class:`~sklearn_har.StatFeatures`
            reads them. For 2-D input, the column names, as in scikit-learn.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "n_features_in_")
        return channel_feature_names_out(
            self, input_features, flat_input=getattr(self, "_flat_input", True))

    def __sklearn_tags__(self):
        return window_input_tags(super().__sklearn_tags__())
