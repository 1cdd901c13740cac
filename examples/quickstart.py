"""Quickstart: raw sensor table in, one cross-validated prediction per row out.

A synthetic stream of 6 users (interleaved chunks, 6 channels at 50 Hz, one
activity label per row) goes through

    WindowSegmenter -> StatFeatures -> RandomForestClassifier

inside ``sklearn_har.Pipeline``. ``cross_val_predict`` with ``GroupKFold`` by
user gives out-of-fold class probabilities for every row (each user is
predicted by a model that never saw that user), and ``har_report`` scores them.

Run:  python examples/quickstart.py
"""

import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GroupKFold, cross_val_predict

from sklearn_har import Pipeline, StatFeatures, WindowSegmenter
from sklearn_har.datasets import make_har_table
from sklearn_har.metrics import format_report, har_report

t0 = time.perf_counter()

# A DataFrame: column "user" ("u0" ... "u5"), then acc_x ... gyro_z; y: str per row.
X, y = make_har_table(n_users=6, rows_per_user=3000, random_state=0)
users = X["user"].to_numpy()
print(f"table: {X.shape[0]} rows x {X.shape[1]} columns, {len(np.unique(users))} users, "
      f"activities {sorted(set(y.tolist()))}")

pipe = Pipeline([
    # 128 rows = 2.56 s at 50 Hz, 50 % overlap (step defaults to window // 2);
    # a window never spans two users or two chunks of one user.
    ("seg", WindowSegmenter(window=128, group_column="user")),
    ("feat", StatFeatures(fs=50.0)),
    ("clf", RandomForestClassifier(n_estimators=100, random_state=0)),
])

# Out-of-fold probabilities, one row per input row; columns in sorted label order.
proba = cross_val_predict(pipe, X, y, groups=users, cv=GroupKFold(n_splits=3),
                          method="predict_proba")
classes = np.unique(y)
y_pred = classes[proba.argmax(axis=1)]

report = har_report(y, y_pred, proba, labels=classes)
print("\nGroupKFold(3) by user, scored on every row:")
print(format_report(report))
print(f"\ndone in {time.perf_counter() - t0:.1f} s")
