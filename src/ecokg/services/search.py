"""Label search across Chinese and English.

Matching is done in Python over a search index of every label (loaded with one SELECT, so it
works the same over a remote endpoint); the user's text never reaches SPARQL at all.  Both
sides are normalised with NFKC (full-width letters and digits become ASCII) and case folding;
a match is a substring.  A Chinese query ending in a division suffix (区, 县, …) also matches
on its stem, so "开州县" still finds 开州区, and "开州" finds it as a substring.  Division codes
(``eco:divisionCode``) are searched like labels ("500154"), and a pinyin label
(``"kai zhou"@zh-Latn-pinyin``) also without its spaces ("kaizhou").  A hit on a former division
says what it became: the divisions in force that its successors lead to (开县 -> 开州区).

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
from operator import itemgetter
from dataclasses import dataclass, field

import pyoxigraph as ox

from ecokg.services.graph import GraphServices, Value
from ecokg.services.labels import LABEL_PROPS, LANGS

MAX_QUERY = 200
# among equally good matches, the things people look for first (URI kinds of docs/model.md)
KIND_ORDER = ("division", "place", "scheme", "batch", "practice", "indicator", "org", "source", "observation", "claim",
              "designation")
SUFFIXES = ("自治县", "街道", "区", "县", "市", "镇", "乡")
_SPACE = re.compile(r"\s+")
_SEP = "\x00"  # between the labels in the index (NFKC and casefold keep it; taken out of labels)
_SPACE_RUN = _SPACE  # (the separator is not whitespace)
_SEP_SPACES = re.compile(r" ?\x00 ?")

CODE_PROP = "divisionCode"  # in the ontology's namespace: searched like a label


def search_props(eco: str) -> tuple[str, ...]:
    """The properties whose values a search matches: the label properties and the division code."""
    return (*LABEL_PROPS, eco + CODE_PROP)


def _all_labels(eco: str) -> str:
    return "SELECT ?x ?label WHERE { { " + " UNION ".join(
        f"{{ ?x <{p}> ?label }}" for p in search_props(eco)) + " } FILTER(isLiteral(?label) && isIRI(?x)) }"


def is_pinyin(language: str | None) -> bool:
    """A romanisation tag (``zh-Latn-pinyin``): such a label is also searched without its spaces."""
    return bool(language) and language.lower().startswith("zh-latn")


_TYPES = "SELECT ?x ?t WHERE { VALUES ?x { $nodes } ?x a ?t . FILTER(isIRI(?t)) }"
# the years of the divisions among the hits, and for a former one the divisions in force it became
_HISTORY = """
SELECT ?x ?from ?until ?now WHERE {
  VALUES ?x { $nodes }
  { ?x eco:validFrom ?from } UNION { ?x eco:validUntil ?until }
  UNION { ?x eco:validUntil ?gone ; eco:successor+ ?now . FILTER NOT EXISTS { ?now eco:validUntil ?nowGone } }
}"""


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
    valid_from: str | None = None  # a division's years in force (``valid_until`` None: in force)
    valid_until: str | None = None
    now: list[Value] = field(default_factory=list)  # a former division: the divisions in force it became

    @property
    def former(self) -> bool:
        return self.valid_until is not None

    def as_json(self, title: str) -> dict:
        out = {"uri": self.iri, "url": self.href, "label": title, "zh": self.labels.get("zh"),
               "en": self.labels.get("en"), "matched": self.matched, "types": [t.text for t in self.types]}
        if self.valid_from is not None or self.valid_until is not None:
            out["validFrom"], out["validUntil"] = self.valid_from, self.valid_until
        if self.former:
            out["now"] = [{"uri": v.iri, "url": v.href, "label": v.text} for v in self.now]
        return out


class _Group:
    """The labels of one kind of thing (say, places), normalised, shortest first, in one string."""

    def __init__(self, entries: list[tuple[int, str, str, str]]):  # (length, iri, label, normalised), sorted
        self.blob = _SEP + _SEP.join(e[3] for e in entries) + _SEP
        self.starts = array("q")
        pos = 1
        for e in entries:
            self.starts.append(pos)
            pos += e[0] + 1
        self.starts.append(pos)  # the end of the last entry (+1)
        self.iris = [e[1] for e in entries]
        self.texts = [e[2] for e in entries]

    def scan(self, needle: str):
        """(entry text normalised, iri, label) of each entry containing ``needle``, in the group's order."""
        blob, starts = self.blob, self.starts
        lead = 1 if needle[0] == _SEP else 0
        i = blob.find(needle)
        while i >= 0:
            k = bisect_right(starts, i + lead) - 1
            b = starts[k + 1] - 1
            yield blob[starts[k]:b], self.iris[k], self.texts[k]
            i = blob.find(needle, b)  # on from this entry's end (its separator)


class LabelSearchIndex:
    """Every label of the graph, normalised; built on first use.

    The labels are grouped by what a hit's rank depends on besides the match (an entity or not, the
    kind of thing) and sorted shortest first within a group, so that a search visits them in the
    order of the results and stops at ``limit``: a one-letter query costs no more than a long one."""

    def __init__(self, store, classify, max_age: float | None, eco: str):
        self._store = store
        self._query = _all_labels(eco)
        self._classify = classify  # iri -> (0 for an entity else 1, rank of its kind)
        self._max_age = max_age  # None: the store never changes
        self._lock = threading.Lock()
        self._groups: list[tuple[tuple[int, int], _Group]] | None = None
        self._built_at = 0.0
        self._refreshing = False
        self.build_seconds: float | None = None
        self.labels = 0

    def _build(self) -> list[tuple[tuple[int, int], _Group]]:
        t0 = time.monotonic()
        # (the same text in two properties or languages: once; a pinyin label also without its spaces)
        found = list({(x.value, label.value, is_pinyin(label.language)) for x, label in self._store.query(self._query)})
        raw = [(iri, text) for iri, text, _ in found]
        # normalised all at once (one NFKC and casefold over the joined labels, not one per label)
        blob = _SEP.join(text.replace(_SEP, " ") for _, text in raw)
        blob = _SEP_SPACES.sub(_SEP, _SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", blob).casefold()))
        norms = blob.split(_SEP) if raw else []
        if len(norms) != len(raw):  # cannot happen (NFKC and casefold keep the separator); be safe anyway
            norms = [normalize(text) for _, text in raw]
        for (iri, text, pinyin), norm in zip(found, norms[:len(found)]):
            if pinyin and " " in norm:
                raw.append((iri, text))
                norms.append(norm.replace(" ", ""))
        by_group: dict[tuple[int, int], list] = {}
        keys: dict[str, tuple[int, int]] = {}
        interned: dict[str, str] = {}  # one string per IRI, however many labels it has
        for (iri, text), norm in zip(raw, norms):
            iri = interned.setdefault(iri, iri)
            key = keys.get(iri)
            if key is None:
                key = keys[iri] = self._classify(iri)
            by_group.setdefault(key, []).append((len(norm), iri, text, norm))
        self.labels = len(raw)
        del raw, found, norms, blob
        groups = []
        for key in sorted(by_group):
            entries = by_group[key]
            for column in (2, 1, 0):  # shortest first, then by IRI, then by label (stable sorts: fast)
                entries.sort(key=itemgetter(column))
            groups.append((key, _Group(entries)))
        self.build_seconds = time.monotonic() - t0
        return groups

    def groups(self) -> list[tuple[tuple[int, int], _Group]]:
        with self._lock:
            if self._groups is None:
                self._groups = self._build()
                self._built_at = time.monotonic()
            elif (self._max_age is not None and not self._refreshing
                  and time.monotonic() - self._built_at > self._max_age):
                self._refreshing = True  # serve the old index while a new one is built
                threading.Thread(target=self._refresh, daemon=True, name="ecokg-search-index").start()
            return self._groups

    def _refresh(self) -> None:
        try:
            groups = self._build()
            with self._lock:
                self._groups, self._built_at = groups, time.monotonic()
        finally:
            self._refreshing = False

    def top(self, q: str, q_stem: str | None, limit: int) -> list[tuple[tuple, str, str]]:
        """The best ``limit`` (score, iri, matched label), best first.  A score is (0 for an entity
        else 1, rank of the match, rank of the kind, length of the label, iri); the rank of a match is
        0 the label is the query, 1 it starts with it, 2 contains it, 3 contains only its stem."""
        groups = self.groups()
        passes = [(0, _SEP + q + _SEP), (1, _SEP + q), (2, q)] + ([(3, q_stem)] if q_stem else [])
        found: set[str] = set()
        out: list[tuple[tuple, str, str]] = []
        for entity in (0, 1):
            mine = [(key, grp) for key, grp in groups if key[0] == entity]
            for rank, needle in passes:
                for (_, kind), grp in mine:
                    # within a group the entries come shortest first, then by IRI: the order of the results
                    for t, iri, text in grp.scan(needle):
                        r = 0 if t == q else 1 if t.startswith(q) else 2 if q in t else 3
                        if r != rank or iri in found:  # found already, at this rank or a better one
                            continue
                        found.add(iri)
                        out.append(((entity, rank, kind, len(t), iri), iri, text))
                        if len(out) >= limit:
                            return out
        return out


def search(g: GraphServices, query: str, lang: str, limit: int = 50) -> list[Hit]:
    q = normalize(query[:MAX_QUERY])
    if not q or _SEP in q:
        return []
    top = index_of(g).top(q, stem(q), limit)
    nodes = [ox.NamedNode(iri) for _, iri, _ in top]
    types = _types(g, nodes)
    g.labels.prefetch(nodes + [t for ts in types.values() for t in ts])
    history = _history(g, [n for n in nodes if n.value.startswith(g.uris.entity("division/"))])
    g.labels.prefetch(t for h in history.values() for t in h["now"])
    hits = []
    for score, iri, text in top:
        names = g.labels.names(iri)
        labels = {l: names.get(l) for l in LANGS if names and names.get(l)}
        hit = Hit(iri, g.uris.href(iri), labels, text, g.values(types.get(iri, []), lang), score)
        h = history.get(iri)
        if h is not None:
            hit.valid_from, hit.valid_until = h["from"], h["until"]
            hit.now = sorted(g.values(h["now"], lang), key=lambda v: v.iri or "")
        hits.append(hit)
    return hits


def _history(g: GraphServices, nodes: list[ox.NamedNode]) -> dict[str, dict]:
    """For the divisions among the hits: years in force and, for a former one, the divisions in force
    that its successors lead to (a query bound to the hits; the chains are a few links long)."""
    if not nodes:
        return {}
    out: dict[str, dict] = {}
    for r in g.select(_HISTORY, nodes=nodes):
        h = out.setdefault(r["x"].value, {"from": None, "until": None, "now": []})
        if r.get("from") is not None:
            h["from"] = r["from"].value
        if r.get("until") is not None:
            h["until"] = r["until"].value
        if r.get("now") is not None and r["now"] not in h["now"]:
            h["now"].append(r["now"])
    return out


def index_of(g: GraphServices) -> "LabelSearchIndex":
    """The search index of ``g``: made on the first search (pages never need it), kept on ``g``."""
    with g.lock:
        if g.search_index is None:
            g.search_index = LabelSearchIndex(g.store, classify(g.uris), None if g.immutable else g.label_max_age,
                                              g.uris.eco)
        return g.search_index


def classify(uris):
    """iri -> (0 for an entity else 1, rank of its kind): what orders equally good matches."""
    def key(iri: str) -> tuple[int, int]:
        if not uris.is_entity(iri):
            return 1, len(KIND_ORDER)
        kind = iri[len(uris.entities):].split("/", 1)[0]
        return 0, KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return key


def _types(g: GraphServices, nodes: list[ox.NamedNode]) -> dict[str, list[ox.NamedNode]]:
    if not nodes:
        return {}
    out: dict[str, list[ox.NamedNode]] = {}
    for r in g.select(_TYPES, nodes=nodes):
        out.setdefault(r["x"].value, []).append(r["t"])
    for ts in out.values():
        ts.sort(key=lambda t: t.value)
    return out

