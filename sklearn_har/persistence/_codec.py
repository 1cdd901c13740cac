"""Parameters and fitted attributes as JSON data, and back, with types checked before
anything is imported or built.

A value is encoded as JSON where it can be (None, bools, numbers, strings, lists,
string-keyed dicts), and otherwise as a tagged object:

- ``{"__tuple__": [...]}``, ``{"__ndarray__": [...], "dtype": "<f4", "shape": [...]}``
  (numeric, boolean and string arrays);
- ``{"__type__": "module.Name"}``: a class or function, referred to by name;
- ``{"__object__": "module.Name", "params": {...}}``: an object rebuilt by calling its
  class with its constructor parameters (``get_params(deep=False)``, or the
  attributes named like the constructor's arguments, scikit-learn's convention);
- ``{"__state__": "module.Name", "attrs": {...}}``: a fitted object of a plain-data
  class (a fitted ``WindowScaler``), rebuilt without calling anything but
  ``object.__new__`` and given its attributes back, as pickle does, but only for
  trusted classes and only with data.

Loading first lists every type name the data refers to, without importing any;
names outside :data:`TRUSTED_PREFIXES` (test modules excluded) and the caller's
``trusted`` list stop the
load with :class:`~sklearn_har.exceptions.UntrustedTypeError` naming them all.
"""

from __future__ import annotations

import importlib
import inspect
import numbers
import types

import numpy as np

from ..exceptions import UntrustedTypeError

__all__ = ["TRUSTED_PREFIXES", "decode", "encode", "referenced_types"]

#: types loaded without being listed: this library's, scikit-learn's, imbalanced-learn's,
#: skorch's, and torch's optimisers, losses and data loader (the classes a classifier's
#: parameters name by default)
TRUSTED_PREFIXES = (
    "sklearn_har.",
    "sklearn.",
    "imblearn.",
    "skorch.",
    "torch.optim.",
    "torch.nn.modules.loss.",
    "torch.utils.data.dataloader.DataLoader",
)
_TAGS = ("__tuple__", "__ndarray__", "__type__", "__object__", "__state__", "__dict__")


def qualified_name(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def _constructor_params(obj, where):
    if hasattr(obj, "get_params"):
        return obj.get_params(deep=False)
    try:
        sig = inspect.signature(type(obj).__init__)
    except (TypeError, ValueError):
        sig = None
    names = [] if sig is None else [
        n for n, p in sig.parameters.items()
        if n != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if sig is None or any(not hasattr(obj, n) for n in names):
        raise TypeError(f"{where}: a {qualified_name(type(obj))} cannot be saved as data (it "
                        "has no get_params and does not keep its constructor arguments as "
                        "attributes).")
    return {n: getattr(obj, n) for n in names}


def encode(value, where="value"):
    """``value`` as JSON-able data (see the module docstring); ``TypeError`` naming
    ``where`` for anything that is not data."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_)):
        value = value.item()
        if isinstance(value, bool):
            return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return {"__ndarray__": value.ravel().tolist(), "dtype": value.dtype.str,
                    "shape": list(value.shape)}
        if value.dtype.kind in "UO" and all(isinstance(v, str) for v in value.ravel()):
            return {"__ndarray__": value.ravel().tolist(), "dtype": "str",
                    "shape": list(value.shape)}
        raise TypeError(f"{where}: an array of dtype {value.dtype} cannot be saved as data.")
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        bad = [k for k in value if not isinstance(k, str)]
        if bad:
            raise TypeError(f"{where}: a dict with a non-string key {bad[0]!r} cannot be saved.")
        out = {k: encode(v, f"{where}[{k!r}]") for k, v in value.items()}
        return {"__dict__": out} if any(k in _TAGS for k in out) else out
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
        if "<locals>" in value.__qualname__ or "<lambda>" in value.__qualname__:
            raise TypeError(f"{where}: {value.__qualname__} is defined inside a function and "
                            "cannot be referred to by name.")
        return {"__type__": qualified_name(value)}
    params = _constructor_params(value, where)
    return {"__object__": qualified_name(type(value)),
            "params": {k: encode(v, f"{where}.{k}") for k, v in params.items()}}


def encode_state(obj, where="value"):
    """A fitted plain-data object: its class and all its attributes, as data."""
    return {"__state__": qualified_name(type(obj)),
            "attrs": {k: encode(v, f"{where}.{k}") for k, v in vars(obj).items()}}


def referenced_types(data):
    """Every type name ``data`` refers to (nothing imported)."""
    found = set()

    def walk(node):
        if isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, dict):
            for key in ("__type__", "__object__", "__state__"):
                if key in node:
                    found.add(node[key])
            for v in node.values():
                walk(v)

    walk(data)
    return found


def _trusted(name):
    # the library's own test modules ship inside the package, but are not the library
    return name.startswith(TRUSTED_PREFIXES) and ".tests." not in name


def untrusted(names, trusted=()):
    """The ``names`` neither in :data:`TRUSTED_PREFIXES` nor in ``trusted``, sorted."""
    allowed = {t if isinstance(t, str) else qualified_name(t) for t in (trusted or ())}
    return sorted(n for n in set(names) if n not in allowed and not _trusted(n))


def refuse(bad, source):
    """Raise :class:`UntrustedTypeError` naming the types ``bad`` (if any)."""
    if bad:
        raise UntrustedTypeError(
            f"{source} refers to types that are not trusted: {sorted(set(bad))}. Nothing was "
            "loaded. Check them, then pass them as trusted=[...] (names or the objects).")


def check_trusted(data, trusted=(), source="the file"):
    """Raise :class:`UntrustedTypeError` listing the types ``data`` refers to that are
    neither in :data:`TRUSTED_PREFIXES` nor in ``trusted``."""
    refuse(untrusted(referenced_types(data), trusted), source)


def _resolve(name):
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            break
        return obj
    raise UntrustedTypeError(f"the saved type {name} cannot be found in this environment.")


def decode(data):
    """The values :func:`encode` made (types checked beforehand with :func:`check_trusted`)."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    if "__ndarray__" in data:
        dtype = str if data["dtype"] == "str" else np.dtype(data["dtype"])
        return np.asarray(data["__ndarray__"], dtype=dtype).reshape(data["shape"])
    if "__type__" in data:
        return _resolve(data["__type__"])
    if "__object__" in data:
        cls = _resolve(data["__object__"])
        if not isinstance(cls, type):
            raise UntrustedTypeError(f"{data['__object__']} is not a class.")
        return cls(**{k: decode(v) for k, v in data["params"].items()})
    if "__state__" in data:
        cls = _resolve(data["__state__"])
        if not isinstance(cls, type):
            raise UntrustedTypeError(f"{data['__state__']} is not a class.")
        obj = object.__new__(cls)
        obj.__dict__.update({k: decode(v) for k, v in data["attrs"].items()})
        return obj
    if "__dict__" in data:
        return {k: decode(v) for k, v in data["__dict__"].items()}
    return {k: decode(v) for k, v in data.items()}
