"""The version of sklearn_har (one place; the package and its artefacts read it here)."""

__version__ = "0.1.0.dev0"
