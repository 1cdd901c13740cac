import os

import numpy as np
import pytest

from sklearn_har.datasets import list_benchmarks, load_benchmark
from sklearn_har.datasets._benchmark import _BENCHMARKS

ENV = "SKLEARN_HAR_DATA"
CLASSES = np.array(["walk", "sit", "lie"])


def _fake_file(kind, n, seed, split=None):
    """Arrays with the keys of the real files of ``kind`` (tiny, random)."""
    rng = np.random.default_rng(seed)
    arrays = dict(y=rng.integers(-1 if kind == "stream" else 0, 3, n).astype(np.int16),
                  subject=rng.integers(1, 4, n).astype(np.int16),
                  classes=CLASSES, fs=np.float32(50.0),
                  train_subjects=np.array([1, 3], np.int16),
                  test_subjects=np.array([2], np.int16))
    if kind == "stream":
        arrays.update(X=rng.normal(size=(n, 3)).astype(np.float32),
                      recording=(np.arange(n) >= n // 2).astype(np.int32),
                      channels=np.array(["acc_x", "acc_y", "acc_z"]),
                      recording_label=np.array([0, 2], np.int16))
    elif kind == "windows":
        arrays.update(X=rng.normal(size=(n, 2, 8)).astype(np.float32),
                      channels=np.array(["acc_x", "gyro_x"]),
                      split=np.full(n, split or "train"),
                      segment=np.arange(n, dtype=np.int32))
    else:
        arrays.update(X=rng.normal(size=(n, 4)).astype(np.float32),
                      features=np.array(["X0", "XAVG", "XPEAK", "RESULTANT"]),
                      unique_id=np.arange(n, dtype=np.int32))
    return arrays


def _write(root, name, *, nested=True, n=10):
    spec = _BENCHMARKS[name]
    folder = root / name if nested else root
    folder.mkdir(parents=True, exist_ok=True)
    for i, file in enumerate(spec.files):
        split = "test" if "test" in file else "train"
        np.savez_compressed(folder / file, **_fake_file(spec.kind, n + i, i, split))
    return root


def test_list_benchmarks_names_every_dataset():
    assert list_benchmarks() == [
        "uci_har_raw", "uci_har_official", "wisdm_v1_1_windows",
        "wisdm_v1_1_transformed", "hmp_adl_wrist", "utd_mhad_inertial",
        "seglearn_watch", "basicmotions"]


def test_stream_loads_from_data_home_argument_as_a_table(tmp_path):
    pd = pytest.importorskip("pandas")
    bunch = load_benchmark("uci_har_raw", data_home=_write(tmp_path, "uci_har_raw"))
    fake = _fake_file("stream", 10, 0)
    assert bunch.kind == "stream"
    assert isinstance(bunch.data, pd.DataFrame)
    assert list(bunch.data.columns) == ["acc_x", "acc_y", "acc_z", "subject", "recording"]
    assert bunch.feature_names == list(bunch.data.columns)
    assert bunch.channel_names == ["acc_x", "acc_y", "acc_z"]
    np.testing.assert_array_equal(bunch.data.iloc[:, :3].to_numpy(), fake["X"])
    np.testing.assert_array_equal(bunch.target, fake["y"])  # -1 kept: unlabelled
    assert bunch.target.dtype == np.int64
    assert bunch.target_names.tolist() == CLASSES.tolist()
    np.testing.assert_array_equal(bunch.subject, fake["subject"])
    np.testing.assert_array_equal(bunch.recording, fake["recording"])
    assert bunch.fs == 50.0 and isinstance(bunch.fs, float)
    assert bunch.train_subjects.tolist() == [1, 3] and bunch.test_subjects.tolist() == [2]
    assert bunch.recording_label.tolist() == [0, 2]  # other arrays kept as fields
    assert "commercial use prohibited" in bunch.DESCR
    assert "10 rows x 3 channels" in bunch.DESCR


def test_stream_as_numpy_array_has_the_same_columns(tmp_path):
    bunch = load_benchmark("hmp_adl_wrist", data_home=_write(tmp_path, "hmp_adl_wrist"),
                           as_frame=False)
    fake = _fake_file("stream", 10, 0)
    assert isinstance(bunch.data, np.ndarray) and bunch.data.dtype == np.float32
    assert bunch.data.shape == (10, 5)
    assert bunch.feature_names == ["acc_x", "acc_y", "acc_z", "subject", "recording"]
    np.testing.assert_array_equal(bunch.data[:, :3], fake["X"])
    np.testing.assert_array_equal(bunch.data[:, 3], fake["subject"])
    np.testing.assert_array_equal(bunch.data[:, 4], fake["recording"])
    assert "keep it internal" in bunch.DESCR


def test_env_var_and_files_directly_in_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(_write(tmp_path, "basicmotions", nested=False)))
    bunch = load_benchmark("basicmotions")
    assert bunch.kind == "windows"
    assert bunch.data.shape == (10, 2, 8) and bunch.data.dtype == np.float32
    assert bunch.channel_names == ["acc_x", "gyro_x"]
    assert bunch.split.tolist() == ["train"] * 10


def test_data_home_argument_wins_over_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(tmp_path / "nowhere"))
    home = _write(tmp_path / "home", "wisdm_v1_1_windows")
    assert load_benchmark("wisdm_v1_1_windows", data_home=home).data.shape == (10, 2, 8)


def test_official_windows_concatenate_train_and_test_files(tmp_path):
    home = _write(tmp_path, "uci_har_official")
    bunch = load_benchmark("uci_har_official", data_home=home)
    train, test = _fake_file("windows", 10, 0), _fake_file("windows", 11, 1)
    assert bunch.data.shape == (21, 2, 8)
    np.testing.assert_array_equal(bunch.data, np.concatenate([train["X"], test["X"]]))
    np.testing.assert_array_equal(bunch.target, np.concatenate([train["y"], test["y"]]))
    assert bunch.split.tolist() == ["train"] * 10 + ["test"] * 11
    assert bunch.subject.shape == bunch.segment.shape == (21,)
    assert bunch.train_subjects.tolist() == [1, 3]  # file-level arrays not doubled
    assert bunch.target_names.tolist() == CLASSES.tolist()


def test_official_windows_with_disagreeing_files_raise(tmp_path):
    _write(tmp_path, "uci_har_official")
    path = tmp_path / "uci_har_official" / "uci_har_official_windows_test.npz"
    np.savez(path, **{**_fake_file("windows", 4, 1), "classes": np.array(["a", "b", "c"])})
    with pytest.raises(ValueError, match="disagree on 'classes'"):
        load_benchmark("uci_har_official", data_home=tmp_path)


def test_feature_file_loads_as_a_feature_table(tmp_path):
    pd = pytest.importorskip("pandas")
    home = _write(tmp_path, "wisdm_v1_1_transformed")
    bunch = load_benchmark("wisdm_v1_1_transformed", data_home=home)
    assert bunch.kind == "features"
    assert isinstance(bunch.data, pd.DataFrame) and bunch.data.shape == (10, 4)
    assert bunch.feature_names == ["X0", "XAVG", "XPEAK", "RESULTANT"]
    assert bunch.unique_id.shape == (10,)
    plain = load_benchmark("wisdm_v1_1_transformed", data_home=home, as_frame=False)
    np.testing.assert_array_equal(plain.data, bunch.data.to_numpy())


def test_missing_file_error_names_every_path_and_the_fix(tmp_path):
    _write(tmp_path, "uci_har_official")
    os.remove(tmp_path / "uci_har_official" / "uci_har_official_windows_test.npz")
    with pytest.raises(FileNotFoundError) as excinfo:
        load_benchmark("uci_har_official", data_home=tmp_path)
    message = str(excinfo.value)
    for path in (tmp_path / "uci_har_official" / "uci_har_official_windows_test.npz",
                 tmp_path / "uci_har_official_windows_test.npz"):
        assert str(path) in message
    assert "windows_train" not in message  # the file that was found is not listed
    assert ENV in message and "data_home" in message


def test_unknown_name_lists_the_known_names(tmp_path):
    with pytest.raises(ValueError, match="uci_har_raw") as excinfo:
        load_benchmark("uci_har", data_home=tmp_path)
    assert all(name in str(excinfo.value) for name in list_benchmarks())


def test_no_data_home_and_no_env_var_is_a_clear_error(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(FileNotFoundError, match=f"data_home is None and {ENV} is not set"):
        load_benchmark("uci_har_raw")


# real files: SKLEARN_HAR_DATA=/path/to/data pytest -m slow
@pytest.fixture
def real_home():
    if not os.environ.get(ENV):
        pytest.skip(f"{ENV} is not set")
    return os.environ[ENV]


REAL = {  # name: (data shape, number of classes, fs)
    "uci_har_raw": ((1_122_772, 8), 12, 50.0),
    "uci_har_official": ((10_299, 9, 128), 6, 50.0),
    "wisdm_v1_1_windows": ((7_292, 3, 128), 6, 20.0),
    "wisdm_v1_1_transformed": ((5_418, 43), 6, 20.0),
    "hmp_adl_wrist": ((446_529, 5), 14, 32.0),
    "utd_mhad_inertial": ((155_638, 8), 27, 50.0),
    "seglearn_watch": ((244_102, 8), 7, 50.0),
    "basicmotions": ((80, 6, 100), 4, 10.0),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REAL))
def test_real_benchmark_shapes(real_home, name):
    shape, n_classes, fs = REAL[name]
    bunch = load_benchmark(name, real_home)
    assert bunch.data.shape == shape
    assert len(bunch.target_names) == n_classes and bunch.fs == fs
    assert bunch.target.shape == (shape[0],)
    assert bunch.target.max() == n_classes - 1
    if bunch.kind == "windows":
        assert bunch.data.dtype == np.float32
        assert len(bunch.channel_names) == shape[1]
    assert bunch.DESCR.startswith(name)


@pytest.mark.slow
def test_real_uci_har_raw_counts(real_home):
    bunch = load_benchmark("uci_har_raw", real_home, as_frame=False)
    assert bunch.channel_names == ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
    assert np.count_nonzero(bunch.target == -1) == 307_158
    assert np.count_nonzero(bunch.target == 0) == 122_091
    assert np.unique(bunch.subject).size == 30 and np.unique(bunch.recording).size == 61
    assert bunch.test_subjects.tolist() == [2, 4, 9, 10, 12, 13, 18, 20, 24]
    assert len(bunch.train_subjects) == 21


@pytest.mark.slow
def test_real_uci_har_official_split(real_home):
    bunch = load_benchmark("uci_har_official", real_home)
    train = bunch.split == "train"
    assert train.sum() == 7352 and (~train).sum() == 2947
    assert np.bincount(bunch.target[train]).tolist() == [1226, 1073, 986, 1286, 1374, 1407]
    assert np.bincount(bunch.target[~train]).tolist() == [496, 471, 420, 491, 532, 537]
    assert set(bunch.subject[~train]) == set(bunch.test_subjects.tolist())
