"""Parameter text written once, substituted into each estimator's docstring.

The classifiers share most of their parameters (and every window estimator
shares ``check_axes``); their numpydoc text lives
here, in :data:`_PARAMS`, and a docstring names the ones it lists with a
placeholder line ``{params: name, name, ...}`` (``{params: *}``: every one, in
the order below; ``{params: *, -name}``: every one but ``name``), or
``{fitted_attributes}`` for the attributes every fitted classifier has.
:func:`fill_doc` substitutes them, indented as the placeholder.

Examples
--------
>>> from sklearn_har.utils._docstring import fill_doc
>>> @fill_doc
... class Demo:
...     '''Demo.
...
...     Parameters
...     ----------
...     {params: lr}
...     '''
>>> print(Demo.__doc__.splitlines()[4])
    lr : float, default=1e-3
"""

import re

__all__ = ["fill_doc"]

# numpydoc entries, one per parameter, in the order the classifiers list them
_PARAMS_TEXT = """\
criterion : class or instance, default=torch.nn.CrossEntropyLoss
    Loss on logits (any loss in :mod:`sklearn_har.nn`, a
    :class:`~sklearn_har.nn.CompositeLoss`, or a torch loss).
optimizer : class, default=torch.optim.AdamW
lr : float, default=1e-3
max_epochs : int, default=60
    Most epochs per ``fit`` (fewer when early stopping ends training).
batch_size : int, default=64
train_split : callable or None, default=WindowValidSplit(0.2)
    Internal validation split. None trains on all windows (no validation
    scores, no early stopping). skorch's ``ValidSplit`` and
    ``predefined_split`` work too (the latter with integer-encoded labels).
patience : int or None, default=10
    Early stopping: epochs without a lower validation loss before training
    stops; the best epoch's weights are then restored. None (or 0) trains
    ``max_epochs`` epochs. Tunable as ``callbacks__early_stopping__*``
    too.
normalize : bool, default=True
    Standardise each input channel with its mean and standard deviation
    over the training windows (``input_scaler_``). False feeds the windows
    as they are (for inputs already standardised, or a module that
    normalises itself); an ``InputScaleWarning`` then names a channel
    whose mean exceeds 100 times its standard deviation.
class_weight : None, "balanced" or dict, default=None
    Class weights computed from the labels passed to each ``fit`` (so no
    weight leaks between cross-validation folds), given to the criterion as
    its ``weight`` argument (or ``alpha`` for a focal loss).
random_state : int, RandomState instance or None, default=None
    Seed of weight initialisation, dropout, batch order and the internal
    split.
device : "auto", str or torch.device, default="auto"
on_nan_loss : {"raise", "restore"}, default="raise"
on_interrupt : {"raise", "stop"}, default="raise"
    What Ctrl-C (``KeyboardInterrupt``) during ``fit`` does after training
    stopped cleanly: raise it again, so that cross-validation and searches
    stop, or ``"stop"``: return the model trained so far (skorch's
    behaviour, for interactive use). Early stopping is not an interrupt.
check_axes : bool, default=True
    Refuse windows with more channels than time steps at ``fit`` (they are
    almost always ``(n, T, C)`` with the axes swapped); False accepts them.
data_on_device : "auto" or bool, default="auto"
    Move the training windows to the device once per ``fit`` ("auto": when
    they take less than a quarter of the free GPU memory).
progress_bar : bool, default=False
    Show a per-batch progress bar (skorch's ``ProgressBar``, tqdm) besides
    the epoch table; ``verbose=0`` silences both.
verbose : int, default=1
    1 prints skorch's table, one row per epoch.
**kwargs
    Any other skorch parameter or ``module__*``, ``criterion__*``,
    ``optimizer__*``, ``iterator_train__*``, ``callbacks__*`` setting.
"""

# parameters of some classifiers only (named explicitly, never part of ``*``)
_EXTRA_PARAMS_TEXT = """\
augmenter : estimator or None, default=None
    Synthetic pre-training (seeds 000/001, eq. 16-18): an unfitted
    :class:`~sklearn_har.samplers.DiffusionAugmenter` (or any object with
    ``fit(X, y)`` and ``sample(n_per_class)``). ``fit`` then clones and fits
    it on the training windows, pre-trains the network on its synthetic
    windows for ``pretrain_epochs`` epochs, and fine-tunes on the real
    windows (``max_epochs``, early stopping as usual). None trains on the
    real windows only. ``partial_fit`` never pre-trains.
synthetic_per_class : "auto" or int, default="auto"
    Synthetic windows per class for the pre-training; ``"auto"``: as many
    as the largest class has real windows (a balanced synthetic set).
pretrain_epochs : int or None, default=None
    Most epochs of the pre-training (early stopping on a split of the
    synthetic windows); None: ``max_epochs``.
"""

_FITTED_ATTRIBUTES = """\
classes_ : ndarray of shape (n_classes,)
n_channels_in_, n_timesteps_in_ : int
    Window shape seen at ``fit``.
n_features_in_ : int
    ``n_channels_in_ * n_timesteps_in_``.
class_counts_ : ndarray of shape (n_classes,)
    Training windows per class in the last ``fit``.
input_scaler_ : WindowScaler or None
    The input standardisation fitted at ``fit`` (None when
    ``normalize=False``).
interrupted_ : bool
    Whether the last ``fit`` / ``partial_fit`` was stopped by Ctrl-C.
module_, criterion_, optimizer_, history_ : as in skorch.
"""


def _entries(text):
    """``{name: entry}`` of a numpydoc block (an entry starts unindented)."""
    entries = re.split(r"\n(?=\S)", text.strip("\n"))
    return {entry.split(" :")[0].split("\n")[0].strip(): entry for entry in entries}


_SHARED = list(_entries(_PARAMS_TEXT))  # what ``*`` expands to
_PARAMS = {**_entries(_PARAMS_TEXT), **_entries(_EXTRA_PARAMS_TEXT)}
_SECTIONS = {"fitted_attributes": _FITTED_ATTRIBUTES.strip("\n")}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ ]*)\{(?P<key>params:[^}]*|\w+)\}[ ]*$", re.MULTILINE)


def _param_names(spec):
    names = []
    for item in (s.strip() for s in spec.split(",")):
        if item == "*":
            names.extend(_SHARED)
        elif item.startswith("-"):
            names.remove(item[1:].strip())
        elif item:
            if item not in _PARAMS:
                raise KeyError(f"No shared docstring text for parameter {item!r}; "
                               f"known: {sorted(_PARAMS)}.")
            names.append(item)
    return names


def _text(key):
    if key.startswith("params:"):
        return "\n".join(_PARAMS[name] for name in _param_names(key[len("params:"):]))
    return _SECTIONS[key]


def fill_doc(obj):
    """Substitute the placeholder lines of ``obj.__doc__`` (a class or function
    decorator; returns ``obj``)."""
    doc = obj.__doc__
    if doc:
        def repl(match):
            indent = match["indent"]
            return "\n".join(indent + line if line else line
                              for line in _text(match["key"]).splitlines())

        obj.__doc__ = _PLACEHOLDER.sub(repl, doc)
    return obj
