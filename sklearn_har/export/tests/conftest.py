"""Shared fixtures of the export tests: small fitted models (the export extras are
required here: CI installs them, and a missing one must fail, not skip)."""

import numpy as np
import pytest

from sklearn_har import CNNClassifier
from sklearn_har.datasets import make_har_windows


@pytest.fixture(scope="package")
def windows():
    """A learnable task: 400 windows (3 channels x 64 steps), 4 classes, raw units."""
    X, y, _ = make_har_windows(n_windows=400, n_classes=4, n_channels=3, n_timesteps=64,
                               random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="package")
def fitted_cnn(windows):
    X, y = windows
    return CNNClassifier(max_epochs=6, random_state=0, verbose=0).fit(X, y)
