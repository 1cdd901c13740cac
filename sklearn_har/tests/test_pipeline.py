import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from sklearn_har import Pipeline, StatFeatures, WindowSegmenter, make_pipeline

pd = pytest.importorskip("pandas")


def _interleaved_table(seed=0, n_chunks=3, rows=200):
    """Three users in interleaved chunks; each activity has its own mean level.

    The 'chunk' column holds the chunk id so tests can see which chunk a
    window came from."""
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    chunk = 0
    for c in range(n_chunks):
        for user in ("anna", "ben", "carl"):
            act = np.repeat(rng.choice(["walk", "sit", "lie"], size=rows // 50), 50)
            level = np.select([act == "walk", act == "sit"], [2.0, 0.0], -2.0)
            sig = level + rng.normal(scale=0.3, size=act.size)
            if act[0] == "walk":
                sig = sig + np.sin(np.arange(act.size))
            parts.append(pd.DataFrame({"user": user, "chunk": float(chunk),
                                       "acc": sig, "gyr": rng.normal(size=act.size)}))
            labels.append(act)
            chunk += 1
    X = pd.concat(parts, ignore_index=True)
    return X, np.concatenate(labels)


class _WindowSpy(BaseEstimator, ClassifierMixin):
    """A classifier that records the windows it was fitted on."""

    def fit(self, X, y):
        self.seen_ = X
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


def _har_pipeline(**seg):
    return Pipeline([
        ("seg", WindowSegmenter(**{"window": 50, "group_column": "user", **seg})),
        ("feat", StatFeatures()),
        ("clf", RandomForestClassifier(n_estimators=30, random_state=0)),
    ])


def test_grid_search_over_window_on_interleaved_users():
    X, y = _interleaved_table()
    users = X["user"].to_numpy()
    search = GridSearchCV(_har_pipeline(), {"seg__window": [25, 50]}, cv=GroupKFold(3),
                          scoring="f1_macro", error_score="raise")
    search.fit(X, y, groups=users)
    assert search.best_params_["seg__window"] in (25, 50)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.8  # the activities are easy to tell apart
    pred = search.predict(X)
    assert pred.shape == (len(X),)
    assert pred.dtype == y.dtype and set(pred) <= set(y)


def test_no_window_mixes_users_or_chunks_inside_cross_validation():
    X, y = _interleaved_table()
    users = X["user"].to_numpy()
    pipe = Pipeline([("seg", WindowSegmenter(window=20, step=7, group_column="user")),
                     ("clf", _WindowSpy())])
    for train, _ in GroupKFold(3).split(X, y, users):
        fitted = clone(pipe).fit(X.iloc[train], y[train])
        chunk = fitted[-1].seen_[:, 0]  # channel 0 is the chunk id
        assert np.all(chunk.min(axis=1) == chunk.max(axis=1))


def test_predict_returns_one_label_per_row_in_the_users_type():
    X, y = _interleaved_table()
    for labels in (y, pd.Series(y).map({"walk": 10, "sit": 20, "lie": 30}).to_numpy()):
        pipe = _har_pipeline(step=25).fit(X, labels)
        pred = pipe.predict(X)
        assert pred.shape == (len(X),) and pred.dtype == labels.dtype
        proba = pipe.predict_proba(X)
        assert proba.shape == (len(X), 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_array_equal(pred, pipe.classes_[proba.argmax(axis=1)])
        # a 30-tree forest's probabilities tie exactly on some rows (two windows of
        # k/30); exact ties go to the first class
        assert np.mean(pred == labels) > 0.84


def test_row_probabilities_are_the_mean_of_covering_windows():
    X, y = _interleaved_table()
    pipe = _har_pipeline(window=40, step=20).fit(X, y)
    windows, index = pipe[0].segment(X)
    win_proba = pipe[-1].predict_proba(pipe[1].transform(windows))
    row_proba = pipe.predict_proba(X)
    # row 30 lies in windows 0 (rows 0-39) and 1 (rows 20-59)
    np.testing.assert_allclose(row_proba[30], win_proba[:2].mean(axis=0))
    # row 5 only in window 0
    np.testing.assert_allclose(row_proba[5], win_proba[0])
    assert pipe.predict_windows(X).shape == (index.n_windows,)


def test_decision_function_when_the_final_step_has_no_predict_proba():
    from sklearn.svm import LinearSVC

    X, y = _interleaved_table()
    pipe = Pipeline([("seg", WindowSegmenter(window=50, group_column="user")),
                     ("feat", StatFeatures()), ("sc", StandardScaler()),
                     ("clf", LinearSVC())]).fit(X, y)
    assert not hasattr(pipe, "predict_proba")
    pred, per_window = pipe.predict(X), pipe.predict_windows(X)
    assert pred.shape == (len(X),) and np.mean(pred == y) > 0.5  # chance is 1/3
    # windows (step 25) of 50 rows: row 10 is in window 0 only, row 30 in 0 and 1
    assert pred[10] == per_window[0]
    Xt = pipe[:-1].transform(X)
    win_dec = pipe[-1].decision_function(Xt)
    row_dec = pipe.decision_function(X)
    assert row_dec.shape == (len(X), 3)
    np.testing.assert_allclose(row_dec[30], win_dec[:2].mean(axis=0))
    assert pred[30] == pipe.classes_[row_dec[30].argmax()]  # not a vote
    np.testing.assert_array_equal(pred, pipe.classes_[row_dec.argmax(axis=1)])


def test_score_is_row_accuracy_without_ignored_rows():
    X, y = _interleaved_table()
    y = y.copy()
    y[:50] = "null"
    pipe = _har_pipeline(ignore_label="null").fit(X, y)
    keep = y != "null"
    expected = np.mean(pipe.predict(X)[keep] == y[keep])
    assert pipe.score(X, y) == pytest.approx(expected)
    assert "null" not in pipe.classes_
    assert cross_val_score(pipe, X, y, cv=GroupKFold(3), groups=X["user"]).min() > 0.5
    # the same rule for any scorer
    from sklearn.metrics import f1_score

    from sklearn_har.metrics import skip_ignored_rows

    assert skip_ignored_rows("accuracy")(pipe, X, y) == pytest.approx(expected)
    f1 = f1_score(y[keep], pipe.predict(X)[keep], average="macro")
    assert skip_ignored_rows("f1_macro")(pipe, X, y) == pytest.approx(f1)
    assert skip_ignored_rows("f1_macro")(pipe, X, y) > 1.2 * f1_score(
        y, pipe.predict(X), average="macro")  # "null" counted as a class drags it down
    proba = skip_ignored_rows("neg_log_loss")(pipe, X, y)
    assert np.isfinite(proba) and proba < 0


def test_samplers_run_in_fit_only():
    X, y = _interleaved_table()
    y = y.copy()
    pipe = Pipeline([("seg", WindowSegmenter(window=20, step=20, group_column="user")),
                     ("feat", StatFeatures()),
                     ("ros", RandomOverSampler(random_state=0)),
                     ("clf", _WindowSpy())])
    pipe.fit(X, y)
    seen = pipe[-1].seen_
    n_windows = pipe[0].transform(X).shape[0]
    assert seen.shape[0] > n_windows  # oversampled in fit
    _, counts = np.unique(pipe[0].fit_resample(X, y)[1], return_counts=True)
    assert seen.shape[0] == counts.max() * counts.size
    assert pipe.predict_windows(X).shape[0] == n_windows  # not at predict time


def test_without_segmenter_it_is_imblearns_pipeline():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + 0.3 * rng.normal(size=120) > 0.8).astype(int)
    steps = [("ros", RandomOverSampler(random_state=0)), ("sc", StandardScaler()),
             ("clf", LogisticRegression())]
    ours = Pipeline([(n, clone(e)) for n, e in steps]).fit(X, y)
    theirs = ImbPipeline([(n, clone(e)) for n, e in steps]).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, y) == theirs.score(X, y)
    # the transformers alone (samplers skipped outside fit) give the same output
    np.testing.assert_allclose(ours[:-1].transform(X[:3]), theirs[:-1].transform(X[:3]))


def test_pipeline_on_windows_without_segmenter():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(60, 3, 32)).astype(np.float32)
    y = np.repeat([0, 1], 30)
    W[y == 1, 0] += 2
    pipe = make_pipeline(StatFeatures(), DecisionTreeClassifier(random_state=0)).fit(W, y)
    assert pipe.predict(W).shape == (60,) and pipe.score(W, y) == 1.0


def test_feature_names_flow_from_channel_names():
    X, y = _interleaved_table()
    pipe = _har_pipeline().fit(X, y)
    names = pipe[:-1].get_feature_names_out()
    assert names[0] == "chunk__mean" and "acc__std" in set(names)
    assert len(names) == pipe[-1].n_features_in_


def test_segmenter_must_be_first():
    X, y = _interleaved_table()
    pipe = Pipeline([("feat", StandardScaler()), ("seg", WindowSegmenter(window=10)),
                     ("clf", DecisionTreeClassifier())])
    with pytest.raises(TypeError, match="must be the first step"):
        pipe.fit(X.drop(columns="user"), y)


def test_group_without_any_window_cannot_be_predicted():
    X, y = _interleaved_table()
    pipe = _har_pipeline(window=50).fit(X, y)
    short = pd.DataFrame({"user": "dora", "chunk": 0.0, "acc": np.zeros(10), "gyr": 0.0})
    with pytest.raises(ValueError, match="longer than every run"):
        pipe.predict(short)
    mixed = pd.concat([X.iloc[:200], short], ignore_index=True)
    with pytest.raises(ValueError, match=r"group\(s\) \['dora'\]"):
        pipe.predict(mixed)


def test_unfitted_pipeline_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    X, _ = _interleaved_table()
    with pytest.raises(NotFittedError):
        _har_pipeline().predict(X)


def test_segmenter_alone_fits_and_transforms():
    X, y = _interleaved_table()
    pipe = Pipeline([("seg", WindowSegmenter(window=20, group_column="user"))]).fit(X, y)
    np.testing.assert_array_equal(pipe.transform(X), pipe[0].transform(X))
    W, wy = pipe.fit_resample(X, y)
    assert W.ndim == 3 and len(wy) == len(W)


def test_segmenter_as_last_step_is_refused():
    X, y = _interleaved_table()
    pipe = Pipeline([("sc", StandardScaler()), ("seg", WindowSegmenter(window=10))])
    with pytest.raises(TypeError, match="must be the first step"):
        pipe.fit(X.drop(columns="user"), y)


def test_memory_caching_gives_the_same_predictions(tmp_path):
    X, y = _interleaved_table()
    plain = _har_pipeline().fit(X, y)
    cached = _har_pipeline().set_params(memory=str(tmp_path)).fit(X, y)
    again = _har_pipeline().set_params(memory=str(tmp_path)).fit(X, y)  # from the cache
    np.testing.assert_array_equal(cached.predict(X), plain.predict(X))
    np.testing.assert_array_equal(again.predict(X), plain.predict(X))
    assert any(tmp_path.iterdir())


class _WindowScores(BaseEstimator, ClassifierMixin):
    """A classifier whose outputs are looked up by the first value of a window.

    On a one-channel table holding the row number, that value is the window's
    start row. ``scores`` maps a start to the window's decision values (a
    scalar in the binary case); ``votes`` maps it to the predicted class, for a
    classifier with ``predict`` only."""

    def __init__(self, classes=("a", "b", "c"), scores=None):
        self.classes = classes
        self.scores = scores

    def fit(self, X, y):
        self.classes_ = np.asarray(self.classes)
        return self

    def _starts(self, X):
        return np.asarray(X)[:, 0, 0].astype(int)

    def decision_function(self, X):
        return np.array([self.scores[s] for s in self._starts(X)], dtype=float)

    def predict(self, X):
        d = self.decision_function(X)
        return self.classes_[(d > 0).astype(int) if d.ndim == 1 else d.argmax(axis=1)]


class _WindowVotes(BaseEstimator, ClassifierMixin):
    """A classifier with ``predict`` only: the class of each window by its start."""

    def __init__(self, classes=("a", "b", "c"), votes=None):
        self.classes = classes
        self.votes = votes

    def fit(self, X, y):
        self.classes_ = np.asarray(self.classes)
        return self

    def predict(self, X):
        return np.array([self.votes[s] for s in np.asarray(X)[:, 0, 0].astype(int)])


def _numbered_rows(n=8):
    """A one-channel table whose value is the row number, with any labels."""
    return np.arange(float(n))[:, None], np.array(["a", "b"] * (n // 2))


def test_predict_averages_the_decision_function_without_predict_proba():
    X, y = _numbered_rows()
    # window=4, step=2: windows start at rows 0, 2, 4; rows 2-3 lie in windows
    # 0 and 1, rows 4-5 in windows 1 and 2. Window 0 leans weakly to "a",
    # window 1 strongly to "b", window 2 weakly to "c".
    scores = {0: [0.2, 0.0, -1.0], 2: [-1.0, 3.0, -1.0], 4: [-1.0, -1.0, 0.5]}
    pipe = Pipeline([("seg", WindowSegmenter(window=4, step=2)),
                     ("clf", _WindowScores(scores=scores))]).fit(X, y)
    assert not hasattr(pipe, "predict_proba")
    assert pipe.predict_windows(X).tolist() == ["a", "b", "c"]
    # the two windows of rows 2-3 disagree: the mean decision values favour "b"
    # (a vote would tie, and a tie must not go to the first class "a")
    assert pipe.predict(X).tolist() == ["a", "a", "b", "b", "b", "b", "c", "c"]
    np.testing.assert_array_equal(
        pipe.predict(X), pipe.classes_[pipe.decision_function(X).argmax(axis=1)])


def test_predict_averages_a_binary_decision_function():
    X, y = _numbered_rows()
    # one decision value per window: > 0 is classes_[1] (7), <= 0 classes_[0] (3)
    pipe = Pipeline([("seg", WindowSegmenter(window=4, step=2)),
                     ("clf", _WindowScores(classes=(3, 7),
                                           scores={0: -0.2, 2: 3.0, 4: -0.5}))])
    pipe.fit(X, np.where(y == "a", 3, 7))
    assert pipe.predict_windows(X).tolist() == [3, 7, 3]
    assert pipe.predict(X).tolist() == [3, 3, 7, 7, 7, 7, 3, 3]
    assert pipe.predict(X).dtype == pipe.classes_.dtype
    # the other way round: a strongly negative window wins over a weakly positive one
    pipe.set_params(clf__scores={0: 0.2, 2: -3.0, 4: 0.5}).fit(X, y)
    assert pipe.predict(X).tolist() == [7, 7, 3, 3, 3, 3, 7, 7]


def test_predict_with_ridge_follows_the_mean_decision_function():
    from sklearn.linear_model import RidgeClassifierCV

    X, y = _interleaved_table()
    for labels in (y, np.where(y == "walk", "walk", "rest")):
        pipe = Pipeline([("seg", WindowSegmenter(window=50, group_column="user")),
                         ("feat", StatFeatures()), ("sc", StandardScaler()),
                         ("clf", RidgeClassifierCV())]).fit(X, labels)
        dec = pipe.decision_function(X)
        expected = (pipe.classes_[(dec > 0).astype(int)] if dec.ndim == 1
                    else pipe.classes_[dec.argmax(axis=1)])
        np.testing.assert_array_equal(pipe.predict(X), expected)
        assert np.mean(pipe.predict(X) == labels) > 0.5


def test_vote_fallback_breaks_ties_by_the_window_centred_nearest():
    X, y = _numbered_rows()
    # window=4, step=2: row 2 is nearer the centre of window 0 (rows 0-3) than of
    # window 1 (rows 2-5); row 3 nearer that of window 1
    pipe = Pipeline([("seg", WindowSegmenter(window=4, step=2)),
                     ("clf", _WindowVotes(votes={0: "b", 2: "a", 4: "c"}))]).fit(X, y)
    assert not hasattr(pipe, "predict_proba") and not hasattr(pipe, "decision_function")
    assert pipe.predict(X).tolist() == ["b", "b", "b", "a", "a", "c", "c", "c"]
    # a majority still wins over the nearest window: step=1, row 2 lies in the
    # windows starting at rows 0 ("b", the nearest with 1), 1 and 2 ("a", "a")
    pipe = Pipeline([("seg", WindowSegmenter(window=4, step=1)),
                     ("clf", _WindowVotes(votes={0: "b", 1: "a", 2: "a", 3: "c",
                                                 4: "c"}))]).fit(X, y)
    pred = pipe.predict(X)
    assert pred[2] == "a"
    # row 3 lies in the windows starting at rows 0-3, voting "a", "c", "a", "c":
    # the two nearest (centres 2.5 and 3.5) tie too, and the earlier one wins
    pipe.set_params(clf__votes={0: "a", 1: "c", 2: "a", 3: "c", 4: "b"}).fit(X, y)
    assert pipe.predict(X)[3] == "c"
