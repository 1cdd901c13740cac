"""Edge export: a fitted estimator in, verified artefacts and a profile out.

:func:`export_edge` writes the artefacts of a target into a folder:

- ``target="pi"`` (Raspberry Pi, any onnxruntime host): ``model.onnx`` (fp32,
  dynamic batch, raw windows in: the input standardisation is in the graph)
  and, where it pays, ``model.int8.onnx`` (static QDQ int8);
- ``target="mcu"`` (Cortex-M, TFLite Micro): ``model.tflite`` (full int8, int8
  input and output, batch 1), ``model.json`` (the spec), ``model_data.cc`` /
  ``model_data.h`` (the flatbuffer as a C array with the input standardisation
  and quantisation parameters beside it);

each re-run on held-out windows and compared with torch before it is kept,
with ``profile.json`` / ``profile.md`` next to them. :func:`profile` gives the
cost figures alone. The artefacts are read back without torch by
:class:`sklearn_har.edge.EdgeClassifier`.

Nothing here trains or reads a dataset: the estimator must be fitted, and the
calibration windows are the caller's.
"""

from ._api import ExportResult, export_edge, profile
from ._report import PEAK_MAC_RATES, ProfileReport

__all__ = ["export_edge", "profile", "ExportResult", "ProfileReport", "PEAK_MAC_RATES"]
