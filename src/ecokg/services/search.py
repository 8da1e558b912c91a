"""Label search across Chinese and English.

Matching is done in Python over a search index of every label (loaded with one SELECT, so it
works the same over a remote endpoint); the user's text never reaches SPARQL at all.  Both
sides are normalised with NFKC (full-width letters and digits become ASCII) and case folding;
a match is a substring.  A Chinese query ending in a division suffix (区, 县, …) also matches
on its stem, so "开州县" still finds 开州区, and "开州" finds it as a substring.

The index is built on the first search only (pages never need it: they look up the labels of
what they show), held as one string of normalised labels so that a search is a few ``str.find``
calls, and rebuilt in the background when older than ``max_age`` seconds on a store that can
change (a remote endpoint); the embedded store never changes while served.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from array import array
from bisect import bisect_right
from dataclasses import dataclass

import pyoxigraph as ox

from ecokg.services.graph import GraphServices, Value
from ecokg.services.labels import LABEL_PROPS, LANGS

MAX_QUERY = 200
# among equally good matches, the things people look for first (URI kinds of docs/model.md)
KIND_ORDER = ("place", "scheme", "batch", "practice", "indicator", "org", "source", "observation", "claim",
              "designation")
SUFFIXES = ("自治县", "街道", "区", "县", "市", "镇", "乡")
_SPACE = re.compile(r"\s+")
_SEP = "\n"  # never inside a normalised label (whitespace runs become one space)

_ALL_LABELS = "SELECT ?x ?label WHERE { { " + " UNION ".join(
    f"{{ ?x <{p}> ?label }}" for p in LABEL_PROPS) + " } FILTER(isLiteral(?label) && isIRI(?x)) }"
_TYPES = "SELECT ?x ?t WHERE { VALUES ?x { %s } ?x a ?t . FILTER(isIRI(?t)) }"


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", text).strip()


def stem(q: str) -> str | None:
    for suf in SUFFIXES:
        if q.endswith(suf) and len(q) > len(suf) + 1:
            return q[: -len(suf)]
    return None


@dataclass
class Hit:
    iri: str
    href: str | None
    labels: dict[str, str]  # zh/en
    matched: str  # the label that matched
    types: list[Value]
    score: tuple

    def as_json(self, title: str) -> dict:
        return {"uri": self.iri, "url": self.href, "label": title, "zh": self.labels.get("zh"),
                "en": self.labels.get("en"), "matched": self.matched, "types": [t.text for t in self.types]}


class LabelSearchIndex:
    """Every label of the graph, normalised, in one string; built on first use."""

    def __init__(self, store, max_age: float | None):
        self._store = store
        self._max_age = max_age  # None: the store never changes
        self._lock = threading.Lock()
        self._data: tuple | None = None  # (blob, starts, entry_iri, texts, iris)
        self._built_at = 0.0
        self._refreshing = False
        self.build_seconds: float | None = None

    def _build(self) -> tuple:
        t0 = time.monotonic()
        iris: list[str] = []
        iri_ids: dict[str, int] = {}
        parts: list[str] = []
        starts = array("q")
        entry_iri = array("q")
        texts: list[str] = []
        pos = 0
        seen: set[tuple[int, str]] = set()
        for row in self._store.query(_ALL_LABELS):
            label = row["label"]
            if not isinstance(label, ox.Literal):
                continue
            iri = row["x"].value
            i = iri_ids.get(iri)
            if i is None:
                i = iri_ids[iri] = len(iris)
                iris.append(iri)
            if (i, label.value) in seen:  # the same text in two properties or languages
                continue
            seen.add((i, label.value))
            norm = normalize(label.value)
            starts.append(pos)
            entry_iri.append(i)
            texts.append(label.value)
            parts.append(norm)
            pos += len(norm) + 1
        starts.append(pos)  # the end of the last entry (+1)
        data = (_SEP.join(parts) + _SEP, starts, entry_iri, texts, iris)
        self.build_seconds = time.monotonic() - t0
        return data

    def data(self) -> tuple:
        with self._lock:
            if self._data is None:
                self._data = self._build()
                self._built_at = time.monotonic()
            elif (self._max_age is not None and not self._refreshing
                  and time.monotonic() - self._built_at > self._max_age):
                self._refreshing = True  # serve the old index while a new one is built
                threading.Thread(target=self._refresh, daemon=True, name="ecokg-search-index").start()
            return self._data

    def _refresh(self) -> None:
        try:
            data = self._build()
            with self._lock:
                self._data, self._built_at = data, time.monotonic()
        finally:
            self._refreshing = False

    def matches(self, q: str, q_stem: str | None) -> dict[str, tuple[int, int, str]]:
        """iri -> the best (rank, normalised length, label) among its labels that match."""
        blob, starts, entry_iri, texts, iris = self.data()
        needle = q_stem or q
        best: dict[int, tuple[int, int, str]] = {}
        i = blob.find(needle)
        while i >= 0:
            k = bisect_right(starts, i) - 1
            a, b = starts[k], starts[k + 1] - 1
            t = blob[a:b]
            if t == q:
                rank = 0
            elif t.startswith(q):
                rank = 1
            elif q in t:
                rank = 2
            else:
                rank = 3  # only the stem matched
            cand = (rank, b - a, texts[k])
            e = entry_iri[k]
            if e not in best or cand < best[e]:
                best[e] = cand
            i = blob.find(needle, b + 1)
        return {iris[e]: v for e, v in best.items()}


def search(g: GraphServices, query: str, lang: str, limit: int = 50) -> list[Hit]:
    q = normalize(query[:MAX_QUERY])
    if not q or _SEP in q:
        return []
    q_stem = stem(q)
    scored = []
    for iri, (rank, length, text) in g.search_index.matches(q, q_stem).items():
        # entities before ontology terms, then by how well the label matched, the kind of thing,
        # and how tightly
        scored.append(((0 if g.uris.is_entity(iri) else 1, rank, _kind_rank(g, iri), length, iri), iri, text))
    scored.sort()
    top = scored[:limit]
    nodes = [ox.NamedNode(iri) for _, iri, _ in top]
    types = _types(g, nodes)
    g.labels.prefetch(nodes + [t for ts in types.values() for t in ts])
    hits = []
    for score, iri, text in top:
        names = g.labels.names(iri)
        labels = {l: names.get(l) for l in LANGS if names and names.get(l)}
        hits.append(Hit(iri, g.uris.href(iri), labels, text, g.values(types.get(iri, []), lang), score))
    return hits


def _types(g: GraphServices, nodes: list[ox.NamedNode]) -> dict[str, list[ox.NamedNode]]:
    if not nodes:
        return {}
    out: dict[str, list[ox.NamedNode]] = {}
    # the IRIs are the graph's own (from the index), written by pyoxigraph
    for r in g.select(_TYPES % " ".join(str(n) for n in nodes)):
        out.setdefault(r["x"].value, []).append(r["t"])
    for ts in out.values():
        ts.sort(key=lambda t: t.value)
    return out


def _kind_rank(g: GraphServices, iri: str) -> int:
    if not g.uris.is_entity(iri):
        return len(KIND_ORDER)
    kind = iri[len(g.uris.entities):].split("/", 1)[0]
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
