"""Checking the data before ``ecokg serve`` serves it: invalid data is refused, not published.

The ``validate`` setting says what is checked against the SHACL shapes (``ecokg.validate``):

* ``auto`` (the default): the bundled data.  Files given with ``--data`` are served as they are (they may be
  any RDF, e.g. test data that has nothing to do with ecokg's shapes); a store written by ``ecokg build``
  (``--store-path``) was validated when it was built; a remote store is the remote engine's business.
* ``always``: the bundled data, or the ``--data`` files (checked with the bundled ontology, as
  ``ecokg validate FILE...`` does).
* ``never``: nothing is checked (a file that is not valid RDF still stops the server).

Validation takes a few seconds, so a success is remembered under the user's cache folder
(``$XDG_CACHE_HOME/ecokg``, else ``~/.cache/ecokg``), keyed by the SHA-256 of every file that decides the
outcome (data, ontology, shapes) and the ecokg version: the same content is checked once, any change is
checked again.  Nothing else is kept, and a cache that cannot be written is simply not used.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence

from ecokg import __version__, resources
from ecokg.settings import Settings
from ecokg.validate import Report



class DataRefused(ValueError):  # not RuntimeError, which gunicorn swallows
    """The data breaks the shapes; ``report`` lists every violation (focus node, rule, message, file)."""

    def __init__(self, report: Report):
        super().__init__(report.summary())
        self.report = report


def files_to_check(settings: Settings) -> list[Path] | None:
    """The files the ``validate`` setting asks to check, or None when nothing is to be checked."""
    mode = settings.validate
    if mode == "never" or settings.store or settings.store_path:
        return None
    if settings.data:
        return [Path(p) for p in settings.data] if mode == "always" else None
    return list(resources.data_files())


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "ecokg"


def _fingerprint(paths: Sequence[Path]) -> str:
    h = hashlib.sha256(f"ecokg {__version__}\n".encode())
    for p in [*paths, *resources.ontology_files(), *resources.shapes_files()]:
        h.update(str(p.name).encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def check(settings: Settings) -> str | None:
    """Validate what the settings ask for; returns a one-line summary (None: nothing checked).

    Raises ``DataRefused`` for data that breaks the shapes and ``RdfFileError`` (naming file and line) for a
    file that is not valid RDF.
    """
    from ecokg.rdfio import RdfFileError
    from ecokg.validate import validate

    paths = files_to_check(settings)
    if paths is None:
        return None
    try:
        marker = _cache_dir() / f"valid-{_fingerprint(paths)}"
    except OSError as e:  # a file that cannot be read: let validation name it
        marker = None
        if not isinstance(e, FileNotFoundError):
            raise RdfFileError(f"{e.filename}: {e.strerror}") from e
    if marker is not None and marker.is_file():
        return f"valid (checked before): {len(paths)} files"
    report = validate(paths)
    if not report.conforms:
        raise DataRefused(report)
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            tmp = marker.with_name(f".{marker.name}.{os.getpid()}")
            tmp.write_text(report.summary() + "\n", encoding="utf-8")
            os.replace(tmp, marker)
        except OSError:
            pass
    return report.summary()
