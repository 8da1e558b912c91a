"""The SPARQL endpoint's logic: a protocol operation in, a status, headers and a streamed body out.

``SparqlService`` ties together the read-only classifier, format negotiation,
the executor (time limit) and the row cap.  The web layer only adapts HTTP
requests and responses to it; nothing here knows of Flask.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable

from ecokg.sparql import policy as cls
from ecokg.sparql.alarm import TimeUp, time_limit
from ecokg.sparql.evaluate import Job
from ecokg.sparql.executor import DirectExecutor, Executor, ProcessExecutor, QueryFailed, QueryTimeout, Results
from ecokg.sparql.formats import Format, NotAcceptable, choose
from ecokg.sparql.protocol import Operation
from ecokg.store.base import BackendTimeout, Store, StoreError

log = logging.getLogger("ecokg.sparql")

TRUNCATED_HEADER = "X-ECOKG-Truncated"


@dataclass
class Answer:
    status: int
    content_type: str
    body: Iterable[bytes] | bytes  # bytes: sent whole, with a Content-Length; an iterable streams
    headers: dict[str, str] = field(default_factory=dict)


def error_answer(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    reason = {400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed", 406: "Not Acceptable",
              413: "Payload Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error",
              502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(status, "Error")
    return Answer(status, "text/plain; charset=utf-8", [f"{status} {reason}: {message}\n".encode()],
                  dict(headers or {}))


def make_executor(store: Store, timeout: float, max_memory: int | None = None) -> Executor:
    """A killable child process for the embedded engine; in-process for a remote one (its HTTP timeout rules)."""
    from ecokg.store.embedded import EmbeddedStore

    if isinstance(store, EmbeddedStore):
        if store.path:
            path = store.path

            def reopen() -> Store:
                return EmbeddedStore.open_read_only(path)

            return ProcessExecutor(reopen, timeout, max_memory)
        return ProcessExecutor(lambda: store, timeout, max_memory)
    return DirectExecutor(store)


class SparqlService:
    def __init__(self, store: Store, *, timeout: float, max_rows: int | None = None,
                 executor: Executor | None = None, max_memory: int | None = None):
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_memory = max_memory
        self.executor = executor or make_executor(store, timeout, max_memory)

    def start(self, query: str, fmt: Format | None = None, *, format_param: str | tuple[str, ...] | None = None,
              accept=None, default_graph: tuple[str, ...] | None = None,
              named_graphs: tuple[str, ...] | None = None, base_iri: str | None = None) -> tuple[Format, Results]:
        """Check, plan and start a query.  Raises ``QueryRejected``, ``NotAcceptable``, ``QueryTimeout``,
        ``QueryFailed`` or ``StoreError``."""
        form = self._form(query)
        if fmt is None:
            fmt = choose(form, format_param=format_param, accept=accept)
        job = Job(query=query, format_name=fmt.name, media_type=fmt.media_type,
                  default_graph=default_graph, named_graphs=named_graphs,
                  max_rows=self.max_rows if form != "ASK" else None, base_iri=base_iri)
        return fmt, self.executor.run(job)

    def _form(self, query: str) -> str:
        """Check the query may run here and tell its form.

        rdflib's parser judges every query that holds a word only it may judge (SERVICE, FROM, an update
        keyword: ``classify.needs_full_parse``), and every query the engine's own parser rejects (for
        rdflib's clearer message).  Any other query can neither call out nor change anything, so the engine
        parses it: the executor runs it on an empty store and the type of the result gives the form, at a
        fraction of rdflib's cost (pyparsing takes milliseconds for each new query text).
        """
        if not cls.needs_full_parse(query):
            try:
                probe = self.executor.run(Job(query=query, format_name="", media_type="", probe=True))
                return probe.read_all().decode()
            except QueryFailed:
                pass  # the full parse below says what is wrong in rdflib's words (or lets the engine say it)
        try:
            with time_limit(self.timeout):  # parsing is pure Python and slow on pathological queries
                return cls.classify(query).form
        except TimeUp:
            raise QueryTimeout(self.timeout) from None

    def answer(self, op: Operation, accept, base_iri: str | None = None) -> Answer:
        """The HTTP answer to a query operation (``op.query`` is set); ``base_iri``: the endpoint's URL,
        against which relative IRIs in the query resolve."""
        default_graph, named_graphs = op.dataset
        try:
            fmt, results = self.start(op.query, format_param=op.format, accept=accept,
                                      default_graph=default_graph, named_graphs=named_graphs, base_iri=base_iri)
        except cls.QueryRejected as e:
            return error_answer(e.status, e.message)
        except NotAcceptable as e:
            return error_answer(406, str(e))
        except QueryFailed as e:
            if e.syntax:
                return error_answer(400, f"SPARQL syntax error: {e}")
            if e.client:
                return error_answer(400, f"the query cannot be evaluated here: {e}")
            log.warning("query failed: %s", e)
            return error_answer(500, f"the query could not be evaluated: {e}")
        except QueryTimeout as e:
            return error_answer(503, str(e), {"Retry-After": "10"})
        except BackendTimeout as e:
            return error_answer(504, f"the triple store did not answer in time: {e}")
        except StoreError as e:
            return error_answer(502, f"the triple store is unavailable: {e}", {"Retry-After": "10"})
        headers = {}
        if results.truncated:
            headers[TRUNCATED_HEADER] = "true"
        body = results.body if results.body is not None else results.chunks
        return Answer(200, fmt.content_type, body, headers)
