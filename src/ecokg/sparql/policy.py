"""What may run at this read-only endpoint, judged on the query as rdflib's parser reads it.

A query is refused when it calls a remote ``SERVICE`` or uses a prefix it does not declare; an update
(``INSERT``, ``DELETE``, ``LOAD``, ...) is refused as a whole.  ``FROM``/``FROM NAMED`` are allowed: they
select graphs already in the store and never fetch anything (a graph the store lacks is simply empty).
The reading itself is ``ecokg.rdf.sparql_text.analyse``; nothing here knows of HTTP frameworks.
"""

from __future__ import annotations

from ecokg.errors import EcokgError, Kind
from ecokg.rdf.sparql_text import Analysis, SparqlSyntaxError, analyse, update_syntax_error

UPDATE_MESSAGE = ("SPARQL Update is not accepted: this endpoint is read-only. "
                  "Load your own data with `ecokg serve --data FILE` and query it instead.")
SERVICE_MESSAGE = ("SERVICE is not allowed: this endpoint never fetches data from other servers "
                   "(federated queries are disabled for security). Query each endpoint yourself.")


class QueryRejected(EcokgError, ValueError):
    """A request this endpoint will not run; its ``kind`` says why (see ``ecokg.errors``)."""

    kind = Kind.BAD_QUERY


class QuerySyntaxError(QueryRejected):
    kind = Kind.BAD_QUERY


class UpdateRefused(QueryRejected):
    """SPARQL Update: this public endpoint is read-only."""

    kind = Kind.UPDATE_REFUSED


class ForbiddenFeature(QueryRejected):
    """A query that would reach out of the store (SERVICE)."""

    kind = Kind.BAD_QUERY


def classify_update(text: str) -> None:
    """Refuse an update request.  Always raises: 403 for an update, 400 if it does not even parse."""
    error = update_syntax_error(text)
    if error is not None:
        raise QuerySyntaxError("SPARQL Update syntax error, " + error + ". " + UPDATE_MESSAGE)
    raise UpdateRefused(UPDATE_MESSAGE)


def classify(text: str) -> Analysis:
    """Parse a query and check it may run here; raises ``QueryRejected`` (with its kind) if not."""
    try:
        analysis = analyse(text)
    except SparqlSyntaxError as e:
        if update_syntax_error(text) is None:
            raise QuerySyntaxError("this is a SPARQL Update, not a query. " + UPDATE_MESSAGE) from None
        raise QuerySyntaxError(f"SPARQL syntax error, {e}") from None
    if analysis.undeclared_prefixes:
        prefix = analysis.undeclared_prefixes[0]
        raise QuerySyntaxError(f"SPARQL syntax error: the prefix {prefix}: is not declared; add "
                               f"PREFIX {prefix}: <...> before the query")
    if analysis.service:
        raise ForbiddenFeature(SERVICE_MESSAGE)
    return analysis
