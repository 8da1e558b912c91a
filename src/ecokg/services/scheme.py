"""A designation scheme's batches, their holders in order, and the numbers for its timeline."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ecokg.services.charts import Chart, bar_chart
from ecokg.services.completeness import Completeness, of_scheme
from ecokg.services.graph import GraphServices, Value
from ecokg.services.paging import Page, clamp

HOLDER_PAGE = 300  # holders named on one page of a scheme


@dataclass
class StatedCount:
    claim: Value
    value: int
    region: Value | None
    as_of: str | None
    sources: list[Value]


@dataclass
class BatchRow:
    batch: Value | None  # None: the holders whose batch is not known
    year: str | None
    ordinal: str | None
    announced: str | None
    holders: list[tuple[Value, Value]] = field(default_factory=list)  # (holder, designation)
    stated: list[StatedCount] = field(default_factory=list)  # batch sizes stated by sources
    chongqing: int = 0  # holders in Chongqing that the graph enumerates
    in_graph: int = 0  # designations of this batch the graph records (``holders``: those on this page)
    holders_start: int = 1  # the number of the first holder on this page, within the batch
    completeness: Completeness | None = None  # stated size, holders recorded, difference (services.completeness)

    @property
    def stated_total(self) -> int | None:
        vals = [s.value for s in self.stated if not s.region or not s.region.iri or not s.region.iri.endswith("/division/500000")]
        return max(vals) if vals else None


@dataclass
class SchemeView:
    batches: list[BatchRow]
    unknown: BatchRow | None
    totals: list[StatedCount]  # scheme-wide stated counts (not per batch)
    timeline: Chart
    holders_in_graph: int
    has_stated: bool = True  # any batch size stated by a source (else that column and bar series are left out)
    page: Page | None = None  # which holders are named (a long list comes in pages)
    recorded: int = 0  # holders recorded in the batches with a stated size ...
    stated: int = 0  # ... and the sum of those sizes ("75 of 84 holders recorded" for the whole scheme)


def chongqing_places(g: GraphServices) -> set[str]:
    """Chongqing and every place contained in it (at any depth)."""
    cq = ox.NamedNode(g.uris.entity("division/500000"))  # Chongqing (formerly id/place/chongqing)
    rows = g.select("SELECT DISTINCT ?p WHERE { ?p schema:containedInPlace+ $cq }", cached=True, cq=cq)
    return {cq.value} | {r["p"].value for r in rows}


def _stated(g: GraphServices, rows, lang: str) -> list[StatedCount]:
    merged: "OrderedDict[str, dict]" = OrderedDict()
    for r in rows:
        e = merged.setdefault(r["claim"].value, {"row": r, "sources": []})
        if r.get("source") is not None and r["source"] not in e["sources"]:
            e["sources"].append(r["source"])
    out = []
    for e in merged.values():
        r = e["row"]
        try:
            v = int(r["value"].value)
        except (ValueError, AttributeError):
            continue
        out.append(StatedCount(g.value(r["claim"], lang), v, g.value(r["region"], lang) if r.get("region") else None,
                               r["asof"].value if r.get("asof") is not None else None, g.values(e["sources"], lang)))
    return out


def scheme_view(g: GraphServices, iri: str, lang: str, page: int = 1) -> SchemeView:
    s = ox.NamedNode(iri)
    in_cq = chongqing_places(g)
    batches: "OrderedDict[str, BatchRow]" = OrderedDict()
    for r in g.select("""
SELECT ?b (SAMPLE(?y) AS ?year) (SAMPLE(?o) AS ?ord) (SAMPLE(?a) AS ?ann) WHERE {
  ?b eco:scheme $s ; a eco:Batch .
  OPTIONAL { ?b eco:year ?y } OPTIONAL { ?b eco:ordinal ?o } OPTIONAL { ?b eco:announcedOn ?a }
} GROUP BY ?b""", labelled=True, s=s):
        batches[r["b"].value] = BatchRow(g.value(r["b"], lang), _v(r["year"]), _v(r["ord"]), _v(r["ann"]))

    unknown = BatchRow(None, None, None, None)
    holder_rows = g.select("""
SELECT DISTINCT ?d ?h ?b WHERE {
  ?d eco:scheme $s ; eco:holder ?h .
  OPTIONAL { ?d eco:batch ?b }
}""", s=s)
    # every holder counts (the chart, the numbers per batch); only one page of them is named
    entries: list[tuple[BatchRow, ox.NamedNode, ox.NamedNode]] = []
    for r in holder_rows:
        row = batches.get(r["b"].value) if r.get("b") is not None else unknown
        if row is None:  # a batch of another scheme, or one not typed eco:Batch
            row = batches.setdefault(r["b"].value, BatchRow(g.value(r["b"], lang), None, None, None))
        row.in_graph += 1
        if r["h"].value in in_cq:
            row.chongqing += 1
        entries.append((row, r["h"], r["d"]))
    ordered = sorted(batches.values(), key=_batch_key)
    position = {id(b): i for i, b in enumerate(ordered + [unknown])}
    total = len(entries)
    pg = Page(clamp(page, HOLDER_PAGE, total), HOLDER_PAGE, total)
    if pg.paged:  # in batch order, each batch's holders by IRI (pinyin slug); only this page is labelled
        entries.sort(key=lambda e: (position[id(e[0])], e[1].value, e[2].value))
        for row, _, _ in entries[:pg.offset]:  # the holders of each batch on earlier pages
            row.holders_start += 1
        entries = entries[pg.offset:pg.offset + pg.size]
    g.labels.prefetch(t for _, h, d in entries for t in (h, d))
    for row, h, d in entries:
        row.holders.append((g.value(h, lang), g.value(d, lang)))
    if not pg.paged:  # all on one page: by name
        for row in ordered + [unknown]:
            row.holders.sort(key=lambda hd: hd[0].sort_key or "")

    stated_rows = g.select("""
SELECT ?claim ?b ?value ?region ?asof ?source WHERE {
  ?claim eco:countedBatch ?b ; eco:statedValue ?value .
  ?b eco:scheme $s .
  OPTIONAL { ?claim eco:countedRegion ?region }
  OPTIONAL { ?claim eco:asOf ?asof }
  OPTIONAL { ?claim dcterms:source ?source }
}""", labelled=True, s=s)
    by_batch: dict[str, list] = {}
    for r in stated_rows:
        by_batch.setdefault(r["b"].value, []).append(r)
    for b, rows in by_batch.items():
        if b in batches:
            batches[b].stated = _stated(g, rows, lang)

    totals = _stated(g, g.select("""
SELECT ?claim ?value ?region ?asof ?source WHERE {
  ?claim eco:countedScheme $s ; eco:statedValue ?value .
  FILTER NOT EXISTS { ?claim eco:countedBatch ?anyBatch }
  OPTIONAL { ?claim eco:countedRegion ?region }
  OPTIONAL { ?claim eco:asOf ?asof }
  OPTIONAL { ?claim dcterms:source ?source }
}""", labelled=True, s=s), lang)

    totals.sort(key=lambda c: (c.region.text if c.region else "", c.as_of or ""), reverse=False)
    done = of_scheme(g, iri)
    for b in ordered:
        if b.batch is not None and b.batch.iri:
            b.completeness = done.get(b.batch.iri)
    sized = [b.completeness for b in ordered if b.completeness is not None and b.completeness.stated is not None]
    has_stated = any(b.stated_total is not None for b in ordered)
    series = (["stated_total", "recorded"] if has_stated else []) + ["chongqing_in_graph"]
    timeline = bar_chart(
        [(_batch_label(b), b.year or "",
          ([b.completeness.stated if b.completeness and b.completeness.stated is not None else b.stated_total,
            b.completeness.recorded if b.completeness else b.in_graph] if has_stated else []) + [b.chongqing])
         for b in ordered],
        series)
    return SchemeView(ordered, unknown if unknown.in_graph else None, totals, timeline, total, has_stated, pg,
                      recorded=sum(c.recorded for c in sized), stated=sum(c.stated for c in sized))


def _v(term) -> str | None:
    return term.value if term is not None else None


def _batch_key(b: BatchRow):
    """Numbered batches by number (a year may be unknown), year-labelled cohorts by year."""
    ordinal = int(b.ordinal) if b.ordinal and b.ordinal.isdigit() else 10**6
    return (ordinal, b.year or "9999", b.batch.text if b.batch else "")


def _batch_label(b: BatchRow) -> str:
    if b.ordinal:
        return f"#{b.ordinal}"
    return b.year or (b.batch.text if b.batch else "?")
