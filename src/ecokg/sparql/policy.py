"""Deciding, with a real SPARQL parser, whether a request may run at this read-only endpoint.

rdflib's parser reads the query exactly as the grammar says (``\\u`` escapes
expanded first), so keywords cannot hide from it.  A query is refused when it
calls a remote ``SERVICE``; an update (``INSERT``, ``DELETE``, ``LOAD``, ...)
is refused as a whole.  ``FROM``/``FROM NAMED`` are allowed: they select graphs
already in the store and never fetch anything (a graph the store lacks is
simply empty).  Nothing here knows of HTTP frameworks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


class QueryRejected(ValueError):
    """A request this endpoint will not run.  ``status`` is the HTTP status that says why."""

    status = 400
    kind = "malformed query"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QuerySyntaxError(QueryRejected):
    status = 400
    kind = "malformed query"


class UpdateRefused(QueryRejected):
    """SPARQL Update: this public endpoint is read-only."""

    status = 403
    kind = "update refused"


class ForbiddenFeature(QueryRejected):
    """A query that would reach out of the store (SERVICE)."""

    status = 400
    kind = "forbidden feature"


UPDATE_MESSAGE = ("SPARQL Update is not accepted: this endpoint is read-only. "
                  "Load your own data with `ecokg serve --data FILE` and query it instead.")


@dataclass(frozen=True)
class Classified:
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    from_graphs: tuple[str, ...]  # FROM IRIs (local selection only)
    from_named: tuple[str, ...]  # FROM NAMED IRIs (local selection only)


def _walk(node: Any) -> Iterator[CompValue]:
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, CompValue):
            yield n
            stack.extend(n.values())
        elif isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple)) or type(n).__name__ == "ParseResults":
            stack.extend(list(n))


def _message(e: ParseBaseException) -> str:
    return f"line {e.lineno}, column {e.col}: {e.msg}" + (f" (near {e.line.strip()[:80]!r})" if e.line else "")


def classify_update(text: str) -> None:
    """Refuse an update request.  Always raises: 403 for an update, 400 if it does not even parse."""
    try:
        parseUpdate(text)
    except ParseBaseException as e:
        raise QuerySyntaxError("SPARQL Update syntax error, " + _message(e) + ". " + UPDATE_MESSAGE) from None
    raise UpdateRefused(UPDATE_MESSAGE)


# Words whose presence sends a query to the full parse: SERVICE (refused), FROM (dataset clauses), and the
# update operations (refused with their own message).  Matched as plain substrings, case-insensitively, after
# the codepoint escapes are expanded, so no spelling of a keyword can pass unseen; a query without any of
# them cannot call a SERVICE, name a dataset or be an update, whatever else it holds.
_FULL_PARSE_WORDS = re.compile(r"service|from|load|insert|delete|clear|drop|create|copy|move|add|with|using",
                               re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def needs_full_parse(text: str) -> bool:
    """True unless ``text`` (with its ``\\u``/``\\U`` escapes expanded, as the SPARQL grammar does first)
    holds none of the words that only the full parse may judge.  A query that needs no full parse may go
    straight to the engine, whose own parser then reports its form and any syntax error."""
    expanded = text
    for _ in range(4):  # expanded until nothing changes (the grammar expands once: this sees more, not less)
        try:
            again = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), expanded)
        except (ValueError, OverflowError):  # an escape that is no code point: let the parser say so
            return True
        if again == expanded:
            break
        expanded = again
    else:
        return True
    return _FULL_PARSE_WORDS.search(expanded) is not None


CACHED_LENGTH = 8192  # queries up to this many characters keep their verdict (bounded memory)


def classify(text: str) -> Classified:
    """Parse a query and check it may run here; raises ``QueryRejected`` (with an HTTP status) if not.

    Parsing costs 1-20 ms; the verdicts on short queries are remembered, so a repeated query is checked once.
    """
    return _classify_cached(text) if len(text) <= CACHED_LENGTH else _classify(text)


def _cache_clear() -> None:
    _classify_cached.cache_clear()


classify.cache_clear = _cache_clear  # type: ignore[attr-defined]


@lru_cache(maxsize=1024)
def _classify_cached(text: str) -> Classified:
    return _classify(text)


def _classify(text: str) -> Classified:
    try:
        parsed = parseQuery(text)
    except ParseBaseException as e:
        try:
            parseUpdate(text)
        except Exception:
            raise QuerySyntaxError("SPARQL syntax error, " + _message(e)) from None
        raise QuerySyntaxError("this is a SPARQL Update, not a query. " + UPDATE_MESSAGE) from None
    except Exception as e:  # rdflib raises a few plain exceptions for bad IRIs, prefixes and escapes
        raise QuerySyntaxError(f"SPARQL syntax error: {e}") from None
    body = parsed[1]
    form = FORMS.get(getattr(body, "name", ""))
    if form is None:  # pragma: no cover - parseQuery only returns the four forms
        raise QuerySyntaxError("not a SPARQL query")
    declared = {("prefix" in d and d["prefix"]) or "" for d in parsed[0] if getattr(d, "name", "") == "PrefixDecl"}
    for node in _walk(parsed):
        if node.name == "pname":
            prefix = ("prefix" in node and node["prefix"]) or ""
            if prefix not in declared:
                raise QuerySyntaxError(f"SPARQL syntax error: the prefix {prefix}: is not declared; add "
                                       f"PREFIX {prefix}: <...> before the query")
        if node.name == "ServiceGraphPattern":
            raise ForbiddenFeature(
                "SERVICE is not allowed: this endpoint never fetches data from other servers "
                "(federated queries are disabled for security). Query each endpoint yourself.")
    from_graphs, from_named = [], []
    for clause in body.get("datasetClause") or ():
        if "default" in clause:
            from_graphs.append(str(clause["default"]))
        if "named" in clause:
            from_named.append(str(clause["named"]))
    return Classified(form, tuple(from_graphs), tuple(from_named))
