"""Checking the data before ``ecokg serve`` serves it: invalid data is refused, not published.

The ``validate`` setting says what is checked against the SHACL shapes (``ecokg.dataset.validate``):

* ``auto`` (the default): the bundled data.  Files given with ``--data`` are served as they are (they may be
  any RDF, e.g. test data that has nothing to do with ecokg's shapes); a store written by ``ecokg build``
  (``--store-path``) was validated when it was built; a remote store is the remote engine's business.
* ``always``: the bundled data, or the ``--data`` files (checked with the bundled ontology, as
  ``ecokg validate FILE...`` does).
* ``never``: nothing is checked (a file that is not valid RDF still stops the server).

The check runs at every start (the native SHACL engine checks the bundled data in about 0.1 s, a million
triples in about 20 s), so nothing is remembered between starts.
"""

from __future__ import annotations

from pathlib import Path

from ecokg import resources
from ecokg.errors import EcokgError, Kind
from ecokg.settings import Settings
from ecokg.dataset.validate import Report

class DataRefused(EcokgError, ValueError):  # not RuntimeError, which gunicorn swallows
    """The data breaks the shapes; ``report`` lists every violation (focus node, rule, message, file)."""

    kind = Kind.INVALID_DATA

    def __init__(self, report: Report):
        super().__init__("serve refused: the data is not valid (SHACL); fix it, or start with --validate never "
                         "to serve it anyway", details=report.text())
        self.report = report


def files_to_check(settings: Settings) -> list[Path] | None:
    """The files the ``validate`` setting asks to check, or None when nothing is to be checked."""
    mode = settings.validate
    if mode == "never" or settings.store or settings.store_path:
        return None
    if settings.data:
        return [Path(p) for p in settings.data] if mode == "always" else None
    return list(resources.data_files())


def check(settings: Settings) -> str | None:
    """Validate what the settings ask for; returns a one-line summary (None: nothing checked).

    Raises ``DataRefused`` for data that breaks the shapes and ``RdfFileError`` (naming file and line) for a
    file that is not valid RDF.
    """
    from ecokg.dataset.validate import validate

    paths = files_to_check(settings)
    if paths is None:
        return None
    report = validate(paths, engine=settings.shacl_engine, base_uri=settings.base_uri)
    if not report.conforms:
        raise DataRefused(report)
    return report.summary()
