"""What a division's page adds to an entity page (docs/model.md, "Administrative divisions"): code, level
and kind, names (how the English one was made, pinyin), the divisions it lies in and its children, its
history (predecessors and successors with their years, and for a former division what it is now), the
designations of the divisions it lies in and of the places in it, and its points.

Every query starts from the page's division (a bound value): a page costs what it shows.  Children come in
pages (``paging.page_of``: in force and former, each ordered by code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ecokg.rdf.namespaces import DCTERMS, GEO, GEOSPARQL, OWL, SCHEMA, SKOS
from ecokg.services.entity import EntityView, PropertyRow, designations_table, is_division
from ecokg.services.graph import GraphServices, Value
from ecokg.services.paging import Page, page_of
from ecokg.services.search import is_pinyin

CHILD_PAGE = 100  # children on one page (in force and former, each)
PARENT_DEPTH = 5  # a township -> county -> prefecture -> province -> China


@dataclass
class Linked:
    """A division (or other place) in a listing of a division's page, with what tells it apart."""

    item: Value
    code: str | None = None
    level: Value | None = None
    kinds: list[Value] = field(default_factory=list)
    valid_from: str | None = None
    valid_until: str | None = None


@dataclass
class Point:
    """A point of the division: its seat of government (``{division}#seat``) or another source's point."""

    iri: str | None
    anchor: str | None  # the fragment, when the point is a part of this page (``seat``, ``point-s55``)
    label: Value | None
    lat: str | None
    long: str | None
    wkt: str | None
    sources: list[Value] = field(default_factory=list)
    comments: list[Value] = field(default_factory=list)


@dataclass
class DivisionView:
    code: str | None
    level: Value | None
    kinds: list[Value]
    english_method: Value | None
    pinyin: list[str]
    valid_from: str | None
    valid_until: str | None
    former_iris: list[str]
    parents: list[Value]  # nearest first: its parent, the parent's parent, ...
    children: list[Linked]
    children_page: Page
    former_children: list[Linked]
    former_children_page: Page
    predecessors: list[Linked]
    successors: list[Linked]
    now: list[Linked]  # a former division: the divisions in force its successors lead to
    points: list[Point]

    @property
    def former(self) -> bool:
        return self.valid_until is not None

    @property
    def history(self) -> bool:
        return bool(self.predecessors or self.successors)


def covered_props(g: GraphServices) -> set[str]:
    """The properties the division section shows (the page's generic lists leave them out)."""
    eco = g.uris.eco
    return {eco + "divisionCode", eco + "divisionLevel", eco + "englishLabelMethod", eco + "validFrom",
            eco + "validUntil", eco + "successor", SCHEMA + "containedInPlace", GEO + "lat", GEO + "long",
            GEOSPARQL + "hasGeometry", OWL + "sameAs"}


_PARENTS = "SELECT * WHERE { $s schema:containedInPlace ?p1 . " + "".join(
    f"OPTIONAL {{ ?p{i} schema:containedInPlace ?p{i + 1} . " for i in range(1, PARENT_DEPTH)) + "}" * (PARENT_DEPTH - 1) + " }"

_DETAILS = """
SELECT ?x ?code ?level ?kind ?from ?until WHERE {
  VALUES ?x { $keys }
  { ?x eco:divisionCode ?code } UNION { ?x eco:divisionLevel ?level } UNION { ?x a ?kind }
  UNION { ?x eco:validFrom ?from } UNION { ?x eco:validUntil ?until }
}"""

_NOW = """
SELECT DISTINCT ?now WHERE {
  $s eco:successor+ ?now .
  FILTER NOT EXISTS { ?now eco:validUntil ?gone }
}"""

_POINTS = """
SELECT ?g ?wkt ?lat ?long ?source ?comment WHERE {
  $s geosparql:hasGeometry ?g .
  OPTIONAL { ?g geosparql:asWKT ?wkt }
  OPTIONAL { ?g geo:lat ?lat }
  OPTIONAL { ?g geo:long ?long }
  OPTIONAL { ?g dcterms:source ?source }
  OPTIONAL { ?g rdfs:comment ?comment }
}"""

_WKT_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.IGNORECASE)


def division_view(g: GraphServices, view: EntityView, lang: str, page: int = 1) -> DivisionView:
    """The division section of ``view`` (an entity page of a division); also drops from the page's
    generic lists what the section shows, and adds the designations of the divisions it lies in and of
    the places in it to the page's tables."""
    node = ox.NamedNode(view.iri)
    props = view.props
    eco = g.uris.eco

    def one(prop: str):
        terms = props.get(prop) or []
        return terms[0] if terms else None

    def text(prop: str) -> str | None:
        term = one(prop)
        return term.value if isinstance(term, ox.Literal) else None

    level = one(eco + "divisionLevel")
    method = one(eco + "englishLabelMethod")
    pinyin = sorted(t.value for t in props.get(SKOS + "altLabel", [])
                    if isinstance(t, ox.Literal) and is_pinyin(t.language))
    former_iris = sorted(t.value for t in props.get(OWL + "sameAs", []) if isinstance(t, ox.NamedNode))

    parents = _parents(g, node, lang)
    children, children_page = _children(g, node, lang, page, former=False)
    former_children, former_page = _children(g, node, lang, page, former=True)
    predecessors = _linked(g, [r["p"] for r in g.select("SELECT DISTINCT ?p WHERE { ?p eco:successor $s }", s=node)],
                           lang)
    successors = _linked(g, [t for t in props.get(eco + "successor", []) if isinstance(t, ox.NamedNode)], lang)
    now = []
    if text(eco + "validUntil") is not None:
        now = _linked(g, [r["now"] for r in g.select(_NOW, s=node)], lang)

    out = DivisionView(
        code=text(eco + "divisionCode"), level=g.value(level, lang) if level is not None else None,
        kinds=view.types, english_method=g.value(method, lang) if method is not None else None, pinyin=pinyin,
        valid_from=text(eco + "validFrom"), valid_until=text(eco + "validUntil"), former_iris=former_iris,
        parents=parents, children=children, children_page=children_page, former_children=former_children,
        former_children_page=former_page, predecessors=predecessors, successors=successors, now=now,
        points=_points(g, node, view, lang),
    )
    _trim(g, view)
    _add_designations(g, view, node, lang, page)
    return out


def _trim(g: GraphServices, view: EntityView) -> None:
    """Leave out of the generic lists what the division section shows (the pinyin among the other names)."""
    covered = covered_props(g)
    for group in view.groups:
        rows = []
        for row in group.rows:
            if row.prop.iri in covered:
                continue
            if row.prop.iri == SKOS + "altLabel":
                row = PropertyRow(row.prop, [v for v in row.values if not is_pinyin(v.lang)])
                if not row.values:
                    continue
            rows.append(row)
        group.rows = rows
    view.groups = [grp for grp in view.groups if grp.rows]


def _add_designations(g: GraphServices, view: EntityView, node, lang: str, page: int) -> None:
    """After the division's own designations: those of the divisions it lies in, then those of the places
    in it (each a paged table; the page's ``page`` parameter pages them with the rest)."""
    above = designations_table(g, node, lang, page, "designations_above", """
  $s schema:containedInPlace+ ?above .
  ?designation eco:holder ?above .""")
    within = designations_table(g, node, lang, page, "designations_within", """
  ?inside schema:containedInPlace+ $s .
  ?designation eco:holder ?inside .""")
    extra = [t for t in (above, within) if t.rows]
    if not extra:
        return
    at = next((i + 1 for i, t in enumerate(view.tables) if t.key == "designations"), 0)
    view.tables[at:at] = extra


def _parents(g: GraphServices, node, lang: str) -> list[Value]:
    rows = g.select(_PARENTS, s=node)
    if not rows:
        return []
    chain = []
    for i in range(1, PARENT_DEPTH + 1):
        term = rows[0].get(f"p{i}")
        if term is None or not isinstance(term, ox.NamedNode) or term in chain:
            break
        chain.append(term)
    return g.values(chain, lang)


def _children(g: GraphServices, node, lang: str, page: int, *, former: bool) -> tuple[list[Linked], Page]:
    which = "FILTER EXISTS { ?child eco:validUntil ?gone }" if former else \
        "FILTER NOT EXISTS { ?child eco:validUntil ?gone }"
    keys, pg = page_of(g, f"?child schema:containedInPlace $s . {which}", "child", node, page, CHILD_PAGE)
    return _linked(g, keys, lang, ordered=True), pg


def _linked(g: GraphServices, nodes: list, lang: str, ordered: bool = False) -> list[Linked]:
    """Code, level, kind and years of each of ``nodes`` (one query); by code unless ``ordered``."""
    nodes = [n for n in dict.fromkeys(nodes) if isinstance(n, ox.NamedNode)]
    if not nodes:
        return []
    facts: dict[str, dict] = {n.value: {"kinds": []} for n in nodes}
    for r in g.select(_DETAILS, labelled=True, keys=nodes):
        f = facts[r["x"].value]
        for key in ("code", "level", "from", "until"):
            if r.get(key) is not None:
                f[key] = r[key]
        if r.get("kind") is not None and r["kind"] not in f["kinds"]:
            f["kinds"].append(r["kind"])
    out = []
    for n in nodes:
        f = facts[n.value]
        kinds = [k for k in g.values(sorted(f["kinds"], key=lambda t: t.value), lang)
                 if not (k.iri or "").endswith(("#AdministrativeDivision", "#Place"))]
        out.append(Linked(g.value(n, lang), f["code"].value if "code" in f else None,
                          g.value(f["level"], lang) if "level" in f else None, kinds,
                          f["from"].value if "from" in f else None, f["until"].value if "until" in f else None))
    if not ordered:
        out.sort(key=lambda x: (x.code or "~", x.valid_from or "", x.item.iri or ""))
    return out


def _points(g: GraphServices, node, view: EntityView, lang: str) -> list[Point]:
    merged: dict[str, dict] = {}
    for r in g.select(_POINTS, labelled=True, s=node):
        p = merged.setdefault(r["g"].value, {"term": r["g"], "sources": [], "comments": []})
        for key in ("wkt", "lat", "long"):
            if r.get(key) is not None:
                p.setdefault(key, r[key].value)
        for key, many in (("source", "sources"), ("comment", "comments")):
            if r.get(key) is not None and r[key] not in p[many]:
                p[many].append(r[key])
    points = []
    for iri, p in merged.items():
        lat, long = p.get("lat"), p.get("long")
        m = _WKT_POINT.match(p.get("wkt") or "")
        if m and (lat is None or long is None):
            long, lat = m.group(1), m.group(2)
        anchor = iri[len(view.iri) + 1:] if iri.startswith(view.iri + "#") else None
        term = p["term"]
        label = g.value(term, lang) if isinstance(term, ox.NamedNode) else None
        comments = [g.value(c, lang) for c in p["comments"]]
        comments = [c for c in comments if c.lang == lang] or comments
        points.append(Point(iri if isinstance(term, ox.NamedNode) else None, anchor, label, lat, long, p.get("wkt"),
                            g.values(sorted(p["sources"], key=lambda t: str(t)), lang), comments))
    # the seat of government first, then the others by IRI
    points.sort(key=lambda p: (p.anchor != "seat", p.iri or ""))
    if not points and view.coordinates:  # a point given only as geo:lat/geo:long
        points.append(Point(None, None, None, view.coordinates[0], view.coordinates[1], None,
                            g.values(view.props.get(DCTERMS + "source", []), lang)))
    return points

