"""The SPARQL 1.1 Protocol's query operation: from an HTTP request's parts to one query to run.

https://www.w3.org/TR/sparql11-protocol/#query-operation -- three ways to send
a query (GET, URL-encoded POST, direct POST), the dataset parameters, and the
errors the protocol asks for.  The caller hands over the request's parts as
plain values; nothing here knows of Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import pyoxigraph as ox

from ecokg.errors import EcokgError, Kind
from ecokg.sparql.policy import UPDATE_MESSAGE

FORM = "application/x-www-form-urlencoded"
DIRECT_QUERY = "application/sparql-query"
DIRECT_UPDATE = "application/sparql-update"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")


_KINDS = {400: Kind.BAD_REQUEST, 403: Kind.UPDATE_REFUSED, 405: Kind.METHOD_NOT_ALLOWED,
          413: Kind.TOO_LARGE, 415: Kind.UNSUPPORTED_MEDIA_TYPE}


class ProtocolError(EcokgError):
    """A request the protocol does not allow; ``status`` says which way (its kind's HTTP status)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message, kind=_KINDS[status])
        self.headers = headers or {}


@dataclass(frozen=True)
class Operation:
    """What the request asks for.  ``query`` None: a GET without a query (the query page or the service
    description)."""

    query: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    format: tuple[str, ...] = ()  # the `format` parameters, in order

    @property
    def dataset(self) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        """(default graph, named graphs) to pass to the store; None each when the protocol sets no dataset.

        When the request names graphs, they replace the query's FROM/FROM NAMED
        (SPARQL 1.1 Protocol, 2.1.4); with only one kind named, the other is empty.
        """
        if not self.default_graph_uris and not self.named_graph_uris:
            return None, None
        return self.default_graph_uris, self.named_graph_uris


def _values(params: Iterable[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def parse_operation(
    method: str,
    *,
    url_params: Sequence[tuple[str, str]],
    content_type: str | None = None,
    charset: str | None = None,
    form_params: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
) -> Operation:
    """Read the query operation from a request; raises ``ProtocolError`` with the protocol's status."""
    method = method.upper()
    if method not in ALLOWED_METHODS:
        raise ProtocolError(405, f"method {method} is not allowed here: send queries by GET or POST "
                            "(SPARQL 1.1 Protocol)", {"Allow": ", ".join(ALLOWED_METHODS)})
    if method in ("GET", "HEAD"):
        params = list(url_params)
    else:
        mimetype = (content_type or "").split(";")[0].strip().lower()
        if mimetype == FORM:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ProtocolError(400, f"the form body is not valid UTF-8 ({e})") from None
            params = list(url_params) + list(form_params)
        elif mimetype == DIRECT_QUERY:
            if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
                raise ProtocolError(415, f"a direct POST query must be UTF-8, not {charset}")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ProtocolError(400, f"the query is not valid UTF-8 ({e})") from None
            if _values(url_params, "query") or _values(url_params, "update"):
                raise ProtocolError(400, "a direct POST query carries the query in the body only; "
                                    "remove the `query`/`update` URL parameter")
            params = [("query", text)] + [(k, v) for k, v in url_params if k != "query"]
        elif mimetype == DIRECT_UPDATE:
            raise ProtocolError(403, UPDATE_MESSAGE)
        elif not mimetype:
            raise ProtocolError(415, "a POST needs a Content-Type: application/x-www-form-urlencoded "
                                "or application/sparql-query")
        else:
            raise ProtocolError(415, f"unsupported Content-Type {mimetype}: send the query as "
                                "application/x-www-form-urlencoded or application/sparql-query")
    queries = _values(params, "query")
    updates = _values(params, "update")
    if queries and updates:
        raise ProtocolError(400, "a request carries either a `query` or an `update`, not both")
    if len(queries) > 1:
        raise ProtocolError(400, f"the request has {len(queries)} `query` parameters; send exactly one")
    if updates:
        raise ProtocolError(403, UPDATE_MESSAGE)
    formats = _values(params, "format")
    query = queries[0] if queries else None
    if query is None and method == "POST":
        # only GET without a query has an answer of its own (the query page, the service description)
        raise ProtocolError(400, "the POST carries no `query` parameter: send the query as `query=...` in the form "
                            "(or as the body with Content-Type application/sparql-query)")
    if query is not None and not query.strip():
        raise ProtocolError(400, "the `query` parameter is empty")
    for name in ("default-graph-uri", "named-graph-uri"):
        for iri in _values(params, name):
            try:
                ox.NamedNode(iri)
            except ValueError as e:
                raise ProtocolError(400, f"`{name}` must be an absolute IRI; {iri[:200]!r} is not ({e})") from None
    return Operation(
        query=query,
        default_graph_uris=tuple(_values(params, "default-graph-uri")),
        named_graph_uris=tuple(_values(params, "named-graph-uri")),
        format=tuple(formats),
    )
