"""Evaluating one query and writing its serialised results: the work an executor does, in one trip.

A ``Job`` carries the query and the format the client gets for each kind of answer (query results for
SELECT/ASK, a graph for CONSTRUCT/DESCRIBE), negotiated before the query runs; the engine evaluates the
query once and the kind of its answer picks the format.  A query that only the full parse may judge
(``Job.check``) is first checked by the policy (rdflib's parser), here, where the time limit applies.

The serialisers are pyoxigraph's, writing straight to the output, so results are never built in memory
first.  With a row cap, at most ``max_rows`` rows are kept (and one more is looked at, to know whether the
cap cut anything).  Everything that can go wrong comes out as an ``EcokgError`` with its kind.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import pyoxigraph as ox

from ecokg.errors import EcokgError, Kind
from ecokg.rdf.formats import BY_KEY, GRAPH_FORMATS, RESULT_FORMATS, Format
from ecokg.sparql import policy
from ecokg.store.base import Store

CHUNK = 64 * 1024  # bytes gathered before they are handed on


class QueryFailed(EcokgError):
    """The engine refused or failed the query; ``kind`` says whose fault (BAD_QUERY: the client's)."""


@dataclass(frozen=True)
class Job:
    """One query to run; plain data, so that it can be sent to a query process."""

    query: str
    results_format: str | None  # format key for SELECT/ASK answers; None: the client accepts none of them
    graph_format: str | None  # format key for CONSTRUCT/DESCRIBE answers; None likewise
    check: bool = True  # judge the query with the policy (rdflib's parser) before it runs
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int | None = None
    base_iri: str | None = None  # resolves relative IRIs in the query (the endpoint's own URL)


@dataclass(frozen=True)
class Head:
    """What is known before the first byte of an answer."""

    form: str  # SELECT, ASK or CONSTRUCT (CONSTRUCT and DESCRIBE answer alike)
    format: str  # the key of the format written
    truncated: bool  # the row cap cut the answer

    @property
    def fmt(self) -> Format:
        return BY_KEY[self.format]


class ChunkBuffer:
    """The output of an evaluation, handed on in pieces of about ``CHUNK`` bytes: ``send(head, data, last)``
    is called with the head on the first piece only, and ``last`` on the final one (one call for a small
    answer).  Both executors use it: one sends the pieces over a pipe, the other through a queue."""

    def __init__(self, send: Callable[[Head | None, bytes, bool], None]):
        self._send = send
        self._buf = bytearray()
        self._head: Head | None = None
        self._sent_head = False

    def start(self, head: Head) -> None:
        self._head = head

    def write(self, data: bytes) -> int:
        self._buf += data
        if len(self._buf) >= CHUNK:
            self._flush(last=False)
        return len(data)

    def flush(self) -> None:  # (pyoxigraph's writers call it; pieces leave by size)
        pass

    def finish(self) -> None:
        self._flush(last=True)

    def _flush(self, last: bool) -> None:
        head = None if self._sent_head else self._head
        self._sent_head = True
        self._send(head, bytes(self._buf), last)
        self._buf.clear()


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

    pyoxigraph cannot build a ``QuerySolutions`` from a list, so the rows go through its own TSV writer
    and parser (TSV is one row per line, terms in full), which keeps every term exact.
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


def as_error(e: BaseException) -> EcokgError:
    """Anything an evaluation raised, as an error with its kind and a message for the client."""
    if isinstance(e, EcokgError):
        return e
    if isinstance(e, SyntaxError):
        return QueryFailed(f"SPARQL syntax error: {e.msg if getattr(e, 'msg', None) else e}", kind=Kind.BAD_QUERY)
    if isinstance(e, OSError):  # the engine could not read its store
        return QueryFailed(f"the query could not be evaluated: {type(e).__name__}: {e}", kind=Kind.ENGINE_FAILED)
    # anything else the engine raises is about this query (e.g. an unsupported function): the client's to fix
    return QueryFailed(f"the query cannot be evaluated here: {e}", kind=Kind.BAD_QUERY)


def _not_acceptable(form: str) -> EcokgError:
    offered = RESULT_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS
    return EcokgError(f"none of the requested media types can be produced for this query ({form}); available: "
                      + ", ".join(f.key for f in offered) + " (" + ", ".join(f.media_type for f in offered) + ")",
                      kind=Kind.NOT_ACCEPTABLE)


def evaluate(store: Store, job: Job, out: ChunkBuffer) -> None:
    """Run ``job`` on ``store``: ``out.start(head)``, then the serialised answer, then ``out.finish()``.

    Raises an ``EcokgError`` (see ``as_error``) before anything is written when the query is refused or
    fails; ``StoreError`` when the engine fails.
    """
    if job.check:
        policy.classify(job.query)
    kwargs = {}
    if job.default_graph is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph]
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.query, base_iri=job.base_iri, **kwargs)
    except SyntaxError:
        if not job.check:  # rdflib's message is clearer; if rdflib accepts the query, the engine's stands
            policy.classify(job.query)
        raise
    if isinstance(result, ox.QueryTriples):
        form, key = "CONSTRUCT", job.graph_format
    else:
        form = "ASK" if isinstance(result, ox.QueryBoolean) else "SELECT"
        key = job.results_format
    if key is None:
        raise _not_acceptable(form)
    fmt = BY_KEY[key].engine
    if isinstance(result, ox.QueryBoolean):
        out.start(Head(form, key, False))
        out.write(result.serialize(format=fmt))
    elif isinstance(result, ox.QuerySolutions):
        truncated = False
        if job.max_rows is not None:
            result, truncated = _capped_solutions(result, job.max_rows)
        out.start(Head(form, key, truncated))
        result.serialize(out, fmt)
    elif job.max_rows is None:
        out.start(Head(form, key, False))
        result.serialize(out, fmt)
    else:
        it = iter(result)
        head = list(itertools.islice(it, job.max_rows))
        truncated = next(it, None) is not None
        out.start(Head(form, key, truncated))
        ox.serialize(head, out, fmt)
    out.finish()
