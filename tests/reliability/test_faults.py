"""The fault suite: bad input and bad luck, and what the library does about each.

Every test whose docstring starts with ``Fault:`` (here and in the other test files)
is one row of the table in ``docs/reliability.md``, generated from them by
``tests/reliability/fault_table.py`` (``test_the_fault_table_in_the_docs_is_current``
fails when the two drift apart).
"""

import threading

import numpy as np
import pandas as pd
import pytest

from sklearn_har import Pipeline, WindowSegmenter
from sklearn_har.classifiers import CNNClassifier
from sklearn_har.datasets import make_har_table, make_har_windows
from sklearn_har.exceptions import NonFiniteLossError, UnseenLabelWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")

SMALL = dict(module__channels=(4,), max_epochs=2, batch_size=32, verbose=0, random_state=0)


@pytest.fixture(scope="module")
def windows():
    return make_har_windows(n_windows=120, n_classes=3, n_channels=3, n_timesteps=32,
                            n_groups=4, random_state=0)


@pytest.fixture(scope="module")
def table():
    return make_har_table(n_users=2, n_activities=3, rows_per_user=400, random_state=0)


@pytest.fixture(scope="module")
def fitted(windows):
    X, y, groups = windows
    return CNNClassifier(**SMALL).fit(X, y, groups=groups)


def _segmenter():
    return WindowSegmenter(window=32, step=16, group_column="user")


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_fault_nan_or_inf_in_a_table(table, value):
    """Fault: NaN or inf in a stream table.
    Behaviour: refused at fit and predict, with the count, the first row and its column."""
    X, y = table
    bad = X.copy()
    bad.iloc[10, 2] = value
    with pytest.raises(ValueError, match=r"first is at row 10, channel 1 \(column 'acc_y'\)"):
        _segmenter().fit_resample(bad, y)
    seg = _segmenter().fit(X, y)
    with pytest.raises(ValueError, match="row 10"):
        seg.transform(bad)


@pytest.mark.parametrize("value", [np.nan, -np.inf])
def test_fault_nan_or_inf_in_windows(windows, fitted, value):
    """Fault: NaN or inf in windows.
    Behaviour: refused at fit and predict, with the window, channel and time step."""
    X, y, _ = windows
    bad = X.copy()
    bad[7, 2, 11] = value
    where = "window 7, channel 2, time step 11"
    with pytest.raises(ValueError, match=where):
        CNNClassifier(**SMALL).fit(bad, y)
    with pytest.raises(ValueError, match=where):
        fitted.predict_proba(bad)


def test_fault_constant_channel(windows):
    """Fault: a constant channel (a dead sensor axis).
    Behaviour: standardised with scale 1 (no division by zero); predictions stay finite."""
    X, y, groups = windows
    flat = X.copy()
    flat[:, 1, :] = 9.81
    clf = CNNClassifier(**SMALL).fit(flat, y, groups=groups)
    assert clf.input_scaler_.scale_[1] == 1.0
    assert np.isfinite(clf.predict_proba(flat)).all()


def test_fault_time_and_channel_axes_swapped(windows):
    """Fault: windows given as (n, T, C) instead of (n, C, T).
    Behaviour: refused at fit (more channels than time steps), naming both sizes;
    check_axes=False accepts them deliberately."""
    X, y, _ = windows
    with pytest.raises(ValueError, match=r"32 channel\(s\) x 3 time step\(s\).*axes are swapped"):
        CNNClassifier(**SMALL).fit(X.transpose(0, 2, 1), y)


def test_fault_table_too_short_for_one_window(table):
    """Fault: a table shorter than one window.
    Behaviour: refused, naming the window and the longest run (and its group)."""
    X, y = table
    with pytest.raises(ValueError, match=r"window=32 is longer than every run.*group 'u0'.* 10 "):
        _segmenter().fit_resample(X.iloc[:10], y[:10])


def test_fault_empty_input(table, fitted):
    """Fault: an empty table or an empty window array.
    Behaviour: refused, saying there is no row / no window."""
    X, y = table
    with pytest.raises(ValueError, match="X has no row"):
        _segmenter().fit_resample(X.iloc[:0], y[:0])
    with pytest.raises(ValueError, match="X holds no window"):
        fitted.predict(np.zeros((0, 3, 32), dtype=np.float32))


def test_fault_single_class_training_data(windows):
    """Fault: training labels of a single class.
    Behaviour: refused (at least 2 classes are needed), naming the class."""
    X, _, _ = windows
    with pytest.raises(ValueError, match=r"needs at least 2 classes in y to train; got 1 "
                                         r"class: \['walk'\]"):
        CNNClassifier(**SMALL).fit(X, np.full(len(X), "walk"))


def test_fault_class_absent_from_a_training_fold(windows):
    """Fault: a class absent from a cross-validation training fold.
    Behaviour: predict_proba has one column per class seen at fit (classes_), labels map
    back; classes= declares the full set, and its unseen class gets a column too."""
    X, y, groups = windows
    names = np.array(["run", "sit", "walk"])[y]
    keep = names != "sit"
    clf = CNNClassifier(**SMALL).fit(X[keep], names[keep], groups=groups[keep])
    assert list(clf.classes_) == ["run", "walk"]
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert set(clf.predict(X)) <= {"run", "walk"}
    declared = CNNClassifier(**SMALL, classes=["run", "sit", "walk"]).fit(X[keep], names[keep])
    assert declared.predict_proba(X).shape == (len(X), 3)


def test_fault_unseen_labels_at_score(windows, fitted, table):
    """Fault: score given labels never seen at fit.
    Behaviour: an UnseenLabelWarning naming them, and they count as errors; labels of
    another type (strings for integer classes) are refused, naming both types."""
    X, y, _ = windows
    other = np.where(np.arange(len(y)) < 30, 7, y)
    with pytest.warns(UnseenLabelWarning, match=r"30 of 120 labels are not among the classes"):
        score = fitted.score(X, other)
    assert score == pytest.approx(np.mean(fitted.predict(X) == other))
    with pytest.raises(ValueError, match="y holds strings .* the classes seen at fit are numbers"):
        fitted.score(X, np.array([str(v) for v in y]))
    rows, labels = table
    pipe = Pipeline([("seg", _segmenter()), ("clf", CNNClassifier(**SMALL))]).fit(rows, labels)
    with pytest.warns(UnseenLabelWarning, match="Pipeline.score"):
        pipe.score(rows, np.full(len(labels), "swim"))


def test_fault_diverging_loss(windows):
    """Fault: the loss becomes NaN or inf during training.
    Behaviour: NonFiniteLossError naming the epoch and batch; on_nan_loss="restore" keeps
    the last finite weights instead and warns. Never a silent one-class model."""
    X, y, _ = windows
    crazy = dict(SMALL, lr=1e30, max_epochs=4)
    with pytest.raises(NonFiniteLossError, match="at epoch 1"):
        CNNClassifier(**crazy).fit(X, y)
    with pytest.warns(RuntimeWarning, match="were restored"):
        clf = CNNClassifier(**crazy, on_nan_loss="restore").fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()


def test_fault_predict_on_other_channels_or_window(fitted):
    """Fault: predict on windows of another channel count or window length than at fit.
    Behaviour: refused, naming the fitted shape and the one received."""
    for shape in [(2, 4, 32), (2, 3, 40)]:
        with pytest.raises(ValueError, match=r"fitted on windows of 3 channel.s. x 32 time "
                                             r"steps"):
            fitted.predict(np.zeros(shape, dtype=np.float32))


def test_fault_table_with_other_columns(table):
    """Fault: a table with other (or reordered) columns than at fit.
    Behaviour: refused, naming the columns expected and received (nothing reordered)."""
    X, y = table
    pipe = Pipeline([("seg", _segmenter()), ("clf", CNNClassifier(**SMALL))]).fit(X, y)
    swapped = X[[X.columns[0], X.columns[2], X.columns[1], *X.columns[3:]]]
    with pytest.raises(ValueError, match="acc_x"):
        pipe.predict(swapped)
    with pytest.raises(ValueError, match="Unknown group_column .user.: its columns are"):
        pipe.predict(pd.DataFrame(X.to_numpy()[:, :-1]))


def test_fault_concurrent_predict_from_threads(windows, fitted):
    """Fault: predict called from several threads at once on one fitted model.
    Behaviour: every thread gets the answers a sequential call gives."""
    X, _, _ = windows
    expected = fitted.predict_proba(X)
    results, errors = [None] * 6, []

    def work(i):
        try:
            results[i] = fitted.predict_proba(X)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_fault_predict_on_another_sampling_rate(table, monkeypatch):
    """Fault: a table recorded at another sampling rate than the training table.
    Behaviour: with a time index (DatetimeIndex or TimedeltaIndex) at fit, a table
    whose rate differs by more than 10 % is refused at predict, naming both rates (also
    in the chunked and streaming paths); the rate goes into exported artefacts."""
    X, y = table
    at = lambda frame, ms: frame.set_index(  # noqa: E731
        pd.timedelta_range(0, periods=len(frame), freq=f"{ms}ms"))
    pipe = Pipeline([("seg", _segmenter()), ("clf", CNNClassifier(**SMALL))]).fit(at(X, 20), y)
    assert pipe[0].sampling_rate_ == pytest.approx(50.0)
    pipe.predict(at(X, 21))  # 47.6 Hz: within 10 %
    with pytest.raises(ValueError, match="sampled at 100 Hz .* fitted on 50 Hz"):
        pipe.predict(at(X, 10))
    with pytest.raises(ValueError, match="sampled at 100 Hz"):
        pipe.stream().update(at(X, 10).iloc[:20])
    monkeypatch.setattr(Pipeline, "CHUNK_ROWS", 100)
    with pytest.raises(ValueError, match="sampled at 100 Hz"):
        pipe.predict(at(X, 10))
