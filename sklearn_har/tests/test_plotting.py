"""sklearn_har.plotting on tiny fitted objects (Agg backend): each display draws what it
says, with the expected number of artists."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sklearn_har import plotting  # noqa: E402
from sklearn_har.classifiers import USADClassifier  # noqa: E402
from sklearn_har.datasets import make_har_windows  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")


@pytest.fixture(scope="module")
def fitted():
    X, y, groups = make_har_windows(n_windows=120, n_classes=3, n_timesteps=32, n_groups=4,
                                    random_state=0)
    y = np.array(["lie", "sit", "walk"])[y]
    clf = USADClassifier(module__stem_width=8, module__widths=(8,), module__depths=(1,),
                         module__kernels=(3, 5), max_epochs=3, batch_size=32, verbose=0,
                         random_state=0).fit(X, y, groups=groups)
    return clf, X, y


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_confusion_matrix_is_scikit_learns_row_normalised(fitted):
    clf, X, y = fitted
    disp = plotting.plot_confusion_matrix(y, clf.predict(X))
    assert type(disp).__name__ == "ConfusionMatrixDisplay"
    assert disp.text_.shape == (3, 3)  # n_classes^2 cells
    np.testing.assert_allclose(disp.confusion_matrix.sum(axis=1), 1.0)
    ticks = [t.get_text() for t in disp.ax_.get_yticklabels()]
    assert ticks[0].startswith("lie") and "recall" in ticks[0]


def test_training_curves_draw_one_line_per_key(fitted):
    clf, _, _ = fitted
    disp = plotting.TrainingCurvesDisplay.from_estimator(clf, keys=["valid_acc"])
    weights = [k for k in clf.history[-1] if k.startswith("loss_weight_")]
    assert weights  # USAD's adaptive loss records its weights per epoch
    assert len(disp.axes_) == 3
    assert sorted(disp.lines_) == sorted(["train_loss", "valid_loss", "valid_acc", *weights])
    assert len(disp.axes_[0].get_lines()) == 2 and len(disp.axes_[1].get_lines()) == 1
    assert len(disp.lines_["valid_acc"].get_xdata()) == len(clf.history)
    with pytest.raises(ValueError, match="holds none of"):
        plotting.TrainingCurvesDisplay([{"epoch": 1}]).plot()


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_feature_embedding_colours_each_class(fitted, method):
    clf, X, y = fitted
    disp = plotting.FeatureEmbeddingDisplay.from_estimator(clf, X, y, method=method)
    assert disp.embedding.shape == (len(X), 2)
    assert sorted(disp.collections_) == ["lie", "sit", "walk"]
    assert sum(len(c.get_offsets()) for c in disp.collections_.values()) == len(X)
    with pytest.raises(ValueError, match="'pca' or 'tsne'"):
        plotting.FeatureEmbeddingDisplay.from_estimator(clf, X, y, method="umap")


def test_real_vs_synthetic_windows(fitted):
    from sklearn_har import DiffusionAugmenter

    _, X, y = fitted
    aug = DiffusionAugmenter(width=8, depth=1, max_iter=5, n_steps=10, sampling_steps=3,
                             batch_size=16, random_state=0).fit(X, y)
    disp = plotting.SyntheticWindowsDisplay.from_augmenter(aug, X, y, "sit", channel=1,
                                                           n_synthetic=8, n_examples=2)
    assert disp.synthetic.shape == (8, 32) and disp.real.shape == ((y == "sit").sum(), 32)
    assert len(disp.axes_) == 2
    assert all(len(a.get_lines()) == 3 for a in disp.axes_)  # 2 examples + the mean
    assert all(len(a.collections) == 1 for a in disp.axes_)  # the std band


def test_per_class_f1_bars_and_tradeoff(fitted):
    clf, X, y = fitted
    disp = plotting.PerClassF1Display.from_predictions(
        y, {"usad": clf.predict(X), "always sit": np.full(len(y), "sit")})
    assert len(disp.ax_.patches) == 2 * 3
    assert disp.scores["always sit"]["lie"] == 0.0
    trade = plotting.TradeoffDisplay([2e6, 5e5, 8e4], [0.93, 0.91, 0.85],
                                     ["beta1=0", "beta1=1", "beta1=10"],
                                     errors=[0.01, 0.0, 0.02]).plot(connect=True)
    assert trade.ax_.get_xscale() == "log" and len(trade.ax_.texts) == 3
    with pytest.raises(ValueError, match="one entry per point"):
        plotting.TradeoffDisplay([1, 2], [0.5], ["a", "b"])


def test_displays_draw_into_given_axes(fitted):
    clf, X, y = fitted
    fig, (a, b) = plt.subplots(1, 2)
    plotting.plot_confusion_matrix(y, clf.predict(X), ax=a, colorbar=False)
    emb = plotting.FeatureEmbeddingDisplay.from_estimator(clf, X, y, ax=b)
    assert emb.ax_ is b and emb.figure_ is fig


def test_missing_matplotlib_names_the_extra(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r"pip install sklearn-har\[plot\]"):
        plotting.TradeoffDisplay([1.0], [0.5], ["a"]).plot()
