"""What a new user runs into: copies of unfitted models, raw units, defaults,
swapped axes, silent divergence, missing labels, Ctrl-C."""

import copy
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import EarlyStopping

from sklearn_har import WindowScaler
from sklearn_har.classifiers import CNNClassifier, NeuralWindowClassifier
from sklearn_har.datasets import make_har_windows
from sklearn_har.exceptions import DivergenceWarning, InputScaleWarning
from sklearn_har.nn import CNN1D

from .test_base import FAST

# -- copies of unfitted and fitted models -------------------------------------------


@pytest.mark.parametrize("make", [
    lambda: CNNClassifier(),
    lambda: CNNClassifier(device="cpu", **FAST),
    lambda: NeuralWindowClassifier(CNN1D, module__channels=(4,)),
], ids=["cnn-auto", "cnn-cpu", "base-auto"])
def test_unfitted_models_pickle_deepcopy_and_clone(make):
    clf = make()
    params = clf.get_params(deep=False)
    for twin in (pickle.loads(pickle.dumps(clf)), copy.deepcopy(clf), clone(clf)):
        assert twin.get_params(deep=False).keys() == params.keys()
        assert twin.get_params()["device"] == params["device"]
        assert "device_resolved_" not in vars(twin)  # "auto" stays unresolved until fit


def test_copies_of_an_unfitted_model_train_like_the_original(data):
    X, y, groups = data
    clf = CNNClassifier(random_state=0, **FAST)
    twin = pickle.loads(pickle.dumps(copy.deepcopy(clf)))
    a = clf.fit(X, y, groups=groups).predict_proba(X)
    b = twin.fit(X, y, groups=groups).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert twin.device == ("cuda" if torch.cuda.is_available() else "cpu")


def test_fitted_models_deepcopy_exactly(data):
    X, y, _ = data
    clf = CNNClassifier(random_state=0, **FAST).fit(X, y)
    twin = copy.deepcopy(clf)
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))
    assert twin.get_params()["device"] == "auto"


# -- raw sensor units -----------------------------------------------------------------


def _accuracy_with_offset(offset, **params):
    X, y, g = make_har_windows(n_windows=400, n_classes=4, n_timesteps=64, random_state=0)
    test = np.isin(g, np.unique(g)[:2])
    X = X.copy()
    X[:, 1] += offset  # one channel in raw units with an offset
    clf = CNNClassifier(module__channels=(16, 16), max_epochs=15, verbose=0,
                        random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        clf.fit(X[~test], y[~test], groups=g[~test])
    return float((clf.predict(X[test]) == y[test]).mean())


def test_a_channel_offset_by_500_keeps_the_accuracy_with_the_defaults():
    plain = _accuracy_with_offset(0.0)
    shifted = _accuracy_with_offset(500.0)
    assert plain > 0.6
    assert abs(shifted - plain) <= 0.02


def test_normalize_false_feeds_raw_windows_and_the_scaler_is_kept(data):
    X, y, _ = data
    clf = CNNClassifier(random_state=0, **FAST).fit(X, y)
    assert isinstance(clf.input_scaler_, WindowScaler)
    np.testing.assert_allclose(clf.input_scaler_.mean_, X.mean(axis=(0, 2)), rtol=1e-5)
    # the module sees standardised windows: same output as raw windows fed to
    # a normalize=False copy of the module after the scaler
    raw = clone(clf).set_params(normalize=False).fit(X, y)
    assert raw.input_scaler_ is None
    with torch.no_grad():
        inside = clf.module_(torch.as_tensor(clf.input_scaler_.transform(X)))
    np.testing.assert_allclose(torch.softmax(inside, -1).numpy(), clf.predict_proba(X),
                               rtol=1e-5, atol=1e-6)
    # survives a pickle round trip, and partial_fit keeps the first statistics
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    mean = clf.input_scaler_.mean_.copy()
    clf.partial_fit(X + 3.0, y)
    np.testing.assert_array_equal(clf.input_scaler_.mean_, mean)


def test_normalize_false_warns_about_a_channel_in_raw_units(data):
    X, y, _ = data
    X = X.copy()
    X[:, 1] += 500.0
    clf = CNNClassifier(normalize=False, **FAST)
    with pytest.warns(InputScaleWarning, match=r"1 input channel\(s\).*channel 1: mean 50\d"):
        clf.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputScaleWarning)
        CNNClassifier(**FAST).fit(X, y)  # normalize=True: standardised, nothing to say
        CNNClassifier(normalize=False, **FAST).fit(X - X.mean(axis=(0, 2), keepdims=True), y)


# -- the benchmarked recipe is the default -----------------------------------------------


def test_the_default_recipe_is_early_stopping_with_the_best_weights_restored(data):
    clf = CNNClassifier()
    assert (clf.max_epochs, clf.patience, clf.lr, clf.batch_size) == (60, 10, 1e-3, 64)
    X, y, groups = data
    clf = CNNClassifier(module__channels=(8,), patience=2, max_epochs=40, lr=0.05,
                        verbose=0, random_state=0).fit(X, y, groups=groups)
    stopper = dict(clf.callbacks_)["early_stopping"]
    assert isinstance(stopper, EarlyStopping) and stopper.load_best
    losses = clf.history[:, "valid_loss"]
    assert len(clf.history) < 40  # stopped early
    best = int(np.argmin(losses))
    assert stopper.best_epoch_ == best + 1
    # the restored weights are the best epoch's: their validation loss is the best
    ds_valid = clf.get_split_datasets(X, clf._encode(y, clf.classes_), groups=groups)[1]
    proba = clf.predict_proba(ds_valid.X.numpy())
    nll = -np.log(proba[np.arange(len(proba)), ds_valid.y.numpy()]).mean()
    assert nll == pytest.approx(losses[best], rel=1e-4)


def test_patience_none_and_own_early_stopping(data):
    X, y, _ = data
    clf = CNNClassifier(module__channels=(8,), patience=None, max_epochs=4, verbose=0).fit(X, y)
    assert "early_stopping" not in dict(clf.callbacks_) and len(clf.history) == 4
    mine = EarlyStopping(patience=1)
    clf = CNNClassifier(module__channels=(8,), max_epochs=4, verbose=0,
                        callbacks=[("mine", mine)]).fit(X, y)
    assert "early_stopping" not in dict(clf.callbacks_)
    clf = CNNClassifier(module__channels=(8,), max_epochs=2, verbose=0,
                        train_split=None).fit(X, y)
    assert "early_stopping" not in dict(clf.callbacks_)


# -- swapped axes -------------------------------------------------------------------------


def test_windows_with_more_channels_than_steps_are_refused_at_fit(data):
    X, y, _ = data
    swapped = X.transpose(0, 2, 1)  # (n, 32 steps, 3 channels)
    with pytest.raises(ValueError, match=r"32 channel\(s\) x 3 time step\(s\).*"
                                         r"transpose\(0, 2, 1\).*check_axes=False"):
        CNNClassifier(**FAST).fit(swapped, y)
    clf = CNNClassifier(check_axes=False, module__channels=(8,), max_epochs=1,
                        verbose=0).fit(swapped, y)
    assert clf.n_channels_in_ == 32


# -- finite divergence ------------------------------------------------------------------


def test_finite_divergence_is_warned_naming_the_epoch(data):
    X, y, _ = data
    clf = CNNClassifier(module__channels=(8, 8), optimizer=torch.optim.SGD, lr=1e6,
                        max_epochs=4, patience=None, verbose=0, random_state=0)
    with pytest.warns(DivergenceWarning, match=r"train loss grew from 1.23 to 8.45e\+09 at "
                                               r"epoch 1 .*lr=1000000"):
        clf.fit(X, y)  # finite throughout: no NonFiniteLossError


def test_a_collapse_to_one_class_is_warned_naming_the_class(data):
    X, y, _ = data

    class OneClass(torch.nn.Module):
        def __init__(self, n_classes):
            super().__init__()
            self.bias = torch.nn.Parameter(torch.zeros(n_classes))

        def forward(self, x, **kwargs):
            # always class 0, whatever the input (the bias only gets a zero gradient)
            return torch.tensor([5.0, 0, 0]) + 0 * x.mean(dim=(1, 2))[:, None] * self.bias

    clf = NeuralWindowClassifier(OneClass, max_epochs=3, patience=None, verbose=0,
                                 random_state=0)
    with pytest.warns(DivergenceWarning, match=r"epoch 3\) predicts one class \(0\).*since "
                                               r"epoch 1.*3 classes"):  # noqa: E501
        clf.fit(X, y)
    assert clf.history[:, "valid_n_pred_classes"] == [1, 1, 1]


def test_healthy_training_gives_no_divergence_warning(data):
    X, y, groups = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        clf = CNNClassifier(module__channels=(8, 8), max_epochs=15, verbose=0,
                            random_state=0).fit(X, y, groups=groups)
    assert clf.history[-1, "valid_n_pred_classes"] > 1


# -- missing labels ------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [None, np.nan])
def test_missing_labels_are_named_with_their_rows(data, missing):
    X, y, _ = data
    labels = np.array(["a", "b", "c"], dtype=object)[y]
    labels[[5, 9]] = missing
    with pytest.raises(ValueError, match=r"2 missing label\(s\).*first at window 5"):
        CNNClassifier(**FAST).fit(X, labels)


# -- Ctrl-C ---------------------------------------------------------------------------------

_INTERRUPTED_CV = textwrap.dedent("""
    import signal, sys, time
    # as in an interactive Python: a background job of a non-interactive shell
    # (a CI script) starts with SIGINT ignored, and its children inherit that
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import numpy as np
    import torch
    from skorch.callbacks import Callback
    from sklearn.model_selection import cross_val_score
    from sklearn_har.classifiers import CNNClassifier
    from sklearn_har.datasets import make_har_windows

    torch.set_num_threads(1)

    FITS = []

    class Announce(Callback):
        def on_train_begin(self, net, **kwargs):
            FITS.append(1)

        def on_epoch_end(self, net, **kwargs):
            if len(FITS) == 1:  # slow down the first fold only, until the signal
                if len(net.history) == 2:
                    print("TRAINING", flush=True)
                time.sleep(0.1)

    X, y, g = make_har_windows(n_windows=200, n_classes=3, n_timesteps=32, random_state=0)
    clf = CNNClassifier(module__channels=(8,), max_epochs=150, patience=None, verbose=0,
                        random_state=0, on_interrupt=sys.argv[1],
                        callbacks=[("announce", Announce())])
    scores = cross_val_score(clf, X, y, cv=2)
    print("SCORES", scores.tolist(), flush=True)
""")


def _interrupt_cv(tmp_path, on_interrupt):
    script = tmp_path / "cv.py"
    script.write_text(_INTERRUPTED_CV)
    proc = subprocess.Popen(
        [sys.executable, str(script), on_interrupt], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout.readline().strip() == "TRAINING"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    return proc.returncode, out, err


def test_ctrl_c_stops_cross_validation(tmp_path):
    code, out, err = _interrupt_cv(tmp_path, "raise")
    assert code != 0
    assert "KeyboardInterrupt" in err
    assert "SCORES" not in out  # no fold was scored with a half-trained model


def test_ctrl_c_with_on_interrupt_stop_returns_the_model(tmp_path):
    # skorch's behaviour, for interactive use: fit returns, so the CV goes on
    code, out, err = _interrupt_cv(tmp_path, "stop")
    assert code == 0, err
    assert "SCORES" in out


def test_early_stopping_is_not_an_interrupt(data):
    X, y, groups = data
    clf = CNNClassifier(module__channels=(8,), patience=1, max_epochs=50, lr=0.05,
                        verbose=0, random_state=0).fit(X, y, groups=groups)
    assert len(clf.history) < 50 and not clf.interrupted_


def test_an_interrupt_restores_the_best_weights_before_raising(data):
    X, y, groups = data
    from skorch.callbacks import Callback

    class CtrlC(Callback):
        def on_batch_end(self, net, training=None, **kwargs):
            if training and len(net.history) == 6:
                raise KeyboardInterrupt

    clf = CNNClassifier(module__channels=(8,), max_epochs=20, verbose=0, random_state=0,
                        callbacks=[("ctrl_c", CtrlC())])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y, groups=groups)
    assert clf.interrupted_ and clf.history[-1, "interrupted"]
    assert clf.predict(X).shape == (len(X),)  # weights usable
    best = int(np.argmin(clf.history[:-1, "valid_loss"])) + 1
    assert dict(clf.callbacks_)["early_stopping"].best_epoch_ == best
