"""Loaders for the real HAR benchmark files (compressed numpy archives).

The files are not shipped with the package (several datasets forbid it): point
``data_home`` or the environment variable ``SKLEARN_HAR_DATA`` at the folder
that holds them, laid out as ``<data_home>/<name>/<file>.npz`` (or with the
files directly in ``data_home``).
"""

import os
from dataclasses import dataclass

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

from ._synthetic import _pandas

__all__ = ["list_benchmarks", "load_benchmark"]

_ENV_VAR = "SKLEARN_HAR_DATA"
# arrays that describe the whole file, not one row / window each
_META_KEYS = {"classes", "channels", "features", "fs", "train_subjects",
              "test_subjects", "subject_codes"}
_UCI_TERMS = ("cite Anguita et al., ESANN 2013 (and Reyes-Ortiz et al., "
              "Neurocomputing 2016); commercial use prohibited.")
_WISDM_TERMS = ("cite Kwapisz, Weiss and Moore, SIGKDD Explorations 2011; "
                "WISDM asks that its readme travel with the data.")


@dataclass(frozen=True)
class _Benchmark:
    files: tuple
    kind: str  # "stream", "windows" or "features"
    title: str
    source: str
    terms: str


_BENCHMARKS = {
    "uci_har_raw": _Benchmark(
        ("uci_har_raw_stream.npz",), "stream",
        "UCI-HAR raw signals (HAPT v2.1): waist smartphone acc (g) + gyro "
        "(rad/s), 30 subjects, 61 sessions; -1 = unlabelled.",
        "UCI HAPT v2.1 RawData, via GitHub akashlevy/HATRNet.", _UCI_TERMS),
    "uci_har_official": _Benchmark(
        ("uci_har_official_windows_train.npz", "uci_har_official_windows_test.npz"),
        "windows",
        "official UCI-HAR v1.0 Inertial Signals windows (9 x 128, 50% overlap), "
        "train + test files concatenated; `split` is the official subject split.",
        "UCI-HAR v1.0 via AdaTime (GitHub emadeldeen24/AdaTime).",
        _UCI_TERMS + " Never split windows of one subject between train and test."),
    "wisdm_v1_1_windows": _Benchmark(
        ("wisdm_v1_1_windows128_userstd.npz",), "windows",
        "WISDM v1.1 raw accelerometer in 128-sample windows, z-scored per user "
        "(not in m/s^2; gravity and user scale removed).",
        "WISDM Lab v1.1 via AdaTime-format files (GitHub ayhamo/SRP_Domain_Adaptation).",
        _WISDM_TERMS),
    "wisdm_v1_1_transformed": _Benchmark(
        ("wisdm_v1_1_transformed_features.npz",), "features",
        "WISDM v1.1 transformed: 43 features of 10-s windows (XPEAK/YPEAK/ZPEAK "
        "hold NaN; XAVG is always 0).",
        "WISDM_ar_v1.1_transformed.arff, via GitHub "
        "Stefan19K/WISDM-ActitrackerDataset-WirelessSensorDataMining.", _WISDM_TERMS),
    "hmp_adl_wrist": _Benchmark(
        ("hmp_adl_wrist_stream.npz",), "stream",
        "HMP / WHARF: ADL with a right-wrist accelerometer (g), 16 volunteers, "
        "839 trials.",
        "Bruno et al., ICRA 2013; via GitHub wchill/HMP_Dataset.",
        "research use only; commercial use or redistribution must be arranged "
        "with the authors: keep it internal."),
    "utd_mhad_inertial": _Benchmark(
        ("utd_mhad_inertial_stream.npz",), "stream",
        "UTD-MHAD inertial part: 27 actions, 8 subjects, wrist or thigh acc (g) "
        "+ gyro (deg/s).",
        "Chen, Jafari, Kehtarnavaz, ICIP 2015; via GitHub "
        "woo-chia-wei/kinect-sequence-classification.",
        "no licence found: research use only; cite the paper."),
    "seglearn_watch": _Benchmark(
        ("seglearn_watch_stream.npz",), "stream",
        "smartwatch shoulder-physiotherapy exercises: 7 classes, 10 subjects, "
        "140 recordings (fs=50 assumed by seglearn).",
        "Burns et al., Physiol. Meas. 2018; from the PyPI wheel seglearn-1.2.5.",
        "BSD-3 (seglearn); cite the paper."),
    "basicmotions": _Benchmark(
        ("basicmotions_windows.npz",), "windows",
        "UEA BasicMotions: smartwatch acc + gyro, 4 classes, official 40/40 split, "
        "no subject ids.",
        "UEA multivariate archive (Bagnall et al. 2018); from the PyPI wheel aeon-1.6.0.",
        "BSD-3 (aeon); cite the UEA archive."),
}


def list_benchmarks():
    """Names accepted by :func:`load_benchmark`.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from sklearn_har.datasets import list_benchmarks
    >>> list_benchmarks()[:2]
    ['uci_har_raw', 'uci_har_official']
    """
    return list(_BENCHMARKS)


def _find_files(name, data_home):
    """Paths of the files of benchmark ``name``; FileNotFoundError if any is missing."""
    fix = (f"Set the environment variable {_ENV_VAR} to the folder holding the "
           "benchmark files, or pass data_home=.")
    if data_home is None:
        data_home = os.environ.get(_ENV_VAR) or None
        if data_home is None:
            raise FileNotFoundError(
                f"No data folder for benchmark {name!r}: data_home is None and "
                f"{_ENV_VAR} is not set. {fix}"
            )
    root = os.path.expanduser(os.fspath(data_home))
    found, tried = [], []
    for file in _BENCHMARKS[name].files:
        candidates = [os.path.join(root, name, file), os.path.join(root, file)]
        hits = [path for path in candidates if os.path.isfile(path)]
        found += hits[:1]
        tried += [] if hits else candidates
    if tried:
        raise FileNotFoundError(
            f"Benchmark {name!r} is missing file(s); looked in: {', '.join(tried)}. "
            f"{fix} The layout is <data_home>/{name}/<file>.npz or the files "
            "directly in data_home."
        )
    return found


def _read(paths):
    """Arrays of the npz files, per-row arrays concatenated in file order."""
    parts = []
    for path in paths:
        with np.load(path, allow_pickle=False) as npz:
            parts.append(dict(npz))
    arrays = parts[0]
    for key, first in arrays.items():
        if key in _META_KEYS or key.startswith("recording_"):
            if not all(np.array_equal(first, part[key]) for part in parts[1:]):
                raise ValueError(f"The files {paths} disagree on {key!r}.")
        else:
            arrays[key] = np.concatenate([part[key] for part in parts])
    return arrays


def _describe(name, spec, X, fs, n_classes):
    shape = {
        "stream": "rows x {} channels",
        "windows": "windows of {} channels x {} samples",
        "features": "windows x {} features",
    }[spec.kind].format(*X.shape[1:])
    return (f"{name}: {spec.title}\n{X.shape[0]:,} {shape}, {n_classes} classes, "
            f"fs = {fs:g} Hz.\n"
            f"Source: {spec.source}\nTerms: {spec.terms}\n"
            "Details: the README.md of the data folder.")


@validate_params(
    {
        "name": [StrOptions(set(_BENCHMARKS))],
        "data_home": [str, os.PathLike, None],
        "as_frame": [StrOptions({"auto"}), "boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_benchmark(name, data_home=None, *, as_frame="auto"):
    """Load one of the real HAR benchmarks from its npz file(s).

    Parameters
    ----------
    name : str
        One of :func:`list_benchmarks`: "uci_har_raw", "uci_har_official",
        "wisdm_v1_1_windows", "wisdm_v1_1_transformed", "hmp_adl_wrist",
        "utd_mhad_inertial", "seglearn_watch", "basicmotions".
    data_home : str or path-like, default=None
        Folder holding the files as ``<data_home>/<name>/<file>.npz`` (or
        directly as ``<data_home>/<file>.npz``). None reads the environment
        variable ``SKLEARN_HAR_DATA``.
    as_frame : "auto" or bool, default="auto"
        For stream and feature files: ``data`` as a pandas DataFrame (True,
        or "auto" when pandas is installed) or a numpy array (False). Windows
        are always a numpy array.

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        Common fields: ``data``, ``target`` (int64 class index; -1 =
        unlabelled, as in the file), ``target_names``, ``fs`` (Hz), ``kind``,
        ``DESCR`` (what it is, source, terms of use), and every other array of
        the file under its own name (``subject``, ``split``, ``segment``,
        ``train_subjects``, ``recording_label``, ...).

        * ``kind="stream"`` (uci_har_raw, hmp_adl_wrist, utd_mhad_inertial,
          seglearn_watch): ``data`` is the table, rows = time samples,
          columns = the channels then "subject" and "recording" (a DataFrame,
          or a float32 array of the same columns); ``feature_names`` names
          the columns, ``channel_names`` the channels; ``subject`` and
          ``recording`` are also given per row.
        * ``kind="windows"`` (uci_har_official, wisdm_v1_1_windows,
          basicmotions): ``data`` is float32 ``(n, C, T)``, with
          ``channel_names``. uci_har_official concatenates the train and test
          files; its ``split`` says which is which.
        * ``kind="features"`` (wisdm_v1_1_transformed): ``data`` is
          ``(n, 43)`` with ``feature_names``.

    Raises
    ------
    FileNotFoundError
        When no folder is given (no ``data_home``, no ``SKLEARN_HAR_DATA``)
        or a file is missing; the message lists every path looked in.
    ValueError
        For an unknown ``name``; the message lists the known names.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_har.datasets import load_benchmark
    >>> home = tempfile.mkdtemp()  # a fake file with the keys of the real one
    >>> np.savez(os.path.join(home, "basicmotions_windows.npz"),
    ...          X=np.zeros((2, 1, 100), np.float32), y=np.array([0, 1]),
    ...          classes=np.array(["Standing", "Running"]),
    ...          channels=np.array(["acc_x"]), fs=10.0)
    >>> bunch = load_benchmark("basicmotions", data_home=home)
    >>> bunch.kind, bunch.data.shape, bunch.target_names.tolist()
    ('windows', (2, 1, 100), ['Standing', 'Running'])
    >>> import shutil; shutil.rmtree(home)
    >>> real = load_benchmark("uci_har_raw")  # doctest: +SKIP
    >>> real.data.shape  # channels, subject, recording  # doctest: +SKIP
    (1122772, 8)
    """
    spec = _BENCHMARKS[name]
    arrays = _read(_find_files(name, data_home))
    X = arrays.pop("X")
    bunch = Bunch(
        kind=spec.kind,
        target=arrays.pop("y").astype(np.int64),
        target_names=arrays.pop("classes"),
        fs=float(arrays.pop("fs")),
    )
    bunch.DESCR = _describe(name, spec, X, bunch.fs, len(bunch.target_names))
    if spec.kind != "features":
        bunch.channel_names = arrays.pop("channels").tolist()
    if spec.kind == "windows":
        bunch.data = X
    else:
        extra = ["subject", "recording"] if spec.kind == "stream" else []
        names = bunch.channel_names if extra else arrays.pop("features").tolist()
        bunch.feature_names = names + extra
        columns = [*X.T, *(arrays[key] for key in extra)]
        pd = _pandas(as_frame)
        if pd is None:
            bunch.data = np.stack([np.asarray(c, np.float32) for c in columns], axis=1)
        else:
            bunch.data = pd.DataFrame(dict(zip(bunch.feature_names, columns)))
    bunch.update(arrays)
    return bunch
