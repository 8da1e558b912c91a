"""The embedded engine: pyoxigraph, in memory or on disk (read-only)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

import pyoxigraph as ox

from ecokg import resources
from ecokg.rdf.files import load_files
from ecokg.store.base import QueryResult, Store


class EmbeddedStore(Store):
    def __init__(self, store: ox.Store, *, label: str = "in-memory", path: str | None = None):
        self.ox = store
        self._label = label
        self.path = path  # the on-disk store's folder, None in memory

    @classmethod
    def from_files(cls, paths: Iterable[str | Path],
                   on_bytes: Callable[[int], None] | None = None) -> "EmbeddedStore":
        """The files loaded into memory; ``on_bytes(n)`` follows the reading (see ``rdfio.load_file``)."""
        paths = list(paths)
        return cls(load_files(ox.Store(), paths, on_bytes), label=f"in-memory ({len(paths)} files)")

    @classmethod
    def bundled(cls) -> "EmbeddedStore":
        return cls(load_files(ox.Store(), resources.bundled_files()), label="in-memory (bundled data)")

    @classmethod
    def open_read_only(cls, path: str | Path) -> "EmbeddedStore":
        return cls(ox.Store.read_only(str(path)), label=f"on-disk {path}", path=str(path))

    @property
    def immutable(self) -> bool:
        return True  # nothing writes to it while it is served

    def query_process_opener(self) -> Callable[[], Store]:
        """In memory: the forked process shares the loaded graph (copy-on-write); on disk: it opens the store
        again, read-only."""
        if self.path is None:
            return lambda: self
        path = self.path
        return lambda: EmbeddedStore.open_read_only(path)

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[ox.NamedNode] | None = None,
        named_graphs: Sequence[ox.NamedNode] | None = None,
        base_iri: str | None = None,
        form: str | None = None,  # (the engine reads the text itself)
    ) -> QueryResult:
        kwargs = {}
        if base_iri:  # resolves the query's relative IRIs (the endpoint passes its own URL)
            kwargs["base_iri"] = base_iri
        if default_graph is not None:
            kwargs["default_graph"] = list(default_graph)
        if named_graphs is not None:
            kwargs["named_graphs"] = list(named_graphs)
        return self.ox.query(sparql, **kwargs)

    def __len__(self) -> int:
        return len(self.ox)

    @property
    def description(self) -> str:
        return f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else ''} {self._label}".replace("  ", " ")
