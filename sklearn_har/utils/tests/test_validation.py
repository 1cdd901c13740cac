import numpy as np
import pytest
from sklearn.base import BaseEstimator

from sklearn_har.utils.validation import (
    check_row_labels,
    check_table,
    check_windows,
    factorize,
    validate_windows,
)

pd = pytest.importorskip("pandas")


def test_windows_2d_is_one_channel_and_float64_is_cast():
    X = np.arange(12, dtype=np.float64).reshape(3, 4)
    W = check_windows(X)
    assert W.shape == (3, 1, 4) and W.dtype == np.float32
    np.testing.assert_array_equal(W[:, 0], X)
    W3 = check_windows(np.zeros((3, 2, 4), dtype=np.int64))
    assert W3.dtype == np.float32 and W3.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_windows_of_wrong_rank_name_expected_and_received_shape(shape):
    with pytest.raises(ValueError) as exc:
        check_windows(np.zeros(shape))
    msg = str(exc.value)
    assert "(n_windows, n_channels, n_timesteps)" in msg
    assert f"got an array of shape {shape} ({len(shape)}-D)" in msg


def test_windows_nan_message_counts_and_locates():
    X = np.zeros((6, 3, 10), dtype=np.float32)
    X[4, 1, 7] = np.nan
    X[5, 0, 0] = np.nan
    X[5, 2, 3] = -np.inf
    with pytest.raises(ValueError, match=r"2 NaN and 1 inf values in 2 window\(s\); the "
                                         r"first is at window 4, channel 1, time step 7"):
        check_windows(X)
    assert np.isnan(check_windows(X, allow_nan=True)).sum() == 2


def test_windows_refuse_sparse_complex_and_strings():
    import scipy.sparse as sp

    with pytest.raises(TypeError, match="Sparse input is not supported"):
        check_windows(sp.csr_matrix(np.eye(3)))
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_windows(np.ones((2, 3), dtype=complex))
    with pytest.raises(ValueError, match="could not convert"):
        check_windows(np.array([["a", "b"]]))


class _Est(BaseEstimator):
    pass


def test_validate_windows_records_and_checks_the_shape():
    est = _Est()
    validate_windows(est, np.zeros((4, 3, 50)), reset=True)
    assert (est.n_channels_in_, est.n_timesteps_in_, est.n_features_in_) == (3, 50, 150)
    validate_windows(est, np.zeros((2, 3, 50)), reset=False)
    with pytest.raises(ValueError, match=r"fitted on windows of 3 channel\(s\) x 50 time "
                                         r"steps and got 3 channel\(s\) x 40"):
        validate_windows(est, np.zeros((2, 3, 40)), reset=False)
    # (n, T, C) passed by mistake gets the hint
    with pytest.raises(ValueError, match="axes look swapped"):
        validate_windows(est, np.zeros((2, 50, 3)), reset=False)
    # a length-free estimator only checks channels
    validate_windows(est, np.zeros((2, 3, 40)), reset=False, skip_check=True)


def test_table_drops_group_columns_and_finds_runs():
    X = pd.DataFrame({"acc": np.arange(7.0), "user": list("aabbbaa"), "rec": [1] * 6 + [2]})
    t = check_table(X, group_column=["user", "rec"])
    assert t.channel_names == ["acc"] and t.values.shape == (7, 1)
    assert t.run_starts.tolist() == [0, 2, 5, 6, 7]
    # the group is the first group column; "rec" only ends runs
    assert t.group_codes.tolist() == [0, 0, 1, 1, 1, 0, 0]
    assert t.group_labels == ["a", "b"]
    # the same user in two chunks is one group with two runs
    t1 = check_table(X, group_column="user")
    assert t1.group_codes.tolist() == [0, 0, 1, 1, 1, 0, 0]
    assert t1.run_starts.tolist() == [0, 2, 5, 7]


def test_table_integer_index_gaps_end_runs():
    X = pd.DataFrame({"acc": np.zeros(6)}, index=[0, 1, 2, 10, 11, 12])
    assert check_table(X).run_starts.tolist() == [0, 3, 6]
    assert check_table(X, split_on_index_gaps=False).run_starts.tolist() == [0, 6]
    # a non-integer index is not used
    Xs = X.set_axis(list("abcdef"))
    assert check_table(Xs).run_starts.tolist() == [0, 6]


def test_table_nan_message_gives_row_and_channel():
    X = np.zeros((10, 3))
    X[6, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN and 0 inf values in 1 row\(s\); the first "
                                         r"is at row 6, channel 1 \(column 'ch1'\)"):
        check_table(X)
    # with a group column, the channel is named, not counted among all columns
    df = pd.DataFrame({"user": [0] * 10, "acc_x": 0.0, "acc_y": X[:, 1]})
    with pytest.raises(ValueError, match=r"row 6, channel 1 \(column 'acc_y'\)"):
        check_table(df, group_column="user")


@pytest.mark.parametrize("X", [np.zeros(4), np.zeros((2, 2, 2)), np.zeros((2, 2, 2, 2))])
def test_table_of_wrong_rank_is_refused(X):
    with pytest.raises(ValueError, match=r"stream table of shape \(n_rows, n_columns\)"):
        check_table(X)


def test_table_group_column_errors():
    with pytest.raises(ValueError, match="takes all of them"):
        check_table(np.zeros((3, 1)), group_column=0)
    with pytest.raises(ValueError, match="names column 0 twice"):
        check_table(np.zeros((3, 3)), group_column=[0, 0])
    with pytest.raises(ValueError, match="numpy table has no column names"):
        check_table(np.zeros((3, 3)), group_column="user")
    X = np.zeros((3, 2))
    X[1, 0] = np.nan
    with pytest.raises(ValueError, match="group column 0 contains 1 NaN"):
        check_table(X, group_column=0)


def test_row_labels():
    assert check_row_labels(pd.Series(["a", "b"]), 2).tolist() == ["a", "b"]
    assert check_row_labels(np.array([[1], [2]]), 2).tolist() == [1, 2]
    with pytest.raises(ValueError, match="y has 3 labels but the table has 2 rows"):
        check_row_labels([1, 2, 3], 2)
    with pytest.raises(ValueError, match="1 missing label.*row 1"):
        check_row_labels([1.0, np.nan], 2)
    with pytest.raises(ValueError, match="one label per row"):
        check_row_labels(np.zeros((2, 2)), 2)


@pytest.mark.parametrize("values", [
    np.array([3, 3, 1, 1, 3, 2, 2]),
    np.array(["b", "a", "a", "c", "b"]),
    np.repeat(np.random.default_rng(0).integers(0, 50, 300), 7),
])
def test_factorize_matches_np_unique(values):
    codes, uniques = factorize(values)
    ref_uniques, ref_codes = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(uniques, ref_uniques)
    np.testing.assert_array_equal(codes, ref_codes)
    codes, uniques = factorize(values, sort=False)
    np.testing.assert_array_equal(uniques[codes], values)
    _, first = np.unique(values, return_index=True)
    assert uniques.tolist() == values[np.sort(first)].tolist()


_MISSING_GROUP = r"group column 'user' contains 2 NaN/missing value\(s\).*first at row 2"


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, pd.NaT],
                         ids=["None", "nan", "pd.NA", "pd.NaT"])
def test_table_refuses_missing_values_in_an_object_group_column(missing):
    user = pd.Series(["anna", "anna", missing, "ben", missing, "ben"], dtype=object)
    X = pd.DataFrame({"user": user, "acc": np.arange(6.0)})
    with pytest.raises(ValueError, match=_MISSING_GROUP):
        check_table(X, group_column="user")


@pytest.mark.parametrize("dtype", ["string", "Int64", "category", "datetime64[ns]"])
def test_table_refuses_missing_values_in_a_pandas_dtype_group_column(dtype):
    values = {"string": ["anna", "ben"], "Int64": [1, 2], "category": ["anna", "ben"],
              "datetime64[ns]": pd.to_datetime(["2024-01-01", "2024-01-02"])}[dtype]
    a, b = values
    user = pd.Series([a, a, None, b, None, b]).astype(dtype)
    assert user.isna().sum() == 2
    X = pd.DataFrame({"user": user, "acc": np.arange(6.0)})
    with pytest.raises(ValueError, match=_MISSING_GROUP):
        check_table(X, group_column="user")
    # without missing values the same dtype is a group column like any other
    X["user"] = pd.Series([a, a, a, b, b, b]).astype(dtype)
    t = check_table(X, group_column="user")
    assert t.group_codes.tolist() == [0, 0, 0, 1, 1, 1]
    assert t.run_starts.tolist() == [0, 3, 6]


def test_table_refuses_missing_values_in_any_group_column_and_numpy_objects():
    X = pd.DataFrame({"user": ["anna"] * 3 + ["ben"] * 3,
                      "session": ["s1", "s1", None, "s2", np.nan, "s2"],
                      "acc": np.arange(6.0)})
    with pytest.raises(ValueError, match=r"group column 'session' contains 2 NaN/missing"):
        check_table(X, group_column=["user", "session"])
    A = np.array([["anna", 0.0], ["anna", 1.0], [None, 2.0], ["ben", 3.0],
                  [float("nan"), 4.0]], dtype=object)
    with pytest.raises(ValueError, match=r"group column 0 contains 2 NaN/missing value\(s\) "
                                         r"\(NaN, None, NA or NaT\), first at row 2"):
        check_table(A, group_column=0)


def test_missing_group_values_without_pandas(monkeypatch):
    import sys

    from sklearn_har.utils.validation import _missing_group_values

    col = np.array(["a", None, float("nan"), np.datetime64("NaT"), 0, "b"], dtype=object)
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` fails
    assert _missing_group_values(col).tolist() == [False, True, True, True, False, False]
    assert not _missing_group_values(np.array(["a", "b"])).any()
    assert _missing_group_values(np.array([1.0, np.nan])).tolist() == [False, True]
