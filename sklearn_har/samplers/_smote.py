"""BorderlineSMOTE: imbalanced-learn's Borderline-SMOTE on windows (seed 002, sec. 2.2)."""

from __future__ import annotations

import warnings
from collections import Counter
from numbers import Integral
from typing import ClassVar

import numpy as np
from imblearn.over_sampling import BorderlineSMOTE as _ImbBorderlineSMOTE
from sklearn.utils._param_validation import Interval, StrOptions

from ..exceptions import NoDangerWarning
from ..utils._docstring import fill_doc
from .base import BaseWindowSampler

__all__ = ["BorderlineSMOTE", "NoDangerWarning"]


def _label(value):
    """A class label as the user wrote it (``'sit'``, ``3``), not ``np.str_('sit')``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


@fill_doc
class BorderlineSMOTE(BaseWindowSampler):
    """Borderline-SMOTE over-sampling of windows (borderline-1 and borderline-2).

    Seed 002 (MAG-Res2Net, sec. 2.2) balances the activity classes before
    training by Borderline-SMOTE (Han et al. 2005): each window of a class to
    over-sample is *safe*, *in danger* or *noise* by how many of its
    ``m_neighbors`` nearest windows belong to other classes (danger: at least
    half, but not all); only windows in danger seed new windows, each placed at
    a random point of the segment from a danger window to one of its
    ``k_neighbors`` nearest neighbours -- of its own class (``"borderline-1"``)
    or of any class (``"borderline-2"``, where a step towards a window of
    another class goes at most half way).

    This is :class:`imblearn.over_sampling.BorderlineSMOTE` itself, run on the
    windows flattened to ``(n_windows, n_channels * n_timesteps)`` and reshaped
    back: the output equals imbalanced-learn's on the flattened float32 windows
    with the same ``random_state``. What this class adds: windows in and out,
    a :class:`NoDangerWarning` where imbalanced-learn silently generates
    nothing for a class, and errors that name the class and the usable
    ``k_neighbors`` / ``m_neighbors`` before imbalanced-learn fails inside its
    nearest-neighbour search.

    It is a sampler (``fit_resample``, no ``transform``): in a
    :class:`sklearn_har.Pipeline` (or imbalanced-learn's) it runs in ``fit``
    only, so synthetic windows never reach a test fold or ``predict``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        How many windows each class should have after resampling, with
        imbalanced-learn's meaning:

        - ``float`` (binary ``y`` only): the ratio ``n_minority / n_majority``
          to reach, in (0, 1];
        - ``str``: the classes to bring up to the majority count: ``"auto"``
          (= ``"not majority"``), ``"minority"``, ``"not minority"``,
          ``"all"``;
        - ``dict``: ``{label: number of windows wanted}``, for the classes to
          over-sample;
        - callable: ``f(y)`` returning such a dict.

        Seed 002 warns that bringing every class up to the majority blew some
        WISDM classes up ten-fold and made the model lean on synthetic data;
        a float or dict keeps the up-sampling moderate.
    random_state : int, RandomState instance or None, default=None
        Seed of the choice of neighbours and interpolation steps.
    k_neighbors : int, default=5
        Neighbours a danger window is interpolated towards. ``"borderline-1"``
        searches them in the window's own class, so every class to over-sample
        needs at least ``k_neighbors + 1`` windows; ``"borderline-2"`` searches
        all windows.
    m_neighbors : int, default=10
        Neighbours (among all windows) that decide whether a window is safe,
        in danger or noise; ``X`` needs at least ``m_neighbors + 1`` windows.
    kind : {"borderline-1", "borderline-2"}, default="borderline-1"
        Interpolate towards neighbours of the same class only (1) or towards
        any neighbour (2).
    {params: check_axes}

    Attributes
    ----------
    sampling_strategy_ : OrderedDict
        ``{label: number of synthetic windows to generate}``, imbalanced-learn's
        resolution of ``sampling_strategy``.
    n_synthetic_ : dict
        ``{label: number of synthetic windows generated}`` for the classes of
        ``sampling_strategy_``; 0 where no window of the class was in danger
        (see :class:`NoDangerWarning`).
    smote_ : imblearn.over_sampling.BorderlineSMOTE
        The fitted imbalanced-learn sampler (its ``in_danger_indices`` give,
        per class, the danger windows that seeded synthetic ones).
    n_channels_in_ : int
        Channels of the windows (1 for 2-D input).
    n_timesteps_in_ : int
        Time steps per window.
    n_features_in_ : int
        ``n_channels_in_ * n_timesteps_in_``.
    feature_names_in_ : ndarray of str
        Column names of a 2-D DataFrame ``X`` (these are time steps).

    See Also
    --------
    imblearn.over_sampling.BorderlineSMOTE : the algorithm, on 2-D tables.
    sklearn_har.Pipeline : runs samplers in ``fit`` only.

    Notes
    -----
    **Distances are over whole windows.** Flattening means that neighbours
    are found by the Euclidean distance over all channels x time steps, so a
    channel of large scale (accelerometer in m/s^2 beside a gyroscope in
    rad/s) decides the neighbours alone: scale the channels comparably first
    (e.g. standardise each channel over the training windows). The distance
    also compares windows time step by time step, so two windows of the same
    periodic activity (walking) that start at different points of the gait
    cycle are far apart, and **interpolating two such windows blurs the
    phase**: a point half way between two shifted sine waves is a sine of
    smaller amplitude (or nearly flat, for opposite phases), not a plausible
    recording. Synthetic windows are convex combinations of real ones, not
    new movements; check that they help on a subject-wise split.

    **Differences from imbalanced-learn.** Input is validated as windows
    (float32; NaN and inf refused with their position) and the synthetic
    windows are computed in float32. ``k_neighbors`` and ``m_neighbors`` are
    ints only (imbalanced-learn also takes a nearest-neighbours object). The
    size checks are done for every class to over-sample before any
    resampling, so a ``"borderline-1"`` class too small for ``k_neighbors``
    is an error even when imbalanced-learn would have skipped it for having
    no window in danger.

    **From the paper.** Seed 002 gives no values for ``k`` and ``m``: the
    defaults are imbalanced-learn's. Its generation formula writes the
    difference as ``x_i - x_ij``; the step goes from ``x_i`` *towards* the
    neighbour, as in Han et al. (2005) and imbalanced-learn.

    Output: 3-D ``X`` gives float32 windows ``(n_out, n_channels,
    n_timesteps)``; 2-D ``X`` (one channel) gives 2-D float32 ``(n_out,
    n_timesteps)`` (a DataFrame, a DataFrame with the same columns; a list, a
    list). The input windows come first, unchanged and in order, then the
    synthetic ones, class by class in the order of ``sampling_strategy_``;
    ``y`` keeps the type of the labels (strings work).

    References
    ----------
    .. [1] H. Han, W.-Y. Wang, B.-H. Mao, "Borderline-SMOTE: a new
       over-sampling method in imbalanced data sets learning", Advances in
       Intelligent Computing, 878-887, 2005.
    .. [2] Liu et al., "MAG-Res2Net: a novel deep learning network for human
       activity recognition", Physiol. Meas., 2023 (seed 002), sec. 2.2.

    Examples
    --------
    >>> import numpy as np
    >>> from collections import Counter
    >>> from sklearn_har.samplers import BorderlineSMOTE
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 3, 50)).astype(np.float32)  # 3 channels x 50 steps
    >>> X[:15] += 0.3                      # "sit": 15 windows, close to "walk"
    >>> y = np.array(["sit"] * 15 + ["walk"] * 45)
    >>> smote = BorderlineSMOTE(random_state=0)
    >>> X_res, y_res = smote.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype
    ((90, 3, 50), dtype('float32'))
    >>> sorted(Counter(y_res.tolist()).items())
    [('sit', 45), ('walk', 45)]
    >>> smote.n_synthetic_["sit"]
    30
    >>> bool(np.array_equal(X_res[:60], X))      # the originals first, unchanged
    True
    """

    _sampling_type = "over-sampling"

    _parameter_constraints: ClassVar[dict] = {
        **BaseWindowSampler._parameter_constraints,
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "m_neighbors": [Interval(Integral, 1, None, closed="left")],
        "kind": [StrOptions({"borderline-1", "borderline-2"})],
        "check_axes": ["boolean"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        m_neighbors=10,
        kind="borderline-1",
        check_axes=True,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.kind = kind
        self.check_axes = check_axes

    # -- validation (imblearn's fit / fit_resample, through BaseWindowSampler) ---
    def _check_neighbors(self, y):
        """Raise before imblearn does, naming the classes and the usable values."""
        to_grow = [c for c, n_new in self.sampling_strategy_.items() if n_new > 0]
        if not to_grow:
            return
        n_windows = y.shape[0]
        if n_windows < self.m_neighbors + 1:
            raise ValueError(
                f"m_neighbors={self.m_neighbors} needs at least {self.m_neighbors + 1} "
                f"windows: each window's m_neighbors nearest neighbours are searched "
                f"among the other windows, but X holds {n_windows}. Use "
                f"m_neighbors <= {n_windows - 1}."
            )
        if self.kind == "borderline-2":
            if n_windows < self.k_neighbors + 1:
                raise ValueError(
                    f"k_neighbors={self.k_neighbors} needs at least "
                    f"{self.k_neighbors + 1} windows: with kind='borderline-2' the "
                    "k_neighbors nearest neighbours are searched among all windows, "
                    f"but X holds {n_windows}. Use k_neighbors <= {n_windows - 1}."
                )
            return
        counts = Counter(y.tolist())
        small = [(c, counts[c]) for c in to_grow if counts[c] < self.k_neighbors + 1]
        if not small:
            return
        details = "; ".join(
            f"class {_label(c)} has {n} window(s), "
            + (f"largest usable k_neighbors={n - 1}" if n > 1 else "too few for any k_neighbors")
            for c, n in small
        )
        largest = min(n for _, n in small) - 1
        fix = f"Use k_neighbors <= {largest}, " if largest >= 1 else "Use "
        raise ValueError(
            f"k_neighbors={self.k_neighbors} is too large for {len(small)} class(es) to "
            f"over-sample: {details}. With kind='borderline-1' a window is "
            "interpolated towards its k_neighbors nearest windows of its own class, "
            f"so a class needs at least k_neighbors + 1 = {self.k_neighbors + 1} "
            f"windows. {fix}kind='borderline-2' (neighbours from all classes), or "
            "leave the class out of sampling_strategy."
        )

    # -- resampling ---------------------------------------------------------------
    def _fit_resample(self, X, y):
        n_windows, n_channels, n_timesteps = X.shape
        self._check_neighbors(y)
        self.smote_ = _ImbBorderlineSMOTE(
            sampling_strategy=self.sampling_strategy,
            random_state=self.random_state,
            k_neighbors=self.k_neighbors,
            m_neighbors=self.m_neighbors,
            kind=self.kind,
        )
        X_res, y_res = self.smote_.fit_resample(X.reshape(n_windows, -1), y)
        generated = Counter(y_res[n_windows:].tolist())
        self.n_synthetic_ = {c: generated[c] for c in self.sampling_strategy_}
        counts = Counter(y.tolist())
        for c, n_new in self.sampling_strategy_.items():
            if n_new > 0 and self.n_synthetic_[c] == 0:  # imblearn skipped the class
                warnings.warn(
                    f"Class {_label(c)} ({counts[c]} windows) was to get {n_new} "
                    f"synthetic windows but got {self.n_synthetic_[c]}: none of its "
                    "windows is in danger (at least half, but not all, of its "
                    f"m_neighbors={self.m_neighbors} nearest windows from other "
                    "classes), so Borderline-SMOTE has nothing to interpolate from. "
                    "Its windows are all safe (far from the other classes) or noise. "
                    "Try a larger m_neighbors, or plain SMOTE for this class.",
                    NoDangerWarning,
                    stacklevel=5,
                )
        return self._restore_layout(X_res.reshape(-1, n_channels, n_timesteps)), y_res
