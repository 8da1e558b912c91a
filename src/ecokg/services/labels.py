"""Names of things: a small index of every label in the graph, refreshed now and then.

The graph is small (thousands of labels), so one SELECT loads every ``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel`` and ``dcterms:title`` and every ``rdf:type``; the pages
name linked values and properties from it, and search matches against it.  It works the
same over the embedded engine and a remote endpoint.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pyoxigraph as ox

from ecokg.namespaces import DCTERMS, RDFS, SKOS, local_name
from ecokg.store import Store

LANGS = ("zh", "en")

_LABELS_QUERY = f"""
SELECT ?x ?p ?label WHERE {{
  VALUES ?p {{ <{RDFS}label> <{SKOS}prefLabel> <{SKOS}altLabel> <{DCTERMS}title> }}
  ?x ?p ?label .
  FILTER(isLiteral(?label) && !isBlank(?x))
}}"""

_TYPES_QUERY = "SELECT ?x ?t WHERE { ?x a ?t . FILTER(isIRI(?x) && isIRI(?t)) }"

_RANK = {RDFS + "label": 0, SKOS + "prefLabel": 1, DCTERMS + "title": 2, SKOS + "altLabel": 3}


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

    def all_texts(self) -> list[str]:
        return list(self.primary.values()) + [t for t, _ in self.alternates]


class LabelIndex:
    """Every label and type in the graph; reloaded when older than ``max_age`` seconds."""

    def __init__(self, store: Store, max_age: float = 60.0, fallback=None):
        self._fallback = fallback
        self._store = store
        self._max_age = max_age
        self._lock = threading.Lock()
        self._loaded_at = -1e18
        self._names: dict[str, Names] = {}
        self._types: dict[str, list[str]] = {}

    def _load(self) -> None:
        names: dict[str, Names] = {}
        for row in self._store.query(_LABELS_QUERY):
            x, p, label = row["x"], row["p"], row["label"]
            if not isinstance(label, ox.Literal):
                continue
            names.setdefault(x.value, Names()).add(label.value, label.language or "", _RANK.get(p.value, 3))
        types: dict[str, list[str]] = {}
        for row in self._store.query(_TYPES_QUERY):
            types.setdefault(row["x"].value, []).append(row["t"].value)
        self._names, self._types = names, types

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > self._max_age:
            with self._lock:
                if time.monotonic() - self._loaded_at > self._max_age:
                    self._load()
                    self._loaded_at = time.monotonic()

    def names(self, iri: str) -> Names | None:
        self._fresh()
        return self._names.get(iri)

    def types(self, iri: str) -> list[str]:
        self._fresh()
        return self._types.get(iri, [])

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

    def items(self) -> list[tuple[str, Names]]:
        self._fresh()
        return list(self._names.items())
