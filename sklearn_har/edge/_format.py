"""The artefact format shared by :mod:`sklearn_har.export` (writer) and the
torch-free runtime (reader): what travels with a model to the edge.

Pure Python (``json`` only), so that the runtime imports neither torch nor
scikit-learn to read it.

One ``EdgeSpec`` is stored

- inside an ONNX model, as the metadata property ``sklearn_har`` (a JSON string);
- next to a ``.tflite`` model, as ``<stem>.json`` (TFLite flatbuffers carry no
  free-form metadata that the microcontroller runtime reads).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

__all__ = ["EdgeSpec", "FORMAT_VERSION", "METADATA_KEY"]

#: the ONNX metadata key holding the spec
METADATA_KEY = "sklearn_har"
#: bumped when a field changes meaning; readers refuse a newer major version
FORMAT_VERSION = 1


@dataclass
class EdgeSpec:
    """Everything a runtime needs besides the graph.

    Attributes
    ----------
    classes : list
        The labels, in the order of the model's outputs (JSON scalars).
    n_channels, window : int
        Input shape of one window, ``(n_channels, window)``; the batch axis is
        dynamic in ONNX and 1 in a microcontroller model.
    channel_names : list of str or None
        Channel names and their order (the segmenter's, or given at export).
    sampling_rate : float or None
        Samples per second the model was trained at (given at export; None =
        not stated).
    normalization : dict or None
        ``{"mean": [...], "scale": [...]}`` per channel, and ``"in_graph"``:
        True when the graph applies ``(x - mean) / scale`` itself (the Pi
        artefacts: raw windows in), False when the caller must (the MCU
        artefact: the int8 input is quantised from standardised windows).
    output : str
        ``"logits"``: the graph's output; the runtime applies the softmax.
    segmenter : dict or None
        For an artefact made from a Pipeline: the segmenter's class, parameters
        and fitted column layout, so raw tables can be cut as in training.
    quantization : dict or None
        For an int8 graph: ``{"input": {"scale", "zero_point"}, "output": {...}}``.
    model : dict
        The estimator's class, the network's class and its parameter count.
    verification : dict
        The figures the export measured (parity, agreement, accuracy drop).
    versions : dict
        ``sklearn_har``, ``torch`` and converter versions that made it.
    """

    classes: list
    n_channels: int
    window: int
    channel_names: list | None = None
    sampling_rate: float | None = None
    normalization: dict | None = None
    output: str = "logits"
    segmenter: dict | None = None
    quantization: dict | None = None
    model: dict = field(default_factory=dict)
    verification: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self):
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text, *, source="the artefact"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source}: the sklearn_har spec is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{source}: the sklearn_har spec is a {type(data).__name__}, "
                             "expected a JSON object")
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(
                f"{source} was written in sklearn_har artefact format {version!r}; this "
                f"runtime reads format {FORMAT_VERSION} and older: upgrade sklearn_har.")
        known = {f.name for f in fields(cls)}
        missing = {"classes", "n_channels", "window"} - data.keys()
        if missing:
            raise ValueError(f"{source}: the sklearn_har spec lacks {sorted(missing)}")
        return cls(**{k: v for k, v in data.items() if k in known})
