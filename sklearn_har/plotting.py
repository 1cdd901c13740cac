"""The pictures HAR papers show, as scikit-learn-style displays (matplotlib, the ``plot`` extra).

Every display is built with a ``from_*`` class method (or its constructor and
:meth:`plot`), draws into ``ax`` (a new figure when None) and keeps ``ax_`` (or
``axes_``) and ``figure_``, as scikit-learn's ``*Display`` objects do:

- :func:`plot_confusion_matrix`: scikit-learn's ``ConfusionMatrixDisplay``,
  row-normalised, so the diagonal is each class's recall;
- :class:`TrainingCurvesDisplay`: losses, validation scores and the adaptive loss
  weights per epoch, from a classifier's ``history``;
- :class:`FeatureEmbeddingDisplay`: PCA or t-SNE of the penultimate features
  (``return_features``), coloured by class;
- :class:`SyntheticWindowsDisplay`: real vs synthetic windows of a class (mean +- std
  bands and a few examples), from ``DiffusionAugmenter.sample``;
- :class:`PerClassF1Display`: per-class F1 bars of several models;
- :class:`TradeoffDisplay`: a score against MACs (log scale), e.g. SFTNAS's beta1
  sweep or every model on one chart.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FeatureEmbeddingDisplay",
    "PerClassF1Display",
    "SyntheticWindowsDisplay",
    "TradeoffDisplay",
    "TrainingCurvesDisplay",
    "plot_confusion_matrix",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("sklearn_har.plotting needs matplotlib: pip install "
                          "sklearn-har[plot] (or pip install matplotlib).") from None
    return plt


def _axes(ax, **subplots):
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(**subplots)
        return fig, ax
    first = ax.flat[0] if isinstance(ax, np.ndarray) else ax
    return first.figure, ax


def plot_confusion_matrix(y_true, y_pred, *, labels=None, display_labels=None, ax=None,
                          cmap="Blues", values_format=".2f", colorbar=True):
    """Row-normalised confusion matrix (the diagonal is each class's recall), drawn by
    scikit-learn's :class:`~sklearn.metrics.ConfusionMatrixDisplay`.

    Returns
    -------
    sklearn.metrics.ConfusionMatrixDisplay
        With ``ax_``, ``figure_`` and ``confusion_matrix`` (rows sum to 1); the
        y tick labels carry each class's recall.
    """
    _pyplot()
    from sklearn.metrics import ConfusionMatrixDisplay

    disp = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=labels, display_labels=display_labels, normalize="true",
        ax=ax, cmap=cmap, values_format=values_format, colorbar=colorbar)
    recall = np.diag(disp.confusion_matrix)
    names = [t.get_text() for t in disp.ax_.get_yticklabels()]
    disp.ax_.set_yticks(disp.ax_.get_yticks(),
                        [f"{n}\n(recall {r:.2f})" for n, r in zip(names, recall)])
    disp.ax_.set_title("confusion matrix, rows normalised (recall)")
    return disp


class TrainingCurvesDisplay:
    """Per-epoch curves of a classifier's ``history``: losses, validation scores, and the
    adaptive loss weights (``loss_weight_*``), one panel each (panels without data are
    left out).

    Parameters
    ----------
    history : list of dict
        skorch's ``History`` (or any list of per-epoch dicts).
    """

    LOSSES = ("train_loss", "valid_loss")
    SCORES = ("valid_acc", "valid_f1_macro", "valid_g_mean")

    def __init__(self, history):
        self.history = list(history)

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, keys=None):
        """From a fitted classifier's ``history``; ``keys``: the score keys to draw
        (default: accuracy, F1 macro and G-mean where present)."""
        return cls(estimator.history).plot(ax=ax, keys=keys)

    def _series(self, key):
        epochs = [row.get("epoch", i + 1) for i, row in enumerate(self.history)]
        pairs = [(e, row[key]) for e, row in zip(epochs, self.history) if key in row]
        return [p[0] for p in pairs], [float(p[1]) for p in pairs]

    def plot(self, ax=None, keys=None):
        present = set().union(*(row.keys() for row in self.history)) if self.history else set()
        scores = [k for k in (keys or self.SCORES) if k in present]
        weights = sorted(k for k in present if k.startswith("loss_weight_"))
        panels = [("loss", [k for k in self.LOSSES if k in present]),
                  ("validation score", scores), ("adaptive loss weight", weights)]
        panels = [(title, ks) for title, ks in panels if ks]
        if not panels:
            raise ValueError("TrainingCurvesDisplay: the history holds none of "
                             f"{list(self.LOSSES) + list(self.SCORES)} nor loss weights.")
        self.figure_, axes = _axes(ax, ncols=len(panels), figsize=(4.2 * len(panels), 3.4),
                                   squeeze=False)
        axes = np.asarray(axes).ravel()
        if axes.size < len(panels):
            raise ValueError(f"TrainingCurvesDisplay needs {len(panels)} axes; got "
                             f"{axes.size}.")
        self.lines_ = {}
        for a, (title, ks) in zip(axes, panels):
            for k in ks:
                x, y = self._series(k)
                (self.lines_[k],) = a.plot(x, y, marker="o", markersize=3,
                                           label=k.replace("loss_weight_", ""))
            a.set_xlabel("epoch")
            a.set_title(title)
            a.grid(alpha=0.3)
            a.legend(fontsize=8)
        self.axes_ = axes[:len(panels)]
        return self


def _penultimate(estimator, X, batch_size=256):
    """Penultimate features of a fitted deep classifier (``return_features=True``)."""
    import torch

    module = estimator.module_
    training = module.training
    module.eval()
    out = []
    try:
        with torch.no_grad():
            for i in range(0, len(X), batch_size):
                _, features = estimator.infer(torch.as_tensor(X[i:i + batch_size]),
                                              return_features=True)
                out.append(features.float().cpu().numpy())
    finally:
        module.train(training)
    return np.concatenate(out)


class FeatureEmbeddingDisplay:
    """A 2-D embedding (PCA or t-SNE) of penultimate features, coloured by class.

    Parameters
    ----------
    embedding : ndarray of shape (n, 2)
    y : array-like of shape (n,)
    method : str
    """

    def __init__(self, embedding, y, method="pca"):
        self.embedding = np.asarray(embedding)
        self.y = np.asarray(y)
        self.method = method

    @classmethod
    def from_estimator(cls, estimator, X, y, *, method="pca", ax=None, random_state=0,
                       max_points=3000):
        """Features of ``X`` from a fitted deep classifier (at most ``max_points`` windows,
        drawn at random), reduced by ``method`` (``"pca"`` or ``"tsne"``)."""
        if method not in ("pca", "tsne"):
            raise ValueError(f"method must be 'pca' or 'tsne'; got {method!r}.")
        X, y = np.asarray(X), np.asarray(y)
        if len(X) > max_points:
            keep = np.sort(np.random.default_rng(random_state).choice(len(X), max_points,
                                                                        replace=False))
            X, y = X[keep], y[keep]
        features = _penultimate(estimator, X)
        if method == "pca":
            from sklearn.decomposition import PCA

            emb = PCA(n_components=2, random_state=random_state).fit_transform(features)
        else:
            from sklearn.manifold import TSNE

            emb = TSNE(n_components=2, random_state=random_state,
                       perplexity=min(30.0, max(2.0, (len(X) - 1) / 3))).fit_transform(features)
        return cls(emb, y, method).plot(ax=ax)

    def plot(self, ax=None):
        self.figure_, self.ax_ = _axes(ax, figsize=(5, 4.5))
        self.collections_ = {}
        for label in np.unique(self.y):
            pts = self.embedding[self.y == label]
            self.collections_[label] = self.ax_.scatter(pts[:, 0], pts[:, 1], s=6, alpha=0.7,
                                                        label=str(label))
        self.ax_.set_title(f"penultimate features ({self.method.upper()})")
        self.ax_.legend(fontsize=8, markerscale=2)
        return self


class SyntheticWindowsDisplay:
    """Real vs synthetic windows of one class on one channel: mean +- std bands and a few
    examples of each.

    Parameters
    ----------
    real, synthetic : ndarray of shape (n, T)
        The class's windows on the channel.
    """

    def __init__(self, real, synthetic, label=None, channel=None):
        self.real, self.synthetic = np.asarray(real), np.asarray(synthetic)
        self.label, self.channel = label, channel

    @classmethod
    def from_augmenter(cls, augmenter, X, y, label, *, channel=0, n_synthetic=64,
                       ax=None, n_examples=3, random_state=0):
        """Draw ``n_synthetic`` windows of ``label`` from a fitted ``DiffusionAugmenter``
        and compare them with the real windows ``X[y == label]``."""
        X, y = np.asarray(X), np.asarray(y)
        if not np.any(y == label):
            raise ValueError(f"no real window of class {label!r} in y.")
        X_syn, _ = augmenter.sample({label: n_synthetic}, random_state=random_state)
        return cls(X[y == label][:, channel], X_syn[:, channel], label, channel).plot(
            ax=ax, n_examples=n_examples)

    def plot(self, ax=None, n_examples=3):
        self.figure_, axes = _axes(ax, ncols=2, figsize=(9, 3.4), sharey=True)
        axes = np.asarray(axes).ravel()
        self.lines_ = {}
        for a, (name, W) in zip(axes, (("real", self.real), ("synthetic", self.synthetic))):
            t = np.arange(W.shape[1])
            mean, std = W.mean(axis=0), W.std(axis=0)
            for k in range(min(n_examples, len(W))):
                a.plot(t, W[k], color="0.6", linewidth=0.8)
            (self.lines_[name],) = a.plot(t, mean, color="C0" if name == "real" else "C1",
                                          label="mean")
            a.fill_between(t, mean - std, mean + std, alpha=0.25,
                           color="C0" if name == "real" else "C1", label="± std")
            a.set_title(f"{name} ({len(W)} windows)")
            a.set_xlabel("time step")
            a.grid(alpha=0.3)
            a.legend(fontsize=8)
        axes[0].set_ylabel(f"class {self.label!r}, channel {self.channel}")
        self.axes_ = axes[:2]
        return self


class PerClassF1Display:
    """Grouped bars: each class's F1 for several models.

    Parameters
    ----------
    scores : dict
        ``{model: {class: f1}}`` (every model the same classes).
    """

    def __init__(self, scores):
        self.scores = {m: dict(s) for m, s in scores.items()}

    @classmethod
    def from_predictions(cls, y_true, predictions, *, labels=None, ax=None):
        """``predictions``: ``{model: y_pred}`` against the same ``y_true``."""
        from sklearn.metrics import f1_score

        labels = np.unique(np.asarray(y_true)) if labels is None else np.asarray(labels)
        scores = {m: dict(zip(labels.tolist(),
                              f1_score(y_true, p, labels=labels, average=None,
                                       zero_division=0).tolist()))
                  for m, p in predictions.items()}
        return cls(scores).plot(ax=ax)

    def plot(self, ax=None):
        classes = list(next(iter(self.scores.values())))
        self.figure_, self.ax_ = _axes(ax, figsize=(max(5, 1.1 * len(classes) + 2), 3.6))
        width = 0.8 / max(1, len(self.scores))
        x = np.arange(len(classes))
        self.bars_ = {}
        for i, (model, s) in enumerate(self.scores.items()):
            self.bars_[model] = self.ax_.bar(x + (i - (len(self.scores) - 1) / 2) * width,
                                             [s[c] for c in classes], width, label=model)
        self.ax_.set_xticks(x, [str(c) for c in classes], rotation=30, ha="right")
        self.ax_.set_ylim(0, 1.05)
        self.ax_.set_ylabel("F1")
        self.ax_.set_title("per-class F1")
        self.ax_.legend(fontsize=8)
        self.ax_.grid(axis="y", alpha=0.3)
        return self


class TradeoffDisplay:
    """A score against MACs per window (log scale), one point (with its error bar) per
    model or setting.

    Parameters
    ----------
    macs : array-like of shape (n,)
    scores : array-like of shape (n,)
    labels : list of str
    errors : array-like of shape (n,), optional
    """

    def __init__(self, macs, scores, labels, errors=None, score_name="F1 macro"):
        self.macs, self.scores = np.asarray(macs, float), np.asarray(scores, float)
        self.labels = [str(label) for label in labels]
        self.errors = None if errors is None else np.asarray(errors, float)
        self.score_name = score_name
        if not (self.macs.shape == self.scores.shape == (len(self.labels),)):
            raise ValueError(f"macs, scores and labels must have one entry per point; got "
                             f"{self.macs.shape}, {self.scores.shape}, {len(self.labels)}.")

    def plot(self, ax=None, connect=False):
        self.figure_, self.ax_ = _axes(ax, figsize=(5.5, 4))
        self.points_ = self.ax_.errorbar(self.macs / 1e6, self.scores, yerr=self.errors,
                                         fmt="-o" if connect else "o", capsize=3)
        for x, y, text in zip(self.macs / 1e6, self.scores, self.labels):
            self.ax_.annotate(text, (x, y), fontsize=7, xytext=(3, 3),
                              textcoords="offset points")
        self.ax_.set_xscale("log")
        self.ax_.margins(x=0.2, y=0.15)  # room for the labels
        self.ax_.set_xlabel("MMACs per window (log)")
        self.ax_.set_ylabel(self.score_name)
        self.ax_.set_title(f"{self.score_name} against cost")
        self.ax_.grid(alpha=0.3)
        return self
