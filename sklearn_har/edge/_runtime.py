"""EdgeClassifier: run an exported ONNX artefact with numpy and onnxruntime only."""

from __future__ import annotations

import importlib
import os

import numpy as np

from ._format import METADATA_KEY, EdgeSpec

__all__ = ["EdgeClassifier"]

#: segmenter classes an artefact may name (nothing else is imported from a file)
_TRUSTED_SEGMENTERS = {"sklearn_har.preprocessing._segmenter.WindowSegmenter"}


def cpu_session(source, threads=1):
    """An onnxruntime CPU session (``source``: a path or the model's bytes) with
    ``threads`` intra-op threads and onnxruntime's own log quiet. Raises an
    ImportError naming the pip command when onnxruntime is missing."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ImportError("onnxruntime is needed to run an edge artefact: pip install "
                          "onnxruntime (or pip install 'sklearn-har[edge]')") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    source = os.fspath(source) if isinstance(source, os.PathLike) else source
    return ort.InferenceSession(source, sess_options=options,
                                providers=["CPUExecutionProvider"])


def run_batches(session, X, n_outputs, batch=256):
    """The first output of ``session`` on float32 windows ``X``, ``batch`` at a time."""
    name = session.get_inputs()[0].name
    out = [session.run(None, {name: X[i:i + batch]})[0] for i in range(0, len(X), batch)]
    return np.concatenate(out) if out else np.zeros((0, n_outputs), np.float32)


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _resolve(path, int8):
    """The ONNX file of ``path`` (a file, or a folder written by export_edge)."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        if not os.path.exists(path):
            raise FileNotFoundError(f"no edge artefact at {path}")
        return path
    fp32, q8 = os.path.join(path, "model.onnx"), os.path.join(path, "model.int8.onnx")
    if int8 is True:
        if not os.path.exists(q8):
            raise FileNotFoundError(
                f"int8=True but {path} holds no model.int8.onnx (the export did not keep "
                "one: its profile.md says why)")
        return q8
    if int8 == "auto" and os.path.exists(q8):
        return q8
    if not os.path.exists(fp32):
        raise FileNotFoundError(f"{path} holds no model.onnx (was it written by export_edge "
                                "with target='pi'?)")
    return fp32


class EdgeClassifier:
    """Predict with an artefact of :func:`sklearn_har.export.export_edge` (``target="pi"``).

    Needs numpy and onnxruntime only: importing :mod:`sklearn_har.edge` loads
    neither torch nor skorch. Windows ``(n, n_channels, window)`` in the units
    the model was fitted on; an artefact exported from a Pipeline also takes
    the raw table the Pipeline took (then the window cutting of
    :class:`~sklearn_har.WindowSegmenter` runs, which needs scikit-learn) and
    answers one row per row, as ``Pipeline.predict`` does.

    Use :meth:`load`; the attributes below are then set.

    Attributes
    ----------
    spec : EdgeSpec
        The metadata the export wrote (classes, channels, window, verification, ...).
    classes_ : ndarray
    path : str
        The ONNX file in use.

    Examples
    --------
    >>> from sklearn_har.edge import EdgeClassifier
    >>> clf = EdgeClassifier.load("export_dir")        # doctest: +SKIP
    >>> clf.predict(windows)                           # doctest: +SKIP
    """

    def __init__(self, session, spec, path):
        self._session = session
        self.spec = spec
        self.path = path
        self.classes_ = np.asarray(spec.classes)
        self._segmenter = None

    @classmethod
    def load(cls, path, *, int8="auto", threads=1):
        """Open an artefact.

        Parameters
        ----------
        path : str or path-like
            The folder ``export_edge`` wrote, or one ``.onnx`` file of it.
        int8 : {"auto", True, False}, default="auto"
            For a folder: "auto" takes ``model.int8.onnx`` when the export kept
            one (it is kept only when verified and faster), else ``model.onnx``.
        threads : int, default=1
            onnxruntime intra-op threads.
        """
        file = _resolve(path, int8)
        session = cpu_session(file, threads)
        meta = session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in meta:
            raise ValueError(f"{file} carries no sklearn_har metadata: it was not written by "
                             "sklearn_har.export.export_edge")
        return cls(session, EdgeSpec.from_json(meta[METADATA_KEY], source=file), file)

    # -- input ---------------------------------------------------------------
    def _check_windows(self, X):
        X = np.asarray(X)
        if X.dtype.kind not in "fiu":
            raise TypeError(f"windows must be numeric; got dtype {X.dtype}")
        expected = (self.spec.n_channels, self.spec.window)
        if X.ndim != 3 or X.shape[1:] != expected:
            raise ValueError(f"expected windows of shape (n, {expected[0]}, {expected[1]}) "
                             f"(n_channels, window); got shape {X.shape}")
        X = np.ascontiguousarray(X, dtype=np.float32)
        if not np.all(np.isfinite(X)):
            bad = np.argwhere(~np.isfinite(X))[0]
            raise ValueError(f"windows contain NaN or infinite values (first at window "
                             f"{bad[0]}, channel {bad[1]}, step {bad[2]})")
        norm = self.spec.normalization
        if norm is not None and not norm.get("in_graph", True):
            mean = np.asarray(norm["mean"], np.float32)[None, :, None]
            scale = np.asarray(norm["scale"], np.float32)[None, :, None]
            X = (X - mean) / scale
        return X

    def _segmenter_obj(self):
        if self._segmenter is None:
            seg = self.spec.segmenter
            if seg["class"] not in _TRUSTED_SEGMENTERS:
                raise ValueError(f"the artefact names segmenter {seg['class']!r}, which is not "
                                 f"one this runtime trusts ({sorted(_TRUSTED_SEGMENTERS)})")
            module, name = seg["class"].rsplit(".", 1)
            obj = getattr(importlib.import_module(module), name)(**seg["params"])
            for key, value in seg["fitted"].items():
                setattr(obj, key, np.asarray(value, dtype=object)
                        if key == "feature_names_in_" else value)
            self._segmenter = obj
        return self._segmenter

    def _is_table(self, X):
        return self.spec.segmenter is not None and (
            hasattr(X, "iloc") or np.ndim(X) == 2)

    # -- prediction ----------------------------------------------------------
    def decision_windows(self, X, batch=256):
        """Logits of windows, shape ``(n, n_classes)``, float32."""
        return run_batches(self._session, self._check_windows(X), len(self.classes_), batch)

    def predict_proba(self, X):
        """Class probabilities, per window; per row for a raw table."""
        if self._is_table(X):
            windows, index = self._segmenter_obj().segment(X)
            return index.to_rows(_softmax(self.decision_windows(windows).astype(np.float64)))
        return _softmax(self.decision_windows(X).astype(np.float64))

    def predict(self, X):
        """Labels from ``classes_``, per window; per row for a raw table."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __repr__(self):
        return (f"EdgeClassifier({os.path.basename(self.path)!r}: {len(self.classes_)} "
                f"classes, windows ({self.spec.n_channels}, {self.spec.window}))")
