"""The model file: a zip of JSON documents and safetensors blobs, written atomically.

``manifest.json`` names the format, its version, the versions of sklearn_har and
torch that wrote it, and the SHA-256 of every other member; reading checks all of
them before anything is decoded. Writing goes to a temporary file in the target's
folder, is flushed and fsync'ed, then renamed over the target: a failure (a full
disk, an interrupt) leaves no half-written file under the final name.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
import zipfile

from ..exceptions import ModelFileError, ModelVersionWarning
from ..utils._io import atomic_write

__all__ = ["FORMAT", "FORMAT_VERSION", "read", "write"]

FORMAT = "sklearn_har.model"
#: bumped when the layout changes meaning; a reader refuses a newer one
FORMAT_VERSION = 1
#: what a model file can hold
KINDS = ("classifier", "pipeline")


def _versions():
    import torch

    from .._version import __version__

    return {"sklearn_har": __version__, "torch": torch.__version__.split("+")[0]}


def write(path, members, kind):
    """Write ``members`` (name -> bytes) and the manifest into ``path`` atomically."""
    path = os.fspath(path)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind,
                "versions": _versions(),
                "sha256": {name: hashlib.sha256(blob).hexdigest()
                           for name, blob in members.items()}}
    with atomic_write(path) as fh:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
            for name, blob in members.items():
                zf.writestr(name, blob)
    return path


def _major_minor(version):
    parts = []
    for piece in str(version).split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def check_versions(saved, source):
    """Refuse a file of a newer sklearn_har (major.minor); warn for any other difference."""
    here = _versions()
    mine, theirs = _major_minor(here["sklearn_har"]), _major_minor(saved.get("sklearn_har"))
    if theirs > mine:
        raise ModelFileError(
            f"{source} was written by sklearn_har {saved.get('sklearn_har')}, newer than this "
            f"{here['sklearn_har']}: upgrade sklearn_har to load it.")
    diff = {k: (saved.get(k), v) for k, v in here.items() if saved.get(k) != v}
    if diff:
        text = ", ".join(f"{k} {a} (here {b})" for k, (a, b) in diff.items())
        warnings.warn(f"{source} was written with {text}; it loads, but check its predictions "
                      "before relying on them.", ModelVersionWarning, stacklevel=4)


def read(path, kind):
    """``members`` (name -> bytes) of a model file, every check passed."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            raw = fh.read()
    except IsADirectoryError:
        raise ModelFileError(f"{source} is a folder, not a sklearn_har model file.") from None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            members = {name: zf.read(name) for name in zf.namelist()}
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, OSError) as exc:
        raise ModelFileError(f"{source} is not a sklearn_har model file, or it is truncated "
                             f"({exc}). Nothing was loaded.") from None
    if "manifest.json" not in members:
        raise ModelFileError(f"{source} has no manifest.json: not a sklearn_har model file.")
    try:
        manifest = json.loads(members.pop("manifest.json"))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{source}: its manifest is not valid JSON ({exc}).") from None
    if manifest.get("format") != FORMAT:
        raise ModelFileError(f"{source} is not a sklearn_har model file (format "
                             f"{manifest.get('format')!r}).")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(f"{source} uses model format {version!r}; this sklearn_har reads "
                             f"format {FORMAT_VERSION} and older: upgrade sklearn_har.")
    sums = manifest.get("sha256", {})
    if set(sums) != set(members):
        raise ModelFileError(f"{source} does not hold the members its manifest lists "
                             f"({sorted(set(sums) ^ set(members))}): modified or corrupted. "
                             "Nothing was loaded.")
    for name, blob in members.items():
        if hashlib.sha256(blob).hexdigest() != sums[name]:
            raise ModelFileError(f"{source}: {name} does not match its checksum: the file was "
                                 "modified or corrupted. Nothing was loaded.")
    if manifest.get("kind") not in KINDS:
        raise ModelFileError(f"{source} holds a {manifest.get('kind')!r}, which this "
                             f"sklearn_har cannot load (it loads {list(KINDS)}).")
    if manifest.get("kind") != kind and kind is not None:
        raise ModelFileError(f"{source} holds a {manifest.get('kind')}, not a {kind}.")
    check_versions(manifest.get("versions", {}), source)
    return manifest, members
