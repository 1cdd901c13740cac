"""WindowScaler: per-channel standardisation of windows."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from ..utils._docstring import fill_doc
from ..utils._tags import window_input_tags
from ..utils.validation import channel_feature_names_out, input_ndim, validate_windows

__all__ = ["WindowScaler", "channel_statistics"]


def channel_statistics(X):
    """Mean and standard deviation of each channel over windows and time.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_channels, n_timesteps)

    Returns
    -------
    mean, std : ndarray of shape (n_channels,), float64
        Computed in float64 (population std, as ``np.std``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.preprocessing import channel_statistics
    >>> X = np.stack([np.zeros((2, 4)), np.full((2, 4), 3.0)], axis=1)  # 2 windows
    >>> [m.tolist() for m in channel_statistics(X)]
    [[0.0, 3.0], [0.0, 0.0]]
    """
    X = np.asarray(X)
    mean = X.mean(axis=(0, 2), dtype=np.float64)
    # two passes: E[(x - mean)^2] keeps the precision that E[x^2] - mean^2
    # loses when a channel carries a large offset (raw sensor units)
    var = np.empty_like(mean)
    for c in range(X.shape[1]):
        var[c] = np.mean(np.square(X[:, c, :] - mean[c], dtype=np.float64))
    return mean, np.sqrt(var)


@fill_doc
class WindowScaler(TransformerMixin, BaseEstimator):
    """Standardise each channel with its mean and std over the training windows.

    The windows counterpart of scikit-learn's ``StandardScaler``: one mean and
    one standard deviation per channel, taken over every window and time step
    seen at ``fit`` (not per window, which would erase the level and
    amplitude that tell activities apart, and not per time step, which would
    tie the model to the window's phase). Windows ``(n, C, T)`` in, windows
    ``(n, C, T)`` out, so it goes anywhere in a pipeline before a deep
    classifier or a sampler.

    Raw sensor units differ by orders of magnitude between channels (m/s^2,
    rad/s, an offset of gravity or of a magnetometer); a network fed such
    windows can fall to chance. The deep classifiers of sklearn_har apply the
    same standardisation themselves by default (``normalize=True``), fitted
    on their training windows and stored with the model.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract each channel's mean.
    with_std : bool, default=True
        Divide by each channel's standard deviation (a constant channel keeps
        scale 1).
    {params: check_axes}

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,) or None
        Per-channel mean (None when ``with_mean=False``).
    scale_ : ndarray of shape (n_channels,) or None
        Per-channel standard deviation, 1 where it is 0 (None when
        ``with_std=False``).
    var_ : ndarray of shape (n_channels,) or None
        Per-channel variance (None when ``with_std=False``).
    n_windows_seen_ : int
    n_channels_in_, n_timesteps_in_ : int
        Window shape seen at ``fit``; ``transform`` requires the same.
    n_features_in_ : int
        ``n_channels_in_ * n_timesteps_in_``.

    Notes
    -----
    A 2-D ``X`` is one channel ``(n, T)`` (the windows convention), so its
    statistics are one mean and one std over all values, and the output is
    2-D again. Statistics are computed in float64; the output is float32, the
    dtype windows are computed in. NaN and inf are refused.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.preprocessing import WindowScaler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3, 64)) * [[1.0], [10.0], [0.1]] + [[0.0], [500.0], [9.8]]
    >>> scaler = WindowScaler().fit(X)
    >>> scaler.mean_.round().astype(int).tolist(), scaler.scale_.round(1).tolist()
    ([0, 500, 10], [1.0, 10.2, 0.1])
    >>> Xt = scaler.transform(X)
    >>> Xt.shape, np.allclose(Xt.std(axis=(0, 2)), 1, atol=1e-3)
    ((50, 3, 64), True)
    >>> np.allclose(scaler.inverse_transform(Xt), X, atol=1e-3)
    True
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "check_axes": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True, check_axes=True):
        self.with_mean = with_mean
        self.with_std = with_std
        self.check_axes = check_axes

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute each channel's mean and standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_channels, n_timesteps) or (n_windows, n_timesteps)
        y : None
            Ignored.

        Returns
        -------
        self : WindowScaler
        """
        self._flat_input = input_ndim(X) == 2
        Xw = validate_windows(self, X, reset=True)
        mean, std = channel_statistics(Xw)
        self.mean_ = mean if self.with_mean else None
        if self.with_std:
            self.var_ = np.square(std)
            self.scale_ = np.where(std > 0, std, 1.0)
        else:
            self.var_ = self.scale_ = None
        self.n_windows_seen_ = Xw.shape[0]
        return self

    def _apply(self, X, *, inverse):
        check_is_fitted(self, "n_windows_seen_")
        flat = input_ndim(X) == 2
        out = validate_windows(self, X, reset=False).astype(np.float64)
        mean = 0.0 if self.mean_ is None else self.mean_[None, :, None]
        scale = 1.0 if self.scale_ is None else self.scale_[None, :, None]
        out = out * scale + mean if inverse else (out - mean) / scale
        out = out.astype(np.float32)
        return out[:, 0, :] if flat else out

    def transform(self, X):
        """Standardise the windows.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_channels, n_timesteps) or (n_windows, n_timesteps)
            Windows of the fitted shape.

        Returns
        -------
        Xt : ndarray of the shape of X, float32
        """
        return self._apply(X, inverse=False)

    def inverse_transform(self, X):
        """Undo :meth:`transform`: back to the original units.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_channels, n_timesteps) or (n_windows, n_timesteps)

        Returns
        -------
        X_original : ndarray of the shape of X, float32
        """
        return self._apply(X, inverse=True)

    def get_feature_names_out(self, input_features=None):
        """Names of the output: those of the input.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            For 3-D windows, the channel names (one per channel; None:
            ``"ch0"``, ``"ch1"``, ...). For 2-D input, the column names, as in
            scikit-learn.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "n_windows_seen_")
        return channel_feature_names_out(self, input_features, flat_input=self._flat_input)

    def __sklearn_tags__(self):
        tags = window_input_tags(super().__sklearn_tags__())
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
