import warnings

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_har.preprocessing import ShortRunWarning, WindowSegmenter

pd = pytest.importorskip("pandas")

def _naive_segment(values, y, groups, window, step):
    """Reference: a Python loop over runs and start positions."""
    out_w, out_y, starts = [], [], []
    n = len(values)
    run_start = 0
    for i in range(1, n + 1):
        if i == n or groups[i] != groups[i - 1]:
            for s in range(run_start, i - window + 1, step):
                out_w.append(values[s:s + window].T)
                labs, cnt = np.unique(y[s:s + window], return_counts=True)
                out_y.append(labs[np.argmax(cnt)])
                starts.append(s)
            run_start = i
    return np.array(out_w), np.array(out_y), np.array(starts)


@pytest.mark.parametrize("seed", range(6))
def test_segmenter_matches_naive_loop_on_random_tables(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    groups = np.repeat(rng.integers(0, 4, size=12), rng.integers(1, 40, size=12))[:n]
    n = len(groups)
    values = rng.normal(size=(n, 3)).astype(np.float32)
    y = rng.integers(0, 3, size=n)
    window, step = int(rng.integers(2, 12)), int(rng.integers(1, 12))
    X = np.c_[groups, values]
    seg = WindowSegmenter(window=window, step=step, group_column=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortRunWarning)
        W, wy = seg.fit_resample(X, y)
    ref_w, ref_y, ref_starts = _naive_segment(values, y, groups, window, step)
    np.testing.assert_array_equal(W, ref_w)
    np.testing.assert_array_equal(wy, ref_y)
    _, index = seg.segment(X)
    np.testing.assert_array_equal(index.starts, ref_starts)


def _chunked_frame():
    """Users' rows in interleaved chunks; channel 'chunk' holds the chunk id."""
    chunks = [("a", 30), ("b", 25), ("a", 22), ("c", 40), ("b", 18), ("a", 31)]
    users = np.concatenate([[u] * n for u, n in chunks])
    chunk_id = np.concatenate([[i] * n for i, (_, n) in enumerate(chunks)])
    X = pd.DataFrame({"user": users, "chunk": chunk_id.astype(float),
                      "acc": np.arange(users.size, dtype=float)})
    y = np.where(np.arange(users.size) % 40 < 20, "walk", "sit")
    return X, y, users, chunk_id


def test_window_segmenter_never_spans_groups_or_chunks():
    X, y, users, chunk_id = _chunked_frame()
    seg = WindowSegmenter(window=8, step=3, group_column="user")
    W, _ = seg.fit_resample(X, y)
    assert seg.channel_names_ == ["chunk", "acc"]
    # the chunk channel is constant inside every window
    assert np.all(W[:, 0].min(axis=1) == W[:, 0].max(axis=1))
    # consecutive rows only: acc (the row number) increases by one
    assert np.all(np.diff(W[:, 1], axis=1) == 1)
    # every chunk of >= 8 rows gives its windows, in input order
    assert np.all(np.diff(W[:, 1, 0]) > 0)
    assert set(np.unique(W[:, 0, 0])) == set(range(6))


def test_cv_subset_keeps_chunks_apart_through_the_index():
    X, y, users, _ = _chunked_frame()
    train = np.flatnonzero(users != "b")  # what GroupKFold leaves when 'b' is held out
    Xs, ys = X.iloc[train], y[train]
    W, _ = WindowSegmenter(window=8, step=3, group_column="user").fit_resample(Xs, ys)
    assert np.all(W[:, 0].min(axis=1) == W[:, 0].max(axis=1))
    # without the index rule, chunks 'a'(0) and 'a'(2) become one run and mix
    W2, _ = WindowSegmenter(window=8, step=3, group_column="user",
                            split_on_index_gaps=False).fit_resample(Xs, ys)
    assert np.any(W2[:, 0].min(axis=1) != W2[:, 0].max(axis=1))


def test_several_group_columns_end_runs_where_any_changes():
    subject = np.array([1] * 10 + [1] * 10)
    recording = np.array([1] * 10 + [2] * 10)
    X = np.c_[subject, recording, np.arange(20.0)]
    W, _ = WindowSegmenter(window=4, step=4, group_column=[0, 1]).fit_resample(X, np.zeros(20))
    np.testing.assert_array_equal(W[:, 0, 0], [0, 4, 10, 14])
    W1, _ = WindowSegmenter(window=4, step=4, group_column=0).fit_resample(X, np.zeros(20))
    np.testing.assert_array_equal(W1[:, 1, 0], [0, 4, 8, 12, 16])  # channels: recording, t


@pytest.mark.parametrize(
    "label, expected",
    [("majority", ["a", "b"]), ("last", ["b", "c"]), ("center", ["a", "b"])],
)
def test_label_policies_on_hand_built_table(label, expected):
    y = np.array(list("aaabbbbc"))
    X = np.arange(8.0)[:, None]
    _, wy = WindowSegmenter(window=4, step=4, label=label).fit_resample(X, y)
    assert wy.tolist() == expected


def test_majority_tie_goes_to_first_label_in_sort_order():
    _, wy = WindowSegmenter(window=4, step=4).fit_resample(np.zeros((4, 1)), ["b", "a", "a", "b"])
    assert wy.tolist() == ["a"]


def test_min_purity_drops_mixed_windows_and_counts_them():
    y = np.array(list("aaab" "aaaa" "abab"))
    seg = WindowSegmenter(window=4, step=4, min_purity=0.75)
    _, wy = seg.fit_resample(np.zeros((12, 1)), y)
    assert wy.tolist() == ["a", "a"]  # purities 0.75, 1.0 kept; 0.5 dropped
    assert seg.n_windows_dropped_ == {"ignored": 0, "impure": 1}
    _, wy = WindowSegmenter(window=4, step=4, min_purity=0.8).fit_resample(np.zeros((12, 1)), y)
    assert wy.tolist() == ["a"]


def test_ignore_label_rows_do_not_vote_and_ignored_windows_are_dropped():
    y = np.array([-1, -1, 1, 1, -1, -1, -1, -1, 2, 2, 2, -1])
    X = np.arange(12.0)[:, None]
    seg = WindowSegmenter(window=4, step=4, ignore_label=-1)
    W, wy = seg.fit_resample(X, y)
    assert wy.tolist() == [1, 2]
    np.testing.assert_array_equal(W[:, 0, 0], [0, 8])
    assert seg.n_windows_dropped_ == {"ignored": 1, "impure": 0}
    assert seg.classes_.tolist() == [1, 2]
    # ignored rows count against purity: window 0 is half null
    _, wy = WindowSegmenter(window=4, step=4, ignore_label=-1, min_purity=0.6).fit_resample(X, y)
    assert wy.tolist() == [2]
    # with "last", the window ending on a null row is dropped too
    _, wy = WindowSegmenter(window=4, step=4, ignore_label=-1, label="last").fit_resample(X, y)
    assert wy.tolist() == [1]
    # transform keeps every window
    assert WindowSegmenter(window=4, step=4, ignore_label=-1).fit(X).transform(X).shape[0] == 3


def test_ignore_label_accepts_a_list_of_labels():
    y = np.array(["null", "null", "walk", "walk", "other", "other", "sit", "sit"])
    _, wy = WindowSegmenter(window=2, step=2, ignore_label=["null", "other"]).fit_resample(
        np.zeros((8, 1)), y)
    assert wy.tolist() == ["walk", "sit"]


def test_tail_rows_get_no_window_and_short_runs_warn():
    X = np.c_[[0] * 11 + [1] * 3, np.arange(14.0)]
    seg = WindowSegmenter(window=4, step=3, group_column=0)
    with pytest.warns(ShortRunWarning, match=r"1 of 2 runs of rows \(3 rows"):
        W, _ = seg.fit_resample(X, np.zeros(14))
    np.testing.assert_array_equal(W[:, 0, 0], [0, 3, 6])  # row 10 (tail) and 11-13 uncovered
    _, index = seg.segment(X)
    np.testing.assert_array_equal(index.coverage(), [1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 0, 0, 0, 0])


def test_default_step_is_half_a_window():
    W = WindowSegmenter(window=10).fit(np.zeros((40, 1))).transform(np.arange(40.0)[:, None])
    np.testing.assert_array_equal(W[:, 0, 0], [0, 5, 10, 15, 20, 25, 30])


def test_labels_keep_the_users_type():
    X = np.zeros((8, 2))
    for y in (np.array([3, 3, 3, 3, 7, 7, 7, 7]), np.array(["x"] * 4 + ["yy"] * 4)):
        _, wy = WindowSegmenter(window=4, step=4).fit_resample(X, y)
        assert wy.dtype == y.dtype and wy.tolist() == [y[0], y[-1]]


def test_numpy_and_pandas_give_the_same_windows():
    X, y, _, _ = _chunked_frame()
    W_df, y_df = WindowSegmenter(window=8, group_column="user").fit_resample(X, y)
    codes = pd.factorize(X["user"])[0]
    Xn = np.c_[X[["chunk"]].to_numpy(), codes, X[["acc"]].to_numpy()]
    W_np, y_np = WindowSegmenter(window=8, group_column=1).fit_resample(Xn, y)
    np.testing.assert_array_equal(W_df, W_np)
    np.testing.assert_array_equal(y_df, y_np)
    # group column by position in a DataFrame
    W_pos, _ = WindowSegmenter(window=8, group_column=0).fit_resample(X, y)
    np.testing.assert_array_equal(W_pos, W_df)


def test_to_rows_averages_overlaps_and_fills_uncovered_rows_from_nearest_window():
    X = np.c_[[0] * 7 + [1] * 5, np.zeros(12)]
    seg = WindowSegmenter(window=4, step=2, group_column=0).fit(X)
    _, index = seg.segment(X)
    np.testing.assert_array_equal(index.starts, [0, 2, 7])
    rows = index.to_rows(np.array([0.0, 1.0, 5.0]))
    # rows 0-1: window 0; 2-3: mean of 0 and 1; 4-5: window 1; 6: nearest = window 1;
    # rows 7-10: window 2; row 11 (tail of group 1): window 2
    np.testing.assert_allclose(rows, [0, 0, .5, .5, 1, 1, 1, 5, 5, 5, 5, 5])


def test_to_rows_falls_back_to_the_group_for_short_chunks():
    # user 0: a 6-row chunk, then user 1, then a 2-row chunk of user 0
    X = np.c_[[0] * 6 + [1] * 4 + [0] * 2, np.zeros(12)]
    seg = WindowSegmenter(window=4, step=2, group_column=0)
    with pytest.warns(ShortRunWarning):
        seg.fit_resample(X, np.zeros(12))
    _, index = seg.segment(X)
    rows = index.to_rows(np.arange(index.n_windows, dtype=float))
    # the 2-row chunk takes user 0's nearest window (its last), not user 1's
    assert rows[10] == rows[11] == 1.0
    assert np.all(rows[6:10] == 2.0)


@pytest.mark.parametrize(
    "X, params, match",
    [
        (np.zeros(10), {}, r"stream table of shape \(n_rows, n_columns\).*\(10,\) \(1-D\)"),
        (np.zeros((2, 3, 10)), {}, r"got an array of shape \(2, 3, 10\) \(3-D\)"),
        (np.zeros((10, 2)), {"window": 11}, r"window=11 is longer than every run.*10 sample"),
        (np.zeros((10, 2)), {"group_column": 5}, r"group_column=5 is out of range.*2 columns"),
    ],
)
def test_bad_input_raises_clear_error(X, params, match):
    with pytest.raises(ValueError, match=match):
        WindowSegmenter(**{"window": 4, **params}).fit_resample(X, np.zeros(len(X)))


def test_window_must_be_positive():
    msg = r"The 'window' parameter of WindowSegmenter must be an int in the range \[1, inf\)"
    with pytest.raises(InvalidParameterError, match=msg):
        WindowSegmenter(window=0).fit_resample(np.zeros((10, 1)), np.zeros(10))


def test_nan_is_refused_with_count_and_position():
    X = np.zeros((20, 3))
    X[7, 2] = np.nan
    X[9, 0] = np.inf
    with pytest.raises(ValueError, match=r"1 NaN and 1 inf values in 2 row\(s\); the "
                                         r"first is at row 7, channel 2"):
        WindowSegmenter(window=4).fit_resample(X, np.zeros(20))


def test_label_count_must_match_rows():
    with pytest.raises(ValueError, match="y has 9 labels but the table has 10 rows"):
        WindowSegmenter(window=4).fit_resample(np.zeros((10, 1)), np.zeros(9))


def test_unknown_group_column_names_the_columns():
    X = pd.DataFrame({"user": [0] * 8, "acc": np.zeros(8)})
    with pytest.raises(ValueError, match=r"Unknown group_column 'subject'.*\['user', 'acc'\]"):
        WindowSegmenter(window=4, group_column="subject").fit_resample(X, np.zeros(8))


def test_transform_refuses_other_columns():
    X = pd.DataFrame({"user": [0] * 8, "acc": np.zeros(8), "gyr": np.zeros(8)})
    seg = WindowSegmenter(window=4, group_column="user").fit(X)
    with pytest.raises(ValueError, match="nothing is reordered"):
        seg.transform(X[["user", "gyr", "acc"]])
    with pytest.raises(ValueError, match="X has 2 features, but WindowSegmenter is expecting 3"):
        seg.transform(X[["user", "acc"]])


def test_non_numeric_channel_is_named():
    X = pd.DataFrame({"user": ["a"] * 8, "acc": np.zeros(8)})
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['user'\]"):
        WindowSegmenter(window=4).fit(X)


def test_classes_are_the_labels_of_the_kept_windows():
    y = np.array(list("aaaa" "bbbb" "abcc"))
    seg = WindowSegmenter(window=4, step=4, min_purity=0.6)
    seg.fit_resample(np.zeros((12, 1)), y)
    assert seg.classes_.tolist() == ["a", "b"]  # "c" only in the impure window


def test_first_group_column_is_the_fallback_group():
    # subject 1: recording 1 (8 rows) then a short recording 2 (2 rows)
    X = np.c_[[1] * 10, [1] * 8 + [2] * 2, np.zeros(10)]
    seg = WindowSegmenter(window=4, step=4, group_column=[0, 1])
    with pytest.warns(ShortRunWarning):
        seg.fit_resample(X, np.zeros(10))
    _, index = seg.segment(X)
    # the short recording takes its subject's nearest window instead of failing
    np.testing.assert_array_equal(index.nearest_window([8, 9]), [1, 1])


@pytest.mark.parametrize("user", [
    pd.Series(["anna"] * 4 + [None] * 2 + ["ben"] * 6, dtype=object),
    pd.Series(["anna"] * 4 + [np.nan] * 2 + ["ben"] * 6, dtype=object),
    pd.Series(["anna"] * 4 + [pd.NA] * 2 + ["ben"] * 6, dtype=object),
    pd.Series(["anna"] * 4 + [None] * 2 + ["ben"] * 6, dtype="string"),
    pd.Series([1] * 4 + [None] * 2 + [2] * 6, dtype="Int64"),
], ids=["None", "nan", "pd.NA", "string-NA", "Int64-NA"])
def test_missing_group_is_refused_not_one_more_group(user):
    X = pd.DataFrame({"user": user, "acc": np.arange(12.0)})
    seg = WindowSegmenter(window=4, step=4, group_column="user")
    match = r"group column 'user' contains 2 NaN/missing value\(s\).*first at row 4"
    with pytest.raises(ValueError, match=match):
        seg.fit_resample(X, np.zeros(12))
    with pytest.raises(ValueError, match=match):
        seg.fit(X.dropna()).transform(X)
