"""Analysis-ready tables made from the graph by SPARQL: ``designations.csv``, ``panel.csv``, ``counts.csv`` and
their W3C CSV on the Web metadata (``csv-metadata.json``).  ``ecokg build`` writes them beside the dumps.

Every fact in a table comes from a SPARQL query of this module (``*_QUERY``, all in ``QUERIES``), run on any
``Store``; Python only lays the answers out (the nearest division of a holder among those the query finds, one
row per county and year with the flags that follow from the years of naming, sorting, the CSV text), so the graph
stays the one source of truth and the tables say nothing the graph does not.

* ``designations.csv`` — one row per ``eco:Designation``: its holder (IRI, names), the division the holder is or
  lies in (the nearest along ``schema:containedInPlace``), with its level, province and prefecture, and the
  division(s) of the 2024 list it is or became (``eco:successor``); the scheme and its level, the batch, the year
  of naming (``eco:year`` of the designation, else of its batch), the conferral date (``eco:conferredOn``), the
  batch's announcement and cohort label, confidence and source ids.
* ``panel.csv`` — one row per county-level division of the 2024 list and year, from 2012 to the latest year of a
  batch of a panel scheme (a national scheme with batches in the graph).  Per scheme: whether the county held the
  title by that year, its prefecture (separate columns, never merged), a sub-county area inside it; the year first
  named.  The rules (``PANEL_RULES``) are written into the metadata and docs/research.md.
* ``counts.csv`` — how complete the lists are: each stated count of the graph (``eco:StatedCount``: a batch's
  size, or a region's titles as of a date) beside the number of designations the graph records for it.

Deterministic: rows are sorted, nothing depends on the clock or the order of answers.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field

from ecokg.rdf.namespaces import RDFS, eco_ns, local_name, sparql_prologue
from ecokg.store.base import Store

FIRST_YEAR = 2012  # the first year of the panel (the studies' panels start at 2012, before the first batch, 2017)
CSVW_CONTEXT = "http://www.w3.org/ns/csvw"

# ------------------------------------------------------------------------------------------------ queries

DESIGNATIONS_QUERY = """
SELECT ?designation ?holder (MIN(?hzh) AS ?holderZh) (MIN(?hen) AS ?holderEn) (MIN(?holderType) AS ?holderClass)
       ?scheme (MIN(?szh) AS ?schemeZh) (MIN(?sen) AS ?schemeEn) ?schemeLevel ?batch ?ordinal ?year
       ?conferredOn ?announcedOn ?cohortLabel ?confidence ?batchConfidence
       (GROUP_CONCAT(DISTINCT ?sourceId; separator=";") AS ?sources)
WHERE {
  ?designation a eco:Designation ; eco:holder ?holder ; eco:scheme ?scheme .
  OPTIONAL { ?scheme eco:level ?schemeLevel }
  OPTIONAL { ?scheme rdfs:label ?szh FILTER(LANG(?szh) = "zh") }
  OPTIONAL { ?scheme rdfs:label ?sen FILTER(LANG(?sen) = "en") }
  OPTIONAL { ?holder rdfs:label ?hzh FILTER(LANG(?hzh) = "zh") }
  OPTIONAL { ?holder rdfs:label ?hen FILTER(LANG(?hen) = "en") }
  OPTIONAL { ?holder a ?holderType FILTER(STRSTARTS(STR(?holderType), STR(eco:))) }
  OPTIONAL { ?designation eco:batch ?batch .
             OPTIONAL { ?batch eco:ordinal ?ordinal }
             OPTIONAL { ?batch eco:year ?batchYear }
             OPTIONAL { ?batch eco:announcedOn ?announcedOn }
             OPTIONAL { ?batch eco:cohortLabel ?cohortLabel } }
  OPTIONAL { ?designation eco:year ?designationYear }
  BIND(COALESCE(?designationYear, ?batchYear) AS ?year)
  OPTIONAL { ?designation eco:conferredOn ?conferredOn }
  OPTIONAL { ?designation eco:confidence ?confidence }
  OPTIONAL { ?designation eco:batchConfidence ?batchConfidence }
  OPTIONAL { ?designation dcterms:source/eco:sourceId ?sourceId }
}
GROUP BY ?designation ?holder ?scheme ?schemeLevel ?batch ?ordinal ?year ?conferredOn ?announcedOn ?cohortLabel
         ?confidence ?batchConfidence
"""

# the divisions a holder is (?steps 0) or lies in (1 or 2 steps up schema:containedInPlace); the table takes the
# nearest (fewest steps, then the lowest level).  (A NOT EXISTS that picks it in SPARQL takes Oxigraph seconds.)
_HOLDER_DIVISION = """
  ?designation a eco:Designation ; eco:holder ?holder .
  { ?holder eco:divisionCode ?divisionCode . BIND(?holder AS ?division) BIND(0 AS ?steps) }
  UNION
  { ?holder schema:containedInPlace ?division . ?division eco:divisionCode ?divisionCode . BIND(1 AS ?steps) }
  UNION
  { ?holder schema:containedInPlace/schema:containedInPlace ?division . ?division eco:divisionCode ?divisionCode .
    BIND(2 AS ?steps) }
"""
HOLDER_DIVISIONS_QUERY = """
SELECT DISTINCT ?holder ?steps ?division ?divisionCode ?divisionLevel ?provinceCode ?prefectureCode WHERE {
""" + _HOLDER_DIVISION + """
  OPTIONAL { ?division eco:divisionLevel ?divisionLevel }
  OPTIONAL { ?division schema:containedInPlace?/schema:containedInPlace? ?province .
             ?province eco:divisionLevel eco:ProvinceLevel ; eco:divisionCode ?provinceCode }
  OPTIONAL { ?division schema:containedInPlace? ?prefecture .
             ?prefecture eco:divisionLevel eco:PrefectureLevel ; eco:divisionCode ?prefectureCode }
}
"""
# the divisions of the 2024 list (no eco:validUntil) that those divisions are or became (eco:successor)
HOLDER_DIVISIONS_2024_QUERY = """
SELECT DISTINCT ?division ?nowCode WHERE {
""" + _HOLDER_DIVISION + """
  ?division eco:successor* ?now . ?now eco:divisionCode ?nowCode .
  FILTER NOT EXISTS { ?now eco:validUntil ?retired }
}
"""

# the schemes of the panel: national schemes named in batches that the graph records
PANEL_SCHEMES_QUERY = """
SELECT ?scheme (MIN(?zh) AS ?schemeZh) (MIN(?en) AS ?schemeEn) (MAX(?y) AS ?latest) WHERE {
  ?scheme a eco:DesignationScheme ; eco:level eco:National .
  ?batch a eco:Batch ; eco:scheme ?scheme .
  OPTIONAL { ?batch eco:year ?y }
  OPTIONAL { ?scheme rdfs:label ?zh FILTER(LANG(?zh) = "zh") }
  OPTIONAL { ?scheme rdfs:label ?en FILTER(LANG(?en) = "en") }
} GROUP BY ?scheme
"""

# the county-level divisions of the 2024 list (no eco:validUntil), with province and prefecture
PANEL_DIVISIONS_QUERY = """
SELECT ?division ?code (MIN(?zh) AS ?nameZh) (MIN(?en) AS ?nameEn) ?provinceCode ?prefecture ?prefectureCode
WHERE {
  ?division eco:divisionLevel eco:CountyLevel ; eco:divisionCode ?code .
  FILTER NOT EXISTS { ?division eco:validUntil ?retired }
  OPTIONAL { ?division rdfs:label ?zh FILTER(LANG(?zh) = "zh") }
  OPTIONAL { ?division rdfs:label ?en FILTER(LANG(?en) = "en") }
  OPTIONAL { ?division schema:containedInPlace/schema:containedInPlace? ?province .
             ?province eco:divisionLevel eco:ProvinceLevel ; eco:divisionCode ?provinceCode }
  OPTIONAL { ?division schema:containedInPlace ?prefecture .
             ?prefecture eco:divisionLevel eco:PrefectureLevel ; eco:divisionCode ?prefectureCode }
} GROUP BY ?division ?code ?provinceCode ?prefecture ?prefectureCode
"""

# the division itself and its predecessors (eco:successor, transitively) with their years in force
PANEL_CODES_QUERY = """
SELECT ?division ?code ?from ?until WHERE {
  ?division eco:divisionLevel eco:CountyLevel .
  FILTER NOT EXISTS { ?division eco:validUntil ?retired }
  ?division ^eco:successor* ?then .
  ?then eco:divisionCode ?code ; eco:validFrom ?from .
  OPTIONAL { ?then eco:validUntil ?until }
}
"""

# what each designation of a panel scheme counts for: the divisions of the 2024 list that its holder is or became
# (PANEL_HOLDINGS_QUERY), or, for a holder that is not a division, those of the county-level division it lies in
# (PANEL_AREA_HOLDINGS_QUERY)
_PANEL_DESIGNATION = """
  ?designation a eco:Designation ; eco:scheme ?scheme ; eco:holder ?holder .
  ?scheme eco:level eco:National .
  FILTER EXISTS { ?anyBatch a eco:Batch ; eco:scheme ?scheme }
"""
_PANEL_YEAR = """
  OPTIONAL { ?designation eco:batch/eco:year ?batchYear }
  OPTIONAL { ?designation eco:year ?designationYear }
  BIND(COALESCE(?designationYear, ?batchYear) AS ?year)
"""
PANEL_HOLDINGS_QUERY = """
SELECT DISTINCT ?designation ?scheme ?year ?holder ?unit WHERE {""" + _PANEL_DESIGNATION + """
  ?holder eco:divisionCode ?holderCode ; eco:successor* ?unit .
  FILTER NOT EXISTS { ?unit eco:validUntil ?retired }""" + _PANEL_YEAR + """
}
"""
PANEL_AREA_HOLDINGS_QUERY = """
SELECT DISTINCT ?designation ?scheme ?year ?holder ?unit WHERE {""" + _PANEL_DESIGNATION + """
  FILTER NOT EXISTS { ?holder eco:divisionCode ?itsCode }
  ?holder schema:containedInPlace+ ?county .
  ?county eco:divisionLevel eco:CountyLevel ; eco:successor* ?unit .
  FILTER NOT EXISTS { ?unit eco:validUntil ?retired }""" + _PANEL_YEAR + """
}
"""

# each stated count beside the designations the graph records for it (in its region, scheme and batch; for a
# count as of a date, those named in or before its year, or in an unknown year)
COUNTS_QUERY = """
SELECT ?claim ?scheme ?region ?regionCode ?batch ?asOf ?stated ?confidence
       (GROUP_CONCAT(DISTINCT ?sourceId; separator=";") AS ?sources) (MIN(?recordedCount) AS ?recorded)
WHERE {
  {
    SELECT ?claim (COUNT(DISTINCT ?designation) AS ?recordedCount) WHERE {
      ?claim a eco:StatedCount .
      OPTIONAL {
        ?claim eco:countedScheme ?s ; eco:countedRegion ?r .
        ?designation a eco:Designation ; eco:scheme ?s ; eco:holder ?holder .
        ?holder schema:containedInPlace* ?r .
        FILTER NOT EXISTS { ?claim eco:countedBatch ?b . FILTER NOT EXISTS { ?designation eco:batch ?b } }
        OPTIONAL { ?designation eco:batch/eco:year ?by }
        OPTIONAL { ?designation eco:year ?dy }
        OPTIONAL { ?claim eco:asOf ?asOfDate }
        BIND(COALESCE(?dy, ?by) AS ?y)
        FILTER(!BOUND(?asOfDate) || !BOUND(?y) || xsd:integer(STR(?y)) <= xsd:integer(SUBSTR(STR(?asOfDate), 1, 4)))
      }
    } GROUP BY ?claim
  }
  ?claim eco:statedValue ?stated .
  OPTIONAL { ?claim eco:countedScheme ?scheme }
  OPTIONAL { ?claim eco:countedRegion ?region OPTIONAL { ?region eco:divisionCode ?regionCode } }
  OPTIONAL { ?claim eco:countedBatch ?batch }
  OPTIONAL { ?claim eco:asOf ?asOf }
  OPTIONAL { ?claim eco:confidence ?confidence }
  OPTIONAL { ?claim dcterms:source/eco:sourceId ?sourceId }
} GROUP BY ?claim ?scheme ?region ?regionCode ?batch ?asOf ?stated ?confidence
"""

# every batch with the designations the graph records in it, and whether any count states its size
BATCHES_QUERY = """
SELECT ?batch ?scheme (COUNT(DISTINCT ?designation) AS ?recorded) (COUNT(DISTINCT ?claim) AS ?statedCounts) WHERE {
  ?batch a eco:Batch ; eco:scheme ?scheme .
  OPTIONAL { ?designation eco:batch ?batch }
  OPTIONAL { ?claim a eco:StatedCount ; eco:countedBatch ?batch }
} GROUP BY ?batch ?scheme
"""

# the one date of a build: the newest source's dcterms:issued (as void.ttl's dcterms:modified)
MODIFIED_QUERY = """SELECT (MAX(?d) AS ?m) WHERE { ?x dcterms:issued ?d . FILTER(DATATYPE(?d) = xsd:date) }"""

QUERIES = {"designations": DESIGNATIONS_QUERY, "holder-divisions": HOLDER_DIVISIONS_QUERY,
           "holder-divisions-2024": HOLDER_DIVISIONS_2024_QUERY, "panel-schemes": PANEL_SCHEMES_QUERY,
           "panel-divisions": PANEL_DIVISIONS_QUERY, "panel-codes": PANEL_CODES_QUERY,
           "panel-holdings": PANEL_HOLDINGS_QUERY,
           "panel-area-holdings": PANEL_AREA_HOLDINGS_QUERY, "counts": COUNTS_QUERY, "batches": BATCHES_QUERY,
           "modified": MODIFIED_QUERY}

PANEL_RULES = (
    "Rows: every county-level division of the 2024 list (no eco:validUntil) for every year from 2012 to the latest "
    "year of a batch of a panel scheme; panel schemes are the national schemes whose batches the graph records. "
    "Year: the year of naming (eco:year of the designation, else of its batch), not a cohort label. "
    "A title counts from its year of naming on. "
    "{s}: 1 when the county held the title by that year: the title was conferred on the county or on a division it "
    "succeeded (eco:successor, transitively: a title of 开县 counts for 开州区; a title of a county merged into a district "
    "counts for the district; a title of a county that was split counts for each of its successors); "
    "{s}_predecessor says the title was conferred on a former division. "
    "{s}_prefecture: the same for the county's prefecture-level division of the 2024 list (empty for counties directly "
    "under a province or municipality); never merged into {s}. "
    "{s}_area: a sub-county area (a place that is not a division, e.g. a river basin or town) in the county held the "
    "title by that year; not merged into {s}. "
    "0 means no such title is recorded in the graph: for a batch the graph records only in part (counts.csv) it means "
    "unknown, not undesignated. Empty means a title is recorded without a known year, so whether it was held by "
    "that year is not known. "
    "{s}_first_year: the first year of naming of a title of the county (or its predecessors); "
    "{s}_prefecture_first_year the same for the prefecture."
)

# ------------------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Column:
    name: str
    title_en: str
    title_zh: str
    datatype: str = "string"  # a CSVW built-in datatype
    description: str = ""
    property_url: str | None = None
    value_url: str | None = None  # the column's value stands for this IRI (a URI template)
    about_url: str | None = None  # the cell describes this entity (a URI template), not the row's
    lang: str | None = None
    fmt: str | None = None  # the CSVW format (e.g. "1|0" for booleans)
    suppress: bool = False  # CSVW suppressOutput: the row's subject (aboutUrl) already says it


@dataclass
class Table:
    name: str  # file name
    title_en: str
    title_zh: str
    description: str
    columns: list[Column]
    primary_key: list[str]
    rows: list[list[str]] = field(default_factory=list)
    about_url: str | None = None
    notes: list[str] = field(default_factory=list)

    def csv_bytes(self) -> bytes:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([c.name for c in self.columns])
        w.writerows(self.rows)
        return buf.getvalue().encode("utf-8")


def _rows(store: Store, query: str, base: str) -> list[dict[str, str]]:
    result = store.query(sparql_prologue(base) + query)
    names = [v.value for v in result.variables]
    # (a solution iterates over its values in the order of the variables: quicker than one r[name] each)
    return [{n: ("" if v is None else v.value) for n, v in zip(names, r)} for r in result]


def _tail(iri: str) -> str:
    return local_name(iri) if iri else ""


def _level(iri: str) -> str:
    """eco:CountyLevel -> county, eco:National -> national, eco:HighConfidence -> high."""
    name = _tail(iri)
    for suffix in ("Level", "Confidence"):
        if name.endswith(suffix) and name != suffix:
            name = name[: -len(suffix)]
    return name.lower()


def _sorted_ids(text: str) -> str:
    return ";".join(sorted({s for s in text.split(";") if s}))


def _slug(scheme: str) -> str:
    return _tail(scheme).replace("-", "_")


# ---- designations.csv


_LEVEL_RANK = {"county": 0, "prefecture": 1, "province": 2}


def designations_table(store: Store, base: str) -> Table:
    eco = eco_ns(base)
    nearest: dict[str, dict[str, str]] = {}
    for r in _rows(store, HOLDER_DIVISIONS_QUERY, base):
        r["divisionLevel"] = _level(r["divisionLevel"])
        key = (int(r["steps"]), _LEVEL_RANK.get(r["divisionLevel"], 3), r["division"], r["provinceCode"],
               r["prefectureCode"])
        best = nearest.get(r["holder"])
        if best is None or key < best["key"]:
            nearest[r["holder"]] = {**r, "key": key}
    now: dict[str, set[str]] = defaultdict(set)
    for r in _rows(store, HOLDER_DIVISIONS_2024_QUERY, base):
        now[r["division"]].add(r["nowCode"])
    rows = []
    empty = {"division": "", "divisionCode": "", "divisionLevel": "", "provinceCode": "", "prefectureCode": ""}
    for r in _rows(store, DESIGNATIONS_QUERY, base):
        d = nearest.get(r["holder"], empty)
        rows.append([
            r["designation"], r["holder"], r["holderZh"], r["holderEn"], _tail(r["holderClass"]),
            d["division"], d["divisionCode"], d["divisionLevel"], d["provinceCode"], d["prefectureCode"],
            ";".join(sorted(now.get(d["division"], ()))),
            r["scheme"], r["schemeZh"], r["schemeEn"], _level(r["schemeLevel"]),
            r["batch"], r["ordinal"], r["year"], r["conferredOn"], r["announcedOn"], r["cohortLabel"],
            _level(r["confidence"]), _level(r["batchConfidence"]), _sorted_ids(r["sources"]),
        ])
    rows.sort(key=lambda row: row[0])
    cols = [
        Column("designation", "designation", "命名", "anyURI", "The designation's IRI.", suppress=True),
        Column("holder", "holder", "称号持有者", "anyURI", "The place holding the title (a division or a sub-county place).",
               property_url=eco + "holder", value_url="{+holder}"),
        Column("holder_zh", "holder (Chinese)", "持有者名称", description="The holder's Chinese name.",
               property_url=RDFS + "label", about_url="{+holder}", lang="zh"),
        Column("holder_en", "holder (English)", "持有者英文名称", description="The holder's English name.",
               property_url=RDFS + "label", about_url="{+holder}", lang="en"),
        Column("holder_class", "holder class", "持有者类型",
               description="The holder's class in the ecokg ontology (District, County, PracticeArea, Township, ...)."),
        Column("division", "division", "所在区划", "anyURI",
               "The holder if it is an administrative division, else the nearest division it lies in "
               "(schema:containedInPlace).", value_url="{+division}"),
        Column("division_code", "division code", "区划代码",
               description="The six-digit code (GB/T 2260) of `division` (a former division keeps its own code).",
               property_url=eco + "divisionCode", about_url="{+division}"),
        Column("division_level", "division level", "区划层级",
               description="province, prefecture or county (the level of `division`)."),
        Column("province_code", "province code", "省级区划代码", description="The code of the province of `division`."),
        Column("prefecture_code", "prefecture code", "地级区划代码",
               description="The code of the prefecture-level division of `division` (empty for counties directly under "
                           "a province or municipality, and for provinces)."),
        Column("division_code_2024", "division code in 2024", "2024年区划代码",
               description="The code(s) of the division(s) of the 2024 list that `division` is or became "
                           "(eco:successor); several separated by ';'. Join panel.csv on this code."),
        Column("scheme", "scheme", "称号", "anyURI", "The designation scheme.", property_url=eco + "scheme",
               value_url="{+scheme}"),
        Column("scheme_zh", "scheme (Chinese)", "称号名称", property_url=RDFS + "label", about_url="{+scheme}", lang="zh"),
        Column("scheme_en", "scheme (English)", "称号英文名称", property_url=RDFS + "label", about_url="{+scheme}",
               lang="en"),
        Column("scheme_level", "level of the scheme", "称号级别", description="national or municipal (Chongqing)."),
        Column("batch", "batch", "批次", "anyURI", "The batch (empty: the batch is not known).",
               property_url=eco + "batch", value_url="{+batch}"),
        Column("batch_ordinal", "batch number", "批次序号", "integer", "The batch's number (第N批), where numbered.",
               property_url=eco + "ordinal", about_url="{+batch}"),
        Column("year", "year of naming", "命名年份", "gYear",
               "The year of naming (eco:year of the designation, else of its batch): the year to use as the year a "
               "place became treated. Empty: not known.", property_url=eco + "year"),
        Column("conferred_on", "conferred on", "命名日期",
               description="The date (YYYY-MM-DD) or month (YYYY-MM) of the naming notice, where recorded "
                           "(eco:conferredOn).", property_url=eco + "conferredOn"),
        Column("announced_on", "batch announced on", "批次公布日期",
               description="The date (YYYY-MM-DD) or month (YYYY-MM) the batch was announced (eco:announcedOn).",
               property_url=eco + "announcedOn", about_url="{+batch}"),
        Column("cohort_label", "cohort label", "批次标注",
               description="How sources label the batch where that differs from its year of naming "
                           "(eco:cohortLabel, e.g. '2023年' for a cohort named in 2024).",
               property_url=eco + "cohortLabel", about_url="{+batch}"),
        Column("confidence", "confidence", "可信度",
               description="high, medium or low: how well the sources support the designation (eco:confidence)."),
        Column("batch_confidence", "batch confidence", "批次可信度",
               description="high, medium or low where the batch is less certain than the designation "
                           "(eco:batchConfidence); empty: as `confidence`."),
        Column("sources", "sources", "来源",
               description="The ids of the sources cited (dcterms:source), separated by ';'; each is "
                           + base + "id/source/{id}."),
    ]
    return Table(
        "designations.csv", "Designations", "命名",
        "One row per designation (eco:Designation) in the graph: holder, the division it is or lies in, scheme, "
        "batch, year of naming, dates, confidence and sources. The lists are not complete: see counts.csv for each "
        "batch's stated size beside the designations recorded.",
        cols, ["designation"], rows, about_url="{+designation}")


# ---- panel.csv


def _scheme_columns(slug: str, zh: str, en: str) -> list[Column]:
    return [
        Column(slug, f"held: {en}", f"已获{zh}", "boolean",
               f"1 when the county (or a division it succeeded) held the title '{en}' by this year; 0 not recorded "
               "(unknown for a partly recorded batch, see counts.csv); empty: held, year not known.", fmt="1|0"),
        Column(f"{slug}_first_year", f"first year: {en}", f"{zh}首次命名年份", "gYear",
               "The first year of naming of a title of the county or a division it succeeded."),
        Column(f"{slug}_predecessor", f"held through a former division: {en}", f"经前身区划获{zh}", "boolean",
               "1 when the title was conferred on a former division that the county succeeded.", fmt="1|0"),
        Column(f"{slug}_prefecture", f"prefecture held: {en}", f"所属地级区划已获{zh}", "boolean",
               "1 when the county's prefecture-level division (of the 2024 list, or a division it succeeded) held the "
               "title by this year; 0 not recorded; empty: no prefecture, or held with the year not known.", fmt="1|0"),
        Column(f"{slug}_prefecture_first_year", f"prefecture first year: {en}", f"所属地级区划{zh}首次命名年份",
               "gYear", "The first year of naming of a title of the county's prefecture."),
        Column(f"{slug}_area", f"area in the county held: {en}", f"县内片区已获{zh}", "boolean",
               "1 when a sub-county place in the county (not a division: a basin, town, island ...) held the title by "
               "this year; 0 not recorded; empty: held, year not known.", fmt="1|0"),
    ]


def _held(years: list[str], year: int) -> str:
    if not years:
        return "0"
    if any(y and int(y) <= year for y in years):
        return "1"
    return "" if any(not y for y in years) else "0"


def _first(years: list[str]) -> str:
    known = [int(y) for y in years if y]
    return str(min(known)) if known else ""


def panel_table(store: Store, base: str) -> Table:
    schemes = sorted(_rows(store, PANEL_SCHEMES_QUERY, base), key=lambda r: r["scheme"])
    latest = max((int(s["latest"]) for s in schemes if s["latest"]), default=FIRST_YEAR)
    years = range(FIRST_YEAR, latest + 1)
    divisions = sorted(_rows(store, PANEL_DIVISIONS_QUERY, base), key=lambda r: r["code"])
    codes: dict[str, list[tuple[str, int, int | None]]] = defaultdict(list)
    for r in _rows(store, PANEL_CODES_QUERY, base):
        codes[r["division"]].append((r["code"], int(r["from"]), int(r["until"]) if r["until"] else None))
    # (unit, scheme, via) -> [(year, holder is a former division)]
    holdings: dict[tuple[str, str, str], list[tuple[str, bool]]] = defaultdict(list)
    for via, query in (("division", PANEL_HOLDINGS_QUERY), ("area", PANEL_AREA_HOLDINGS_QUERY)):
        for r in _rows(store, query, base):
            holdings[(r["unit"], r["scheme"], via)].append((r["year"], r["holder"] != r["unit"]))

    cols = [
        Column("code", "division code (2024)", "区划代码（2024年）", description="The county's code in the 2024 list.",
               property_url=eco_ns(base) + "divisionCode", about_url="{+division}"),
        Column("year", "year", "年份", "gYear", "The year of this row."),
        Column("name_zh", "name (Chinese)", "名称", description="The county's name in the 2024 list.",
               property_url=RDFS + "label", about_url="{+division}", lang="zh"),
        Column("name_en", "name (English)", "英文名称", property_url=RDFS + "label", about_url="{+division}", lang="en"),
        Column("province_code", "province code", "省级区划代码"),
        Column("prefecture_code", "prefecture code (2024)", "地级区划代码（2024年）",
               description="Empty for counties directly under a province or municipality."),
        Column("code_in_year", "code(s) in force that year", "当年区划代码",
               "string", "The code(s) the county's territory had that year: its own or its predecessors' "
               "(eco:successor) in force (validFrom <= year < validUntil); several separated by ';' (a district made by "
               "a merger); empty if no division of the code history leads to it that year (a new division)."),
        Column("division", "division", "区划", "anyURI", "The county's IRI.", value_url="{+division}"),
    ]
    for s in schemes:
        cols += _scheme_columns(_slug(s["scheme"]), s["schemeZh"], s["schemeEn"])
    rows = []
    for d in divisions:
        spans = codes.get(d["division"], [])
        per_scheme = []  # what does not depend on the year, once per division (not once per row)
        for s in schemes:
            own = holdings.get((d["division"], s["scheme"], "division"), [])
            pref = holdings.get((d["prefecture"], s["scheme"], "division"), []) if d["prefecture"] else []
            area = holdings.get((d["division"], s["scheme"], "area"), [])
            own_years, pref_years = [h[0] for h in own], [h[0] for h in pref]
            per_scheme.append((own_years, _first(own_years), "1" if any(h[1] for h in own) else "0",
                               pref_years, _first(pref_years), [h[0] for h in area]))
        for y in years:
            in_force = sorted({c for c, f, u in spans if f <= y and (u is None or y < u)})
            row = [d["code"], str(y), d["nameZh"], d["nameEn"], d["provinceCode"], d["prefectureCode"],
                   ";".join(in_force), d["division"]]
            for own_years, own_first, former, pref_years, pref_first, area_years in per_scheme:
                row += [_held(own_years, y), own_first, former, _held(pref_years, y) if d["prefecture"] else "",
                        pref_first, _held(area_years, y)]
            rows.append(row)
    rows.sort(key=lambda row: (row[0], row[1]))
    scheme_list = "; ".join(f"{_slug(s['scheme'])} = {s['schemeEn']} ({s['schemeZh']}), {s['scheme']}" for s in schemes)
    return Table(
        "panel.csv", "County panel", "县级面板",
        "One row per county-level division of the 2024 list and year, with the code(s) in force that year and, per "
        "national scheme, whether the county, its prefecture or an area in it held the title by that year. "
        "Columns per scheme: " + scheme_list + ". " + PANEL_RULES,
        cols, ["code", "year"], rows,
        notes=[PANEL_RULES])


# ---- counts.csv


def counts_table(store: Store, base: str) -> Table:
    rows = []
    for r in _rows(store, COUNTS_QUERY, base):
        stated, recorded = int(r["stated"]), int(r["recorded"])
        status = "complete" if recorded >= stated else "partial"
        rows.append([r["claim"], r["scheme"], r["regionCode"] or _tail(r["region"]), r["region"], r["batch"],
                     r["asOf"], str(stated), str(recorded), status, _level(r["confidence"]), _sorted_ids(r["sources"])])
    rows.sort(key=lambda row: (row[1], row[4], row[2], row[5], row[0]))
    eco = eco_ns(base)
    cols = [
        Column("claim", "stated count", "数量声明", "anyURI", "The claim (eco:StatedCount).", suppress=True),
        Column("scheme", "scheme", "称号", "anyURI", property_url=eco + "countedScheme", value_url="{+scheme}"),
        Column("region_code", "region code", "统计范围代码",
               description="The division code of the counted region, or 'china' for the whole country."),
        Column("region", "region", "统计范围", "anyURI", property_url=eco + "countedRegion", value_url="{+region}"),
        Column("batch", "batch", "批次", "anyURI", "The batch whose size is stated (empty: a cumulative count).",
               property_url=eco + "countedBatch", value_url="{+batch}"),
        Column("as_of", "as of", "截至", description="The date, month or year the count refers to (eco:asOf)."),
        Column("stated", "stated", "声明数量", "integer", "The number the source states (eco:statedValue).",
               property_url=eco + "statedValue"),
        Column("recorded", "recorded", "图谱记录数量", "integer",
               "The designations the graph records for the same scheme, region and batch (for a count as of a date: "
               "named in or before its year, or in an unknown year)."),
        Column("status", "status", "完整性", description="complete (recorded >= stated) or partial (recorded < stated: "
               "places missing from the tables for this batch or region are unknown, not undesignated)."),
        Column("confidence", "confidence", "可信度", description="high, medium or low (eco:confidence of the claim)."),
        Column("sources", "sources", "来源", description="The ids of the sources stating the count, separated by ';'."),
    ]
    return Table(
        "counts.csv", "Stated and recorded counts", "声明数量与记录数量",
        "How complete the lists are: every count a source states (a batch's size, or a region's titles as of a date) "
        "beside the designations the graph records for it. A partial list is never complete: a county absent from "
        "a partly recorded batch is unknown, not undesignated.",
        cols, ["claim"], rows, about_url="{+claim}")


def completeness_note(counts: Table, store: Store, base: str) -> str:
    """Per scheme and batch (or regional total): recorded vs stated; and the batches no count gives a size for."""
    idx = {c.name: i for i, c in enumerate(counts.columns)}
    parts: dict[tuple[str, str, str], tuple[set[int], int]] = {}
    for row in counts.rows:
        as_of = row[idx["as_of"]]
        key = (_tail(row[idx["scheme"]]), _tail(row[idx["batch"]]) or ("total as of " + as_of if as_of else "total"),
               row[idx["region_code"]])
        stated, recorded = parts.get(key, (set(), 0))
        parts[key] = (stated | {int(row[idx["stated"]])}, max(recorded, int(row[idx["recorded"]])))
    lines = []
    for (scheme, what, region), (stated, recorded) in sorted(parts.items()):
        word = "complete" if all(recorded >= s for s in stated) else "PARTIAL"
        lines.append(f"{scheme} {what} ({region}): recorded {recorded}, stated {'/'.join(map(str, sorted(stated)))}: {word}")
    unstated = sorted(f"{_tail(r['batch'])} (recorded {r['recorded']})" for r in _rows(store, BATCHES_QUERY, base)
                      if r["statedCounts"] == "0")
    return ("Completeness (recorded designations vs counts stated by sources; see counts.csv): " + "; ".join(lines)
            + ". Batches whose size no source states (completeness unknown): " + (", ".join(unstated) or "none") + ".")


def tables(store: Store, base: str) -> list[Table]:
    """The three tables, made from ``store`` (its default graph: the whole graph)."""
    counts = counts_table(store, base)
    note = completeness_note(counts, store, base)
    out = [designations_table(store, base), panel_table(store, base), counts]
    for t in out[:2]:
        t.notes.append(note)
    return out


# ------------------------------------------------------------------------------------------------ CSVW


def _column_json(c: Column) -> dict:
    out: dict = {"name": c.name, "titles": {"en": c.title_en, "zh": c.title_zh}}
    dt: dict | str = c.datatype
    if c.fmt:
        dt = {"base": c.datatype, "format": c.fmt}
    out["datatype"] = dt
    if c.description:
        out["dc:description"] = c.description
    if c.lang:
        out["lang"] = c.lang
    if c.about_url:
        out["aboutUrl"] = c.about_url
    if c.property_url:
        out["propertyUrl"] = c.property_url
    if c.value_url:
        out["valueUrl"] = c.value_url
    if c.suppress:
        out["suppressOutput"] = True
    out["required"] = False
    return out


def metadata(tables_: list[Table], base: str, modified: str | None = None) -> dict:
    """The CSVW metadata (a TableGroup) describing the tables."""
    group: dict = {
        "@context": [CSVW_CONTEXT, {"@language": "en"}],
        "dc:title": [{"@value": "ecokg: analysis-ready tables", "@language": "en"},
                     {"@value": "ecokg：分析用表格", "@language": "zh"}],
        "dc:description": ("Tables generated by SPARQL from the ecokg graph (" + base + "dataset) by `ecokg build`: "
                           "the graph is the one source; see docs/research.md for how to use them."),
        "dc:license": {"@id": "http://creativecommons.org/publicdomain/zero/1.0/"},
        "dc:source": {"@id": base + "dataset"},
        "dialect": {"header": True, "encoding": "utf-8", "lineTerminators": ["\n", "\r\n"], "doubleQuote": True},
        "tables": [],
    }
    if modified:
        group["dc:modified"] = {"@value": modified, "@type": "xsd:date"}
    for t in tables_:
        desc = t.description + ("" if not t.notes else " " + " ".join(n for n in t.notes if n not in t.description))
        schema: dict = {"columns": [_column_json(c) for c in t.columns], "primaryKey": t.primary_key}
        if t.about_url:
            schema["aboutUrl"] = t.about_url
        group["tables"].append({
            "url": t.name,
            "dc:title": [{"@value": t.title_en, "@language": "en"}, {"@value": t.title_zh, "@language": "zh"}],
            "dc:description": desc,
            "tableSchema": schema,
        })
    return group


def metadata_bytes(tables_: list[Table], base: str, modified: str | None = None) -> bytes:
    return (json.dumps(metadata(tables_, base, modified), ensure_ascii=False, indent=1) + "\n").encode("utf-8")



def modified(store: Store, base: str) -> str | None:
    """The newest source's dcterms:issued: the one date of the build (as in void.ttl)."""
    rows = _rows(store, MODIFIED_QUERY, base)
    return rows[0]["m"] or None if rows else None
