"""Reading RDF files of any common syntax into a pyoxigraph store.

A table mapping (``*.rml.ttl``: CSV tables and the RML mapping that turns their rows into triples, see
``ecokg.rdf.tables``) is read as the triples its tables make."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import pyoxigraph as ox

from ecokg.rdf.errors import RdfFileError
from ecokg.rdf.formats import RDF_FORMATS, by_suffix

__all__ = ["RdfFileError", "format_of", "iter_quads", "load_file", "load_files", "parse_file"]


def format_of(path: str | Path) -> ox.RdfFormat:
    """The RDF syntax of a file, by its suffix (``.gz`` looked through), from the one format table; a table
    mapping yields N-Triples (what ``tables`` makes)."""
    from ecokg.rdf import tables

    if tables.is_mapping(path):
        return ox.RdfFormat.N_TRIPLES
    name = Path(path).name
    suffixes = Path(name.removesuffix(".gz")).suffixes
    ext = suffixes[-1].lstrip(".") if suffixes else ""
    fmt = by_suffix(ext) if ext else None
    if fmt is None:
        raise RdfFileError(f"{path}: unknown RDF syntax (extension {ext!r}); use "
                           + ", ".join("." + f.suffix for f in RDF_FORMATS))
    return fmt.engine


@contextmanager
def _errors_named(path: Path) -> Iterator[None]:
    """Reading errors as ``RdfFileError`` naming the file (and the line, for syntax errors)."""
    try:
        yield
    except SyntaxError as e:
        raise RdfFileError(f"{path}:{e.lineno or '?'}: {e.msg}") from e
    except OSError as e:
        raise RdfFileError(f"{path}: {e.strerror or e}") from e
    except EOFError as e:  # a truncated .gz file
        raise RdfFileError(f"{path}: {e}") from e


class _CountingReader:
    """A binary file whose reads are reported (bytes read so far) to ``on_bytes``: progress for a long load."""

    def __init__(self, fh: BinaryIO, on_bytes: Callable[[int], None]):
        self._fh, self._on_bytes = fh, on_bytes

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        if data:
            self._on_bytes(len(data))
        return data


def load_file(store: ox.Store, path: str | Path, on_bytes: Callable[[int], None] | None = None) -> None:
    """Load one file: triples into the default graph, quads into their own graphs.

    ``on_bytes(n)`` is called as the file is read (``n`` bytes more; for ``.gz`` compressed bytes); without it
    the engine reads the file itself, which is faster."""
    from ecokg.rdf import tables

    path = Path(path)
    if tables.is_mapping(path):
        tables.load_into(store, path)
        if on_bytes is not None:
            on_bytes(path.stat().st_size)
        return
    fmt = format_of(path)
    to_graph = None if fmt.supports_datasets else ox.DefaultGraph()
    with _errors_named(path):
        if path.name.endswith(".gz") or on_bytes is not None:
            import gzip

            with open(path, "rb") as raw:
                fh = raw if on_bytes is None else _CountingReader(raw, on_bytes)
                if path.name.endswith(".gz"):
                    fh = gzip.GzipFile(fileobj=fh, mode="rb")
                store.bulk_load(fh, fmt, base_iri=path.resolve().as_uri(), to_graph=to_graph)
        else:
            store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri(), to_graph=to_graph)


def load_files(store: ox.Store, paths: Iterable[str | Path],
               on_bytes: Callable[[int], None] | None = None) -> ox.Store:
    for p in paths:
        load_file(store, p, on_bytes)
    return store


def iter_quads(path: str | Path, *, rename_blank_nodes: bool = False) -> Iterator[ox.Quad]:
    """The quads of one file as they are parsed (a stream: nothing is kept), terms exactly as written;
    ``RdfFileError`` names the file (and line) on any reading error, a truncated ``.gz`` file included."""
    from ecokg.rdf import tables

    path = Path(path)
    if tables.is_mapping(path):  # CSV tables: the triples their mapping makes
        yield from tables.read(path).quads
        return
    fmt = format_of(path)
    with _errors_named(path):
        if path.name.endswith(".gz"):
            import gzip

            with gzip.open(path, "rb") as fh:
                yield from ox.parse(fh, fmt, base_iri=path.resolve().as_uri(), rename_blank_nodes=rename_blank_nodes)
        else:
            with open(path, "rb") as fh:
                yield from ox.parse(fh, fmt, base_iri=path.resolve().as_uri(), rename_blank_nodes=rename_blank_nodes)


def parse_file(path: str | Path) -> list[ox.Quad]:
    """Parse one file into quads (triples land in the default graph), terms exactly as written.

    Unlike ``load_file`` this does not go through a store, which normalises some literals (an Oxigraph
    store keeps ``"4"^^xsd:positiveInteger`` as ``"4"^^xsd:integer``): dumps and validation need the data
    as written.
    """
    from ecokg.rdf import tables

    path = Path(path)
    if tables.is_mapping(path):
        return list(tables.read(path).quads)
    fmt = format_of(path)
    with _errors_named(path):
        if path.name.endswith(".gz"):
            import gzip

            with gzip.open(path, "rb") as fh:
                return list(ox.parse(fh, fmt, base_iri=path.resolve().as_uri()))
        return list(ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri()))
