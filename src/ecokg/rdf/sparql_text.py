"""The text of SPARQL queries: what a query is, and putting values into ecokg's own queries.

* ``analyse`` reads a query with rdflib's parser, exactly as the grammar says (``\\u`` escapes expanded
  first, so no keyword can hide): its form, its dataset clauses (FROM / FROM NAMED), whether it calls a
  SERVICE, the prefixes it uses without declaring them.
* ``needs_full_parse`` is the cheap test of whether a query could hold anything ``analyse`` would find:
  a query without any of those words can neither call out, nor name a dataset, nor be an update.
* ``bind`` is the one way values go into the queries the pages, search and build send: a template names
  each value ``$name`` where it belongs (``SELECT ?p ?o WHERE { $s ?p ?o }``), and the value is written
  by pyoxigraph (N-Triples syntax), so that no text from a user is ever pasted into a query as such.
  Being plain text, it works the same on every engine.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

import pyoxigraph as ox

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


class SparqlSyntaxError(ValueError):
    """The text is not a SPARQL query (the message says where and why)."""


@dataclass(frozen=True)
class Analysis:
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    from_graphs: tuple[str, ...]  # FROM IRIs
    from_named: tuple[str, ...]  # FROM NAMED IRIs
    service: bool  # calls a SERVICE somewhere
    undeclared_prefixes: tuple[str, ...]  # prefixes used without a PREFIX declaration

    @property
    def own_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named)


# ---------------------------------------------------------------- what a query is

# Words whose presence sends a query to the full parse: SERVICE, FROM (dataset clauses), and the update
# operations.  Matched as plain substrings of the case-folded text (``str.casefold``: every character that
# folds to a letter of a keyword counts as that letter), after the codepoint escapes are expanded, so no
# spelling of a keyword can pass unseen.
_FULL_PARSE_WORDS = ("service", "from", "load", "insert", "delete", "clear", "drop", "create", "copy", "move",
                     "add", "with", "using")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _expanded(text: str) -> str | None:
    """``text`` with its ``\\u``/``\\U`` escapes expanded (until nothing changes: the grammar expands once,
    so this sees more, not less); None for an escape that is no code point, or escapes nested too deep."""
    if "\\" not in text:
        return text
    expanded = text
    for _ in range(4):
        try:
            again = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), expanded)
        except (ValueError, OverflowError):  # an escape that is no code point: let the parser say so
            return None
        if again == expanded:
            return expanded
        expanded = again
    return None


def needs_full_parse(text: str) -> bool:
    """True unless ``text`` (with its ``\\u``/``\\U`` escapes expanded, as the SPARQL grammar does first)
    holds none of the words that only the full parse may judge."""
    expanded = _expanded(text)
    if expanded is None:
        return True
    folded = expanded.casefold()
    return any(word in folded for word in _FULL_PARSE_WORDS)


# Functions whose value differs from one evaluation to the next (RAND, NOW, UUID, STRUUID, BNODE); and the
# blank nodes a CONSTRUCT template makes afresh each time (``_:b``, ``[ ]``).
_VARYING_WORDS = ("rand", "now", "uuid", "bnode", "_:", "[")


def answers_may_vary(text: str) -> bool:
    """True when two evaluations of the query over the same data may give different answers: it calls RAND,
    NOW, UUID, STRUUID or BNODE, or writes blank nodes (which a CONSTRUCT template makes afresh).  A plain
    substring test after the escapes are expanded, so it errs towards True (``rand`` in an IRI counts too)."""
    expanded = _expanded(text)
    if expanded is None:
        return True
    folded = expanded.casefold()
    return any(word in folded for word in _VARYING_WORDS)


CACHED_LENGTH = 8192  # queries up to this many characters keep their analysis (bounded memory)


def analyse(text: str) -> Analysis:
    """The query's form and features; ``SparqlSyntaxError`` if it is not a query.  Costs 1-20 ms (pure
    Python); short texts are remembered, so a repeated query is parsed once."""
    return _analyse_cached(text) if len(text) <= CACHED_LENGTH else _off_stack(_analyse, text)


def cache_clear() -> None:
    _analyse_cached.cache_clear()


@lru_cache(maxsize=1024)
def _analyse_cached(text: str) -> Analysis:
    return _off_stack(_analyse, text)


def update_syntax_error(text: str) -> str | None:
    """The parser's message for an update request that does not parse, None if it parses."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseUpdate

    def parse(t: str) -> str | None:
        try:
            parseUpdate(t)
            return None
        except ParseBaseException as e:
            return _message(e)
        except Exception as e:  # noqa: BLE001
            return str(e)

    return _off_stack(parse, text)


def _message(e) -> str:
    return f"line {e.lineno}, column {e.col}: {e.msg}" + (f" (near {e.line.strip()[:80]!r})" if e.line else "")


def _off_stack(fn, *args):
    """``fn(*args)`` on a short-lived thread of its own.

    rdflib's parser (pyparsing, with its packrat cache) leaves the frames of the stack it ran on in
    reference cycles that only the garbage collector frees, later and on whatever thread.  Parsing on
    the caller's stack would keep the caller's frames -- and any pyoxigraph results they hold -- alive
    until then, and pyoxigraph results must be dropped on the thread that made them.
    """
    out: dict = {}

    def run():
        try:
            out["value"] = fn(*args)
        except BaseException as e:  # noqa: BLE001 - handed back to the caller
            out["error"] = e.with_traceback(None)

    worker = threading.Thread(target=run, name="ecokg-sparql-parse", daemon=True)
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _walk(node: Any) -> Iterator[Any]:
    from rdflib.plugins.sparql.parserutils import CompValue

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


def _analyse(text: str) -> Analysis:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(text)
    except ParseBaseException as e:
        raise SparqlSyntaxError(_message(e)) from None
    except Exception as e:  # rdflib raises a few plain exceptions for bad IRIs, prefixes and escapes
        raise SparqlSyntaxError(str(e)) from None
    body = parsed[1]
    form = FORMS.get(getattr(body, "name", ""))
    if form is None:  # pragma: no cover - parseQuery only returns the four forms
        raise SparqlSyntaxError("not a SPARQL query")
    declared = {("prefix" in d and d["prefix"]) or "" for d in parsed[0] if getattr(d, "name", "") == "PrefixDecl"}
    undeclared: list[str] = []
    service = False
    for node in _walk(parsed):
        if node.name == "pname":
            prefix = ("prefix" in node and node["prefix"]) or ""
            if prefix not in declared and prefix not in undeclared:
                undeclared.append(prefix)
        elif node.name == "ServiceGraphPattern":
            service = True
    from_graphs, from_named = [], []
    # (rdflib's CompValue.get answers a missing key with the key itself: ask with ``in``)
    for clause in (body["datasetClause"] if "datasetClause" in body else None) or ():
        if "default" in clause:
            from_graphs.append(str(clause["default"]))
        if "named" in clause:
            from_named.append(str(clause["named"]))
    return Analysis(form, tuple(from_graphs), tuple(from_named), service, tuple(undeclared))


# ---------------------------------------------------------------- values into queries

_SLOT = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def term_text(value: Any) -> str:
    """A value as SPARQL text: an IRI or literal (pyoxigraph writes it), an int, or several of them."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a value for a query; use a literal")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "__next__"):
        return " ".join(term_text(v) for v in value)
    raise TypeError(f"cannot put {value!r} into a query: only IRIs, literals and integers")


def bind(template: str, **values: Any) -> str:
    """``template`` with every ``$name`` replaced by ``values[name]`` (see ``term_text``); a ``$name``
    without a value is an error (``KeyError``), so no slot is ever left empty by mistake."""
    if not values and "$" not in template:
        return template

    def put(m: re.Match) -> str:
        return term_text(values[m.group(1)])

    return _SLOT.sub(put, template)

