"""Window datasets, a fast batch loader and the internal validation split."""

import warnings
from numbers import Integral

import numpy as np
import torch
from sklearn.model_selection import (
    GroupShuffleSplit,
    ShuffleSplit,
    StratifiedGroupKFold,
    StratifiedShuffleSplit,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    RealNotInt,
    validate_parameter_constraints,
)
from torch.utils.data import DataLoader, Dataset

__all__ = ["WindowDataset", "WindowValidSplit"]


class IntervalNotBool(Interval):
    """scikit-learn's ``Interval`` of ints that refuses ``True`` / ``False``."""

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


class WindowDataset(Dataset):
    """Windows ``(n, C, T)`` and optional integer targets, held as tensors.

    A plain :class:`torch.utils.data.Dataset` (so any ``DataLoader`` works on
    it), whose tensors can also be sliced a whole batch at a time by
    :class:`BatchLoader`, without a per-sample ``__getitem__`` and collate.
    """

    def __init__(self, X, y=None):
        self.X = torch.as_tensor(X)
        self.y = None if y is None else torch.as_tensor(y)

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, i):
        # skorch unpacks every batch as (Xi, yi); a placeholder target for predict
        y = self.y[i] if self.y is not None else torch.zeros((), dtype=torch.long)
        return self.X[i], y

    def subset(self, indices):
        idx = torch.as_tensor(np.asarray(indices), dtype=torch.long)
        return WindowDataset(self.X[idx], None if self.y is None else self.y[idx])

    def to(self, device):
        """Move both tensors to ``device`` (a no-op when already there)."""
        X = self.X.to(device, non_blocking=True)
        y = None if self.y is None else self.y.to(device, non_blocking=True)
        return WindowDataset(X, y)

    @property
    def nbytes(self):
        n = self.X.element_size() * self.X.nelement()
        if self.y is not None:
            n += self.y.element_size() * self.y.nelement()
        return n


class BatchLoader:
    """Yield ``(X_batch, y_batch)`` by slicing a :class:`WindowDataset`.

    One tensor index per batch instead of ``batch_size`` calls to
    ``__getitem__`` plus a collate: on a GPU with the data resident there, a
    batch costs one ``index_select``. The shuffling order comes from a numpy
    ``Generator`` owned by the estimator, so it is reproducible and picklable.

    When shuffling (training), a last batch of a single window joins the batch
    before it: BatchNorm cannot train on one sample, and no window is dropped.
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, rng=None):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = rng

    def _starts(self, n):
        bs = self.batch_size
        stop = n - n % bs if self.drop_last else n
        starts = list(range(0, stop, bs))
        if self.shuffle and len(starts) > 1 and stop - starts[-1] == 1:
            starts.pop()  # a lone last window joins the previous batch
        return starts, stop

    def __len__(self):
        return len(self._starts(len(self.dataset))[0])

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        n = X.shape[0]
        starts, stop = self._starts(n)
        ends = starts[1:] + [stop]
        if self.shuffle:
            rng = self.rng if self.rng is not None else np.random.default_rng()
            order = torch.from_numpy(rng.permutation(n)).to(X.device)
            for start, end in zip(starts, ends):
                idx = order[start:end]
                yield X[idx], (None if y is None else y[idx])
        else:
            for start, end in zip(starts, ends):
                sl = slice(start, end)
                yield X[sl], (None if y is None else y[sl])


class WindowValidSplit:
    """Internal train/validation split of a window classifier.

    Stratified by class by default; when ``groups`` (e.g. subject ids) are
    passed to the classifier's ``fit``, the split is by group, so that
    overlapping windows of one subject never sit on both sides (a validation
    score computed on neighbours of training windows is optimistic, and
    early stopping on it stops late).

    Parameters
    ----------
    valid_size : float in (0, 1) or int, default=0.2
        Fraction (or number) of windows held out. With groups, the fraction of
        groups (stratified: one fold of ``round(1 / valid_size)`` folds, or
        a single group when there are fewer groups than folds).
    stratified : bool, default=True
        Keep class proportions in both parts. Falls back to an unstratified
        split, with a warning, when a class has fewer than 2 windows.
    random_state : int, RandomState or None, default=None
        Seed of the split. None: the classifier passes a seed derived from its
        own ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.classifiers import WindowValidSplit
    >>> y = np.array([0] * 8 + [1] * 8)
    >>> train, valid = WindowValidSplit(0.25, random_state=0).split_indices(y)
    >>> len(train), len(valid), np.bincount(y[valid]).tolist()
    (12, 4, [2, 2])
    """

    def __init__(self, valid_size=0.2, stratified=True, random_state=None):
        self.valid_size = valid_size
        self.stratified = stratified
        self.random_state = random_state

    def __repr__(self):
        return (
            f"{type(self).__name__}(valid_size={self.valid_size!r}, "
            f"stratified={self.stratified!r}, random_state={self.random_state!r})"
        )

    _parameter_constraints: dict = {
        "valid_size": [
            Interval(RealNotInt, 0, 1, closed="neither"),
            IntervalNotBool(Integral, 1, None, closed="left"),
        ],
        "stratified": ["boolean"],
        "random_state": ["random_state"],
    }

    def _check_size(self, n):
        params = {name: getattr(self, name) for name in self._parameter_constraints}
        v = params["valid_size"]
        if isinstance(v, np.floating):  # a numpy float is not registered as RealNotInt
            params["valid_size"] = float(v)
        validate_parameter_constraints(
            self._parameter_constraints, params, caller_name=type(self).__name__)
        if isinstance(v, Integral) and not v < n:
            raise ValueError(
                f"WindowValidSplit(valid_size={v}) needs fewer validation windows "
                f"than the {n} windows passed to fit."
            )

    def split_indices(self, y, groups=None, random_state=None):
        """Return ``(train_indices, valid_indices)``.

        Parameters
        ----------
        y : array-like of shape (n_windows,)
        groups : array-like of shape (n_windows,), default=None
        random_state : int, default=None
            Used when ``self.random_state`` is None.
        """
        y = np.asarray(y)
        n = y.shape[0]
        if n < 2:
            raise ValueError(
                f"An internal validation split needs at least 2 windows; got {n}. "
                "Pass train_split=None to train on all of them."
            )
        self._check_size(n)
        seed = self.random_state if self.random_state is not None else random_state
        rs = check_random_state(seed)
        dummy = np.zeros((n, 1))
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape[0] != n:
                raise ValueError(
                    f"groups has {groups.shape[0]} entries but X has {n} windows; "
                    "pass one group id (e.g. subject) per window."
                )
            n_groups = np.unique(groups).shape[0]
            if n_groups < 2:
                raise ValueError(
                    "A group-aware validation split needs at least 2 groups; got "
                    f"{n_groups}. Pass more subjects, or groups=None."
                )
            if self.stratified:
                size = self.valid_size
                n_folds = (
                    max(2, int(round(1.0 / size)))
                    if isinstance(size, (float, np.floating))
                    else max(2, int(round(n / size)))
                )
                # few subjects: hold out one of them
                n_folds = min(n_folds, n_groups)
                largest = np.unique(y, return_counts=True)[1].max()
                if largest >= n_folds:
                    cv = StratifiedGroupKFold(
                        n_splits=n_folds, shuffle=True,
                        random_state=rs.randint(np.iinfo(np.int32).max),
                    )
                    with warnings.catch_warnings():
                        # "The least populated class has only k members": expected
                        warnings.simplefilter("ignore", UserWarning)
                        train, valid = next(cv.split(dummy, y, groups))
                    return train, valid
                warnings.warn(
                    f"A stratified group validation split is impossible here (every class "
                    f"has fewer windows than the {n_folds} folds it needs; the largest has "
                    f"{largest}): the split is by group, not stratified.",
                    UserWarning,
                    stacklevel=3,
                )
            size = self.valid_size
            if not isinstance(size, (float, np.floating)):
                size = max(1, min(n_groups - 1, int(size)))
            cv = GroupShuffleSplit(n_splits=1, test_size=size, random_state=rs)
            return next(cv.split(dummy, y, groups))
        if self.stratified:
            _, counts = np.unique(y, return_counts=True)
            n_valid = (
                int(np.ceil(self.valid_size * n))
                if isinstance(self.valid_size, (float, np.floating))
                else int(self.valid_size)
            )
            if counts.min() >= 2 and n_valid >= counts.shape[0] and n - n_valid >= counts.shape[0]:
                cv = StratifiedShuffleSplit(
                    n_splits=1, test_size=self.valid_size, random_state=rs
                )
                return next(cv.split(dummy, y))
            warnings.warn(
                f"A stratified validation split is impossible here (smallest class: "
                f"{counts.min()} window(s), {counts.shape[0]} classes, {n} windows): "
                "the split is random, not stratified.",
                UserWarning,
                stacklevel=3,
            )
        cv = ShuffleSplit(n_splits=1, test_size=self.valid_size, random_state=rs)
        return next(cv.split(dummy, y))

    def __call__(self, dataset, y=None, groups=None, random_state=None):
        """skorch's ``train_split`` protocol: return ``(train_ds, valid_ds)``."""
        if y is None:
            y = dataset.y.cpu().numpy()
        train, valid = self.split_indices(np.asarray(y), groups, random_state)
        return dataset.subset(train), dataset.subset(valid)


class LoaderMixin:
    """Datasets, the group-aware split and the fast batch loader of a window
    classifier (mixed into a skorch ``NeuralNet``)."""

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        return WindowDataset(X, y)

    def get_split_datasets(self, X, y=None, groups=None, **fit_params):
        dataset = self.get_dataset(X, y)
        if not self.train_split:
            return dataset, None
        if isinstance(self.train_split, WindowValidSplit):
            return self.train_split(dataset, y, groups=groups, random_state=self.split_seed_)
        if groups is not None:
            return self.train_split(dataset, y, groups=groups)
        return self.train_split(dataset, y)

    def _want_on_device(self, dataset):
        if torch.device(self.device).type != "cuda" or dataset.X.device.type == "cuda":
            return False
        if isinstance(self.data_on_device, bool):
            return self.data_on_device
        free, _ = torch.cuda.mem_get_info(torch.device(self.device))
        return dataset.nbytes < free / 4

    def get_iterator(self, dataset, training=False):
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        iterator = self.iterator_train if training else self.iterator_valid
        batch_size = kwargs.pop("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        shuffle = kwargs.pop("shuffle", training)
        if (
            iterator is DataLoader
            and isinstance(dataset, WindowDataset)
            and set(kwargs) <= {"drop_last"}
        ):
            if self._want_on_device(dataset):
                dataset = dataset.to(self.device)
            return BatchLoader(
                dataset,
                batch_size,
                shuffle=shuffle,
                drop_last=kwargs.get("drop_last", False),
                rng=getattr(self, "rng_", None),
            )
        if iterator is DataLoader and shuffle and "generator" not in kwargs:
            rng = getattr(self, "rng_", None) or np.random.default_rng()
            kwargs["generator"] = torch.Generator().manual_seed(int(rng.integers(2**62)))
        return iterator(dataset, batch_size=batch_size, shuffle=shuffle, **kwargs)

