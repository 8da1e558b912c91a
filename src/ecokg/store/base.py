"""One interface over the engines ecokg can query.

``Store.query`` returns pyoxigraph result objects (``QuerySolutions``,
``QueryBoolean`` or ``QueryTriples``) whatever the engine, so the layers above
(SPARQL protocol, pages, search) serialise and read results in one way.
The store layer knows nothing of Flask or HTTP serving.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Mapping, Sequence, Union

import pyoxigraph as ox

QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]
Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal]


class StoreError(RuntimeError):
    """The engine failed (not the query): unreachable, timed out, broken."""


class BackendUnavailable(StoreError):
    """A remote engine could not be reached or answered with an error (HTTP 502)."""


class BackendTimeout(StoreError):
    """A remote engine did not answer in time (HTTP 504)."""


class Store(ABC):
    """A read-only view of the graph."""

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, Term] | None = None,
        default_graph: Sequence[ox.NamedNode] | None = None,
        named_graphs: Sequence[ox.NamedNode] | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query.

        ``substitutions`` binds variables (by name, without ``?``) to terms
        before evaluation: user input reaches a query only this way, never as
        query text.  ``default_graph``/``named_graphs`` select the dataset
        (the protocol's ``default-graph-uri``/``named-graph-uri``) among the
        graphs already in the store.  Raises ``SyntaxError`` for a malformed
        query and ``StoreError`` when the engine fails.
        """

    def close(self) -> None:  # pragma: no cover - nothing to release by default
        pass

    @property
    def description(self) -> str:
        return type(self).__name__
