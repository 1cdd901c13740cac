"""Synthetic HAR data: a raw stream of interleaved users, and ready-cut windows.

Both generators draw from one signal model, :func:`_simulate`. Every *bout*
(a stretch of one activity by one user) is rendered, per channel, as

``x_c(t) = offset_c + sum_h a_c,h * sin(2 pi h f t + phi_c,h) + noise``

* accelerometer-like channels (``acc_*``, in g) carry the activity's gravity
  direction as ``offset``, gyroscope-like channels (``gyro_*``, in rad/s) a small
  bias only; channels cycle acc x/y/z, gyro x/y/z, acc x/y/z, ...;
* ``f`` is the activity's cadence (walk 1.9 Hz, run 2.8 Hz, sway for the
  postures), with ``h = 1, 2, 3`` harmonics of decaying, activity-specific
  amplitudes (harmonics above the Nyquist frequency are dropped);
* each user tilts the gravity direction, scales cadence and amplitudes and
  adds a bias; each bout draws its own phases and a slight intensity change;
* ``difficulty`` in [0, 1] scales the white noise, the user variation and the
  class overlap (activity parameters pulled towards their mean): at 0 every
  user is the same and the classes are trivially separable.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["make_har_table", "make_har_windows"]

# name, gravity direction (x vertical), cadence in Hz, intensity in g
_ACTIVITIES = (
    ("walk", (0.97, 0.10, 0.20), 1.9, 0.35),
    ("run", (0.93, 0.15, 0.33), 2.8, 0.90),
    ("sit", (0.70, 0.10, 0.70), 0.25, 0.02),
    ("stand", (0.99, 0.05, -0.10), 0.30, 0.03),
    ("lie", (0.10, 0.25, 0.96), 0.20, 0.01),
    ("stairs_up", (0.94, 0.25, 0.20), 1.6, 0.30),
    ("stairs_down", (0.94, -0.05, 0.33), 2.1, 0.45),
    ("cycle", (0.80, 0.10, 0.58), 1.3, 0.25),
    ("jump", (0.97, 0.05, 0.20), 2.3, 1.20),
)
_SIX_CHANNELS = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
_HARMONICS = np.array([1.0, 0.45, 0.2])
_BOUT_SECONDS = (2.0, 10.0)  # bout durations are drawn uniformly in this range
_WINDOWS_FS = 50.0


def _activity_names(n_activities):
    names = [a[0] for a in _ACTIVITIES[:n_activities]]
    return names + [f"activity_{k}" for k in range(len(names), n_activities)]


def _channel_names(n_channels):
    return _SIX_CHANNELS if n_channels == 6 else [f"ch{c}" for c in range(n_channels)]


def _allocate(total, shares):
    """Split ``total`` into integer parts proportional to ``shares`` (largest remainder)."""
    exact = total * np.asarray(shares, dtype=float) / np.sum(shares)
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(counts - exact, kind="stable")[: total - counts.sum()]] += 1
    return counts


def _pandas(as_frame):
    """pandas when a DataFrame is wanted (``as_frame`` True or "auto"), else None."""
    if as_frame is False:
        return None
    try:
        import pandas as pd
    except ImportError:
        if as_frame is True:
            raise ImportError(
                "as_frame=True needs pandas, which is not installed: install it "
                "(pip install pandas) or pass as_frame=False."
            ) from None
        return None
    return pd


def _simulate(bout_activity, bout_user, bout_length, *, n_activities, n_users,
              n_channels, fs, difficulty, rng):
    """Render bouts, one after the other, as a float32 array (sum(bout_length), C).

    ``bout_activity`` and ``bout_user`` give each bout's activity and user index.
    """
    d = difficulty
    K, C = n_activities, n_channels
    gravity = np.empty((K, 3))
    cadence = np.empty(K)
    intensity = np.empty(K)
    n_known = min(K, len(_ACTIVITIES))
    for k, (_, g, f, a) in enumerate(_ACTIVITIES[:n_known]):
        gravity[k], cadence[k], intensity[k] = g, f, a
    n_new = K - n_known
    gravity[n_known:] = rng.normal(size=(n_new, 3)) + [1.5, 0, 0]
    cadence[n_known:] = rng.uniform(0.2, 3.0, n_new)
    intensity[n_known:] = np.exp(rng.uniform(np.log(0.01), np.log(1.2), n_new))
    # class overlap: pull every activity towards the average activity
    pull = 0.5 * d
    gravity = (1 - pull) * gravity + pull * gravity.mean(axis=0)
    cadence = np.exp((1 - pull) * np.log(cadence) + pull * np.log(cadence).mean())
    intensity = np.exp((1 - pull) * np.log(intensity) + pull * np.log(intensity).mean())

    axis = np.arange(C) % 3
    is_gyro = (np.arange(C) // 3) % 2 == 1
    gain = np.where(is_gyro, 2.0, 1.0)  # rad/s swing larger than g swing
    # amplitude (K, C, H): activity intensity x channel weight x decaying harmonics
    amp = (intensity[:, None, None] * gain[:, None] * rng.uniform(0.3, 1.0, (K, C, 1))
           * _HARMONICS * rng.uniform(0.5, 1.5, (K, 1, _HARMONICS.size)))

    # per-user variation
    tilt = rng.normal(0.0, 0.25 * d, (n_users, 3))
    user_cadence = np.exp(rng.normal(0.0, 0.12 * d, n_users))
    user_amp = np.exp(rng.normal(0.0, 0.35 * d, (n_users, C)))
    user_bias = rng.normal(0.0, 0.05 * d, (n_users, C)) * gain

    # per-bout parameters
    n_bouts = bout_activity.size
    g = gravity[bout_activity] + tilt[bout_user]
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    offset = np.where(is_gyro, 0.0, g[:, axis]) + user_bias[bout_user]  # (B, C)
    freq = cadence[bout_activity] * user_cadence[bout_user] * np.exp(
        rng.normal(0.0, 0.03 + 0.05 * d, n_bouts))
    bout_amp = (amp[bout_activity] * user_amp[bout_user][:, :, None]
                * np.exp(rng.normal(0.0, 0.1 + 0.2 * d, (n_bouts, 1, 1))))
    phase = rng.uniform(0.0, 2 * np.pi, (n_bouts, C, _HARMONICS.size))

    # render all rows at once
    starts = np.cumsum(bout_length) - bout_length
    row_bout = np.repeat(np.arange(n_bouts), bout_length)
    t = (np.arange(row_bout.size) - starts[row_bout]) / fs
    noise = (0.01 + 0.3 * d) * gain
    X = offset[row_bout] + noise * rng.standard_normal((row_bout.size, C))
    for h in range(_HARMONICS.size):
        harmonic_freq = (h + 1) * freq
        a = bout_amp[:, :, h] * (harmonic_freq < fs / 2)[:, None]
        X += a[row_bout] * np.sin(
            (2 * np.pi * harmonic_freq[row_bout] * t)[:, None] + phase[row_bout, :, h])
    return X.astype(np.float32)


def _bout_lengths(n_rows, fs, rng):
    """Random bout lengths (a few seconds each) that sum to ``n_rows``."""
    lo, hi = (max(1, int(round(s * fs))) for s in _BOUT_SECONDS)
    lengths = rng.randint(lo, hi + 1, n_rows // lo + 1)
    lengths = lengths[np.cumsum(lengths) < n_rows]
    rest = n_rows - lengths.sum()
    if rest >= lo or lengths.size == 0:
        return np.append(lengths, rest)
    lengths[-1] += rest  # too short to be a bout of its own
    return lengths


@validate_params(
    {
        "n_users": [Interval(Integral, 1, None, closed="left")],
        "n_activities": [Interval(Integral, 1, None, closed="left")],
        "n_channels": [Interval(Integral, 1, None, closed="left")],
        "fs": [Interval(Real, 0, None, closed="neither")],
        "rows_per_user": [Interval(Integral, 1, None, closed="left")],
        "imbalance": [Interval(Real, 1, None, closed="left")],
        "difficulty": [Interval(Real, 0, 1, closed="both")],
        "n_chunks": [Interval(Integral, 1, None, closed="left")],
        "as_frame": [StrOptions({"auto"}), "boolean"],
        "group_name": [str],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_har_table(n_users=6, n_activities=5, *, n_channels=6, fs=50.0,
                   rows_per_user=3000, imbalance=1.0, difficulty=0.5, n_chunks=2,
                   as_frame="auto", group_name="user", random_state=None):
    """Generate a raw sensor stream of several users doing activity bouts.

    Rows are time samples at ``fs`` Hz. Each user performs bouts of 2 to 10 s
    of every activity in a random order; the signal model (gravity direction,
    cadence and harmonics per activity, per-user variation, noise) is described
    in the module docstring of ``sklearn_har.datasets._synthetic``. Each user's
    stream is cut into ``n_chunks`` contiguous chunks and the chunks of the
    users are interleaved: user 0 chunk 0, user 1 chunk 0, ..., user 0 chunk
    1, ... so a user's rows form ``n_chunks`` separate runs, as in real
    recordings, and a window must never span two of them.

    Parameters
    ----------
    n_users : int, default=6
        Number of users (groups), named ``"u0"``, ``"u1"``, ...
    n_activities : int, default=5
        Number of activities: "walk", "run", "sit", "stand", "lie",
        "stairs_up", "stairs_down", "cycle", "jump", then "activity_9", ...
        (these draw random parameters).
    n_channels : int, default=6
        Number of channels; they cycle acc x/y/z (g, with gravity), gyro
        x/y/z (rad/s). Six channels are named "acc_x", ..., "gyro_z", other
        counts "ch0", "ch1", ...
    fs : float, default=50.0
        Sampling rate in Hz.
    rows_per_user : int, default=3000
        Rows (time samples) per user.
    imbalance : float, default=1.0
        Ratio of the row share of the most frequent activity (the first) to
        that of the least frequent (the last); shares are spaced
        geometrically, ``share_k`` proportional to
        ``imbalance ** (-k / (n_activities - 1))``. 1 means balanced. The
        shares hold within each user (up to one row), and every user does
        every activity as long as ``rows_per_user * share_k >= 1``.
    difficulty : float, default=0.5
        In [0, 1]: scales noise, user variation and class overlap. 0 is
        trivially separable with identical users, 1 is hard.
    n_chunks : int, default=2
        Contiguous chunks per user, interleaved between users in the output.
    as_frame : "auto" or bool, default="auto"
        Return a pandas DataFrame (True, or "auto" when pandas is installed)
        or a numpy array (False).
    group_name : str, default="user"
        Name of the DataFrame's group column.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    X : DataFrame or ndarray of shape (n_users * rows_per_user, 1 + n_channels)
        DataFrame: the group column ``group_name`` (user ids "u0", "u1", ...)
        first, then the float32 channels. ndarray (``as_frame=False``):
        float32, column 0 is the integer user id (0, 1, ...), then the
        channels; use ``group_column=0``.
    y : ndarray of shape (n_users * rows_per_user,)
        Activity name (str) per row.

    See Also
    --------
    make_har_windows : windows of the same signal model.

    Examples
    --------
    >>> from sklearn_har.datasets import make_har_table
    >>> X, y = make_har_table(n_users=3, rows_per_user=1000, random_state=0)
    >>> X.shape, y.shape
    ((3000, 7), (3000,))
    >>> list(X.columns)
    ['user', 'acc_x', 'acc_y', 'acc_z', 'gyro_x', 'gyro_y', 'gyro_z']
    >>> sorted(set(y.tolist()))
    ['lie', 'run', 'sit', 'stand', 'walk']
    >>> X["user"].iloc[::500].tolist()  # 2 chunks of 500 rows per user
    ['u0', 'u1', 'u2', 'u0', 'u1', 'u2']
    """
    channel_names = _channel_names(n_channels)
    if n_chunks > rows_per_user:
        raise ValueError(
            f"n_chunks={n_chunks} is larger than rows_per_user={rows_per_user}: "
            "every chunk needs at least one row."
        )
    if group_name in channel_names:
        raise ValueError(
            f"group_name={group_name!r} is also a channel name {channel_names}; "
            "choose another name."
        )
    pd = _pandas(as_frame)
    rng = check_random_state(random_state)
    K = n_activities
    shares = float(imbalance) ** (-np.arange(K) / max(K - 1, 1))
    per_activity = _allocate(rows_per_user, shares)
    bout_activity, bout_user, bout_length = [], [], []
    for u in range(n_users):
        lengths = [_bout_lengths(n, fs, rng) if n else np.zeros(0, np.int64)
                   for n in per_activity]
        activity = np.repeat(np.arange(K), [len(b) for b in lengths])
        order = rng.permutation(activity.size)
        bout_activity.append(activity[order])
        bout_length.append(np.concatenate(lengths)[order])
        bout_user.append(np.full(activity.size, u))
    bout_activity, bout_user, bout_length = map(
        np.concatenate, (bout_activity, bout_user, bout_length))
    values = _simulate(bout_activity, bout_user, bout_length, n_activities=K,
                       n_users=n_users, n_channels=n_channels, fs=float(fs),
                       difficulty=float(difficulty), rng=rng)
    # users are rendered one after the other; interleave their chunks
    bounds = np.linspace(0, rows_per_user, n_chunks + 1).astype(np.int64)
    chunk_of_row = np.searchsorted(bounds, np.arange(rows_per_user), side="right") - 1
    user_of_row = np.repeat(np.arange(n_users), rows_per_user)
    order = np.lexsort((user_of_row, np.tile(chunk_of_row, n_users)))
    values, user = values[order], user_of_row[order]
    y = np.asarray(_activity_names(K))[np.repeat(bout_activity, bout_length)[order]]
    if pd is None:
        return np.column_stack((user.astype(np.float32), values)), y
    columns = {group_name: np.asarray([f"u{u}" for u in range(n_users)])[user]}
    columns.update(zip(channel_names, values.T))
    return pd.DataFrame(columns), y


@validate_params(
    {
        "n_windows": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 1, None, closed="left")],
        "n_channels": [Interval(Integral, 1, None, closed="left")],
        "n_timesteps": [Interval(Integral, 1, None, closed="left")],
        "weights": ["array-like", None],
        "difficulty": [Interval(Real, 0, 1, closed="both")],
        "n_groups": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_har_windows(n_windows=600, n_classes=4, *, n_channels=3, n_timesteps=128,
                     weights=None, difficulty=0.5, n_groups=6, random_state=None):
    """Generate labelled sensor windows ``(n, C, T)`` from several subjects.

    Each window is one bout of the signal model of :func:`make_har_table`
    (class ``k`` is its ``k``-th activity: 0 walk, 1 run, 2 sit, 3 stand, 4
    lie, ...) sampled at 50 Hz, with its own phases, so windows of one subject
    vary like windows cut from a stream. Subject (group) variation makes
    cross-subject evaluation a real task.

    Parameters
    ----------
    n_windows : int, default=600
        Number of windows.
    n_classes : int, default=4
        Number of classes.
    n_channels : int, default=3
        Channels per window; they cycle acc x/y/z (g), gyro x/y/z (rad/s).
    n_timesteps : int, default=128
        Samples per window (128 samples = 2.56 s at 50 Hz).
    weights : array-like of shape (n_classes,) or (n_classes - 1,), default=None
        Class proportions, as in :func:`sklearn.datasets.make_classification`:
        with ``n_classes - 1`` values the last class gets the rest; the
        values are normalised to sum to one. None means balanced. Counts are
        exact up to rounding.
    difficulty : float, default=0.5
        In [0, 1]: scales noise, subject variation and class overlap.
    n_groups : int, default=6
        Number of subjects. Each class's windows are spread evenly over the
        subjects.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_windows, n_channels, n_timesteps), float32
        The windows, channels first.
    y : ndarray of shape (n_windows,), int64
        Class index 0..n_classes-1 (integers, as ``make_classification``).
    groups : ndarray of shape (n_windows,), int64
        Subject index 0..n_groups-1 of each window, for ``GroupKFold``.

    See Also
    --------
    make_har_table : the raw stream of the same signal model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.datasets import make_har_windows
    >>> X, y, groups = make_har_windows(n_windows=100, weights=[0.4, 0.3, 0.2],
    ...                                 random_state=0)
    >>> X.shape, X.dtype
    ((100, 3, 128), dtype('float32'))
    >>> np.bincount(y).tolist(), np.unique(groups).tolist()
    ([40, 30, 20, 10], [0, 1, 2, 3, 4, 5])
    """
    if weights is None:
        weights = np.ones(n_classes)
    weights = np.asarray(weights, dtype=float).ravel()
    if weights.size == n_classes - 1:
        weights = np.append(weights, 1.0 - weights.sum())
    if weights.size != n_classes or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(
            f"weights must hold {n_classes} (or {n_classes - 1}) non-negative class "
            f"proportions, not all zero; got {weights.tolist()}."
        )
    rng = check_random_state(random_state)
    y = rng.permutation(np.repeat(np.arange(n_classes), _allocate(n_windows, weights)))
    # spread each class's windows evenly over the subjects
    order = np.argsort(y, kind="stable")
    first = np.searchsorted(y[order], y[order])
    groups = np.empty(n_windows, dtype=np.int64)
    shift = rng.randint(0, n_groups, n_classes)[y[order]]
    groups[order] = (np.arange(n_windows) - first + shift) % n_groups
    values = _simulate(y, groups, np.full(n_windows, n_timesteps), n_activities=n_classes,
                       n_users=n_groups, n_channels=n_channels, fs=_WINDOWS_FS,
                       difficulty=float(difficulty), rng=rng)
    X = np.ascontiguousarray(values.reshape(n_windows, n_timesteps, n_channels)
                             .transpose(0, 2, 1))
    return X, y.astype(np.int64), groups
