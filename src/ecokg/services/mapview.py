"""The map of designations: every county-level division in force as a mark at its point, coloured by the
designations that concern it -- the national Ecological Civilization demonstration zone, the national
"Two Mountains" base, both, a Chongqing municipal designation, another one, none -- and drawn by how
directly they concern it: held by the division itself (filled), by a place in it (hatched) or by a
division it lies in (a prefecture's or province's title: a ring), with the completeness of the lists
in the legend.

Drawn from the data alone: each division's seat-of-government point (``geo:lat``/``geo:long``), projected
with an Albers equal-area conic (standard parallels 25° N and 47° N, central meridian 105° E, the usual
projection of maps of China) into an SVG the page draws -- no boundaries, no tiles.  Everything here
depends only on the graph (and the filter and language), so it is computed once and kept
(``GraphServices.summary``): a whole-graph summary, never a scan per request.
"""

from __future__ import annotations

import math
from urllib.parse import quote
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from ecokg.services.completeness import Completeness, completeness
from ecokg.services.graph import GraphServices, Value
from ecokg.services.i18n import translate
from ecokg.services.labels import LANGS

WIDTH = 1000  # the SVG's user units across (its height follows from the points)
MARGIN = 14
MINI_WIDTH = 320

# what a mark says about its division, strongest first
OWN, WITHIN, UNDER, NONE = "own", "within", "under", "none"
RELATIONS = (OWN, WITHIN, UNDER)
RADIUS = {OWN: 6.5, WITHIN: 5.5, UNDER: 4.5, NONE: 2.6}  # in user units (1000 across)

# what a mark's colour says: the designations that concern the division, in this order of precedence
ZONE_SCHEME = "scheme/national-demonstration-zone"  # the national Ecological Civilization demonstration zone
MOUNTAINS_SCHEME = "scheme/national-two-mountains-base"  # the national "Two Mountains" base
BOTH, ZONE, MOUNTAINS, MUNICIPAL, OTHER = "both", "zone", "mountains", "municipal", "other"
CATEGORIES = (ZONE, MOUNTAINS, BOTH, MUNICIPAL, OTHER)  # (the legend's order; precedence: _category)

_COUNTIES = """
SELECT ?d ?lat ?long ?code ?zh ?en ?p1 ?p2 ?p3 WHERE {
  ?d eco:divisionLevel eco:CountyLevel ; geo:lat ?lat ; geo:long ?long .
  FILTER NOT EXISTS { ?d eco:validUntil ?gone }
  OPTIONAL { ?d eco:divisionCode ?code }
  OPTIONAL { ?d rdfs:label ?zh . FILTER(LANG(?zh) = "zh") }
  OPTIONAL { ?d rdfs:label ?en . FILTER(LANG(?en) = "en") }
  OPTIONAL { ?d schema:containedInPlace ?p1 .
             OPTIONAL { ?p1 schema:containedInPlace ?p2 . OPTIONAL { ?p2 schema:containedInPlace ?p3 } } }
}"""

_PROVINCES = """
SELECT ?p ?code ?zh ?en ?pinyin WHERE {
  ?p eco:divisionLevel eco:ProvinceLevel .
  FILTER NOT EXISTS { ?p eco:validUntil ?gone }
  OPTIONAL { ?p eco:divisionCode ?code }
  OPTIONAL { ?p rdfs:label ?zh . FILTER(LANG(?zh) = "zh") }
  OPTIONAL { ?p rdfs:label ?en . FILTER(LANG(?en) = "en") }
  OPTIONAL { ?p skos:altLabel ?pinyin . FILTER(LANGMATCHES(LANG(?pinyin), "zh-Latn")) }
}"""

_DESIGNATIONS = """
SELECT ?d ?h ?scheme ?batch ?level WHERE {
  ?d eco:holder ?h ; eco:scheme ?scheme .
  OPTIONAL { ?d eco:batch ?batch }
  OPTIONAL { ?scheme eco:level ?level }
}"""

# the places each holder lies in (a holder's chain: a township's county, a county's prefecture, ...)
_HOLDER_CHAINS = """
SELECT DISTINCT ?h ?above WHERE { ?d eco:holder ?h . ?h schema:containedInPlace+ ?above }"""

_BATCHES = """
SELECT ?b ?scheme (SAMPLE(?o) AS ?ordinal) (SAMPLE(?y) AS ?year) WHERE {
  ?b a eco:Batch ; eco:scheme ?scheme .
  OPTIONAL { ?b eco:ordinal ?o } OPTIONAL { ?b eco:year ?y }
} GROUP BY ?b ?scheme"""

_SCHEMES = """
SELECT ?scheme (SAMPLE(?lv) AS ?level) WHERE {
  ?scheme a eco:DesignationScheme .
  OPTIONAL { ?scheme eco:level ?lv }
} GROUP BY ?scheme"""


# ------------------------------------------------------------------ the data, kept per graph


@dataclass
class County:
    iri: str
    code: str
    x: float
    y: float
    names: dict[str, str]
    above: tuple[str, ...]  # the places it lies in, nearest first


@dataclass
class Base:
    """What every map shares: the marks' places and names, the provinces' labels, the designations."""

    width: int
    height: int
    counties: list[County]
    province_labels: list[tuple[float, float, dict[str, str]]]  # (x, y, short names by language)
    designations: list[dict]  # d, holder, scheme, batch, level (IRIs or None)
    chains: dict[str, list[str]]  # holder -> the places it lies in
    schemes: list[tuple[str, str | None]]  # (scheme, level), every scheme of the graph
    batches: dict[str, list[tuple[str, str, str | None, str | None]]]  # scheme -> (batch, key, ordinal, year)
    by_iri: dict[str, County] = field(default_factory=dict)
    by_code: dict[str, County] = field(default_factory=dict)


def albers(lat: float, long: float) -> tuple[float, float]:
    """Albers equal-area conic for China (25° N, 47° N, 105° E): (x, y) with y growing northwards."""
    p1, p2, p0, l0 = map(math.radians, (25.0, 47.0, 0.0, 105.0))
    n = (math.sin(p1) + math.sin(p2)) / 2
    c = math.cos(p1) ** 2 + 2 * n * math.sin(p1)
    rho0 = math.sqrt(c - 2 * n * math.sin(p0)) / n
    phi, lam = math.radians(lat), math.radians(long)
    rho = math.sqrt(c - 2 * n * math.sin(phi)) / n
    theta = n * (lam - l0)
    return rho * math.sin(theta), rho0 - rho * math.cos(theta)


def base(g: GraphServices) -> Base:
    return g.summary(("map-base",), lambda: _base(g))


def _base(g: GraphServices) -> Base:
    raw = []
    for r in g.select(_COUNTIES):
        try:
            lat, long = float(r["lat"].value), float(r["long"].value)
        except ValueError:
            continue
        if not (-90 <= lat <= 90 and -180 <= long <= 180):
            continue
        names = {lang: r[lang].value for lang in LANGS if r.get(lang) is not None}
        above = tuple(r[k].value for k in ("p1", "p2", "p3") if r.get(k) is not None)
        code = r["code"].value if r.get("code") is not None else r["d"].value.rsplit("/", 1)[-1]
        raw.append((r["d"].value, code, albers(lat, long), names, above))
    raw.sort(key=lambda c: c[1])  # by code: the same SVG from any engine
    xs = [p[0] for _, _, p, _, _ in raw] or [0.0]
    ys = [p[1] for _, _, p, _, _ in raw] or [0.0]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    scale = (WIDTH - 2 * MARGIN) / span_x
    height = int(math.ceil(span_y * scale + 2 * MARGIN))

    def place(p):
        return round(MARGIN + (p[0] - min(xs)) * scale, 1), round(MARGIN + (max(ys) - p[1]) * scale, 1)

    counties = [County(iri, code, *place(p), names, above) for iri, code, p, names, above in raw]

    # a province's label at the middle of its county-level divisions' marks
    by_province: dict[str, list[County]] = {}
    for c in counties:
        by_province.setdefault(c.code[:2], []).append(c)
    labels, seen = [], set()
    for r in g.select(_PROVINCES):
        code = r["code"].value if r.get("code") is not None else ""
        members = by_province.get(code[:2])
        if not members or r["p"].value in seen:  # (one label a province, whatever its other names)
            continue
        seen.add(r["p"].value)
        x = sum(c.x for c in members) / len(members)
        y = sum(c.y for c in members) / len(members)
        labels.append((round(x, 1), round(y, 1), _short_names(r)))
    labels.sort(key=lambda t: (t[1], t[0]))

    designations = [{k: (r[k].value if r.get(k) is not None else None) for k in ("d", "h", "scheme", "batch", "level")}
                    for r in g.select(_DESIGNATIONS)]
    designations.sort(key=lambda d: (d["scheme"], d["batch"] or "", d["h"], d["d"]))
    chains: dict[str, list[str]] = {}
    for r in g.select(_HOLDER_CHAINS):
        chains.setdefault(r["h"].value, []).append(r["above"].value)
    schemes = sorted((r["scheme"].value, r["level"].value if r.get("level") is not None else None)
                     for r in g.select(_SCHEMES))
    batches: dict[str, list] = {}
    for r in g.select(_BATCHES):
        scheme, b = r["scheme"].value, r["b"].value
        ordinal = r["ordinal"].value if r.get("ordinal") is not None else None
        year = r["year"].value[:4] if r.get("year") is not None else None
        batches.setdefault(scheme, []).append((b, _batch_key(b, scheme, ordinal, year), ordinal, year))
    for rows in batches.values():
        rows.sort(key=lambda t: (int(t[2]) if t[2] and t[2].isdigit() else 10**6, t[3] or "", t[0]))
    return Base(WIDTH, height, counties, labels, designations, chains, schemes, batches,
                {c.iri: c for c in counties}, {c.code: c for c in counties})


def _batch_key(batch: str, scheme: str, ordinal: str | None, year: str | None) -> str:
    """The value of ``?batch=`` for a batch: what its IRI adds to the scheme's slug (``3`` for
    ``id/batch/national-demonstration-zone-3``, ``2023`` for a year cohort), else its ordinal or year."""
    slug = scheme.rsplit("/", 1)[-1]
    last = batch.rsplit("/", 1)[-1]
    if last.startswith(slug + "-") and len(last) > len(slug) + 1:
        return last[len(slug) + 1:]
    return ordinal or year or last


_ZH_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
_EN_SUFFIXES = (" Special Administrative Region", " Uyghur Autonomous Region", " Zhuang Autonomous Region",
                " Hui Autonomous Region", " Autonomous Region", " Province", " Municipality")


def _short_names(r) -> dict[str, str]:
    """A province's name without its level word, for a label on the map: 四川/Sichuan, 广西/Guangxi (the
    graph's English name, else its pinyin)."""
    out = {}
    if r.get("zh") is not None:
        zh = r["zh"].value
        for suffix in _ZH_SUFFIXES:
            if zh.endswith(suffix) and len(zh) > len(suffix) + 1:
                zh = zh[: -len(suffix)]
                break
        out["zh"] = zh
    if r.get("en") is not None:
        en = r["en"].value
        for suffix in _EN_SUFFIXES:
            if en.endswith(suffix) and len(en) > len(suffix):
                en = en[: -len(suffix)]
                break
        out["en"] = en
    elif r.get("pinyin") is not None:
        out["en"] = "".join(r["pinyin"].value.split()).capitalize()
    return out


# ------------------------------------------------------------------ one map: a filter, a language


@dataclass
class Mark:
    x: float
    y: float
    href: str | None
    title: str
    relation: str  # own | within | under | none: the most direct way a designation concerns it
    category: str  # both | zone | mountains | municipal | other (what concerns it, any way), "" for none
    name: str = ""  # its name in the page's language (for a label in the detail)

    @property
    def r(self) -> float:
        return RADIUS[self.relation]


@dataclass
class Option:
    value: str
    label: str
    selected: bool = False
    coverage: Completeness | None = None  # how complete its list of holders is


@dataclass
class HolderRow:
    holder: Value
    relation: str  # how it shows on the map: own (a county-level division), within, under, off (not on it)
    marks: int  # the marks it colours
    designations: list[tuple[Value, Value | None]]  # (scheme, batch)


@dataclass
class MapView:
    width: int
    height: int
    marks: list[Mark]  # plain marks first, then the designated ones (drawn on top)
    labels: list[tuple[float, float, str]]
    counts: dict[str, int]  # marks per relation (and "none")
    categories: list[tuple[str, int]]  # (category, marks) for the categories in use, for the legend
    schemes: list[Option]
    batches: list[Option]
    scheme: Value | None  # the filter
    batch: Value | None
    coverage: list[tuple[Value, Completeness]]  # the lists the map draws and how complete they are
    complete: bool  # every list it draws is known to be complete (a list of unknown size is not)
    holders: list[HolderRow]
    notice: str | None = None  # a key of i18n: what was asked for and could not be shown as asked
    detail: "Detail | None" = None  # the coloured marks enlarged, when they all lie in a small part of the map

    @property
    def designated(self) -> int:
        return sum(self.counts.get(r, 0) for r in RELATIONS)


class UnknownScheme(LookupError):
    """``?scheme=`` names no designation scheme of the graph."""


def _category(schemes: set[str], level_of: dict[str, str | None], g: GraphServices) -> str:
    """The colour of a mark concerned by designations of these schemes."""
    zone, mountains = g.uris.entity(ZONE_SCHEME) in schemes, g.uris.entity(MOUNTAINS_SCHEME) in schemes
    if zone and mountains:
        return BOTH
    if zone:
        return ZONE
    if mountains:
        return MOUNTAINS
    if any(level_of.get(s) == g.uris.eco + "Municipal" for s in schemes):
        return MUNICIPAL
    return OTHER


def _scheme_order(scheme: str, level_of: dict[str, str | None], g: GraphServices) -> int:
    return CATEGORIES.index(_category({scheme}, level_of, g))


def map_view(g: GraphServices, lang: str, scheme: str | None = None, batch: str | None = None) -> MapView:
    """The map for ``?scheme=`` (a scheme's slug) and ``?batch=`` (a batch's key, see ``_batch_key``);
    kept per filter and language (only filters that name a scheme and one of its batches are kept: what a
    request says never grows the memo).  ``UnknownScheme`` for a slug that names no scheme; a batch that is
    not one of the scheme's is left out of the filter, with a notice."""
    scheme = scheme or None
    batch = (batch or None) if scheme else None
    b = base(g)
    scheme_iri = batch_iri = notice = None
    if scheme is not None:
        scheme_iri = g.uris.entity("scheme/" + scheme)
        if scheme_iri not in {s for s, _ in b.schemes}:
            raise UnknownScheme(scheme)
        if batch is not None:
            batch_iri = next((iri for iri, key, _, _ in b.batches.get(scheme_iri, []) if key == batch), None)
            if batch_iri is None:
                notice = "map_no_such_batch"
    view = g.summary(("map", scheme_iri, batch_iri, lang), lambda: _map_view(g, b, lang, scheme_iri, batch_iri))
    return replace(view, notice=notice) if notice else view


def _plain_marks(g: GraphServices, b: Base, lang: str) -> dict[str, Mark]:
    """Every county's mark without a colour, in a language: shared by every filter's map."""
    other = "en" if lang == "zh" else "zh"
    out = {}
    for c in b.counties:
        first, second = c.names.get(lang), c.names.get(other)
        title = " · ".join(x for x in (first or second, second if first else None, c.code) if x)
        out[c.iri] = Mark(c.x, c.y, g.uris.href(c.iri), title, NONE, "", first or second or c.code)
    return out


def _map_view(g: GraphServices, b: Base, lang: str, scheme_iri: str | None, batch_iri: str | None) -> MapView:
    chosen = [d for d in b.designations if (scheme_iri is None or d["scheme"] == scheme_iri)
              and (batch_iri is None or d["batch"] == batch_iri)]

    counties = {c.iri: c for c in b.counties}
    below: dict[str, list[str]] = {}  # a place -> the county-level divisions in force that lie in it
    for c in b.counties:
        for above in c.above:
            below.setdefault(above, []).append(c.iri)

    # county -> relation -> the designations that put it there
    found: dict[str, dict[str, list[dict]]] = {}
    holder_marks: dict[str, tuple[str, int]] = {}
    for d in chosen:
        h = d["h"]
        if h in counties:
            targets, relation = [h], OWN
        elif h in below:
            targets, relation = below[h], UNDER
        else:
            targets = [a for a in b.chains.get(h, []) if a in counties][:1]
            relation = WITHIN
        for t in targets:
            found.setdefault(t, {}).setdefault(relation, []).append(d)
        holder_marks[h] = (relation if targets else "off", len(targets))

    g.labels.prefetch(ox.NamedNode(x) for d in chosen for x in (d["h"], d["scheme"], d["batch"]) if x)
    other = "en" if lang == "zh" else "zh"

    def name(iri: str) -> str:
        return g.labels.label(iri, lang)

    def batch_text(d: dict) -> str:
        if d["batch"] is None:
            return ""
        for iri, key, ordinal, year in b.batches.get(d["scheme"], []):
            if iri == d["batch"]:
                return f" ({_batch_words(lang, ordinal, year)})"
        return f" ({name(d['batch'])})"

    relation_words = {OWN: _words(lang, "map_title_own"), WITHIN: _words(lang, "map_title_within"),
                      UNDER: _words(lang, "map_title_under")}
    level_of = dict(b.schemes)
    plain, marked = [], []
    counts = {r: 0 for r in (*RELATIONS, NONE)}
    per_category = {c: 0 for c in CATEGORIES}
    plain_marks = g.summary(("map-plain", lang), lambda: _plain_marks(g, b, lang))
    for c in b.counties:
        rel = found.get(c.iri)
        mark = plain_marks[c.iri]
        if not rel:
            counts[NONE] += 1
            plain.append(mark)
            continue
        relation = next(r for r in RELATIONS if r in rel)
        category = _category({d["scheme"] for ds in rel.values() for d in ds}, level_of, g)
        counts[relation] += 1
        per_category[category] += 1
        lines = [mark.title]
        for r in RELATIONS:
            for d in rel.get(r, []):
                who = "" if r == OWN else f"{name(d['h'])}: "
                lines.append(f"{relation_words[r]} {who}{name(d['scheme'])}{batch_text(d)}")
        marked.append(Mark(c.x, c.y, mark.href, "\n".join(lines), relation, category, mark.name))
    marked.sort(key=lambda m: (-RELATIONS.index(m.relation), m.y))  # own marks last: on top

    cover = {(c.scheme, c.batch): c for c in completeness(g)}
    recorded_schemes = {d["scheme"] for d in b.designations}
    scheme_options = []
    for s, level in b.schemes:
        if s not in recorded_schemes and s != scheme_iri:
            continue
        scheme_options.append(Option(s.rsplit("/", 1)[-1], name(s), s == scheme_iri, cover.get((s, None))))
    scheme_options.sort(key=lambda o: (_scheme_order(g.uris.entity("scheme/" + o.value), level_of, g),
                                       o.label.casefold()))
    batch_options = []
    if scheme_iri is not None:
        for iri, key, ordinal, year in b.batches.get(scheme_iri, []):
            batch_options.append(Option(key, _batch_words(lang, ordinal, year), iri == batch_iri,
                                        cover.get((scheme_iri, iri)) or Completeness(scheme_iri, iri, None, None, 0)))

    if scheme_iri is None:
        coverage = [(g.value(ox.NamedNode(o_iri), lang), cover.get((o_iri, None))
                     or Completeness(o_iri, None, None, None, 0))
                    for o_iri in (g.uris.entity("scheme/" + o.value) for o in scheme_options)]
    else:
        key = (scheme_iri, batch_iri)
        what = g.value(ox.NamedNode(batch_iri or scheme_iri), lang)
        coverage = [(what, cover.get(key) or Completeness(scheme_iri, batch_iri, None, None, 0))]

    holders = []
    by_holder: dict[str, list[dict]] = {}
    for d in chosen:
        by_holder.setdefault(d["h"], []).append(d)
    for h, ds in by_holder.items():
        relation, n = holder_marks[h]
        pairs = []
        for d in ds:
            pair = (g.value(ox.NamedNode(d["scheme"]), lang),
                    g.value(ox.NamedNode(d["batch"]), lang) if d["batch"] else None)
            if pair not in pairs:
                pairs.append(pair)
        holders.append(HolderRow(g.value(ox.NamedNode(h), lang), relation, n, pairs))
    order = {OWN: 0, WITHIN: 1, UNDER: 2, "off": 3}
    holders.sort(key=lambda r: (order[r.relation], r.holder.sort_key or ""))

    labels = [(x, y, names.get(lang) or names.get(other) or "") for x, y, names in b.province_labels]
    return MapView(
        width=b.width, height=b.height, marks=plain + marked, labels=labels, counts=counts,
        categories=[(c, n) for c, n in per_category.items() if n],
        complete=bool(coverage) and all(c.complete for _, c in coverage),
        schemes=scheme_options, batches=batch_options,
        scheme=g.value(ox.NamedNode(scheme_iri), lang) if scheme_iri else None,
        batch=g.value(ox.NamedNode(batch_iri), lang) if batch_iri else None,
        coverage=coverage, holders=holders, detail=_detail(plain, marked, labels, b.width, b.height),
    )


@dataclass
class Detail:
    """The part of the map where every coloured mark lies, enlarged to the map's width: the same marks
    (and links) again, the coloured ones named."""

    width: int
    height: int
    box: tuple[float, float, float, float]  # (x, y, width, height) of the part, in the map's units
    marks: list[Mark]
    labels: list[tuple[float, float, str]]  # the coloured marks' names
    areas: list[tuple[float, float, str]]  # the provinces' labels that fall in it


DETAIL_MAX = 0.3  # drawn when the coloured marks span at most this share of the map's width and height
DETAIL_MIN = 110.0  # the smallest part shown, in the map's units (about a ninth of its width)


def _detail(plain: list[Mark], marked: list[Mark], labels, width: int, height: int) -> Detail | None:
    if not marked:
        return None
    xs, ys = [m.x for m in marked], [m.y for m in marked]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    if w > DETAIL_MAX * width or h > DETAIL_MAX * height:
        return None
    bw, bh = max(DETAIL_MIN, w * 1.3 + 24), max(DETAIL_MIN * 0.7, h * 1.3 + 24)
    bx, by = (min(xs) + max(xs) - bw) / 2, (min(ys) + max(ys) - bh) / 2
    k = width / bw

    def inside(x: float, y: float) -> bool:
        return bx <= x <= bx + bw and by <= y <= by + bh

    def moved(m: Mark) -> Mark:
        return Mark(round((m.x - bx) * k, 1), round((m.y - by) * k, 1), m.href, m.title, m.relation, m.category, m.name)

    marks = [moved(m) for m in plain + marked if inside(m.x, m.y)]
    named = [(m.x, round(m.y - m.r - 5, 1), m.name) for m in marks if m.relation != NONE]
    areas = [(round((x - bx) * k, 1), round((y - by) * k, 1), text) for x, y, text in labels if inside(x, y)]
    return Detail(width, int(math.ceil(bh * k)), (round(bx, 1), round(by, 1), round(bw, 1), round(bh, 1)),
                  marks, named, areas)


def _batch_words(lang: str, ordinal: str | None, year: str | None) -> str:
    if ordinal:
        text = translate("batch_no", lang).format(ordinal)
        return f"{text} · {year}" if year else text
    return year or "?"


def _words(lang: str, key: str) -> str:
    return translate(key, lang)


@dataclass
class Focus:
    """The mark ``?at=CODE`` points out on the map (a ring around it)."""

    x: float
    y: float
    code: str
    href: str
    name: str


def focus(g: GraphServices, code: str | None, lang: str) -> Focus | None:
    """The mark of the division with this code, if it is one of the map's."""
    c = base(g).by_code.get((code or "").strip())
    if c is None:
        return None
    other = "en" if lang == "zh" else "zh"
    return Focus(c.x, c.y, c.code, g.uris.href(c.iri), c.names.get(lang) or c.names.get(other) or c.code)


def map_link(g: GraphServices, iri: str, level: str | None, in_force: bool) -> str | None:
    """Where a division is on the map (``/map?at=CODE``), if it is a mark of it (only a county-level
    division in force can be: any other division's page never makes the map's data)."""
    if level != g.uris.eco + "CountyLevel" or not in_force:
        return None
    c = base(g).by_iri.get(iri)
    return f"/map?at={quote(c.code)}" if c is not None else None


# ------------------------------------------------------------------ the small map of the home page


@dataclass
class MiniMap:
    width: int
    height: int
    paths: list[tuple[str, str, str]]  # (relation, category, SVG path data: one dot per mark)
    counts: dict[str, int] = field(default_factory=dict)
    categories: list[tuple[str, int]] = field(default_factory=list)
    complete: bool = False  # as MapView.complete


def mini_map(g: GraphServices, lang: str) -> MiniMap:
    """Every mark of the whole map as dots of a few paths (one per kind of mark): small enough for the home
    page, which links to the map."""
    return g.summary(("map-mini", lang), lambda: _mini(map_view(g, lang), MINI_WIDTH))


def _mini(view: MapView, width: int) -> MiniMap:
    k = width / view.width
    groups: dict[tuple[str, str], list[str]] = {}
    for m in view.marks:
        groups.setdefault((m.relation, m.category), []).append(f"M{m.x * k:.1f} {m.y * k:.1f}h0")
    order = [NONE, UNDER, WITHIN, OWN]
    paths = [(rel, cat, "".join(d)) for (rel, cat), d in sorted(groups.items(), key=lambda kv: order.index(kv[0][0]))]
    return MiniMap(width, int(math.ceil(view.height * k)), paths, dict(view.counts), list(view.categories),
                   view.complete)
