"""A fitted Pipeline: ``pipeline.json`` (its parameters and steps), each deep classifier
step as in a classifier file, every other step as a skops file (scikit-learn objects as
data, types checked before loading)."""

from __future__ import annotations

import json

from ._classifier import classifier_from_members, classifier_members
from ._codec import decode, encode, qualified_name, referenced_types, refuse, untrusted

__all__ = ["pipeline_from_members", "pipeline_members"]


def pipeline_members(pipe):
    """``{name: bytes}`` of a fitted sklearn_har Pipeline."""
    import skops.io as sio
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(pipe)
    members, steps = {}, []
    for i, (name, step) in enumerate(pipe.steps):
        prefix = f"steps/{i}/"
        if step is None or isinstance(step, str):
            steps.append([name, {"passthrough": step}])
        elif hasattr(step, "_saved_architecture"):
            members.update({prefix + k: v for k, v in classifier_members(step).items()})
            steps.append([name, {"classifier": prefix}])
        else:
            members[prefix + "step.skops"] = sio.dumps(step)
            steps.append([name, {"skops": prefix + "step.skops"}])
    params = {k: v for k, v in pipe.get_params(deep=False).items() if k != "steps"}
    doc = {"class": qualified_name(type(pipe)), "params": encode(params, "params"),
           "steps": steps}
    members["pipeline.json"] = json.dumps(doc, sort_keys=True).encode()
    return members


def pipeline_from_members(members, trusted, device, source):
    import skops.io as sio

    doc = json.loads(members["pipeline.json"])
    # every type of every step first: nothing is built unless all are trusted
    names = referenced_types({"class": {"__type__": doc["class"]}, "params": doc["params"]})
    needs = {}
    for _, spec in doc["steps"]:
        if "skops" in spec:
            needs[spec["skops"]] = sio.get_untrusted_types(data=members[spec["skops"]])
            names |= set(needs[spec["skops"]])
        elif "classifier" in spec:
            names |= referenced_types(json.loads(members[spec["classifier"] +
                                                         "estimator.json"]))
    refuse(untrusted(names, trusted), source)
    from sklearn.pipeline import Pipeline as SklearnPipeline

    cls = decode({"__type__": doc["class"]})
    if not (isinstance(cls, type) and issubclass(cls, SklearnPipeline)):
        raise TypeError(f"{source}: {doc['class']} is not a Pipeline.")
    steps = []
    for name, spec in doc["steps"]:
        if "passthrough" in spec:
            steps.append((name, spec["passthrough"]))
        elif "classifier" in spec:
            prefix = spec["classifier"]
            sub = {k[len(prefix):]: v for k, v in members.items() if k.startswith(prefix)}
            steps.append((name, classifier_from_members(sub, trusted, device, source)))
        else:
            steps.append((name, sio.loads(members[spec["skops"]], trusted=needs[spec["skops"]])))
    return cls(steps=steps, **decode(doc["params"]))
