"""Warnings and errors of sklearn_har, in one place (no torch needed to import them)."""

__all__ = [
    "DivergenceWarning",
    "FewSamplesWarning",
    "InputScaleWarning",
    "ModelFileError",
    "ModelVersionWarning",
    "NoDangerWarning",
    "NonFiniteLossError",
    "ShortRunWarning",
    "UnseenLabelWarning",
    "UntrustedTypeError",
]


class NonFiniteLossError(FloatingPointError):
    """The training or validation loss became NaN or infinite."""


class DivergenceWarning(RuntimeWarning):
    """Training diverged with finite numbers: the loss grew by orders of magnitude,
    or the validation predictions collapsed to a single class."""


class FewSamplesWarning(UserWarning):
    """A class has too few windows for what is asked of it (e.g. a generative
    model is asked for many synthetic windows of a class it saw only a few times)."""


class InputScaleWarning(UserWarning):
    """Windows fed to a network without standardisation carry a channel whose
    offset dwarfs its variation (raw units, a sensor bias): the network is
    likely to learn nothing from them."""


class NoDangerWarning(UserWarning):
    """A class to over-sample got no synthetic window: none of its windows is
    "in danger", so Borderline-SMOTE has nothing to interpolate from."""


class ShortRunWarning(UserWarning):
    """Some runs of rows are shorter than the window and give no window."""


class ExportVerificationError(RuntimeError):
    """An edge artefact does not reproduce the torch model within tolerance."""


class EdgeExportError(ValueError):
    """A model cannot be exported to the requested edge target (the message says why)."""


class ExportVerificationWarning(UserWarning):
    """An edge artefact was kept out of tolerance (``on_mismatch="warn"``)."""


class UntrustedTypeError(TypeError):
    """A saved model names types that are not trusted; nothing was loaded (the message
    lists them; pass them as ``trusted=`` after checking them)."""


class ModelFileError(ValueError):
    """A saved model file is not one, is truncated, was modified, or was written by an
    incompatible version (the message says which)."""


class ModelVersionWarning(UserWarning):
    """A saved model was written by another version of sklearn_har or torch."""


class UnseenLabelWarning(UserWarning):
    """Labels given to ``score`` were never seen at ``fit``: they count as errors (a
    mix-up of label types, or an activity the model cannot know)."""
