"""Checking the data before ``ecokg serve`` serves it: invalid data is refused, not published.

The ``validate`` setting says what is checked against the SHACL shapes (``ecokg.dataset.validate``):

* ``auto`` (the default): the bundled data.  Files given with ``--data`` are served as they are (they may be
  any RDF, e.g. test data that has nothing to do with ecokg's shapes); a store written by ``ecokg build``
  (``--store-path``) was validated when it was built; a remote store is the remote engine's business.
* ``always``: the bundled data, or the ``--data`` files (checked with the bundled ontology, as
  ``ecokg validate FILE...`` does).
* ``never``: nothing is checked (a file that is not valid RDF still stops the server).

The check runs at every start (the native SHACL engine checks the bundled data, 126,000 triples, in about 1.7 s;
a million triples in about 20 s), except that data found valid is remembered: a record named after the SHA-256
of everything the verdict depends on (every file's bytes, a table mapping's CSV files, the ontology, the shapes,
the engine setting, ecokg's version and the source of the validating code) is written to the cache directory
(``ecokg.rdf.tables.cache_dir``), and a later start with the same fingerprint skips the SHACL run.  Invalid
data is never remembered, so it is reported at every start.

``ecokg serve`` runs the check aside (``check_aside``): in a forked process, while the serving process opens the
store and builds the app, so that a first start costs the longer of the two rather than their sum; the
verdict is the same, and nothing is served before it is in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ecokg import resources
from ecokg.aside import Aside, AsideFailed, can_fork
from ecokg.errors import EcokgError, Kind
from ecokg.settings import Settings

if TYPE_CHECKING:  # (validate, the shapes and pyshacl are imported where a check runs, not for the record)
    from ecokg.dataset.validate import Report

class DataRefused(EcokgError, ValueError):  # (a ValueError: start-up code that swallows RuntimeError must not hide it)
    """The data breaks the shapes; ``report`` lists every violation (focus node, rule, message, file)."""

    kind = Kind.INVALID_DATA

    def __init__(self, report: Report):
        super().__init__("serve refused: the data is not valid (SHACL); fix it, or start with --validate never "
                         "to serve it anyway", details=report.text())
        self.report = report

    def __reduce__(self):  # sent whole from the process that checked (ecokg.aside)
        return DataRefused, (self.report,)


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
    return _start(settings, aside=False).result()


def check_aside(settings: Settings) -> "PendingCheck":
    """Start ``check(settings)`` in a forked process, where there is something to check; call it before this
    process starts threads.  The check evaluates its shapes in two processes (``validate(jobs=2)``)."""
    return _start(settings, aside=can_fork())


def _start(settings: Settings, aside: bool) -> "PendingCheck":
    """The check: nothing to do, found valid before (the record), run here, or started in a forked process."""
    paths = files_to_check(settings)
    if paths is None:
        return PendingCheck(settings, summary=None)
    record = _record(paths, settings.shacl_engine)
    known = _known(record)
    if known is not None:  # found valid before: nothing to wait for
        return PendingCheck(settings, summary=known)
    if not aside:
        return PendingCheck(settings, summary=_validated(settings, paths, record, 1))
    return PendingCheck(settings, aside=Aside(lambda: _validated(settings, paths, record, 2)))


def _validated(settings: Settings, paths: list[Path], record: Path | None, jobs: int) -> str:
    """The SHACL run itself: the summary (the record kept), or ``DataRefused``; ``jobs=2`` only where forking is
    safe (``validate``)."""
    from ecokg.dataset.validate import validate

    report = validate(paths, engine=settings.shacl_engine, base_uri=settings.base_uri, jobs=jobs)
    if not report.conforms:
        raise DataRefused(report)
    remember(paths, settings.shacl_engine, report, record)
    return report.summary()


class PendingCheck:
    """The check, done or running aside (``ecokg.aside``); ``result()`` waits for its verdict: the summary
    ``check`` returns (None: nothing checked), or the error it raises (``DataRefused``, ``RdfFileError``)."""

    def __init__(self, settings: Settings, aside: Aside | None = None, summary: str | None = None):
        self._settings, self._aside, self._summary = settings, aside, summary

    def result(self) -> str | None:
        if self._aside is not None:
            aside, self._aside = self._aside, None
            try:
                self._summary = aside.result()
            except AsideFailed:  # it died or its error cannot be sent: the check once more, here, says what
                self._summary = check(self._settings)
        return self._summary


def remember(paths: list[Path], engine: str, report, record: Path | None = None) -> None:
    """Keep the record that these files were found valid (``ecokg validate`` and ``ecokg build`` of the bundled
    data keep it too, so that a server started after them does not check the same files again)."""
    if not report.conforms:
        return
    record = record if record is not None else _record(paths, engine)
    if record is None:
        return
    from dataclasses import replace

    # the summary as serve's own check of these files gives it (`ecokg validate` also counts the ontology's files)
    summary = replace(report, files=[str(p) for p in paths]).summary()
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(summary + "\n", encoding="utf-8")
    except OSError:
        pass  # not remembered: validated again next time


def _known(record: Path | None) -> str | None:
    """The summary kept by an earlier check that found the same files valid, or None."""
    if record is not None and record.is_file():
        try:
            return record.read_text(encoding="utf-8").strip() + " (validated before)"
        except OSError:
            pass
    return None


def _record(paths: list[Path], engine: str) -> Path | None:
    """The cache file that says these files were found valid (None if a file cannot be read: validate)."""
    import hashlib

    from importlib.util import find_spec

    from ecokg import __version__
    from ecokg.rdf import tables

    h = hashlib.sha256(f"ecokg {__version__} engine {engine}\n".encode())
    try:
        files = [*resources.ontology_files(), *resources.shapes_files()]
        for p in paths:
            files.extend(tables.files_of(p) if tables.is_mapping(p) else [Path(p)])
        code = [Path(find_spec("ecokg.dataset.validate").origin),
                *sorted(Path(find_spec("ecokg.dataset.shacl").origin).parent.glob("*.py")), Path(tables.__file__)]
        for f in [*files, *code]:
            data = Path(f).read_bytes()
            h.update(f"{Path(f).name} {len(data)}\n".encode())
            h.update(data)
    except (OSError, ValueError):
        return None
    return tables.cache_dir() / "valid" / h.hexdigest()
