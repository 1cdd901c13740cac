"""A fitted deep classifier as ``estimator.json`` (parameters, fitted attributes, history,
as data) and safetensors blobs (the network's and the criterion's tensors)."""

from __future__ import annotations

import json
import random
import warnings

import numpy as np

from ._codec import check_trusted, decode, encode, encode_state, qualified_name

__all__ = ["classifier_members", "classifier_from_members"]

#: fitted attributes kept besides the network (those a classifier has)
FITTED = ("classes_inferred_", "class_counts_", "n_channels_in_", "n_timesteps_in_",
          "n_features_in_", "interrupted_", "pretrain_epochs_", "search_report_",
          "search_history_")


def _split_state(module):
    """A module's state dict as (CPU tensors for safetensors, other entries as data)."""
    import torch

    tensors, extra = {}, {}
    for key, value in module.state_dict().items():
        if isinstance(value, torch.Tensor):
            tensors[key] = value.detach().cpu().contiguous().clone()
        else:
            extra[key] = encode(value, f"state {key}")
    return tensors, extra


def classifier_members(est):
    """``{name: bytes}`` of a fitted classifier."""
    from safetensors.torch import save as save_tensors

    est.check_is_fitted()
    doc = {
        "class": qualified_name(type(est)),
        "params": encode(est.get_params(deep=False), "params"),
        "fitted": {k: encode(getattr(est, k), k) for k in FITTED if hasattr(est, k)},
        "input_scaler": (None if getattr(est, "input_scaler_", None) is None
                         else encode_state(est.input_scaler_, "input_scaler_")),
        "history": encode(list(est.history), "history"),
        "module": est._saved_architecture(),
        "state": {},
    }
    members = {}
    for name in ("module", "criterion"):
        obj = getattr(est, name + "_", None)
        if obj is None or not hasattr(obj, "state_dict"):
            continue
        tensors, extra = _split_state(obj)
        members[f"{name}.safetensors"] = save_tensors(tensors)
        doc["state"][name] = extra
    members["estimator.json"] = json.dumps(doc, sort_keys=True).encode()
    return members


class _PreservedRandomState:
    """Building the network at load time draws initial weights: keep the caller's
    random generators as they were."""

    def __enter__(self):
        import torch

        self.state = (torch.random.get_rng_state(), np.random.get_state(), random.getstate())

    def __exit__(self, *exc):
        import torch

        torch.random.set_rng_state(self.state[0])
        np.random.set_state(self.state[1])
        random.setstate(self.state[2])


def classifier_from_members(members, trusted, device, source):
    import torch
    from safetensors.torch import load as load_tensors
    from skorch.history import History

    doc = json.loads(members["estimator.json"])
    check_trusted(doc, trusted, source)
    cls = decode({"__type__": doc["class"]})
    # a deep classifier of sklearn_har (duck-typed: persistence sits below the classifiers)
    if not (isinstance(cls, type) and hasattr(cls, "_saved_architecture")
            and hasattr(cls, "initialize")):
        raise TypeError(f"{source}: {doc['class']} is not a sklearn_har classifier.")
    params = decode(doc["params"])
    if device is not None:
        params["device"] = device
    elif (str(params.get("device", "cpu")).startswith("cuda")
          and not torch.cuda.is_available()):
        warnings.warn(f"{source} was fitted with device={params['device']!r}; CUDA is not "
                      "available here, so it is loaded on the CPU.", UserWarning, stacklevel=3)
        params["device"] = "cpu"
    est = cls(**params)
    for key, value in doc["fitted"].items():
        setattr(est, key, decode(value))
    est.input_scaler_ = decode(doc["input_scaler"]) if doc["input_scaler"] else None
    with _PreservedRandomState():
        est.initialize()
        if doc.get("module") is not None:
            est._restore_architecture(doc["module"])
    for name, extra in doc["state"].items():
        state = dict(load_tensors(members[f"{name}.safetensors"]))
        state.update({k: decode(v) for k, v in extra.items()})
        target = getattr(est, name + "_")
        try:
            target.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise TypeError(f"{source}: the saved {name} does not fit the {name} these "
                            f"parameters build ({exc}).") from None
        target.to(est.device)
    est.history_ = History(decode(doc["history"]))
    return est
