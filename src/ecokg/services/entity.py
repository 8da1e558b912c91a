"""What an entity page shows: names, types, grouped properties, tables, inbound links."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ecokg.services.graph import GraphServices, Value
from ecokg.services.labels import LANGS, Names
from ecokg.services.paging import SORT_MAX, Page, clamp, page_of
from ecokg.services.uris import is_web_iri
from ecokg.rdf.namespaces import DCTERMS, GEO, OWL, PROV, RDF, RDFS, SCHEMA, SKOS

NAME_PROPS = {RDFS + "label"}
DESCRIPTION_PROPS = (DCTERMS + "description", SKOS + "definition", RDFS + "comment")
TYPE_PROP = RDF + "type"
TABLE_PAGE = 100  # rows of a table on one page
INBOUND_PAGE = 200  # inbound links on one page


@dataclass
class PropertyRow:
    prop: Value
    values: list[Value]


@dataclass
class PropertyGroup:
    key: str  # names | facts | relations | provenance (the template translates it)
    rows: list[PropertyRow]


@dataclass
class Table:
    key: str  # what the table lists (translated by the template)
    columns: list[str]  # column keys (translated by the template)
    rows: list[dict[str, list[Value] | Value | None]]
    page: Page | None = None  # which part of a long listing the rows are


@dataclass
class EntityView:
    iri: str
    path: str | None
    names: Names
    lang: str
    types: list[Value]
    descriptions: list[Value]
    groups: list[PropertyGroup]
    sources: list[Value]
    tables: list[Table] = field(default_factory=list)
    inbound: list[PropertyRow] = field(default_factory=list)
    inbound_page: Page | None = None
    type_iris: list[str] = field(default_factory=list)
    coordinates: tuple[str, str] | None = None
    schema_types: list[str] = field(default_factory=list)
    contained_in: list[str] = field(default_factory=list)
    web_urls: list[str] = field(default_factory=list)
    props: dict[str, list] = field(default_factory=dict)  # every property of the entity -> its terms, as read

    def label(self, lang: str) -> str | None:
        return self.names.get(lang)

    @property
    def title(self) -> str:
        return self.names.best(self.lang) or self.iri

    @property
    def other_title(self) -> str | None:
        for lang in LANGS:
            if lang != self.lang and self.names.get(lang) and self.names.get(lang) != self.title:
                return self.names.get(lang)
        return None


def _group_key(prop: str, values: list) -> str:
    if prop in (DCTERMS + "source", PROV + "wasDerivedFrom") or prop.endswith(("#confidence", "#quote")):
        return "provenance"
    if prop in (SKOS + "altLabel", SKOS + "prefLabel", SKOS + "hiddenLabel") or prop.endswith("#formerName"):
        return "names"
    if any(isinstance(v, (ox.NamedNode, ox.BlankNode)) for v in values):
        return "relations"
    return "facts"


GROUP_ORDER = ("names", "facts", "relations", "provenance")


def _lang_first(values: list[Value], lang: str) -> list[Value]:
    return sorted(values, key=lambda v: (0 if v.lang == lang else 1 if v.lang else 2))


def entity_view(g: GraphServices, iri: str, lang: str, page: int = 1) -> EntityView:
    """The page of ``iri``; ``page``: which page of its long listings (tables, inbound links) to show."""
    node = ox.NamedNode(iri)
    out_rows = g.select("SELECT ?p ?o WHERE { $s ?p ?o }", labelled=True, s=node)
    by_prop: "OrderedDict[str, list]" = OrderedDict()
    for r in out_rows:
        by_prop.setdefault(r["p"].value, []).append(r["o"])
    props = {p: list(terms) for p, terms in by_prop.items()}

    names = g.labels.names(iri) or Names()
    types = g.values(by_prop.pop(TYPE_PROP, []), lang)
    for p in NAME_PROPS:
        by_prop.pop(p, None)
    descriptions: list[Value] = []
    for p in DESCRIPTION_PROPS:
        descriptions += [g.value(t, lang) for t in by_prop.pop(p, []) if isinstance(t, ox.Literal)]
    descriptions = _lang_first(descriptions, lang)

    groups: dict[str, list[PropertyRow]] = {k: [] for k in GROUP_ORDER}
    for prop, terms in by_prop.items():
        vals = sorted(g.values(terms, lang), key=lambda v: (v.lang != lang, str(v.sort_key)))
        groups[_group_key(prop, terms)].append(PropertyRow(g.value(ox.NamedNode(prop), lang), vals))
    for rows in groups.values():
        rows.sort(key=lambda r: r.prop.text.casefold())

    sources = g.values(by_prop.get(DCTERMS + "source", []), lang)
    view = EntityView(
        iri=iri, path=g.uris.local_path(iri), names=names, lang=lang, types=types, descriptions=descriptions,
        groups=[PropertyGroup(k, groups[k]) for k in GROUP_ORDER if groups[k]], sources=sources,
        type_iris=[t.iri for t in types if t.iri], props=props,
    )
    lat, long = by_prop.get(GEO + "lat"), by_prop.get(GEO + "long")
    if lat and long:
        view.coordinates = (lat[0].value, long[0].value)
    view.contained_in = [t.value for t in by_prop.get(SCHEMA + "containedInPlace", []) if isinstance(t, ox.NamedNode)]
    view.web_urls = [t.value for t in by_prop.get(SCHEMA + "url", []) if is_web_iri(t.value)]
    view.schema_types = _schema_types(g, view.type_iris)

    view.tables = [_drop_self_columns(t, iri) for t in (_designations(g, node, lang, page),
                                                        _practices(g, node, lang, page),
                                                        _observations(g, node, lang, page)) if t.rows]
    # a division's page lists its children and predecessors itself (services.division)
    exclude = [SCHEMA + "containedInPlace", g.uris.eco + "successor"] if is_division(g, view) else []
    view.inbound, view.inbound_page = _inbound(g, node, lang, page, exclude)
    return view


def is_division(g: GraphServices, view: EntityView) -> bool:
    """An administrative division with a code or level (docs/model.md): its page has a division section."""
    return bool(view.props.get(g.uris.eco + "divisionCode") or view.props.get(g.uris.eco + "divisionLevel"))


def _drop_self_columns(table: Table, iri: str) -> Table:
    """A column that only ever names the page's own entity says nothing: leave it out."""
    keep = [c for c in table.columns
            if not all(len(r.get(c) or []) == 1 and r[c][0].iri == iri for r in table.rows)]
    return Table(table.key, keep, table.rows, table.page)


def _schema_types(g: GraphServices, type_iris: list[str]) -> list[str]:
    """schema.org types for the embedded JSON-LD: the entity's types and their superclasses in schema:."""
    if not type_iris:
        return []
    found: set[str] = set()
    for t in type_iris:
        if t.startswith(SCHEMA):
            found.add(t)
        for r in g.select("SELECT DISTINCT ?sup WHERE { $t rdfs:subClassOf+ ?sup . FILTER(isIRI(?sup)) }",
                          t=ox.NamedNode(t)):
            if r["sup"].value.startswith(SCHEMA):
                found.add(r["sup"].value)
    return sorted(x[len(SCHEMA):] for x in found)


def _collect(rows: list[dict], key: str, cols: list[str], g: GraphServices, lang: str,
             order: list | None = None) -> list[dict]:
    """Rows keyed by ``key``; every column gathers its distinct values (several sources, say).
    ``order``: the keys in the order the rows are to come."""
    merged: "OrderedDict[object, dict[str, list]]" = OrderedDict((k, {c: [] for c in cols}) for k in order or [])
    for r in rows:
        entry = merged.setdefault(r[key], {c: [] for c in cols})
        for c in cols:
            if r.get(c) is not None and r[c] not in entry[c]:
                entry[c].append(r[c])
    # (each cell sorted, by IRI or value: the same page whatever order the engine answers in)
    return [{c: sorted(g.values(v, lang), key=_cell_order) for c, v in entry.items()}
            for entry in merged.values() if any(entry.values())]


def _cell_order(v: Value):
    return (v.iri or "", str(v.sort_key), v.lang or "")


def _paged_table(g: GraphServices, node, lang: str, page: int, *, key: str, listing: str, details: str,
                 cols: list[str], table_key: str, sort_key=None) -> Table:
    """One page of a table: the keys on the page (``listing``), then their rows (``details``, whose
    ``$keys`` slot takes the keys), in the keys' order."""
    keys, pg = page_of(g, listing, key, node, page, TABLE_PAGE)
    if not keys:
        return Table(table_key, cols, [], pg)
    rows = g.select(details, labelled=True, keys=keys)
    table = Table(table_key, cols, _collect(rows, key, cols, g, lang, order=keys), pg)
    if not pg.paged and sort_key is not None:  # all on one page: in the order people read best
        table.rows.sort(key=sort_key)
    return table


_DESIGNATION_DETAILS = """
SELECT ?designation ?holder ?scheme ?batch ?year ?source ?confidence WHERE {
  VALUES ?designation { $keys }
  ?designation eco:holder ?holder .
  OPTIONAL { ?designation eco:scheme ?scheme }
  OPTIONAL { ?designation eco:batch ?batch }
  OPTIONAL { ?designation eco:year ?dyear }
  OPTIONAL { ?designation eco:batch/eco:year ?byear }
  BIND(COALESCE(?dyear, ?byear) AS ?year)
  OPTIONAL { ?designation dcterms:source ?source }
  OPTIONAL { ?designation eco:confidence ?confidence }
}"""


def _designations(g: GraphServices, node, lang: str, page: int = 1) -> Table:
    return designations_table(g, node, lang, page, "designations", """
  { ?designation eco:holder $s } UNION { ?designation eco:batch $s }
  FILTER EXISTS { ?designation eco:holder ?anyHolder }""")


def designations_table(g: GraphServices, node, lang: str, page: int, table_key: str, listing: str) -> Table:
    """One page of the designations that ``listing`` (a pattern about ``$s`` binding each ``?designation``
    once) finds, with holder, scheme, batch, year, sources and confidence."""
    cols = ["designation", "holder", "scheme", "batch", "year", "source", "confidence"]
    return _paged_table(g, node, lang, page, key="designation", table_key=table_key, cols=cols,
                        sort_key=lambda r: (str(r["year"][0].sort_key) if r["year"] else "9999",
                                            r["scheme"][0].sort_key if r["scheme"] else "",
                                            r["holder"][0].sort_key if r["holder"] else ""),
                        listing=listing, details=_DESIGNATION_DETAILS)


def _practices(g: GraphServices, node, lang: str, page: int = 1) -> Table:
    cols = ["practice", "place", "description", "source"]
    table = _paged_table(g, node, lang, page, key="practice", table_key="practices", cols=cols,
                         sort_key=lambda r: r["practice"][0].sort_key if r["practice"] else "", listing="""
  ?practice eco:practisedIn $s .""", details="""
SELECT ?practice ?place ?description ?source WHERE {
  VALUES ?practice { $keys }
  ?practice eco:practisedIn ?place .
  OPTIONAL { ?practice dcterms:description ?description }
  OPTIONAL { ?practice dcterms:source ?source }
}""")
    for r in table.rows:
        r["description"] = _pick_lang(r["description"], lang)
    return table


def _observations(g: GraphServices, node, lang: str, page: int = 1) -> Table:
    cols = ["observation", "place", "indicator", "year", "value", "unit", "result", "change", "source"]
    # (no type check: joined, ``?observation a eco:Observation`` makes engines read every observation of
    # the graph, and as a FILTER EXISTS it doubles the cost of a long listing; in the model only
    # observations have these two properties)
    table = _paged_table(g, node, lang, page, key="observation", table_key="observations", cols=cols,
                         sort_key=lambda r: (r["indicator"][0].sort_key if r["indicator"] else "",
                                             str(r["year"][0].sort_key) if r["year"] else ""), listing="""
  { ?observation sosa:hasFeatureOfInterest $s } UNION { ?observation sosa:observedProperty $s }""", details="""
SELECT ?observation ?place ?indicator ?year ?value ?unit ?result ?change ?source WHERE {
  VALUES ?observation { $keys }
  OPTIONAL { ?observation sosa:hasFeatureOfInterest ?place }
  OPTIONAL { ?observation sosa:observedProperty ?indicator }
  OPTIONAL { ?observation eco:referenceYear ?year }
  OPTIONAL { ?observation eco:numericValue ?value }
  OPTIONAL { ?observation eco:unit ?unit }
  OPTIONAL { ?observation eco:resultText ?result }
  OPTIONAL { ?observation eco:changeDirection ?change }
  OPTIONAL { ?observation dcterms:source ?source }
}""")
    for r in table.rows:
        r["result"] = _pick_lang(r["result"], lang)
    return table


def _pick_lang(values: list[Value], lang: str) -> list[Value]:
    """One value in the reader's language when there is one, else all."""
    mine = [v for v in values if v.lang == lang]
    return mine or values


def _inbound(g: GraphServices, node, lang: str, page: int = 1,
             exclude: list[str] = ()) -> tuple[list[PropertyRow], Page]:
    """One page of the triples pointing at the entity, grouped by property (but those of ``exclude``,
    which the page shows otherwise)."""
    slots = {f"ex{i}": ox.NamedNode(p) for i, p in enumerate(exclude)}
    where = "?x ?p $s ." + (f" FILTER(?p NOT IN ({', '.join('$' + k for k in slots)}))" if slots else "")
    rows = g.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", s=node, **slots)
    total = int(rows[0]["n"].value) if rows else 0
    pg = Page(clamp(page, INBOUND_PAGE, total), INBOUND_PAGE, total, ordered=total <= SORT_MAX)
    order = "ORDER BY ?p ?x " if pg.ordered else ""
    rows = g.select(f"SELECT ?x ?p WHERE {{ {where} }} {order}LIMIT $limit OFFSET $offset",
                    labelled=True, s=node, limit=INBOUND_PAGE, offset=pg.offset, **slots) if total else []
    by_prop: "OrderedDict[str, list]" = OrderedDict()
    for r in rows:
        by_prop.setdefault(r["p"].value, []).append(r["x"])
    out = []
    for prop, subjects in by_prop.items():
        vals = sorted(g.values(subjects, lang), key=lambda v: str(v.sort_key))
        out.append(PropertyRow(g.value(ox.NamedNode(prop), lang), vals))
    out.sort(key=lambda r: r.prop.text.casefold())
    return out, pg


def is_class_or_property(view: EntityView) -> bool:
    return any(t in (OWL + "Class", RDFS + "Class", RDF + "Property", OWL + "ObjectProperty",
                     OWL + "DatatypeProperty") for t in view.type_iris)
