"""Parallel searches and cross-validation over deep classifiers (joblib's processes)."""

import numpy as np
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score

from sklearn_har import CNNClassifier, Pipeline, WindowSegmenter
from sklearn_har.datasets import make_har_table, make_har_windows


def test_grid_search_over_a_segmenter_and_cnn_pipeline_in_two_processes():
    X, y = make_har_table(n_users=4, n_activities=3, rows_per_user=1200, random_state=0)
    pipe = Pipeline([
        ("seg", WindowSegmenter(window=64, step=32, group_column="user")),
        ("clf", CNNClassifier(module__channels=(8,), max_epochs=2, verbose=0,
                              random_state=0)),
    ])
    search = GridSearchCV(pipe, {"clf__lr": [1e-3, 1e-2]}, cv=GroupKFold(2), n_jobs=2,
                          scoring="accuracy")
    search.fit(X, y, groups=X["user"])
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict(X).shape == (len(X),)
    # the refit model still holds "auto": the device is resolved inside each fit
    assert search.best_estimator_[-1].get_params()["device"] == "auto"


def test_cross_val_score_in_parallel_equals_sequential():
    X, y, groups = make_har_windows(n_windows=120, n_classes=3, n_timesteps=32,
                                    n_groups=4, random_state=0)
    clf = CNNClassifier(module__channels=(8,), max_epochs=2, verbose=0, random_state=0)
    parallel = cross_val_score(clf, X, y, groups=groups, cv=GroupKFold(2), n_jobs=2)
    sequential = cross_val_score(clf, X, y, groups=groups, cv=GroupKFold(2))
    np.testing.assert_allclose(parallel, sequential)
