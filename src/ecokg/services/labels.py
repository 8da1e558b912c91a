"""Names of things, looked up for just the IRIs a page shows.

A page collects the IRIs it is about to show and asks for their labels in one query
(``VALUES`` over those IRIs; ``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``,
``dcterms:title``); the answers stay in a bounded least-recently-used cache, each for
``max_age`` seconds (a remote store may change under us).  So a page costs what it shows,
not what the graph holds.  It works the same over the embedded engine and a remote endpoint.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Iterable

import pyoxigraph as ox

from ecokg.rdf.namespaces import DCTERMS, RDFS, SKOS, local_name
from ecokg.rdf.sparql_text import bind
from ecokg.store.base import Store

LANGS = ("zh", "en")

LABEL_PROPS = (RDFS + "label", SKOS + "prefLabel", DCTERMS + "title", SKOS + "altLabel")  # best first
_RANK = {p: i for i, p in enumerate(LABEL_PROPS)}
CHUNK = 500  # IRIs per lookup query

# One UNION branch per property (with the IRIs bound first): the plan engines make of
# ``VALUES ?x {…} ?x ?p ?l FILTER(?p IN …)`` may scan every label of the graph.
_BRANCHES = " UNION ".join(f"{{ ?x <{p}> ?label BIND({i} AS ?rank) }}" for i, p in enumerate(LABEL_PROPS))
_ONE = f"SELECT ?x ?label ?rank WHERE {{ VALUES ?x {{ $xs }} {{ {_BRANCHES} }} FILTER(isLiteral(?label)) }}"


def lang_base(tag: str) -> str:
    return tag.split("-", 1)[0].lower() if tag else ""


@dataclass
class Names:
    """The names of one resource."""

    primary: dict[str, str] = field(default_factory=dict)  # language ("" for none) -> best label
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (text, language) of other names
    _ranks: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, text: str, lang: str, rank: int) -> None:
        lang = lang_base(lang)
        if rank < 3 and (lang not in self.primary or rank < self._ranks[lang]):
            old = self.primary.get(lang)
            if old is not None and (old, lang) not in self.alternates:
                self.alternates.append((old, lang))
            self.primary[lang] = text
            self._ranks[lang] = rank
        elif (text, lang) not in self.alternates and self.primary.get(lang) != text:
            self.alternates.append((text, lang))

    def get(self, lang: str) -> str | None:
        return self.primary.get(lang)

    def best(self, lang: str) -> str | None:
        """In the language asked for, else the other of zh/en, else untagged, else any."""
        for candidate in (lang, *LANGS, ""):
            if candidate in self.primary:
                return self.primary[candidate]
        return next(iter(self.primary.values()), None)

    def __bool__(self) -> bool:
        return bool(self.primary or self.alternates)


def names_from_rows(rows: Iterable[tuple[str, ox.Literal, int]]) -> dict[str, Names]:
    """(iri, label, rank) rows -> Names per IRI, the rows taken in a fixed order (the same names
    whatever order the engine answers in)."""
    out: dict[str, Names] = {}
    for iri, label, rank in sorted(rows, key=lambda r: (r[0], r[2], r[1].language or "", r[1].value)):
        out.setdefault(iri, Names()).add(label.value, label.language or "", rank)
    return out


class Labels:
    """Labels of the IRIs pages show, fetched on demand and cached (LRU, ``max_entries``, ``max_age`` s)."""

    def __init__(self, store: Store, max_age: float = 60.0, fallback=None, max_entries: int = 20000):
        self._store = store
        self._max_age = max_age
        self._fallback = fallback
        self._max = max_entries
        self._lock = threading.Lock()
        self._cache: "OrderedDict[str, tuple[float, Names]]" = OrderedDict()
        self.queries = 0  # lookups sent to the store (for tests and measurements)

    # -- the cache --------------------------------------------------------------------------------
    def _get(self, iri: str) -> Names | None:
        with self._lock:
            hit = self._cache.get(iri)
            if hit is None:
                return None
            if time.monotonic() - hit[0] > self._max_age:
                del self._cache[iri]
                return None
            self._cache.move_to_end(iri)
            return hit[1]

    def _put(self, found: dict[str, Names], asked: Iterable[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for iri in asked:
                self._cache[iri] = (now, found.get(iri) or Names())
                self._cache.move_to_end(iri)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)

    def cached(self) -> int:
        """How many IRIs' names are held."""
        with self._lock:
            return len(self._cache)

    # -- lookups ------------------------------------------------------------------------------------
    def prefetch(self, terms: Iterable) -> None:
        """Fetch, in as few queries as possible, the labels of those ``terms`` (IRIs taken from the
        graph's answers: ``NamedNode``s; anything else is skipped) that are not cached."""
        missing: dict[str, ox.NamedNode] = {}
        for t in terms:
            if isinstance(t, ox.NamedNode) and t.value not in missing and self._get(t.value) is None:
                missing[t.value] = t
        nodes = list(missing.values())
        for i in range(0, len(nodes), CHUNK):
            chunk = nodes[i:i + CHUNK]
            self._put(self._rows(chunk), (n.value for n in chunk))

    def _rows(self, nodes: list[ox.NamedNode]) -> dict[str, Names]:
        self.queries += 1
        result = self._store.query(bind(_ONE, xs=nodes), form="SELECT")
        return names_from_rows((r["x"].value, r["label"], int(r["rank"].value)) for r in result
                               if isinstance(r["label"], ox.Literal))

    def names(self, iri: str) -> Names | None:
        """The names of one IRI (cached; else one query, the IRI a bound value), None if it has none."""
        n = self._get(iri)
        if n is None:
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                return None
            found = self._rows([node])
            self._put(found, [iri])
            n = found.get(iri) or Names()
        return n or None

    def label(self, iri: str, lang: str) -> str:
        """A human name for an IRI: its label in ``lang`` (or the other language), else a short name
        (``eco:Place``-style for known vocabularies), else the IRI itself."""
        n = self.names(iri)
        text = n.best(lang) if n else None
        if text is not None:
            return text
        return self._fallback(iri) if self._fallback else local_name(iri)

    def has_label(self, iri: str) -> bool:
        return self.names(iri) is not None
