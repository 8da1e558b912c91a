"""The SPARQL endpoint's logic: a protocol operation in, a status, headers and a streamed body out.

``SparqlService`` negotiates the answer's format for each kind of answer the query could give (query
results for SELECT/ASK, a graph for CONSTRUCT/DESCRIBE), then hands the query to the executor, which
evaluates it once -- in a killable query process for the embedded engine -- and tells the form with the
first bytes.  Which queries the policy (rdflib's parser) must judge first is decided here with a cheap
word test (``needs_full_parse``); the judging itself happens where the time limit applies.  The web layer
only adapts HTTP requests and responses to it; nothing here knows of Flask.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple, Sequence

from ecokg.errors import HTTP_STATUS, REASONS, RETRY_AFTER, EcokgError, Kind
from ecokg.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, Format, NotAcceptable, choose
from ecokg.rdf.sparql_text import answers_may_vary, needs_full_parse
from ecokg.sparql.evaluate import Job
from ecokg.sparql.executor import DirectExecutor, Executor, ProcessExecutor, Results
from ecokg.sparql.protocol import Operation
from ecokg.store.base import Store

log = logging.getLogger("ecokg.sparql")

TRUNCATED_HEADER = "X-ECOKG-Truncated"
MiB = 1024 * 1024

# how an answer words a failure of the store (the rest of a message is the store's own)
_LEAD = {Kind.STORE_TIMEOUT: "the triple store did not answer in time: ",
         Kind.STORE_UNAVAILABLE: "the triple store is unavailable: "}


@dataclass
class Answer:
    status: int
    content_type: str
    body: Iterable[bytes] | bytes  # bytes: sent whole, with a Content-Length; an iterable streams
    headers: dict[str, str] = field(default_factory=dict)
    kept: bool = False  # the answer is in the AnswerCache: the same request gets the same answer again


def error_answer(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", [f"{status} {REASONS.get(status, 'Error')}: {message}\n".encode()],
                  dict(headers or {}))


def answer_for(e: EcokgError) -> Answer:
    """The answer to a request that failed: the status of its kind (``ecokg.errors.HTTP_STATUS``)."""
    status = HTTP_STATUS.get(e.kind, 500)
    if status == 500:
        log.warning("query failed: %s", e)
    headers = {"Retry-After": str(RETRY_AFTER[e.kind])} if e.kind in RETRY_AFTER else {}
    return error_answer(status, _LEAD.get(e.kind, "") + e.message, headers)


def make_executor(store: Store, timeout: float, max_memory: int | None = None, processes: int = 1) -> Executor:
    """A pool of ``processes`` killable query processes where the store can be opened in one (the embedded
    engine); in-process otherwise (a remote engine, whose HTTP timeout rules)."""
    opener = store.query_process_opener()
    if opener is not None:
        return ProcessExecutor(opener, timeout, max_memory, size=processes)
    return DirectExecutor(store, timeout)


def etag_of(body: bytes) -> str:
    """A strong entity tag of an answer's bytes: equal bytes, equal tags, in every server process."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as RFC 9110 asks for GET)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any((t[2:] if t.startswith("W/") else t) == etag for t in tags)


class Kept(NamedTuple):
    """A whole answer kept in the ``AnswerCache`` (a tuple of strings and bytes: the garbage collector leaves
    it alone, however many there are)."""

    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str


class AnswerCache:
    """Whole answers by (query, formats, dataset, base IRI), least recently used first out, at most
    ``max_bytes`` of them.  Only for a store that cannot change while it is served (``Store.immutable``),
    and only for queries whose answer is the same each time (``answers_may_vary``).  An answer is kept the
    second time its key is seen (a key seen once is only remembered by its hash), so queries asked once --
    most of them, when every query differs in its constants -- cost the cache nothing.  Thread-safe."""

    SEEN = 65_536  # hashes of keys seen once, remembered (then forgotten all at once)

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[tuple, Kept] = OrderedDict()
        self._seen: set[int] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def _cost(key: tuple, kept: Kept) -> int:
        return len(kept.body) + len(key[0]) + 200  # the query text and the bookkeeping count too

    def get(self, key: tuple) -> Kept | None:
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                self._entries.move_to_end(key)
            return kept

    def put(self, key: tuple, kept: Kept) -> bool:
        """Keep an answer (True), unless its key is new (then only remembered) or it is too large."""
        cost = self._cost(key, kept)
        if cost > self.max_bytes // 8:  # a few large answers must not push out many small ones
            return False
        with self._lock:
            h = hash(key)
            if h not in self._seen:
                if len(self._seen) >= self.SEEN:
                    self._seen.clear()
                self._seen.add(h)
                return False
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= self._cost(key, old)
            self._entries[key] = kept
            self.size += cost
            while self.size > self.max_bytes:
                k, v = self._entries.popitem(last=False)
                self.size -= self._cost(k, v)
        return True


def _choose_or_none(offered: Sequence[Format], format_param, accept) -> Format | None:
    try:
        return choose(offered, format_param=format_param, accept=accept)
    except NotAcceptable:
        return None


class SparqlService:
    def __init__(self, store: Store, *, timeout: float, max_rows: int | None = None,
                 executor: Executor | None = None, max_memory: int | None = None, processes: int = 1,
                 cache_mib: int = 0):
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_memory = max_memory
        self.executor = executor or make_executor(store, timeout, max_memory, processes)
        # answers are kept only while the graph cannot change
        self.cache = AnswerCache(cache_mib * MiB) if cache_mib and store.immutable else None

    def start(self, query: str, *, results_format: Format | None, graph_format: Format | None,
              default_graph: tuple[str, ...] | None = None, named_graphs: tuple[str, ...] | None = None,
              base_iri: str | None = None) -> Results:
        """Run a query whose answer is written in ``results_format`` (SELECT, ASK) or ``graph_format``
        (CONSTRUCT, DESCRIBE); None: the client accepts no format of that kind (406 if the query gives
        one).  Raises ``EcokgError`` (``QueryRejected``, ``QueryTimeout``, ``QueryFailed``, ``StoreError``)."""
        job = Job(query=query, results_format=results_format.key if results_format else None,
                  graph_format=graph_format.key if graph_format else None, check=needs_full_parse(query),
                  default_graph=default_graph, named_graphs=named_graphs, max_rows=self.max_rows,
                  base_iri=base_iri)
        return self.executor.run(job)

    def answer(self, op: Operation, accept, base_iri: str | None = None, *, tagged: bool = False,
               if_none_match: str | None = None) -> Answer:
        """The HTTP answer to a query operation (``op.query`` is set); ``base_iri``: the endpoint's URL,
        against which relative IRIs in the query resolve.  ``tagged`` (GET and HEAD): a whole answer carries
        an ``ETag``, and one that matches ``if_none_match`` is answered 304 without a body.  Whole answers of
        queries that give the same answer each time are kept (``AnswerCache``) and sent again from there:
        the same status, headers and bytes."""
        default_graph, named_graphs = op.dataset
        results_format = _choose_or_none(RESULT_FORMATS, op.format, accept)
        graph_format = _choose_or_none(GRAPH_FORMATS, op.format, accept)
        if results_format is None and graph_format is None:
            # nothing this endpoint writes is acceptable: say so before running anything
            try:
                choose(RESULT_FORMATS + GRAPH_FORMATS, format_param=op.format, accept=accept)
            except NotAcceptable as e:
                return error_answer(406, str(e))
        key = None
        if self.cache is not None:
            key = (op.query, results_format.key if results_format else None,
                   graph_format.key if graph_format else None, default_graph, named_graphs, base_iri)
            kept = self.cache.get(key)
            if kept is not None:
                return self._whole(kept.content_type, kept.body, dict(kept.headers), kept.etag, tagged,
                                   if_none_match, True)
        try:
            results = self.start(op.query, results_format=results_format, graph_format=graph_format,
                                 default_graph=default_graph, named_graphs=named_graphs, base_iri=base_iri)
        except EcokgError as e:
            return answer_for(e)
        headers = {}
        if results.truncated:
            headers[TRUNCATED_HEADER] = "true"
        content_type = results.head.fmt.content_type
        if results.body is None:  # streamed: no tag, never kept
            return Answer(200, content_type, results.chunks, headers)
        etag = etag_of(results.body) if (tagged or key is not None) else None
        kept = key is not None and not answers_may_vary(op.query) and \
            self.cache.put(key, Kept(content_type, results.body, tuple(headers.items()), etag))
        return self._whole(content_type, results.body, headers, etag, tagged, if_none_match, kept)

    @staticmethod
    def _whole(content_type: str, body: bytes, headers: dict[str, str], etag: str | None, tagged: bool,
               if_none_match: str | None, kept: bool = False) -> Answer:
        if tagged and etag is not None:
            headers["ETag"] = etag
            if etag_matches(if_none_match, etag):
                return Answer(304, content_type, b"", headers, kept)
        return Answer(200, content_type, body, headers, kept)
