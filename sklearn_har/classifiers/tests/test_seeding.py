"""Every seed network: the same random_state gives the same predictions on CPU, and a
pickle round trip predicts exactly as the original."""

import pickle

import numpy as np
import pytest

from sklearn_har.classifiers import (
    MAGRes2NetClassifier,
    SFTNASClassifier,
    UMSNetClassifier,
    USADClassifier,
)
from sklearn_har.datasets import make_har_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")

TINY = {
    USADClassifier: dict(module__stem_width=8, module__widths=(8, 16), module__depths=(1, 1),
                         module__kernels=(3, 5)),
    MAGRes2NetClassifier: dict(module__depths=(1, 1), module__base_width=4, module__width=4,
                               module__stem_width=8),
    UMSNetClassifier: dict(module__n_slices=4, module__sensor_depths=(1, 1),
                           module__fusion_depths=(1, 1), module__sensor_width=4,
                           module__fusion_width=4, module__dim=16, module__heads=2),
    SFTNASClassifier: dict(module__filters=8, search_epochs=2),
}


@pytest.mark.parametrize("cls", list(TINY), ids=lambda c: c.__name__)
def test_same_random_state_same_predictions_and_pickle(cls):
    X, y, groups = make_har_windows(n_windows=240, n_classes=3, n_timesteps=32, n_groups=6,
                                    random_state=0)
    params = dict(TINY[cls], max_epochs=3, batch_size=32, verbose=0, random_state=3)
    a = cls(**params).fit(X, y, groups=groups)
    b = cls(**params).fit(X, y, groups=groups)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = cls(**{**params, "random_state": 4}).fit(X, y, groups=groups)
    assert not np.array_equal(c.predict_proba(X), a.predict_proba(X))
    again = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(again.predict_proba(X), a.predict_proba(X))
