"""Label search across Chinese and English.

Matching is done in Python over the label index (loaded with one SELECT, so it works the same
over a remote endpoint); the user's text never reaches SPARQL at all.  Both sides are
normalised with NFKC (full-width letters and digits become ASCII) and case folding; a match is
a substring.  A Chinese query ending in a division suffix (区, 县, …) also matches on its stem,
so "开州县" still finds 开州区, and "开州" finds it as a substring.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ecokg.services.graph import GraphServices, Value
from ecokg.services.labels import LANGS

MAX_QUERY = 200
# among equally good matches, the things people look for first (URI kinds of docs/model.md)
KIND_ORDER = ("place", "scheme", "batch", "practice", "indicator", "org", "source", "observation", "claim",
              "designation")
SUFFIXES = ("自治县", "街道", "区", "县", "市", "镇", "乡")
_SPACE = re.compile(r"\s+")


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


def search(g: GraphServices, query: str, lang: str, limit: int = 50) -> list[Hit]:
    q = normalize(query[:MAX_QUERY])
    if not q:
        return []
    q_stem = stem(q)
    hits: list[Hit] = []
    for iri, names in g.labels.items():
        best = None
        for text in names.all_texts():
            t = normalize(text)
            if t == q:
                rank = 0
            elif t.startswith(q):
                rank = 1
            elif q in t:
                rank = 2
            elif q_stem and q_stem in t:
                rank = 3
            else:
                continue
            cand = (rank, len(t), text)
            if best is None or cand < best:
                best = cand
        if best is None:
            continue
        rank, length, text = best
        # entities before ontology terms, then by how well the label matched, the kind of thing,
        # and how tightly
        score = (0 if g.uris.is_entity(iri) else 1, rank, _kind_rank(g, iri), length, iri)
        types = g.values([_node(t) for t in g.labels.types(iri)], lang)
        hits.append(Hit(iri, g.uris.href(iri), {l: names.get(l) for l in LANGS if names.get(l)}, text, types, score))
    hits.sort(key=lambda h: h.score)
    return hits[:limit]


def _node(iri: str):
    import pyoxigraph as ox

    return ox.NamedNode(iri)


def _kind_rank(g: GraphServices, iri: str) -> int:
    if not g.uris.is_entity(iri):
        return len(KIND_ORDER)
    kind = iri[len(g.uris.entities):].split("/", 1)[0]
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
