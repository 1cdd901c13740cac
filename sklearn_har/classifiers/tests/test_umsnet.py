"""UMSNetClassifier: slices and sensors as parameters, window length, searches."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_har import Pipeline, UMSNetClassifier, WindowSegmenter
from sklearn_har.datasets import make_har_table, make_har_windows
from sklearn_har.nn.layers import LSRBlock

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")

TINY = dict(module__sensor_width=4, module__fusion_width=4, module__dim=16, module__heads=2,
            max_epochs=2, batch_size=32, verbose=0)


@pytest.fixture(scope="module")
def windows():
    return make_har_windows(n_windows=200, n_classes=3, n_channels=6, n_timesteps=48,
                            n_groups=6, random_state=0)


def test_network_built_for_the_windows_and_sensors(windows):
    X, y, groups = windows
    clf = UMSNetClassifier(**TINY, module__n_slices=12, module__sensor_groups=(3, 3),
                           random_state=0).fit(X, y, groups=groups)
    net = clf.module_
    assert (net.n_timesteps, net.n_slices, net.sensor_groups) == (48, 12, (3, 3))
    assert net.transformer.pos_embed.shape == (1, 13, 16)  # K slices + the [class] token
    assert clf.predict_proba(X[:4]).shape == (4, 3)
    with pytest.raises(ValueError, match="fitted on windows of 6 channel.s. x 48 time steps"):
        clf.predict(np.zeros((2, 6, 60), dtype=np.float32))


def test_slices_that_do_not_divide_the_window_are_named(windows):
    X, y, _ = windows
    with pytest.raises(ValueError, match=r"n_slices=7 must divide the window length; got "
                                          r"windows of 48 steps .*\[1, 2, 3, 4, 6, 8, 12, 16, "
                                          r"24, 48\]"):
        UMSNetClassifier(**TINY, module__n_slices=7).fit(X, y)
    with pytest.raises(ValueError, match=r"adding up to the 6 input channels \(they add up to 9\)"):
        UMSNetClassifier(**TINY, module__sensor_groups=(3, 3, 3)).fit(X, y)


def test_variant_and_depths_are_set_params(windows):
    X, y, _ = windows
    clf = UMSNetClassifier(**TINY, module__variant="B", module__fusion_depths=(1, 1),
                           module__transformer_depth=1).fit(X, y)
    blocks = sum(isinstance(m, LSRBlock) for m in clf.module_.modules())
    assert blocks == (2 + 2 + 6 + 2) + 2
    assert len(clf.module_.transformer.encoder.layers) == 1


def test_grid_search_over_variant_and_slices_in_a_segmenter_pipeline():
    X, y = make_har_table(n_users=3, n_activities=3, rows_per_user=900, random_state=0)
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=48, step=24, group_column="user")),
        ("clf", UMSNetClassifier(**TINY, module__sensor_depths=(1, 1),
                                 module__fusion_depths=(1, 1), random_state=0)),
    ])
    grid = {"clf__module__variant": ["A", "B"], "clf__module__n_slices": [4, 6]}
    search = GridSearchCV(pipe, grid, cv=GroupKFold(3), scoring="accuracy")
    search.fit(X, y, groups=X["user"])
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.cv_results_["mean_test_score"].shape == (4,)
    best = search.best_estimator_[-1].module_
    assert best.n_slices == search.best_params_["clf__module__n_slices"]
    depth = {"A": 3, "B": 6}[search.best_params_["clf__module__variant"]]
    assert len(best.transformer.encoder.layers) == depth
    assert search.predict(X).shape == (len(X),)
