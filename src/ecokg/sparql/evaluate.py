"""Evaluating one query and writing its serialised results: the work an executor does.

The serialisers are pyoxigraph's, writing straight to an output stream, so
results are never built in memory first.  With a row cap, at most ``max_rows``
rows are kept (and one more is looked at, to know whether the cap cut anything).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

from ecokg.sparql.formats import GRAPH_FORMATS, SOLUTION_FORMATS, Format
from ecokg.store.base import Store

_FORMATS = {(f.name, f.media_type): f for f in SOLUTION_FORMATS + GRAPH_FORMATS}


@dataclass(frozen=True)
class Job:
    """One query to run; plain data, so it can be sent to an executor process."""

    query: str
    format_name: str
    media_type: str
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int | None = None
    base_iri: str | None = None  # resolves relative IRIs in the query (the endpoint's own URL)
    probe: bool = False  # only tell the query's form (SELECT, ASK, CONSTRUCT, DESCRIBE): see ``form_of``

    @property
    def format(self) -> Format:
        return _FORMATS[(self.format_name, self.media_type)]


class Sink(Protocol):
    def start(self, truncated: bool) -> None: ...

    def write(self, data: bytes) -> int: ...

    def flush(self) -> None: ...


class _Enough(Exception):
    pass


class _LineCounter:
    """A writer keeping the first ``limit`` lines and stopping the serialiser after one more."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lines: list[bytes] = []
        self._partial = b""
        self.more = False

    def write(self, data: bytes) -> int:
        parts = (self._partial + bytes(data)).split(b"\n")
        self._partial = parts.pop()
        for line in parts:
            if len(self.lines) >= self.limit:
                self.more = True
                raise _Enough()
            self.lines.append(line)
        return len(data)

    def flush(self) -> None:
        pass


def _capped_solutions(solutions: ox.QuerySolutions, max_rows: int) -> tuple[ox.QuerySolutions, bool]:
    """The first ``max_rows`` solutions, and whether there were more.

    pyoxigraph cannot build a ``QuerySolutions`` from a list, so the rows go
    through its own TSV writer and parser (TSV is one row per line, terms in
    full), which keeps every term exact.
    """
    counter = _LineCounter(max_rows + 1)  # the header line, then the rows
    try:
        solutions.serialize(counter, ox.QueryResultsFormat.TSV)
    except Exception:
        if not counter.more:
            raise
    if not counter.more and counter._partial:
        counter.lines.append(counter._partial)
    tsv = b"".join(line + b"\n" for line in counter.lines)
    return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV), counter.more


def _graph_iri(iri: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.NamedNode(iri)


PROBE_BASE = "http://ecokg.invalid/"  # a base for relative IRIs while probing; nothing is ever fetched


def form_of(query: str) -> bytes:
    """The query's form, as the engine's own parser reads it: the query is run on an EMPTY store and the type
    of the result tells.  Only for queries already known to hold no SERVICE (it would be called); an executor
    runs it, so even an ``ASK`` that is slow on nothing is stopped at the time limit."""
    result = ox.Store().query(query, base_iri=PROBE_BASE)
    if isinstance(result, ox.QueryBoolean):
        return b"ASK"
    if isinstance(result, ox.QuerySolutions):
        return b"SELECT"
    return b"CONSTRUCT"  # triples: CONSTRUCT or DESCRIBE, answered in the same formats


def evaluate(store: Store, job: Job, sink: Sink) -> None:
    """Run ``job`` on ``store``; call ``sink.start(truncated)`` once, then write the serialised results.

    Raises ``SyntaxError`` for a query the engine cannot parse and
    ``StoreError``/``OSError`` when the engine fails.
    """
    if job.probe:
        form = form_of(job.query)
        sink.start(False)
        sink.write(form)
        return
    kwargs = {}
    if job.default_graph is not None:
        kwargs["default_graph"] = [_graph_iri(g) for g in job.default_graph]
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    query = job.query
    if job.base_iri:
        from ecokg.store.embedded import EmbeddedStore

        if isinstance(store, EmbeddedStore):
            kwargs["base_iri"] = job.base_iri
        else:  # the Store interface has no base: declare it in the query (a later BASE still wins)
            query = f"BASE <{job.base_iri}> {query}"
    result = store.query(query, **kwargs)
    fmt = job.format.ox
    if isinstance(result, ox.QueryBoolean):
        data = result.serialize(format=fmt)
        sink.start(False)
        sink.write(data)
    elif isinstance(result, ox.QuerySolutions):
        truncated = False
        if job.max_rows is not None:
            result, truncated = _capped_solutions(result, job.max_rows)
        sink.start(truncated)
        result.serialize(sink, fmt)
    else:
        if job.max_rows is None:
            sink.start(False)
            result.serialize(sink, fmt)
        else:
            it = iter(result)
            head = list(itertools.islice(it, job.max_rows))
            truncated = next(it, None) is not None
            sink.start(truncated)
            ox.serialize(head, sink, fmt)
