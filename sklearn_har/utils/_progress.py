"""When long work shows progress: one rule for samplers and classifiers."""

import sys

__all__ = ["progress_bar", "show_progress"]


def show_progress(verbose, stream=None):
    """Whether to show progress for a ``verbose`` setting.

    ``"auto"`` shows it when ``stream`` (default: ``sys.stderr``, where
    progress bars go) is a terminal, so an interactive user sees long work
    advance while logs, CI and parallel workers stay quiet; any int or bool
    is taken as is (``0`` / ``False`` silences).

    Examples
    --------
    >>> import io
    >>> from sklearn_har.utils._progress import show_progress
    >>> show_progress("auto", stream=io.StringIO()), show_progress(1), show_progress(0)
    (False, True, False)
    """
    if isinstance(verbose, str) and verbose == "auto":
        stream = sys.stderr if stream is None else stream
        isatty = getattr(stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except (ValueError, OSError):  # closed stream
            return False
    return bool(verbose) and verbose > 0


def progress_bar(enabled, desc, total=None):
    """A wrapper ``iterable -> iterable`` that shows a tqdm bar, or None.

    None when ``enabled`` is false (or tqdm, which comes with skorch, is
    missing), so that loops can write ``progress(steps) if progress else steps``.
    """
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with skorch
        return None

    def wrap(iterable):
        return tqdm(iterable, desc=desc, total=total, leave=False)

    return wrap
