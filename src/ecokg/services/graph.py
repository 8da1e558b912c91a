"""``GraphServices``: the one object the web layer asks for pages' content."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import pyoxigraph as ox

from ecokg.rdf.namespaces import XSD, compact, sparql_prologue
from ecokg.rdf.sparql_text import bind
from ecokg.services.labels import Labels
from ecokg.services.uris import UriSpace, is_web_iri
from ecokg.store.base import Store


@dataclass
class Value:
    """One RDF term as a page shows it: a labelled link or a literal."""

    kind: str  # "iri", "literal" or "bnode"
    text: str
    iri: str | None = None
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None  # compact datatype of a typed literal (not xsd:string / rdf:langString)
    sort_key: Any = None

    def __str__(self) -> str:
        return self.text


MEMO_ENTRIES = 256  # whole-graph summaries kept (see ``select(cached=True)``)

_PLAIN_TYPES = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "positiveInteger", "nonNegativeInteger", "int", "long")}


class GraphServices:
    """Queries for the pages over any ``Store``; knows nothing of HTTP."""

    def __init__(self, store: Store, base_uri: str, label_max_age: float = 60.0):
        self.store = store
        self.uris = UriSpace(base_uri)
        self._label_max_age = label_max_age
        self.search_index = None  # every label, for search only: made by ``services.search`` on the first search
        self.reconcile_index = None  # names, codes and designations for reconciliation: ``services.reconcile``
        self.reconcile_index_made = 0.0
        self.lock = threading.Lock()  # for what other services keep on this object (the search/reconcile index)
        self._static = store.immutable
        # labels: kept (LRU) as long as the store cannot change, else ``label_max_age`` seconds
        self.labels = Labels(store, max_age=float("inf") if self._static else label_max_age,
                             fallback=self._short_name)
        self._memo: "OrderedDict[Any, tuple[float, Any]]" = OrderedDict()
        self._memo_lock = threading.Lock()
        self._prologue = sparql_prologue(base_uri)

    @property
    def immutable(self) -> bool:
        return self._static

    @property
    def label_max_age(self) -> float:
        return self._label_max_age

    # -- querying ---------------------------------------------------------------------------------
    def select(self, body: str, *, labelled: bool = False, cached: bool = False,
               **bindings: Any) -> list[dict[str, Any]]:
        """Run a SELECT (prefixes prepended); ``bindings`` fill the query's ``$name`` slots
        (``ecokg.rdf.sparql_text.bind``: terms written by pyoxigraph, never pasted text).

        ``labelled``: the rows are to be shown, so
        fetch the labels of every IRI in them at once (one query, not one per IRI).  ``cached``: a
        summary of the whole graph (counts for the home page, usage for the ontology), kept while the
        store cannot have changed (the embedded store: as long as it is served; a remote one:
        ``label_max_age`` seconds).
        """
        if cached:
            rows = self._memo_get(body, bindings)
        else:
            rows = self._select(body, bindings)
        if labelled:
            self.labels.prefetch(t for r in rows for t in r.values())
        return rows

    def _select(self, body: str, bindings) -> list[dict[str, Any]]:
        result = self.store.query(self._prologue + bind(body, **bindings), form="SELECT")
        names = [v.value for v in result.variables]
        # (a solution iterates over its values in the order of the variables: half the time of row[name])
        return [dict(zip(names, row)) for row in result]

    def _memo_get(self, body: str, bindings) -> list[dict[str, Any]]:
        key = (body, tuple(sorted((k, str(v)) for k, v in bindings.items())))
        return self.summary(key, lambda: self._select(body, bindings))

    def summary(self, key, compute):
        """``compute()``, kept under ``key`` while the store cannot have changed (the embedded store: as
        long as it is served; a remote one: ``label_max_age`` seconds); at most ``MEMO_ENTRIES`` kept."""
        now = time.monotonic()
        with self._memo_lock:
            hit = self._memo.get(key)
            if hit is not None and (self._static or now - hit[0] <= self._label_max_age):
                self._memo.move_to_end(key)
                return hit[1]
        value = compute()
        with self._memo_lock:
            self._memo[key] = (now, value)
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)
        return value

    def ask(self, body: str, **bindings: Any) -> bool:
        return bool(self.store.query(self._prologue + bind(body, **bindings), form="ASK"))

    def construct(self, body: str, **bindings: Any) -> list[ox.Triple]:
        return list(self.store.query(self._prologue + bind(body, **bindings), form="CONSTRUCT"))

    # -- presenting terms ---------------------------------------------------------------------------
    def value(self, term, lang: str) -> Value:
        if isinstance(term, ox.NamedNode):
            iri = term.value
            text = self.labels.label(iri, lang)
            return Value("iri", text, iri=iri, href=self.uris.href(iri), sort_key=text.casefold())
        if isinstance(term, ox.Literal):
            dt = term.datatype.value if term.datatype is not None else None
            # XSD types read plainly (2023, 2024-06-03); only other datatypes are worth a tag
            shown_dt = None if (dt is None or dt.startswith(XSD) or dt in _PLAIN_TYPES) else compact(dt, self.uris.base)
            key: Any = term.value
            if dt in _NUMERIC:
                try:
                    key = float(term.value)
                except ValueError:
                    pass
            href = term.value if dt == XSD + "anyURI" and is_web_iri(term.value) else None
            return Value("literal", term.value, href=href, lang=term.language or None, datatype=shown_dt,
                         sort_key=key)
        return Value("bnode", "_:" + getattr(term, "value", ""), sort_key="")

    def values(self, terms: Iterable, lang: str) -> list[Value]:
        terms = list(terms)
        self.labels.prefetch(terms)
        seen, out = set(), []
        for t in terms:
            if t is None or t in seen:
                continue
            seen.add(t)
            out.append(self.value(t, lang))
        return out

    def _short_name(self, iri: str) -> str:
        """An unlabelled IRI: ``eco:Place`` in a known vocabulary, the slug under our namespace, else the IRI."""
        short = compact(iri, self.uris.base)
        if short != iri:
            return short
        if self.uris.is_ours(iri):
            return iri[len(self.uris.base):]
        return iri

    def compact(self, iri: str) -> str:
        return compact(iri, self.uris.base)

    # -- the pieces ----------------------------------------------------------------------------------
    def exists(self, iri: str) -> bool:
        from ecokg.services import describe

        return describe.exists(self, iri)

    def description(self, iri: str) -> list[ox.Triple]:
        from ecokg.services import describe

        return describe.description(self, iri)


def first(rows: list[Mapping[str, Any]], key: str):
    for r in rows:
        if r.get(key) is not None:
            return r[key]
    return None
