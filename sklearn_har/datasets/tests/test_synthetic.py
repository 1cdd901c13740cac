import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.neighbors import NearestCentroid

from sklearn_har.datasets import make_har_table, make_har_windows
from sklearn_har.utils.validation import check_table

pd = pytest.importorskip("pandas")


def _equal(a, b):
    return a.equals(b) if hasattr(a, "equals") else np.array_equal(a, b)


@pytest.mark.parametrize("make", [make_har_table, make_har_windows])
def test_generators_are_reproducible_and_seed_dependent(make):
    first, again, other = make(random_state=0), make(random_state=0), make(random_state=1)
    assert all(_equal(a, b) for a, b in zip(first, again))
    assert not _equal(first[0], other[0])


def test_make_har_table_frame_layout_and_dtypes():
    X, y = make_har_table(n_users=3, n_activities=4, rows_per_user=1200, random_state=0)
    assert list(X.columns) == ["user", "acc_x", "acc_y", "acc_z",
                               "gyro_x", "gyro_y", "gyro_z"]
    assert X.shape == (3600, 7) and y.shape == (3600,)
    assert (X.dtypes.iloc[1:] == np.float32).all()
    assert set(X["user"]) == {"u0", "u1", "u2"}
    assert y.dtype.kind == "U" and set(y) == {"walk", "run", "sit", "stand"}


def test_make_har_table_array_has_user_id_first_and_same_values():
    kwargs = dict(n_users=3, rows_per_user=500, n_chunks=3, random_state=4)
    frame, y_frame = make_har_table(**kwargs)
    array, y_array = make_har_table(as_frame=False, **kwargs)
    assert array.dtype == np.float32 and array.shape == frame.shape
    assert frame["user"].tolist() == [f"u{int(u)}" for u in array[:, 0]]
    np.testing.assert_array_equal(array[:, 1:], frame.iloc[:, 1:].to_numpy())
    np.testing.assert_array_equal(y_array, y_frame)


def test_make_har_table_generic_channel_names_and_group_name():
    X, _ = make_har_table(n_users=2, n_channels=4, rows_per_user=300,
                          group_name="subject", random_state=0)
    assert list(X.columns) == ["subject", "ch0", "ch1", "ch2", "ch3"]


def test_make_har_table_names_more_activities_than_the_builtin_ones():
    _, y = make_har_table(n_users=1, n_activities=12, rows_per_user=2400, random_state=0)
    names = np.unique(y)
    assert names.size == 12
    assert {"walk", "stairs_up", "activity_11"} <= set(names)


@pytest.mark.parametrize("imbalance", [1.0, 4.0, 10.0])
def test_class_shares_follow_imbalance(imbalance):
    n_activities = 5
    _, y = make_har_table(n_activities=n_activities, imbalance=imbalance, random_state=0)
    names, counts = np.unique(y, return_counts=True)
    assert counts.max() / counts.min() == pytest.approx(imbalance, rel=0.02)
    if imbalance > 1:  # the first activity is the most frequent
        assert names[np.argmax(counts)] == "walk"
    # geometric spacing: consecutive activities differ by the same factor
    counts = pd.Series(y).value_counts().to_numpy()
    np.testing.assert_allclose(counts[:-1] / counts[1:],
                               imbalance ** (1 / (n_activities - 1)), rtol=0.03)


@pytest.mark.parametrize("n_chunks", [1, 2, 4])
def test_user_chunks_are_interleaved_and_every_user_does_every_activity(n_chunks):
    n_users = 4
    X, y = make_har_table(n_users=n_users, rows_per_user=2000, n_chunks=n_chunks,
                          imbalance=5.0, random_state=0)
    table = check_table(X, group_column="user")
    runs_of = np.asarray(table.group_labels)[table.group_codes[table.run_starts[:-1]]]
    # user A chunk 1, user B chunk 1, ..., user A chunk 2, ...
    assert runs_of.tolist() == [f"u{u}" for u in range(n_users)] * n_chunks
    assert (table.run_lengths == 2000 // n_chunks).all()
    for user in range(n_users):
        assert set(y[X["user"].to_numpy() == f"u{user}"]) == set(y)


def test_bouts_last_a_few_seconds():
    fs = 50.0
    X, y = make_har_table(n_users=1, rows_per_user=30000, n_chunks=1, fs=fs,
                          random_state=0)
    changes = np.flatnonzero(y[1:] != y[:-1]) + 1
    seconds = np.diff(np.r_[0, changes, y.size]) / fs
    assert 2.0 <= np.median(seconds) <= 10.0
    assert seconds.min() >= 2.0  # adjacent bouts of one activity only merge


def _cross_subject_accuracy(difficulty):
    X, y, groups = make_har_windows(n_windows=600, n_classes=4, difficulty=difficulty,
                                    random_state=0)
    features = np.concatenate([X.mean(axis=2), X.std(axis=2)], axis=1)
    return cross_val_score(NearestCentroid(), features, y, groups=groups,
                           cv=GroupKFold(3)).mean()


def test_difficulty_reduces_separability():
    easy, medium, hard = (_cross_subject_accuracy(d) for d in (0.0, 0.5, 1.0))
    assert easy > 0.99
    assert easy > medium > hard
    assert hard < 0.7


def test_difficulty_zero_users_are_identical_and_noise_small():
    X, y = make_har_table(n_users=2, n_activities=3, difficulty=0.0, random_state=0)
    means = X.groupby([y, X["user"]]).mean().unstack()
    np.testing.assert_allclose(means.xs("u0", axis=1, level=1),
                               means.xs("u1", axis=1, level=1), atol=0.05)


def test_table_and_windows_share_the_signal_model():
    # at difficulty 0 the per-class mean acceleration is the activity's gravity
    X, y = make_har_table(n_activities=3, n_channels=3, difficulty=0.0, random_state=0)
    Xw, yw, _ = make_har_windows(n_classes=3, n_channels=3, difficulty=0.0, random_state=1)
    table_means = X.iloc[:, 1:].groupby(y).mean().loc[["walk", "run", "sit"]].to_numpy()
    window_means = np.stack([Xw[yw == k].mean(axis=(0, 2)) for k in range(3)])
    np.testing.assert_allclose(table_means, window_means, atol=0.03)


def test_make_har_windows_shapes_labels_and_groups():
    X, y, groups = make_har_windows(n_windows=240, n_classes=3, n_channels=6,
                                    n_timesteps=64, n_groups=4, random_state=0)
    assert X.shape == (240, 6, 64) and X.dtype == np.float32 and X.flags.c_contiguous
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [80, 80, 80]
    assert groups.dtype == np.int64
    counts = pd.crosstab(y, groups).to_numpy()
    assert counts.shape == (3, 4) and (counts == 20).all()  # classes spread over subjects


@pytest.mark.parametrize("weights, expected", [
    ([0.5, 0.3, 0.2], [50, 30, 20]),
    ([0.5, 0.3], [50, 30, 20]),  # n_classes - 1 values: the last takes the rest
    ([5, 3, 2], [50, 30, 20]),  # normalised
])
def test_make_har_windows_weights_set_class_proportions(weights, expected):
    _, y, _ = make_har_windows(n_windows=100, n_classes=3, weights=weights, random_state=0)
    assert np.bincount(y, minlength=3).tolist() == expected


@pytest.mark.parametrize("weights", [[0.5, 0.6], [0.2, -0.1, 0.9], [0.7, 0.6]])
def test_make_har_windows_rejects_bad_weights(weights):
    with pytest.raises(ValueError, match="weights must hold 3"):
        make_har_windows(n_classes=3, weights=weights)


@pytest.mark.parametrize("make, kwargs, match", [
    (make_har_table, {"n_users": 0},
     "The 'n_users' parameter of make_har_table must be an int in the range"),
    (make_har_table, {"difficulty": 1.5}, "'difficulty' parameter"),
    (make_har_table, {"imbalance": 0.5}, "'imbalance' parameter"),
    (make_har_table, {"rows_per_user": 3, "n_chunks": 4}, "every chunk needs"),
    (make_har_table, {"group_name": "acc_x"}, "also a channel name"),
    (make_har_windows, {"n_timesteps": 0}, "'n_timesteps' parameter"),
])
def test_invalid_parameters_raise_a_clear_error(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_without_pandas_auto_gives_an_array_and_true_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    X, _ = make_har_table(n_users=2, rows_per_user=100, random_state=0)
    assert isinstance(X, np.ndarray) and X.shape == (200, 7)
    with pytest.raises(ImportError, match="as_frame=True needs pandas"):
        make_har_table(as_frame=True)
