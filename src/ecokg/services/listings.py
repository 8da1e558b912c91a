"""Index pages: what the graph holds (counts), members of a class (sorted, paged), the schemes,
and Chongqing's titles by year."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import pyoxigraph as ox

from ecokg.services.charts import Chart, bar_chart
from ecokg.services.graph import GraphServices, Value
from ecokg.services.paging import SORT_MAX
from ecokg.services.scheme import chongqing_places

PAGE_SIZE = 50

# The classes the home page counts, in this order (local names in the eco: namespace).
HOME_CLASSES = ("Place", "DesignationScheme", "Batch", "Designation", "EcologicalPractice", "Indicator",
                "Observation", "Claim", "Source")


@dataclass
class ClassCount:
    cls: Value
    count: int
    href: str


@dataclass
class Members:
    cls: Value
    items: list[tuple[Value, list[Value]]]  # (member, its types)
    page: int
    pages: int
    total: int


def triple_count(g: GraphServices) -> int:
    rows = g.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", cached=True)
    return int(rows[0]["n"].value) if rows else 0


def class_counts(g: GraphServices, lang: str) -> list[ClassCount]:
    """Members of the main classes, subclasses included."""
    out = []
    for name in HOME_CLASSES:
        c = ox.NamedNode(g.uris.eco + name)
        n = _count_members(g, subclasses(g, c))
        if n:
            out.append(ClassCount(g.value(c, lang), n, class_path(name)))
    return out


def subclasses(g: GraphServices, c: ox.NamedNode) -> list[ox.NamedNode]:
    """The class and its subclasses (at any depth).

    Members are then found from these (``VALUES ?t {…} ?x a ?t``): an engine given
    ``?x a ?t . ?t rdfs:subClassOf* ?c`` with ``?c`` bound may read every typed thing of the graph first."""
    found = [r["t"] for r in g.select("SELECT DISTINCT ?t WHERE { ?t rdfs:subClassOf* $c . FILTER(isIRI(?t)) }", c=c)]
    return found or [c]


def _count_members(g: GraphServices, classes: list[ox.NamedNode]) -> int:
    rows = g.select("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { VALUES ?t { $classes } ?x a ?t . FILTER(isIRI(?x)) }",
                    cached=True, classes=classes)
    return int(rows[0]["n"].value) if rows else 0


def class_path(local: str) -> str:
    return f"/class/{local}"


def members(g: GraphServices, class_iri: str, lang: str, page: int = 1, page_size: int = PAGE_SIZE) -> Members:
    """One page of the members of a class (subclasses included): by label when there are at most
    ``SORT_MAX`` of them, else by IRI (labelling every member would cost more than the page)."""
    c = ox.NamedNode(class_iri)
    classes = subclasses(g, c)
    where = "VALUES ?t { $classes } ?x a ?t . FILTER(isIRI(?x))"
    total = _count_members(g, classes)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    start = (page - 1) * page_size
    if total <= SORT_MAX:
        everyone = [ox.NamedNode(x) for x in dict.fromkeys(
            r["x"].value for r in g.select(f"SELECT DISTINCT ?x WHERE {{ {where} }}", labelled=True,
                                           classes=classes))]
        shown = sorted(everyone, key=lambda x: (g.value(x, lang).sort_key, x.value))[start:start + page_size]
    else:
        # by IRI: a stable order for paging, the same on every engine (cheap, unlike labelling every member)
        shown = [r["x"] for r in g.select(
            f"SELECT DISTINCT ?x WHERE {{ {where} }} ORDER BY ?x LIMIT $limit OFFSET $offset",
            classes=classes, limit=page_size, offset=start)]
    types: dict[str, list] = {}
    if shown:
        for r in g.select("SELECT ?x ?t WHERE { VALUES ?x { $shown } ?x a ?t . FILTER(isIRI(?t)) }",
                          labelled=True, shown=shown):
            types.setdefault(r["x"].value, []).append(r["t"])
    items = [(g.value(x, lang), g.values(sorted(types.get(x.value, []), key=lambda t: t.value), lang)) for x in shown]
    return Members(g.value(c, lang), items, page, pages, total)


def schemes(g: GraphServices, lang: str) -> list[tuple[Value, Value | None, int]]:
    """Every designation scheme with its level and the number of designations the graph holds."""
    rows = g.select("""
SELECT ?scheme (SAMPLE(?lv) AS ?level) (COUNT(DISTINCT ?d) AS ?n) WHERE {
  ?scheme a eco:DesignationScheme .
  OPTIONAL { ?scheme eco:level ?lv }
  OPTIONAL { ?d eco:scheme ?scheme ; eco:holder ?h }
} GROUP BY ?scheme""", cached=True)
    out = [(g.value(r["scheme"], lang), g.value(r["level"], lang) if r.get("level") is not None else None,
            int(r["n"].value)) for r in rows]
    # national schemes first, then municipal; within a level the schemes with most titles first
    out.sort(key=lambda t: (not (t[1] and t[1].iri and t[1].iri.endswith("#National")),
                            t[1].iri if t[1] and t[1].iri else "~", -t[2], t[0].sort_key))
    return out


@dataclass
class YearChart:
    chart: Chart
    rows: list[tuple[str, list[int], int]]  # (year, count per level, total)
    levels: list[Value]
    unknown_year: int


def chongqing_titles_by_year(g: GraphServices, lang: str) -> YearChart:
    """Designations held by Chongqing or a place in it, by year and by the scheme's level."""
    in_cq = chongqing_places(g)
    rows = g.select("""
SELECT ?d ?h (SAMPLE(?yr) AS ?year) (SAMPLE(?lv) AS ?level) WHERE {
  ?d eco:holder ?h .
  OPTIONAL { ?d eco:year ?dy }
  OPTIONAL { ?d eco:batch/eco:year ?by }
  BIND(COALESCE(?dy, ?by) AS ?yr)
  OPTIONAL { ?d eco:scheme/eco:level ?lv }
} GROUP BY ?d ?h""", cached=True)
    counts: dict[str, dict[str, int]] = {}
    level_terms: "OrderedDict[str, ox.NamedNode | None]" = OrderedDict()
    unknown = 0
    for r in rows:
        if r["h"].value not in in_cq:
            continue
        lv = r["level"].value if r.get("level") is not None else ""
        level_terms.setdefault(lv, r.get("level"))
        if r.get("year") is None:
            unknown += 1
            continue
        y = r["year"].value[:4]
        counts.setdefault(y, {}).setdefault(lv, 0)
        counts[y][lv] += 1
    level_keys = sorted(level_terms, key=lambda k: (k == "", not k.endswith("National"), k))
    levels = [g.value(level_terms[k], lang) if level_terms[k] is not None else Value("literal", "—")
              for k in level_keys]
    table = []
    years = sorted(counts)
    if years and all(y.isdigit() for y in years):  # a timeline: the years between count too (as zeros)
        years = [str(y) for y in range(int(years[0]), int(years[-1]) + 1)]
    for y in years:
        per = [counts.get(y, {}).get(k, 0) for k in level_keys]
        table.append((y, per, sum(per)))
    chart = bar_chart([(y, "", per) for y, per, _ in table], [v.text for v in levels], stacked=True, slot=52, min_width=480)
    return YearChart(chart, table, levels, unknown)
