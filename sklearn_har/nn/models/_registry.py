"""The model registry: networks by name, with the metadata export and benchmarks read.

Decorator style, as timm's: a family file (``cnn1d.py``) registers each preset
builder with :func:`register_model`; :func:`create_model` builds one by name and
:func:`list_models` lists them (``nn/tests/test_models.py`` runs over every name).
"""

import difflib
import fnmatch
from dataclasses import dataclass, field

__all__ = ["ModelInfo", "create_model", "get_model_info", "list_models", "register_model"]

WINDOWS = "windows (B, C, T)"

_REGISTRY = {}


@dataclass(frozen=True)
class ModelInfo:
    """What is known about a registered network without building it.

    Attributes
    ----------
    name : str
        The registered name (the builder's name unless given).
    builder : callable
        ``builder(n_channels, n_classes, **kwargs) -> nn.Module``.
    module : type
        The ``nn.Module`` class the builder returns (how a fitted
        ``estimator.module_`` is traced back to its metadata).
    family : str
        The family, by default the defining file's name (``"cnn1d"``).
    default : bool
        Whether this is the family's default preset (see :func:`get_model_info`).
    input_kind : str
        What ``forward`` takes; ``"windows (B, C, T)"`` for every network today.
    fixed_length : bool
        Whether the network only runs at the window length it was built for
        (e.g. learned positional embeddings). ``False``: any ``T`` runs, although
        an exported graph is specialised to the example's length.
    mcu : bool
        Whether the network can go to a microcontroller (TFLite Micro builtins only:
        no LSTM/GRU, no concatenation of more than 10 tensors).
    mcu_notes : str
        Why (or why not), for the export report.
    exportable : bool
        Whether ``torch.export.export`` is expected to trace it; ``False`` only with
        the reason in ``export_notes``.
    export_notes : str
    description : str
        The builder docstring's first line.
    """

    name: str
    builder: object
    module: type
    family: str
    default: bool = False
    input_kind: str = WINDOWS
    fixed_length: bool = False
    mcu: bool = True
    mcu_notes: str = ""
    exportable: bool = True
    export_notes: str = ""
    description: str = ""
    extra: dict = field(default_factory=dict)


def register_model(
    fn=None,
    *,
    name=None,
    module,
    family=None,
    default=False,
    input_kind=WINDOWS,
    fixed_length=False,
    mcu=True,
    mcu_notes="",
    exportable=True,
    export_notes="",
    **extra,
):
    """Register a builder ``fn(n_channels, n_classes, **kwargs)`` under ``name`` (decorator).

    Usable bare only with its keyword ``module`` given, i.e. as
    ``@register_model(module=CNN1D, default=True, mcu_notes="...")``.
    Registering a name twice raises ``ValueError``. Extra keyword arguments are kept in
    ``ModelInfo.extra``.
    """

    def decorator(fn):
        key = name or fn.__name__
        if key in _REGISTRY:
            raise ValueError(f"A model named {key!r} is already registered.")
        if not exportable and not export_notes:
            raise ValueError(f"Model {key!r}: exportable=False needs export_notes saying why.")
        doc = (fn.__doc__ or "").strip().splitlines()
        _REGISTRY[key] = ModelInfo(
            name=key,
            builder=fn,
            module=module,
            family=family or fn.__module__.rsplit(".", 1)[-1],
            default=default,
            input_kind=input_kind,
            fixed_length=fixed_length,
            mcu=mcu,
            mcu_notes=mcu_notes,
            exportable=exportable,
            export_notes=export_notes,
            description=doc[0] if doc else "",
            extra=dict(extra),
        )
        return fn

    return decorator if fn is None else decorator(fn)


def list_models(pattern=None, *, family=None, mcu=None):
    """Sorted registered names, optionally filtered by a glob ``pattern``, ``family`` and ``mcu``.

    Examples
    --------
    >>> from sklearn_har.nn import list_models
    >>> "cnn1d" in list_models()
    True
    """
    names = sorted(_REGISTRY)
    if pattern is not None:
        names = fnmatch.filter(names, pattern)
    if family is not None:
        names = [n for n in names if _REGISTRY[n].family == family]
    if mcu is not None:
        names = [n for n in names if _REGISTRY[n].mcu == bool(mcu)]
    return names


def _unknown(name):
    close = difflib.get_close_matches(str(name), _REGISTRY, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ValueError(
        f"Unknown model {name!r}.{hint} Registered models: {', '.join(sorted(_REGISTRY))}."
    )


def get_model_info(model):
    """The :class:`ModelInfo` of a name, a module class or a module instance.

    A class (or instance) maps to its family's default preset, or to the only
    preset that builds it.
    """
    if isinstance(model, str):
        if model not in _REGISTRY:
            raise _unknown(model)
        return _REGISTRY[model]
    cls = model if isinstance(model, type) else type(model)
    found = [info for info in _REGISTRY.values() if info.module is cls]
    if not found:
        raise ValueError(
            f"{cls.__name__} is not a registered network. Registered models: "
            f"{', '.join(sorted(_REGISTRY))}."
        )
    defaults = [info for info in found if info.default]
    return (defaults or found)[0]


def create_model(name, n_channels, n_classes, **kwargs):
    """Build the network registered as ``name`` for ``n_channels`` inputs and ``n_classes`` logits.

    Keyword arguments override the preset's.

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn import create_model
    >>> net = create_model("cnn1d", n_channels=3, n_classes=4, channels=(8,))
    >>> net(torch.zeros(2, 3, 24)).shape
    torch.Size([2, 4])
    """
    return get_model_info(name).builder(n_channels=n_channels, n_classes=n_classes, **kwargs)
