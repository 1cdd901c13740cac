"""Every figure of sklearn_har.plotting, on synthetic windows, in well under a minute on CPU.

    python examples/plots.py [OUTPUT_FOLDER]       # PNGs into ./figures by default

Trains two small classifiers (USAD with the adaptive loss, and the plain CNN) and a
small diffusion model on synthetic windows split by subject, then draws the
confusion matrix of USAD on the held-out subjects, its training curves with the
loss weights, a PCA of its penultimate features, real vs synthetic windows of one
class, per-class F1 of both models, and test accuracy against MACs.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from sklearn_har import CNNClassifier, DiffusionAugmenter, USADClassifier, plotting  # noqa: E402
from sklearn_har.datasets import make_har_windows  # noqa: E402
from sklearn_har.nn.profile import count_macs  # noqa: E402

ACTIVITIES = np.array(["lie", "sit", "stand", "walk"])


def main(out="figures", n_windows=600, epochs=15, diffusion_iter=300, dpi=90):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    X, y, subjects = make_har_windows(n_windows=n_windows, n_classes=4, n_channels=6,
                                      n_timesteps=64, n_groups=6, random_state=0)
    y = ACTIVITIES[y]
    test = subjects >= 5  # subject-wise: subject 5 is never seen in training
    X_tr, y_tr, X_te, y_te = X[~test], y[~test], X[test], y[test]
    small = dict(max_epochs=epochs, verbose=0, random_state=0)
    usad = USADClassifier(module__stem_width=16, module__widths=(16, 32),
                          module__depths=(1, 1), **small).fit(X_tr, y_tr,
                                                              groups=subjects[~test])
    cnn = CNNClassifier(module__channels=(16, 32), **small).fit(X_tr, y_tr,
                                                               groups=subjects[~test])
    aug = DiffusionAugmenter(width=16, depth=1, max_iter=diffusion_iter, n_steps=50,
                             sampling_steps=10, random_state=0).fit(X_tr, y_tr)
    pred = {"USAD": usad.predict(X_te), "CNN": cnn.predict(X_te)}
    example = torch.zeros(1, X.shape[1], X.shape[2])
    macs = [count_macs(clf.module_.cpu().eval(), example) for clf in (usad, cnn)]

    figures = {
        "confusion_matrix.png": plotting.plot_confusion_matrix(y_te, pred["USAD"]).figure_,
        "training_curves.png": plotting.TrainingCurvesDisplay.from_estimator(usad).figure_,
        "features_pca.png": plotting.FeatureEmbeddingDisplay.from_estimator(
            usad, X_te, y_te, method="pca").figure_,
        "real_vs_synthetic.png": plotting.SyntheticWindowsDisplay.from_augmenter(
            aug, X_tr, y_tr, "walk", channel=0, n_synthetic=32).figure_,
        "per_class_f1.png": plotting.PerClassF1Display.from_predictions(y_te, pred).figure_,
        "accuracy_vs_macs.png": plotting.TradeoffDisplay(
            macs, [np.mean(pred[m] == y_te) for m in ("USAD", "CNN")], ["USAD", "CNN"],
            score_name="test accuracy").plot().figure_,
    }
    paths = []
    for name, fig in figures.items():
        fig.tight_layout()
        fig.savefig(out / name, dpi=dpi)
        plt.close(fig)
        paths.append(out / name)
    return paths


if __name__ == "__main__":
    for path in main(sys.argv[1] if len(sys.argv) > 1 else "figures"):
        print(path)
