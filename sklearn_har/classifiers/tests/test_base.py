"""Contracts of NeuralWindowClassifier / CNNClassifier."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from sklearn_har.classifiers import (
    CNNClassifier,
    NeuralWindowClassifier,
    NonFiniteLossError,
    WindowDataset,
    WindowValidSplit,
)
from sklearn_har.classifiers._data import BatchLoader
from sklearn_har.datasets import make_har_windows
from sklearn_har.nn import CenterLoss, CompositeLoss, FocalLoss, Lion

FAST = dict(module__channels=(8, 8), max_epochs=3, batch_size=32, verbose=0)


class Recorder(torch.nn.Module):
    """Records its constructor arguments and the forward keyword arguments."""

    seen_kwargs = []

    def __init__(self, n_channels, n_timesteps, n_classes, hidden=4):
        super().__init__()
        self.args = (n_channels, n_timesteps, n_classes, hidden)
        self.lin = torch.nn.Linear(n_channels * n_timesteps, n_classes)

    def forward(self, x, **kwargs):
        Recorder.seen_kwargs.append(sorted(kwargs))
        return self.lin(x.flatten(1))


def test_module_gets_the_shapes_of_the_data_and_explicit_values_win(data):
    X, y, _ = data
    clf = NeuralWindowClassifier(Recorder, max_epochs=1, verbose=0).fit(X, y)
    assert clf.module_.args == (3, 32, 3, 4)
    assert (clf.n_channels_in_, clf.n_timesteps_in_, clf.n_features_in_) == (3, 32, 96)
    clf = NeuralWindowClassifier(Recorder, max_epochs=1, verbose=0, module__hidden=7)
    assert clf.fit(X, y).module_.args == (3, 32, 3, 7)


def test_predict_refuses_other_channel_counts_and_lengths(data):
    X, y, _ = data
    clf = CNNClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="3 channel\\(s\\) x 32 time steps and got 4"):
        clf.predict(np.zeros((2, 4, 32)))
    with pytest.raises(ValueError, match="got 3 channel\\(s\\) x 16 time steps"):
        clf.predict_proba(X[:, :, :16])
    with pytest.raises(ValueError, match="look swapped"):
        clf.predict(X[:5].transpose(0, 2, 1))


def test_string_labels_float64_and_probabilities_with_a_non_ce_criterion(data):
    X, y, _ = data
    names = np.array(["walk", "run", "sit"])[y]
    clf = CNNClassifier(criterion=FocalLoss, criterion__gamma=2.0, **FAST).fit(X, names)
    assert clf.classes_.tolist() == ["run", "sit", "walk"]
    pred = clf.predict(X)
    assert pred.dtype == names.dtype and set(pred) <= set(names)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-6)
    assert (proba >= 0).all()
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(1)])


def test_nll_loss_gets_log_probabilities(data):
    X, y, _ = data
    clf = CNNClassifier(criterion=torch.nn.NLLLoss, **FAST).fit(X, y)
    losses = clf.history[:, "train_loss"]
    assert all(np.isfinite(losses)) and min(losses) > 0  # NLL of log-softmax is > 0
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0, atol=1e-6)


class SplitSpy(Callback):
    def on_train_begin(self, net, **kwargs):
        self.datasets = None

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.datasets = (dataset_train, dataset_valid)


def test_internal_split_is_stratified_by_default(data):
    X, y, _ = data
    spy = SplitSpy()
    CNNClassifier(callbacks=[spy], **FAST).fit(X, y)
    train, valid = spy.datasets
    assert len(train) + len(valid) == len(X)
    ratio = np.bincount(valid.y.numpy()) / np.bincount(y)
    np.testing.assert_allclose(ratio, 0.2, atol=0.03)


def test_groups_keep_each_subject_on_one_side(data):
    X, y, groups = data
    X = X.copy()
    X[:, 0, 0] = groups  # a marker of the subject in every window
    spy = SplitSpy()
    CNNClassifier(callbacks=[spy], **FAST).fit(X, y, groups=groups)
    train, valid = spy.datasets
    g_train = set(np.round(train.X[:, 0, 0].numpy()).astype(int))
    g_valid = set(np.round(valid.X[:, 0, 0].numpy()).astype(int))
    assert g_train and g_valid and not g_train & g_valid
    assert g_train | g_valid == set(groups)


def test_valid_split_unit():
    y = np.repeat([0, 1, 2], [30, 20, 10])
    train, valid = WindowValidSplit(0.2, random_state=0).split_indices(y)
    assert sorted(np.concatenate([train, valid]).tolist()) == list(range(60))
    assert np.bincount(y[valid]).tolist() == [6, 4, 2]
    groups = np.repeat(np.arange(10), 6)
    train, valid = WindowValidSplit(0.2, random_state=0).split_indices(y, groups)
    assert not set(groups[train]) & set(groups[valid])
    with pytest.warns(UserWarning, match="not stratified"):
        WindowValidSplit(0.5, random_state=0).split_indices(np.array([0, 0, 0, 1]))
    with pytest.raises(ValueError, match="groups has 3 entries but X has 60"):
        WindowValidSplit().split_indices(y, groups[:3])
    with pytest.raises(ValueError, match="valid_size"):
        WindowValidSplit(1.5).split_indices(y)


def test_same_random_state_same_model_and_a_different_one_differs(data):
    X, y, groups = data
    a = CNNClassifier(random_state=3, **FAST).fit(X, y, groups=groups)
    b = CNNClassifier(random_state=3, **FAST).fit(X, y, groups=groups)
    c = CNNClassifier(random_state=4, **FAST).fit(X, y, groups=groups)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.history[:, "train_loss"] == b.history[:, "train_loss"]
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_device_auto_is_kept_as_the_parameter(data):
    X, y, _ = data
    clf = CNNClassifier(**FAST)
    assert clf.get_params()["device"] == "auto"
    clf.fit(X, y)
    assert clf.get_params()["device"] == "auto"
    assert clf.device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert clone(clf).get_params()["device"] == "auto"
    clf.set_params(device="cpu")
    assert clf.get_params()["device"] == "cpu" and clf.device == "cpu"


def test_pickle_and_joblib_round_trips_are_exact(data, tmp_path):
    X, y, _ = data
    clf = CNNClassifier(random_state=0, **FAST).fit(X, np.array(["a", "b", "c"])[y])
    expected = clf.predict_proba(X)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), expected)
    assert again.classes_.tolist() == ["a", "b", "c"]
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict(X), clf.predict(X))
    # a refit after unpickling works and keeps the "auto" parameter
    assert again.fit(X, y).get_params()["device"] == "auto"


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_model_saved_on_cuda_loads_on_cpu(data):
    X, y, _ = data
    clf = CNNClassifier(random_state=0, **FAST).fit(X, y)
    state = clf.__getstate__()
    state["device"] = "cuda"  # what a GPU-trained model carries
    loaded = CNNClassifier.__new__(CNNClassifier)
    with pytest.warns(UserWarning, match="cuda"):
        loaded.__setstate__(state)
    assert loaded.device == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_unfitted_raises_not_fitted_error(data, method):
    X, _, _ = data
    clf = CNNClassifier(**FAST)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(clf, method)(X)
    with pytest.raises(TypeError, match="module__n_channels"):
        clf.initialize()  # the shapes come from the data
    clf.set_params(module__n_channels=3, module__n_classes=3).initialize()
    with pytest.raises(NotFittedError):  # skorch's initialize alone does not fit
        getattr(clf, method)(X)


class NaNAfter(torch.nn.Module):
    """Returns NaN logits from the ``after``-th training forward call on."""

    def __init__(self, n_channels, n_classes, after=10):
        super().__init__()
        self.lin = torch.nn.Linear(n_channels, n_classes)
        self.after = after
        self.calls = 0

    def forward(self, x, **kwargs):
        out = self.lin(x.mean(-1))
        if self.training:
            self.calls += 1
            if self.calls >= self.after:
                out = out * float("nan")
        return out


def test_nan_loss_raises_a_clear_error(data):
    X, y, _ = data
    clf = NeuralWindowClassifier(NaNAfter, module__after=10, max_epochs=5, batch_size=32, verbose=0)
    # 128 training windows / 32 = 4 batches per epoch: batch 10 is in epoch 3
    with pytest.raises(NonFiniteLossError, match="train loss became nan at epoch 3 \\(batch 2 of 4\\)"):
        clf.fit(X, y)


def test_nan_loss_restore_keeps_the_last_finite_weights(data):
    X, y, _ = data
    clf = NeuralWindowClassifier(
        NaNAfter, module__after=10, max_epochs=5, batch_size=32, verbose=0,
        on_nan_loss="restore", optimizer=torch.optim.SGD, lr=0.1, random_state=0,
    )
    ref = NeuralWindowClassifier(
        NaNAfter, module__after=10**6, max_epochs=2, batch_size=32, verbose=0,
        optimizer=torch.optim.SGD, lr=0.1, random_state=0,
    )
    with pytest.warns(RuntimeWarning, match="weights of epoch 2"):
        clf.fit(X, y)
    ref.fit(X, y)
    assert len(clf.history) == 3 and clf.history[-1]["nan_loss_restored"]
    for p, q in zip(clf.module_.parameters(), ref.module_.parameters()):
        torch.testing.assert_close(p, q)
    assert np.isfinite(clf.predict_proba(X)).all()


def test_fit_params_reach_the_module_forward(data):
    X, y, _ = data
    Recorder.seen_kwargs.clear()
    NeuralWindowClassifier(Recorder, max_epochs=1, verbose=0).fit(X, y, extra=1.0)
    assert Recorder.seen_kwargs and all(k == ["extra"] for k in Recorder.seen_kwargs)


def test_sample_weight_is_refused_not_ignored(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="does not support sample_weight.*class_weight"):
        CNNClassifier(**FAST).fit(X, y, sample_weight=np.ones(len(y)))


def test_partial_fit_continues_training(data):
    X, y, _ = data
    clf = CNNClassifier(random_state=0, **FAST)
    clf.partial_fit(X[:80], y[:80], classes=[0, 1, 2])
    first = [p.detach().clone() for p in clf.module_.parameters()]
    assert len(clf.history) == 3
    clf.partial_fit(X[80:], y[80:])
    assert len(clf.history) == 6
    assert any(not torch.equal(a, b) for a, b in zip(first, clf.module_.parameters()))
    with pytest.raises(ValueError, match="label 7, which is not among the classes"):
        clf.partial_fit(X[:4], np.array([0, 1, 2, 7]))
    # fit starts over
    clf.fit(X, y)
    assert len(clf.history) == 3


def test_partial_fit_classes_may_name_labels_absent_from_the_first_batch(data):
    X, y, _ = data
    clf = CNNClassifier(**FAST).partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert clf.classes_.tolist() == [0, 1, 2] and clf.module_.head.out_features == 3
    clf.partial_fit(X, y)  # the third class arrives later


def test_verbose_zero_is_silent_and_verbose_prints_the_epoch_table(data, capsys):
    X, y, _ = data
    CNNClassifier(**FAST).fit(X, y)
    assert capsys.readouterr().out == ""
    CNNClassifier(**{**FAST, "verbose": 1}).fit(X, y)
    out = capsys.readouterr().out
    assert "valid_f1_macro" in out and "valid_g_mean" in out and out.count("\n") >= 5


def test_progress_bar_option(data, capsys):
    X, y, _ = data
    clf = CNNClassifier(**{**FAST, "verbose": 1, "progress_bar": True}).fit(X, y)
    assert "progress_bar" in dict(clf.callbacks_)
    # losses are recorded per batch while the bar runs
    assert all("train_loss" in b for b in clf.history[-1]["batches"] if "train_batch_size" in b)
    assert "progress_bar" not in dict(CNNClassifier(**FAST).get_default_callbacks())


def test_batch_losses_are_recorded_for_every_batch(data):
    X, y, _ = data
    clf = CNNClassifier(**FAST).fit(X, y)
    rows = clf.history[-1]["batches"]
    train = [b["train_loss"] for b in rows if "train_batch_size" in b]
    valid = [b["valid_loss"] for b in rows if "valid_batch_size" in b]
    assert len(train) == 4 and len(valid) == 1 and np.isfinite(train + valid).all()
    sizes = [b["train_batch_size"] for b in rows if "train_batch_size" in b]
    expected = np.average(train, weights=sizes)
    assert clf.history[-1]["train_loss"] == pytest.approx(expected)


def test_class_weight_balanced_is_computed_per_fit(data):
    X, y, _ = data
    clf = CNNClassifier(class_weight="balanced", **FAST)
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:10], np.flatnonzero(y == 2)[:20]]
    clf.fit(X[keep], y[keep])
    counts = np.bincount(y[keep])
    expected = len(keep) / (3 * counts)
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), expected, rtol=1e-6)
    clf.fit(X, y)  # another "fold": its own weights
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), len(y) / (3 * np.bincount(y)), rtol=1e-6)
    clf = CNNClassifier(class_weight={2: 5.0}, **FAST).fit(X, y)
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), [1, 1, 5])
    with pytest.raises(ValueError, match="'weight' or 'alpha'"):
        CNNClassifier(class_weight="balanced", criterion=PlainCE, **FAST).fit(X, y)


class PlainCE(torch.nn.Module):
    def forward(self, logits, targets):
        return torch.nn.functional.cross_entropy(logits, targets)


def test_center_loss_gets_the_features_and_its_centres_learn(data):
    X, y, _ = data
    clf = CNNClassifier(
        criterion=CompositeLoss,
        criterion__components={
            "ce": torch.nn.CrossEntropyLoss(),
            "center": CenterLoss(n_classes=3, n_features=8, lambda_=0.1),
        },
        optimizer__param_groups=[("*centers", {"lr": 0.5})],
        **FAST,
    )
    clf.fit(X, y)
    centres = clf.criterion_.components["center"].centers
    assert centres.shape == (3, 8)
    lrs = sorted(g["lr"] for g in clf.optimizer_.param_groups)
    assert lrs == [clf.lr, 0.5]
    assert set(clf.criterion_.last_values) == {"ce", "center"}


def test_lion_is_usable_as_optimizer(data):
    X, y, _ = data
    clf = CNNClassifier(optimizer=Lion, lr=1e-4, optimizer__weight_decay=0.01, **FAST).fit(X, y)
    assert isinstance(clf.optimizer_, Lion) and np.isfinite(clf.history[:, "train_loss"]).all()


def test_cnn_learns_the_synthetic_task():
    X, y, groups = make_har_windows(n_windows=400, n_classes=4, n_timesteps=64, random_state=1)
    test = np.arange(len(y)) % 4 == 0
    clf = CNNClassifier(module__channels=(32, 32), max_epochs=20, lr=3e-3, verbose=0, random_state=0)
    clf.fit(X[~test], y[~test], groups=groups[~test])
    assert clf.score(X[test], y[test]) > 0.8  # chance: 0.25


def test_batch_loader_matches_a_dataloader_and_is_reproducible():
    X = torch.arange(50 * 2 * 3, dtype=torch.float32).reshape(50, 2, 3)
    y = torch.arange(50)
    ds = WindowDataset(X, y)
    fast = list(BatchLoader(ds, 16))
    slow = list(torch.utils.data.DataLoader(ds, batch_size=16))
    assert len(fast) == len(slow) == 4
    for (a, b), (c, d) in zip(fast, slow):
        torch.testing.assert_close(a, c)
        torch.testing.assert_close(b, d)
    order1 = torch.cat([b for _, b in BatchLoader(ds, 16, shuffle=True, rng=np.random.default_rng(0))])
    order2 = torch.cat([b for _, b in BatchLoader(ds, 16, shuffle=True, rng=np.random.default_rng(0))])
    assert torch.equal(order1, order2) and sorted(order1.tolist()) == list(range(50))
    assert len(list(BatchLoader(ds, 16, drop_last=True))) == len(BatchLoader(ds, 16, drop_last=True)) == 3


def test_custom_dataloader_settings_fall_back_to_torch_dataloader(data):
    X, y, _ = data
    clf = CNNClassifier(iterator_train__num_workers=0, iterator_train__pin_memory=False,
                        random_state=0, **FAST).fit(X, y)
    assert np.isfinite(clf.history[:, "train_loss"]).all()
    ds = WindowDataset(X.astype(np.float32), y)
    assert isinstance(clf.get_iterator(ds, training=True), torch.utils.data.DataLoader)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"on_nan_loss": "ignore"}, "on_nan_loss"),
        ({"class_weight": "auto"}, "class_weight"),
        ({"data_on_device": "yes"}, "data_on_device"),
        ({"random_state": 1.5}, "random_state"),
    ],
)
def test_bad_parameters_are_named_at_fit(data, params, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        CNNClassifier(**{**FAST, **params}).fit(X, y)


def test_bad_targets(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="X has 160 windows but y has 10"):
        CNNClassifier(**FAST).fit(X, y[:10])
    with pytest.raises(ValueError, match="at least 2 classes"):
        CNNClassifier(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        CNNClassifier(**FAST).fit(X, np.linspace(0, 1, len(X)))


def test_history_print_goes_to_stdout_not_warnings(data):
    X, y, _ = data
    buf = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = CNNClassifier(**{**FAST, "verbose": 1}, callbacks__print_log__sink=buf.write)
        clf.fit(X, y)
    assert "epoch" in buf.getvalue()


def test_pipeline_passes_the_window_groups_to_the_internal_split():
    from sklearn_har import Pipeline, WindowSegmenter
    from sklearn_har.datasets import make_har_table

    X, y = make_har_table(n_users=4, rows_per_user=1500, random_state=0)
    X = X.copy()
    X["marker"] = X["user"].factorize()[0].astype(float)  # the user, in every window
    spy = SplitSpy()
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=64, step=32, group_column="user")),
        ("clf", CNNClassifier(callbacks=[spy], **FAST)),
    ]).fit(X, y)
    train, valid = spy.datasets
    marker = list(X.columns.drop("user")).index("marker")
    users_train = set(train.X[:, marker, 0].numpy().round().astype(int))
    users_valid = set(valid.X[:, marker, 0].numpy().round().astype(int))
    assert users_train and users_valid and not users_train & users_valid
    assert pipe.predict(X).shape == (len(X),)


def test_group_split_with_many_classes_and_few_windows_each():
    # 27 classes of 3 windows, 6 subjects: no stratified 5-fold group split exists; the
    # split is by group (with a warning) instead of scikit-learn's ValueError
    y = np.repeat(np.arange(27), 3)
    groups = np.arange(81) % 6
    with pytest.warns(UserWarning, match="largest has 3.*by group, not stratified"):
        train, valid = WindowValidSplit(0.2, random_state=0).split_indices(y, groups)
    assert not set(groups[train]) & set(groups[valid]) and len(train) + len(valid) == 81
    # one rare class among large ones stays stratified (no warning)
    y = np.r_[np.repeat([0, 1], 40), [2, 2]]
    groups = np.arange(82) % 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train, valid = WindowValidSplit(0.2, random_state=0).split_indices(y, groups)
    assert not set(groups[train]) & set(groups[valid])


def test_a_lone_last_training_window_joins_the_previous_batch():
    # 33 windows at batch 32: BatchNorm cannot train on a batch of one
    X = torch.randn(33, 2, 8)
    ds = WindowDataset(X.numpy(), np.arange(33))  # labels: the window's position
    sizes = [len(b) for b, _ in BatchLoader(ds, 16, shuffle=True, rng=np.random.default_rng(0))]
    assert sizes == [16, 17] and len(BatchLoader(ds, 16, shuffle=True)) == 2
    seen = torch.cat([b for _, b in BatchLoader(ds, 16, shuffle=True,
                                                rng=np.random.default_rng(0))])
    assert sorted(seen.tolist()) == list(range(33))  # no window dropped
    assert [len(b) for b, _ in BatchLoader(ds, 16)] == [16, 16, 1]  # prediction: unchanged
    Xw, y, _ = make_har_windows(n_windows=97, n_classes=2, n_timesteps=16, random_state=0)
    CNNClassifier(max_epochs=1, batch_size=32, train_split=None, verbose=0).fit(Xw, y)
