"""StreamingClassifier / Pipeline.predict_stream: the batch labels, chunk by chunk, with a
bounded buffer."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from sklearn_har import Pipeline, StatFeatures, StreamingClassifier, WindowSegmenter
from sklearn_har.classifiers import CNNClassifier
from sklearn_har.datasets import make_har_table

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")


@pytest.fixture(scope="module")
def recording():
    X, y = make_har_table(n_users=1, n_activities=4, rows_per_user=1500, random_state=0)
    return X.drop(columns="user"), y


def _pipe(window, step, final=None):
    final = final or RandomForestClassifier(n_estimators=20, random_state=0)
    return Pipeline([("seg", WindowSegmenter(window=window, step=step)),
                     ("feat", StatFeatures()), ("clf", final)])


@pytest.mark.parametrize("window, step", [(32, 16), (32, 32), (30, 7), (16, 24), (25, 1)])
@pytest.mark.parametrize("chunk", [1, 50, 333])
def test_stream_gives_the_batch_labels(recording, window, step, chunk):
    X, y = recording
    pipe = _pipe(window, step).fit(X, y)
    batch = pipe.predict(X)
    batch_proba = pipe.predict_proba(X)
    stream = pipe.stream()
    parts, seen = [], 0
    for i in range(0, len(X), chunk):
        out = stream.update(X.iloc[i:i + chunk])
        seen += min(chunk, len(X) - i)
        parts.append(out)
        # a row waits at most latency_rows (+ the gap to the next window when step > window)
        wait = stream.latency_rows + max(0, step - window)
        assert stream.n_rows_out_ >= seen - wait - chunk
        assert stream._buffer.shape[0] <= window + chunk + step  # bounded memory
    parts.append(stream.flush())
    labels = np.concatenate(parts)
    np.testing.assert_array_equal(labels, batch)
    proba = np.concatenate(list(pipe.predict_stream(
        (X.iloc[i:i + chunk] for i in range(0, len(X), chunk)), proba=True)))
    np.testing.assert_array_equal(proba, batch_proba)  # bit-identical


def test_stream_with_a_deep_classifier_and_arrays(recording):
    X, y = recording
    values = X.to_numpy()
    pipe = Pipeline([("seg", WindowSegmenter(window=32, step=16)),
                     ("clf", CNNClassifier(module__channels=(8,), max_epochs=2, verbose=0,
                                           random_state=0))]).fit(values, y)
    labels = np.concatenate(list(pipe.predict_stream(values[i:i + 40]
                                                     for i in range(0, len(values), 40))))
    np.testing.assert_array_equal(labels, pipe.predict(values))


def test_one_stream_is_one_recording(recording):
    X, y = recording
    users = X.assign(user="u0")
    pipe = Pipeline([("seg", WindowSegmenter(window=32, step=16, group_column="user")),
                     ("feat", StatFeatures()),
                     ("clf", RandomForestClassifier(n_estimators=5, random_state=0))])
    pipe.fit(users, y)
    stream = pipe.stream()
    stream.update(users.iloc[:100])
    with pytest.raises(ValueError, match="group changed from 'u0' to 'u1'"):
        stream.update(users.iloc[100:200].assign(user="u1"))
    stream.reset()
    stream.update(users.iloc[:100])
    with pytest.raises(ValueError, match="index jumps from 99 to 150"):
        stream.update(users.iloc[150:200])
    with pytest.raises(ValueError, match="more than one run"):
        stream.reset().update(users.iloc[:100].assign(user=["a"] * 50 + ["b"] * 50))
    short = pipe.stream()
    short.update(users.iloc[:10])
    with pytest.raises(ValueError, match="fewer than window=32"):
        short.flush()
    with pytest.raises(ValueError, match="first step is a WindowSegmenter"):
        StreamingClassifier(Pipeline([("clf", RandomForestClassifier())]).fit(
            np.zeros((4, 2)), [0, 1, 0, 1]))


def test_long_tables_are_predicted_in_chunks_with_identical_output(monkeypatch):
    from sklearn_har.tests.test_pipeline import _interleaved_table

    X, y = _interleaved_table(rows=200)
    # runs of one user and one activity block; some runs shorter than the window
    X = X.iloc[np.r_[0:180, 190:600, 605:640, 650:1800]]  # index gaps end runs too
    y = np.asarray(y)[np.r_[0:180, 190:600, 605:640, 650:1800]]
    for step in (25, 60):
        pipe = Pipeline([("seg", WindowSegmenter(window=50, step=step, group_column="user")),
                         ("feat", StatFeatures()),
                         ("clf", RandomForestClassifier(n_estimators=30, random_state=0))])
        pipe.fit(X, y)
        whole = pipe.predict_proba(X), pipe.predict(X)
        monkeypatch.setattr(Pipeline, "CHUNK_ROWS", 97)  # chunk borders anywhere
        chunked = pipe.predict_proba(X), pipe.predict(X)
        monkeypatch.undo()
        np.testing.assert_array_equal(chunked[0], whole[0])
        np.testing.assert_array_equal(chunked[1], whole[1])


def test_chunked_errors_name_the_row_of_the_whole_table(recording, monkeypatch):
    X, y = recording
    pipe = _pipe(32, 16).fit(X, y)
    bad = X.copy()
    bad.iloc[1234, 2] = np.nan
    monkeypatch.setattr(Pipeline, "CHUNK_ROWS", 100)
    with pytest.raises(ValueError, match="first is at row 1234"):
        pipe.predict(bad)
