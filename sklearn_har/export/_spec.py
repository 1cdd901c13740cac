"""From a fitted estimator to what export needs: a plain torch module in eval
mode and the :class:`~sklearn_har.edge._format.EdgeSpec` that travels with it.

A classifier, or a fitted :class:`sklearn_har.Pipeline` whose last step is one.
In a Pipeline, the segmenter's layout travels with the artefact, per-channel
scalers (:class:`~sklearn_har.WindowScaler`) are folded into the model's own
input standardisation, and samplers are left out (they only act at ``fit``).
Any other step has no edge counterpart and is refused by name.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._version import __version__
from ..edge._format import EdgeSpec

__all__ = ["EdgeModule", "edge_spec"]


class EdgeModule(nn.Module):
    """The network behind a fixed input standardisation, returning logits only.

    ``forward(x)``: ``x`` of shape ``(batch, n_channels, window)`` in the units
    the estimator was fitted on (``normalize=True``) or already standardised
    (``normalize=False``); returns logits ``(batch, n_classes)``.
    """

    def __init__(self, network, mean=None, scale=None, normalize=True):
        super().__init__()
        self.network = network
        self.normalize = bool(normalize and mean is not None)
        if self.normalize:
            mean = torch.as_tensor(np.asarray(mean, dtype=np.float32)).reshape(1, -1, 1)
            inv = 1.0 / np.asarray(scale, dtype=np.float64)
            self.register_buffer("mean", mean)
            self.register_buffer("inv_scale",
                                 torch.as_tensor(inv.astype(np.float32)).reshape(1, -1, 1))

    def forward(self, x):
        if self.normalize:
            x = (x - self.mean) * self.inv_scale
        out = self.network(x)
        return out[0] if isinstance(out, (tuple, list)) else out


def _is_neural_classifier(est):
    return hasattr(est, "module_") and hasattr(est, "n_channels_in_") and hasattr(
        est, "classes_")


def _json_scalar(value):
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, (str, bool, numbers.Integral, numbers.Real)) or value is None:
        return value
    raise TypeError(f"class label {value!r} ({type(value).__name__}) cannot be written to an "
                    "edge artefact: use str or numeric labels")


def _json_params(params):
    out = {}
    for key, value in params.items():
        value = value.item() if isinstance(value, np.generic) else value
        if isinstance(value, (list, tuple)):
            value = [_json_scalar(v) for v in value]
        elif not (value is None or isinstance(value, (str, bool, numbers.Number))):
            raise TypeError(f"segmenter parameter {key}={value!r} cannot be written to an edge "
                            "artefact (JSON scalars and lists only)")
        out[key] = value
    return out


def _compose(norm, mean, scale):
    """``x -> (x - mean) / scale`` after ``norm`` (both per channel, either None)."""
    if mean is None and scale is None:
        return norm
    n = len(mean if mean is not None else scale)
    mean = np.zeros(n) if mean is None else np.asarray(mean, dtype=np.float64)
    scale = np.ones(n) if scale is None else np.asarray(scale, dtype=np.float64)
    if norm is None:
        return mean, scale
    m0, s0 = norm  # (x - m0) / s0 then (. - mean) / scale
    return m0 + mean * s0, s0 * scale


def _split_pipeline(estimator):
    """(segmenter or None, [(name, step) before the classifier], classifier)."""
    from ..preprocessing import WindowScaler

    # an sklearn_har.Pipeline, recognised by what it offers (the pipeline module
    # calls into export, so export does not import it back)
    if not (hasattr(estimator, "steps") and hasattr(type(estimator), "_segmenter")):
        if not _is_neural_classifier(estimator):
            raise TypeError(
                "export_edge takes a fitted sklearn_har deep classifier (CNNClassifier, "
                "USADClassifier, ...) or a fitted sklearn_har.Pipeline ending in one; got "
                f"{type(estimator).__name__}.")
        return None, [], estimator
    check_is_fitted(estimator)
    final = estimator._final_estimator
    if not _is_neural_classifier(final):
        raise TypeError(
            "export_edge needs a Pipeline whose last step is a fitted sklearn_har deep "
            f"classifier; its last step is {type(final).__name__}.")
    segmenter, middle = None, []
    for i, (name, step) in enumerate(estimator.steps[:-1]):
        if step is None or step == "passthrough":
            continue
        if i == 0 and estimator._segmenter is step:
            segmenter = step
        elif isinstance(step, WindowScaler):
            middle.append((name, step))
        elif hasattr(step, "fit_resample") and not hasattr(step, "transform"):
            continue  # a sampler: acts at fit only
        else:
            raise TypeError(
                f"export_edge cannot carry the Pipeline step {name!r} "
                f"({type(step).__name__}) to the edge: only a segmenter first, "
                "WindowScaler steps and samplers may come before the classifier.")
    return segmenter, middle, final


def _segmenter_spec(segmenter):
    fitted = {"channel_names_": [str(c) for c in segmenter.channel_names_],
              "n_channels_": int(segmenter.n_channels_),
              "n_features_in_": int(segmenter.n_features_in_)}
    if hasattr(segmenter, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(c) for c in segmenter.feature_names_in_]
    return {"class": f"{type(segmenter).__module__}.{type(segmenter).__qualname__}",
            "params": _json_params(segmenter.get_params()), "fitted": fitted}


def edge_spec(estimator, *, channel_names=None, sampling_rate=None, normalize_in_graph=True):
    """The eval-mode :class:`EdgeModule` on CPU and the :class:`EdgeSpec` of a fitted estimator.

    Parameters
    ----------
    estimator : fitted deep classifier or Pipeline ending in one
    channel_names : list of str, optional
        Overrides the segmenter's channel names (required length: n_channels).
    sampling_rate : float, optional
        Recorded in the spec (the library does not know it otherwise).
    normalize_in_graph : bool, default=True
        True: the module standardises its input (raw windows in). False: the
        module takes standardised windows and the spec tells the caller how.
    """
    import copy


    segmenter, middle, clf = _split_pipeline(estimator)
    clf.check_is_fitted()
    norm = None
    for _, scaler in middle:
        norm = _compose(norm, scaler.mean_, scaler.scale_)
    own = getattr(clf, "input_scaler_", None)
    if own is not None:
        norm = _compose(norm, own.mean_, own.scale_)
    n_channels, window = int(clf.n_channels_in_), int(clf.n_timesteps_in_)
    if channel_names is None and segmenter is not None:
        channel_names = list(segmenter.channel_names_)
    if channel_names is not None:
        channel_names = [str(c) for c in channel_names]
        if len(channel_names) != n_channels:
            raise ValueError(f"channel_names has {len(channel_names)} names; the model takes "
                             f"{n_channels} channels")
    if sampling_rate is None and segmenter is not None:
        sampling_rate = getattr(segmenter, "sampling_rate_", None)
    if sampling_rate is not None:
        sampling_rate = float(sampling_rate)
        if not np.isfinite(sampling_rate) or sampling_rate <= 0:
            raise ValueError(f"sampling_rate must be a positive number of Hz; got {sampling_rate}")
    network = copy.deepcopy(clf.module_).to("cpu").eval()
    mean, scale = norm if norm is not None else (None, None)
    module = EdgeModule(network, mean, scale, normalize=normalize_in_graph).eval()
    for p in module.parameters():
        p.requires_grad_(False)
    spec = EdgeSpec(
        classes=[_json_scalar(c) for c in np.asarray(clf.classes_).tolist()],
        n_channels=n_channels, window=window, channel_names=channel_names,
        sampling_rate=sampling_rate,
        normalization=None if norm is None else {
            "mean": [float(v) for v in norm[0]], "scale": [float(v) for v in norm[1]],
            "in_graph": bool(normalize_in_graph)},
        segmenter=None if segmenter is None else _segmenter_spec(segmenter),
        model={"estimator": type(clf).__name__, "network": type(network).__name__,
               "params": int(sum(p.numel() for p in network.parameters())),
               "pipeline_steps": None if segmenter is None and not middle else
               [name for name, _ in estimator.steps]},
        versions={"sklearn_har": __version__, "torch": torch.__version__},
    )
    return module, spec
