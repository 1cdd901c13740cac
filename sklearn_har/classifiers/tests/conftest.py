"""Shared fixtures of the classifier tests."""

import numpy as np
import pytest

from sklearn_har.datasets import make_har_windows


@pytest.fixture(scope="module")
def data():
    """160 small windows (3 channels x 32 steps), 3 classes, 4 subjects, float64."""
    X, y, groups = make_har_windows(
        n_windows=160, n_classes=3, n_timesteps=32, n_groups=4, random_state=0
    )
    return X.astype(np.float64), y, groups
