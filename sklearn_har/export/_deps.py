"""Optional dependencies of the export: a missing one names the pip command that fixes
it, and the converters' chatter (progress bars, warnings, C++ log lines) is kept quiet."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import sys
import warnings

__all__ = ["require", "quiet", "fd2_to", "EXTRAS"]

#: the extra of pyproject.toml that brings each importable module
EXTRAS = {
    "onnx": "edge", "onnxruntime": "edge", "onnxscript": "edge",
    "litert_torch": "mcu", "ai_edge_litert": "mcu", "tflite_micro": "mcu",
}


def require(*modules, extra=None):
    """Raise ImportError naming ``pip install sklearn-har[extra]`` if a module is missing."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        extra = extra or EXTRAS.get(missing[0], "edge")
        raise ImportError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} needed for this "
            f"export and not installed: pip install 'sklearn-har[{extra}]'")


@contextlib.contextmanager
def fd2_to(target):
    """Send file descriptor 2 (where C++ libraries log) to ``target`` for a while."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(target.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def quiet(loggers=(), native=False):
    """Silence Python warnings, stdout / stderr prints and ``loggers`` below ERROR;
    with ``native``, also what C++ code writes to file descriptor 2.

    Exceptions still propagate with their messages; only chatter is dropped.
    """
    os.environ.setdefault("LITERT_TORCH_SHOW_PROGRESS", "n")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    levels = {n: logging.getLogger(n).level for n in loggers}
    for n in loggers:
        logging.getLogger(n).setLevel(logging.ERROR)
    try:
        with contextlib.ExitStack() as stack:
            if native:
                stack.enter_context(fd2_to(stack.enter_context(open(os.devnull, "w"))))
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
            yield
    finally:
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)
