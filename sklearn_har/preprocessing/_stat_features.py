"""Per-channel statistics of windows: the classical HAR feature vector."""

from __future__ import annotations

from functools import cached_property
from numbers import Integral, Real

import numpy as np
from scipy import fft as sp_fft
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ..utils._docstring import fill_doc
from ..utils._tags import window_input_tags
from ..utils.validation import validate_windows

__all__ = ["StatFeatures"]

FEATURES = (
    "mean", "std", "skew", "kurtosis", "min", "max", "quantiles", "iqr",
    "energy", "rms", "mcr", "dominant_freq", "band_energy", "spectral_entropy",
)


class _WindowStats:
    """The features of a block of float32 windows ``(n, C, T)``, one method each.

    Shared intermediates are computed once, in float64. A float32 value is
    exact in float64 and so is the sum of ``T`` copies of it: the mean of a
    constant channel is exact, its centred values and ``m2`` are exactly 0,
    and ``m2 > 0`` tells the non-constant channels apart without a tolerance.
    """

    def __init__(self, X, *, quantiles, n_bands, fs):
        self.X, self.T = X, X.shape[-1]
        self.quantile_levels, self.n_bands, self.fs = quantiles, n_bands, fs

    # -- shared intermediates ------------------------------------------------
    @cached_property
    def mu(self):
        return self.X.mean(axis=-1, dtype=np.float64)

    @cached_property
    def centred(self):
        return self.X - self.mu[..., None]  # float64

    @cached_property
    def sq(self):
        return self.centred * self.centred

    @cached_property
    def m2(self):
        return self.sq.mean(axis=-1)

    @cached_property
    def sorted(self):
        return np.sort(self.X, axis=-1)  # float32: exact, and faster to sort

    @cached_property
    def power(self):
        """One-sided power of the non-DC bins ``1 .. T // 2``, and the raw ``|rFFT|**2``.

        Bins below Nyquist count twice (their negative frequency), the Nyquist
        bin of an even ``T`` once: the power sums to the centred signal's
        energy (Parseval), up to a constant factor.
        """
        spec = sp_fft.rfft(self.centred, axis=-1)[..., 1:]
        raw = spec.real**2 + spec.imag**2
        P = 2.0 * raw
        if self.T % 2 == 0 and P.shape[-1]:
            P[..., -1] = raw[..., -1]
        return P, raw

    def _zeros(self):
        return np.zeros(self.X.shape[:2])

    def _moment_ratio(self, mk, k):
        """``mk / m2**(k/2)``, 0 on constant channels."""
        m2 = self.m2
        return np.divide(mk, m2 ** (k / 2), out=np.zeros_like(mk), where=m2 > 0)

    def _fraction(self, part):
        """``part`` (n, C, k) over the total power, 0 where it is 0 (constant)."""
        total = self.power[0].sum(axis=-1, keepdims=True)
        return np.divide(part, total, out=np.zeros_like(part), where=total > 0)

    def _quantile(self, q):
        """Linear interpolation, as ``np.quantile(..., method="linear")``."""
        pos = np.asarray(q, dtype=np.float64) * (self.T - 1)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, self.T - 1)
        a = self.sorted[..., lo].astype(np.float64)
        b = self.sorted[..., hi].astype(np.float64)
        return a + (b - a) * (pos - lo)

    # -- the features: (n, C) or (n, C, k) ---------------------------------------
    def mean(self):
        return self.mu

    def std(self):
        return np.sqrt(self.m2)

    def skew(self):
        m3 = np.einsum("nct,nct->nc", self.sq, self.centred) / self.T
        return self._moment_ratio(m3, 3)

    def kurtosis(self):
        m4 = np.einsum("nct,nct->nc", self.sq, self.sq) / self.T
        return self._moment_ratio(m4, 4) - 3.0 * (self.m2 > 0)

    def min(self):
        s = self.__dict__.get("sorted")  # reuse the sort when quantiles made one
        return (s[..., 0] if s is not None else self.X.min(axis=-1)).astype(np.float64)

    def max(self):
        s = self.__dict__.get("sorted")
        return (s[..., -1] if s is not None else self.X.max(axis=-1)).astype(np.float64)

    def quantiles(self):
        return self._quantile(self.quantile_levels)

    def iqr(self):
        q25, q75 = np.moveaxis(self._quantile([0.25, 0.75]), -1, 0)
        return q75 - q25

    def energy(self):
        return self.m2 + self.mu**2

    def rms(self):
        return np.sqrt(self.energy())

    def mcr(self):
        if self.T < 2:
            return self._zeros()
        above = self.centred > 0  # a sample equal to the mean counts as below
        changes = np.count_nonzero(above[..., 1:] != above[..., :-1], axis=-1)
        return changes / (self.T - 1)

    def dominant_freq(self):
        P, raw = self.power
        if P.shape[-1] == 0:
            return self._zeros()
        freq = (np.argmax(raw, axis=-1) + 1) * ((self.fs or 1.0) / self.T)
        return np.where(P.sum(axis=-1) > 0, freq, 0.0)

    def band_energy(self):
        # bin k (frequency k / T) is in band b when b / 2n < k / T <= (b + 1) / 2n
        n = self.n_bands
        band = (2 * n * np.arange(1, self.T // 2 + 1) + self.T - 1) // self.T - 1
        onehot = (band[:, None] == np.arange(n)).astype(np.float64)
        return self._fraction(self.power[0] @ onehot)

    def spectral_entropy(self):
        n_bins = self.power[0].shape[-1]
        if n_bins < 2:
            return self._zeros()
        p = self._fraction(self.power[0])
        log_p = np.log(p, out=np.zeros_like(p), where=p > 0)  # 0 log 0 = 0
        return -np.einsum("nck,nck->nc", p, log_p) / np.log(n_bins)


_BLOCK_VALUES = 1 << 18  # sample values per block in transform


def _quantile_name(q):
    return f"q{100 * q:g}"


@fill_doc
class StatFeatures(TransformerMixin, BaseEstimator):
    """Per-channel statistics of windows: ``(n, C, T)`` to ``(n, C * F)``.

    The classical HAR feature vector: time-domain moments and order
    statistics, plus a few spectral descriptors, computed independently for
    every channel of every window, fully vectorised (no loop over windows).
    Mean, population standard deviation and skewness follow eq. 1 of seed 000.

    Parameters
    ----------
    features : "all" or list of str, default="all"
        Statistics to compute, in this order (``"all"``: every one, in the
        order below). Per channel:

        - ``"mean"``; ``"std"``: population standard deviation (divides by T);
        - ``"skew"``: ``m3 / m2**1.5`` (biased, as ``scipy.stats.skew``);
        - ``"kurtosis"``: excess (Fisher) kurtosis ``m4 / m2**2 - 3`` (biased);
        - ``"min"``, ``"max"``;
        - ``"quantiles"``: one column per value of ``quantiles`` (linear
          interpolation, as ``np.quantile``), named ``"q10"``, ``"q25"``, ...;
        - ``"iqr"``: 75th minus 25th percentile;
        - ``"energy"``: mean of squares; ``"rms"``: its square root;
        - ``"mcr"``: mean-crossing rate, the fraction of the ``T - 1``
          consecutive sample pairs on opposite sides of the mean (a sample
          equal to the mean counts as below it);
        - ``"dominant_freq"``: frequency of the largest non-DC bin of the rFFT
          magnitude (lowest one on ties), in Hz when ``fs`` is given, else in
          cycles per sample;
        - ``"band_energy"``: ``n_bands`` equal-width bands over (0, Nyquist],
          each the fraction of the channel's non-DC spectral energy (one-sided
          power: bins below Nyquist count twice; a bin on an edge belongs to
          the lower band); named ``"band0"``, ...;
        - ``"spectral_entropy"``: Shannon entropy of the normalised non-DC
          power spectrum divided by ``log(T // 2)``, in [0, 1].

    quantiles : array-like of float in [0, 1], default=(0.1, 0.25, 0.5, 0.75, 0.9)
        Quantile levels of the ``"quantiles"`` feature.
    n_bands : int, default=4
        Number of bands of ``"band_energy"``.
    fs : float or None, default=None
        Sampling rate in Hz, for ``"dominant_freq"``. None: cycles per sample.
    channel_names : array-like of str or None, default=None
        Names of the input channels, used by :meth:`get_feature_names_out`
        when no ``input_features`` are passed. None: ``"ch0"``, ``"ch1"``, ...
    {params: check_axes}

    Attributes
    ----------
    n_channels_in_ : int
        Channels of the fitted windows (1 for 2-D input).
    n_timesteps_in_ : int
        Time steps per window; ``transform`` requires the same length.
    n_features_in_ : int
        ``n_channels_in_ * n_timesteps_in_``.
    feature_names_in_ : ndarray of str
        Column names of a fitted 2-D DataFrame (these are time steps).
    features_ : tuple of str
        The statistics computed, in order (``features`` resolved).

    See Also
    --------
    sklearn_har.preprocessing.WindowSegmenter : cuts the windows from a table.

    Notes
    -----
    **Layout.** Columns are channel-major: all features of channel 0, then all
    of channel 1, ...; :meth:`get_feature_names_out` gives their names,
    ``"<channel>__<feature>"`` (``"ch0__mean"``, ``"acc_x__q25"``,
    ``"ch2__band1"``).

    **Constant channels** get finite values: std, skew, kurtosis, mcr,
    dominant_freq, every band energy and spectral_entropy are 0 (mean, min,
    max, quantiles, energy and rms keep their usual values, iqr is 0).
    Likewise a window too short for a feature gives 0: mcr for ``T = 1``,
    spectral features without a non-DC bin (``T = 1``), spectral entropy
    with a single non-DC bin, and bands that hold no bin.

    Windows are validated (and cast to float32) by
    :func:`sklearn_har.utils.validate_windows`; statistics are computed in
    float64 and returned as float64. NaN and inf are refused.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.preprocessing import StatFeatures
    >>> t = np.arange(100) / 50.0                  # 2 s at 50 Hz
    >>> X = np.stack([np.sin(2 * np.pi * 5 * t), np.full(100, 9.81)])[None]
    >>> X.shape                                   # one window, 2 channels
    (1, 2, 100)
    >>> sf = StatFeatures(["std", "energy", "dominant_freq"], fs=50,
    ...                   channel_names=["acc_x", "acc_z"])
    >>> Xt = sf.fit_transform(X)
    >>> sf.get_feature_names_out().tolist()
    ['acc_x__std', 'acc_x__energy', 'acc_x__dominant_freq', 'acc_z__std', 'acc_z__energy', 'acc_z__dominant_freq']
    >>> np.round(Xt, 3).tolist()
    [[0.707, 0.5, 5.0, 0.0, 96.236, 0.0]]
    """

    _parameter_constraints: dict = {
        "features": [StrOptions({"all"}), list, tuple],
        "quantiles": ["array-like"],
        "n_bands": [Interval(Integral, 1, None, closed="left")],
        "fs": [Interval(Real, 0, None, closed="neither"), None],
        "channel_names": ["array-like", None],
        "check_axes": ["boolean"],
    }

    def __init__(
        self,
        features="all",
        *,
        quantiles=(0.1, 0.25, 0.5, 0.75, 0.9),
        n_bands=4,
        fs=None,
        channel_names=None,
        check_axes=True,
    ):
        self.features = features
        self.quantiles = quantiles
        self.n_bands = n_bands
        self.fs = fs
        self.channel_names = channel_names
        self.check_axes = check_axes

    def _resolve_features(self):
        if isinstance(self.features, str):  # "all", the only string allowed
            return FEATURES
        features = tuple(self.features)
        if not features:
            raise ValueError(f"features is empty; give some of {list(FEATURES)} or 'all'.")
        unknown = [f for f in features if not (isinstance(f, str) and f in FEATURES)]
        if unknown:
            raise ValueError(
                f"Unknown feature(s) {unknown} in features; valid names are "
                f"{list(FEATURES)} (or features='all')."
            )
        repeated = sorted({f for f in features if features.count(f) > 1})
        if repeated:
            raise ValueError(f"features lists {repeated} more than once.")
        return features

    def _check_quantiles(self):
        q = np.asarray(self.quantiles, dtype=np.float64)
        if q.ndim != 1 or q.size == 0 or not np.all((q >= 0) & (q <= 1)):
            raise ValueError(
                "quantiles must be a non-empty 1-D list of levels in [0, 1]; got "
                f"{self.quantiles!r}."
            )
        names = [_quantile_name(v) for v in q]
        if len(set(names)) < len(names):
            raise ValueError(f"quantiles has repeated levels: {names}.")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the windows and remember their shape.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_channels, n_timesteps) or (n_windows, n_timesteps)
            Windows, channels first; 2-D is one channel.
        y : None
            Ignored.

        Returns
        -------
        self : StatFeatures
        """
        features = self._resolve_features()
        if "quantiles" in features:
            self._check_quantiles()
        ndim = getattr(X, "ndim", None)
        two_d = (np.asarray(X).ndim if ndim is None else ndim) == 2
        X = validate_windows(self, X, reset=True)
        if self.channel_names is not None and len(self.channel_names) != X.shape[1]:
            raise ValueError(
                f"channel_names has {len(self.channel_names)} name(s) but X has "
                f"{X.shape[1]} channel(s); give one name per channel."
            )
        self.features_ = features
        # 2-D input: its columns are time steps, sklearn's usual input_features
        self._flat_input = two_d
        return self

    def transform(self, X):
        """Compute the features of each window.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_channels, n_timesteps) or (n_windows, n_timesteps)
            Windows with the fitted number of channels and time steps.

        Returns
        -------
        Xt : ndarray of shape (n_windows, n_channels * n_features_per_channel), float64
            Channel-major: the features of channel 0, then of channel 1, ...
        """
        check_is_fitted(self, "features_")
        X = validate_windows(self, X, reset=False)
        n, C, T = X.shape
        # blocks of windows keep the float64 temporaries in cache (2-3x faster)
        step = max(1, _BLOCK_VALUES // (C * T))
        blocks = [self._transform_block(X[i : i + step]) for i in range(0, n, step)]
        return np.concatenate(blocks) if len(blocks) > 1 else blocks[0]

    def _transform_block(self, X):
        stats = _WindowStats(X, quantiles=self.quantiles, n_bands=self.n_bands, fs=self.fs)
        n, C, _ = X.shape
        columns = [getattr(stats, name)().reshape(n, C, -1) for name in self.features_]
        return np.concatenate(columns, axis=-1).reshape(n, -1)

    def _per_channel_names(self):
        names = []
        for f in self.features_:
            if f == "quantiles":
                names += [_quantile_name(q) for q in np.asarray(self.quantiles, float)]
            elif f == "band_energy":
                names += [f"band{b}" for b in range(self.n_bands)]
            else:
                names.append(f)
        return names

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, ``"<channel>__<feature>"``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            For 3-D windows: the channel names, one per channel (a pipeline
            passes the segmenter's, e.g. ``"acc_x"``). For 2-D input (one
            channel, columns are time steps): the column names, as everywhere
            in scikit-learn; they do not name the channel. None: channel names
            come from ``channel_names``, else ``"ch0"``, ``"ch1"``, ...

        Returns
        -------
        feature_names_out : ndarray of str objects
            Channel-major, in the order of the columns of ``transform``.
        """
        check_is_fitted(self, "features_")
        channels = None
        if input_features is not None and self._flat_input:
            _check_feature_names_in(self, input_features)  # time steps: check only
        elif input_features is not None:
            if len(input_features) != self.n_channels_in_:
                raise ValueError(
                    "input_features should have length equal to the number of "
                    f"channels ({self.n_channels_in_}): they name the channels of the "
                    f"windows; got {len(input_features)}."
                )
            channels = input_features
        if channels is None:
            channels = self.channel_names
        if channels is None:
            channels = [f"ch{c}" for c in range(self.n_channels_in_)]
        suffixes = self._per_channel_names()
        return np.asarray([f"{c}__{f}" for c in channels for f in suffixes], dtype=object)

    def __sklearn_tags__(self):
        tags = window_input_tags(super().__sklearn_tags__())
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
