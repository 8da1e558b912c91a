"""One interface over the engines ecokg can query.

``Store.query`` returns pyoxigraph result objects (``QuerySolutions``,
``QueryBoolean`` or ``QueryTriples``) whatever the engine, so the layers above
(SPARQL protocol, pages, search) serialise and read results in one way.
What callers need to know about an engine is said by the interface itself
(``immutable``, ``query_process_opener``), never by testing its class.
The store layer knows nothing of Flask or HTTP serving.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable, Sequence, Union

import pyoxigraph as ox

from ecokg.errors import EcokgError, Kind

QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]
Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal]


class StoreError(EcokgError, RuntimeError):
    """The engine failed (not the query): unreachable, timed out, broken."""

    kind = Kind.STORE_UNAVAILABLE


class BackendUnavailable(StoreError):
    """A remote engine could not be reached or answered with an error (HTTP 502)."""

    kind = Kind.STORE_UNAVAILABLE


class BackendTimeout(StoreError):
    """A remote engine did not answer in time (HTTP 504)."""

    kind = Kind.STORE_TIMEOUT


class Store(ABC):
    """A read-only view of the graph."""

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[ox.NamedNode] | None = None,
        named_graphs: Sequence[ox.NamedNode] | None = None,
        base_iri: str | None = None,
        form: str | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query.

        Values go into ecokg's own queries as text (``ecokg.rdf.sparql_text.bind``), never by an engine
        API, so that every engine gets the same text.  ``default_graph``/``named_graphs`` select the
        dataset (the protocol's ``default-graph-uri``/``named-graph-uri``) among the graphs already in the
        store.  ``base_iri`` resolves the query's relative IRIs.  ``form`` (SELECT, ASK, CONSTRUCT or
        DESCRIBE): given by ecokg's own queries, whose form the caller knows and which name no dataset of
        their own, so that a store that must otherwise read the text to know what to ask for (the remote one:
        rdflib's parser, 1-20 ms a query) need not.  Raises ``SyntaxError`` for a malformed query and
        ``StoreError`` when the engine fails.
        """

    @property
    def immutable(self) -> bool:
        """True when the graph cannot change while it is served (answers and summaries may be kept)."""
        return False

    def query_process_opener(self) -> Callable[[], "Store"] | None:
        """How a forked query process (``ecokg.sparql.executor.ProcessExecutor``) gets this store: a function
        it calls once after the fork; None when queries run in the serving process (a remote engine, which
        its HTTP timeout bounds)."""
        return None

    def close(self) -> None:  # pragma: no cover - nothing to release by default
        pass

    @property
    def description(self) -> str:
        return type(self).__name__
