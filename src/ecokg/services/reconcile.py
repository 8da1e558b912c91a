"""Reconciliation: matching a spreadsheet's names and codes to the graph's entities, without HTTP.

What a researcher's column holds (a yearbook's county names, with or without 县/区, with a prefecture or
province before them, old names, traditional characters, pinyin, codes) is matched against the divisions,
the other places, the designation schemes and their batches.  ``ReconcileIndex`` is made once from the store
(a few SELECTs and Python, about a second and 30 MB; kept on the app's ``GraphServices``, rebuilt after ``label_max_age``
seconds only on a store that can change) and every query is answered from it in Python: the user's text
never reaches SPARQL.  The protocol (manifests, the JSON of versions 0.2 and 1.0-draft, limits) is
``services.reconcile_protocol``; the HTTP side is ``web.reconcile``.

Names of divisions are read by ``ecokg.dataset.names`` (``DivisionIndex.resolve(..., loose=True)``): exact
code; the Chinese name, its usual abbreviation, or a chain of names (重庆市开州区, 恩施州建始县); the name without
its level word (开州); traditional characters (OpenCC t2s); English names and pinyin (Kaizhou District,
kai zhou qu, Kǎizhōu); the name of a former division, which leads on to the division in force today (开县 →
开州区) unless a year is given, when the division of that name in that year is the answer.

**Scores** (0-100) say how the name matched, not how many namesakes there are (``SCORES``):

=====  ==========================================================================================
100    the code (in force in the given year), the entity's id, or its exact Chinese name (also the
       usual abbreviation 恩施州, or a chain 重庆市开州区), or a scheme's, batch's or place's exact label
 98    the same after traditional characters were read as simplified ones
 95    the English name with its level word (Kaizhou District)
 90    the Chinese name without its level word (开州), or pinyin with a pinyin level word (kai zhou qu)
 85    pinyin alone (Kaizhou)
 -5    (from any of these) the name is a former division's: the candidate is the division it became
 70    a former division itself, offered below the division it became (or below a division in force
       that has the same name)
 95    (also) a place the graph holds, named after its division (重庆市云阳县龙缸片区: 龙缸片区 in 云阳县)
 60    a label that starts with the text (schemes, batches, places)
 40    the name read as a sub-county area (a village, town, park) inside this division
=====  ==========================================================================================

**match** is true for one candidate only: the only one scoring 85 or more, when the code given (if any)
agrees with it.  Namesakes (several 鼓楼区, 朝阳 as a district, a city and a county) are returned as candidates,
none of them a match; the province, level, code and year properties narrow them down.
"""

from __future__ import annotations

import re
import time
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, Iterable

from ecokg.dataset.names import (COUNTY, PREFECTURE, PROVINCE, DivisionIndex, DivisionRecord, fold_latin,
                                 normalise, pinyin_key, stem, to_simplified)
from ecokg.services.graph import GraphServices

MATCH_MIN = 85  # a candidate may be a match only at or above this score
SCORES = {"exact": 100, "traditional": -2, "english": 95, "stem": 90, "pinyin_level": 90, "pinyin": 85,
          "via_former": -5, "former": 70, "partial": 60, "area": 40}

# ---- types and properties ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """A type or property of the service: id, English and Chinese name, description."""

    id: str
    en: str
    zh: str
    description: str = ""

    @property
    def name(self) -> str:
        return f"{self.en} ({self.zh})"

    def as_json(self) -> dict[str, str]:
        out = {"id": self.id, "name": self.name}
        if self.description:
            out["description"] = self.description
        return out


DIVISION, PLACE, SCHEME, BATCH = "AdministrativeDivision", "Place", "DesignationScheme", "Batch"
LEVEL_TYPES = {PROVINCE: "ProvinceLevel", PREFECTURE: "PrefectureLevel", COUNTY: "CountyLevel"}
TYPES = (
    Named("CountyLevel", "County-level division", "县级行政区",
          "districts, counties, county-level cities, banners; former ones too"),
    Named("PrefectureLevel", "Prefecture-level division", "地级行政区",
          "prefecture-level cities, autonomous prefectures, prefectures, leagues"),
    Named("ProvinceLevel", "Province-level division", "省级行政区",
          "provinces, autonomous regions, municipalities, special administrative regions"),
    Named(DIVISION, "Administrative division (any level)", "行政区划", "every division since 1981, any level"),
    Named(PLACE, "Place", "地点", "divisions, townships and sub-county areas"),
    Named(SCHEME, "Designation scheme", "称号", "a title places are named to"),
    Named(BATCH, "Batch", "批次", "one batch or cohort of a designation scheme"),
)
TYPE_BY_ID = {t.id: t for t in TYPES}
DIVISION_TYPES = {DIVISION, PLACE, *LEVEL_TYPES.values()}

QUERY_PROPERTIES = (
    Named("province", "Province", "省份", "the province-level division it lies in: a name (重庆, 湖北省, "
          "Chongqing) or a code (50, 500000)"),
    Named("level", "Level", "级别", "province, prefecture or county (省级, 地级, 县级)"),
    Named("code", "Division code", "区划代码", "the six-digit GB/T 2260 code"),
    Named("year", "Year", "年份", "the year the name was in use: the division of that name in force that year"),
)
QUERY_PROPERTY_IDS = {p.id for p in QUERY_PROPERTIES}

_LEVEL_WORDS = {
    PROVINCE: ("province", "provincelevel", "province-level", "省", "省级", "1"),
    PREFECTURE: ("prefecture", "prefecturelevel", "prefecture-level", "city", "地", "地级", "市级", "2"),
    COUNTY: ("county", "countylevel", "county-level", "县", "县级", "区县", "3"),
}


def parse_level(value: str) -> str | None:
    text = normalise(str(value)).lower()
    for level, words in _LEVEL_WORDS.items():
        if text in words:
            return level
    return None


def parse_year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if 1900 <= value <= 2100 else None
    m = re.search(r"(?<!\d)(1[9]\d\d|20\d\d)(?!\d)", normalise(str(value)))
    return int(m.group(1)) if m else None


# ---- the index --------------------------------------------------------------------------------------------


@dataclass
class Entity:
    """Something a query can be matched to (a division, another place, a scheme, a batch)."""

    id: str  # the IRI after ``{base}id/``: division/500154, scheme/national-demonstration-zone
    iri: str
    kind: str  # "division", "place", "scheme", "batch"
    zh: str = ""
    en: str = ""
    other: tuple[str, ...] = ()  # other labels (skos:altLabel)
    parent: str | None = None  # entity id of the place it lies in
    scheme: str | None = None  # a batch's scheme (entity id)
    year: int | None = None  # a batch's year
    level: str | None = None  # a scheme's level (National, Municipal)

    @property
    def name(self) -> str:
        return self.zh or self.en or self.id

    def labels(self) -> list[str]:
        return [t for t in (self.zh, self.en, *self.other) if t]


@dataclass(frozen=True)
class Designation:
    holder: str  # entity id
    scheme: str
    batch: str | None
    year: int | None
    conferred: str | None  # eco:conferredOn, where the graph has it


_DIVISIONS = """
SELECT ?d ?code ?zh ?en ?pinyin ?level ?kind ?parent ?from ?until WHERE {
  ?d eco:divisionCode ?code ; eco:divisionLevel ?level ; eco:validFrom ?from ; a ?kind .
  FILTER(STRSTARTS(STR(?kind), STR(eco:)))
  OPTIONAL { ?d rdfs:label ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) }
  OPTIONAL { ?d rdfs:label ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
  OPTIONAL { ?d skos:altLabel ?pinyin FILTER(LANGMATCHES(LANG(?pinyin), "zh-Latn-pinyin")) }
  OPTIONAL { ?d schema:containedInPlace ?parent }
  OPTIONAL { ?d eco:validUntil ?until }
}"""
_SUCCESSORS = "SELECT ?d ?s WHERE { ?d eco:divisionCode ?c ; eco:successor ?s }"
_OTHERS = """
SELECT ?x ?kind ?label ?prop ?parent ?scheme ?year ?level WHERE {
  { ?x a eco:DesignationScheme BIND("scheme" AS ?kind) OPTIONAL { ?x eco:level ?level } }
  UNION { ?x a eco:Batch ; eco:scheme ?scheme BIND("batch" AS ?kind) OPTIONAL { ?x eco:year ?year } }
  UNION { ?c rdfs:subClassOf* eco:Place . ?x a ?c . FILTER NOT EXISTS { ?x eco:divisionCode ?code }
          BIND("place" AS ?kind) OPTIONAL { ?x schema:containedInPlace ?parent } }
  { ?x rdfs:label ?label BIND("label" AS ?prop) } UNION { ?x skos:altLabel ?label BIND("alt" AS ?prop) }
}"""
# works on the designations as main has them (eco:year, eco:batch) and with eco:conferredOn
_DESIGNATIONS = """
SELECT ?holder ?scheme ?batch ?year ?conferred ?batchYear WHERE {
  ?d a eco:Designation ; eco:holder ?holder ; eco:scheme ?scheme .
  OPTIONAL { ?d eco:batch ?batch OPTIONAL { ?batch eco:year ?batchYear } }
  OPTIONAL { ?d eco:year ?year }
  OPTIONAL { ?d eco:conferredOn ?conferred }
}"""

def _year(term) -> int | None:
    if term is None:
        return None
    m = re.match(r"-?\d{4}", term.value)
    return int(m.group(0)) if m else None


def _key(text: str) -> str:
    """How labels and query texts are compared: NFKC, simplified characters, case folded, no spaces."""
    return re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", text)).casefold())


class ReconcileIndex:
    """Everything a reconciliation query is matched against, made from the store once."""

    def __init__(self, g: GraphServices):
        t0 = time.monotonic()
        self.uris = g.uris
        self.entities: dict[str, Entity] = {}
        ids = self.uris.entities
        prefix = len(ids)

        def eid(term) -> str | None:
            v = getattr(term, "value", None)
            return v[prefix:] if v and v.startswith(ids) else None

        rows: dict[str, dict[str, Any]] = {}
        for r in g.select(_DIVISIONS):
            d = eid(r["d"])
            if d is None or not d.startswith("division/"):
                continue
            row = rows.setdefault(d, {"kinds": set()})
            kind = r["kind"].value.rsplit("#", 1)[-1]
            row["kinds"].add(kind)
            for k in ("code", "zh", "en", "pinyin", "from", "until"):
                if r[k] is not None:
                    row[k] = r[k].value
            row["level"] = r["level"].value.rsplit("#", 1)[-1]
            if r["parent"] is not None:
                row["parent"] = eid(r["parent"])
        successors: dict[str, list[str]] = {}
        for r in g.select(_SUCCESSORS):
            d, s = eid(r["d"]), eid(r["s"])
            if d and s and s.startswith("division/"):
                successors.setdefault(d, []).append(s.split("/", 1)[1])
        records = []
        levels = {"ProvinceLevel": PROVINCE, "PrefectureLevel": PREFECTURE, "CountyLevel": COUNTY}
        for d, row in sorted(rows.items()):
            if row.get("level") not in levels or "code" not in row:
                continue
            kinds = sorted(row["kinds"] - {"AdministrativeDivision", "Place"}) or ["AdministrativeDivision"]
            parent = row.get("parent")
            rid = d.split("/", 1)[1]
            records.append(DivisionRecord(
                id=rid, code=row["code"], name=row.get("zh", ""), level=levels[row["level"]], kind=kinds[0],
                parent=parent.split("/", 1)[1] if parent and parent.startswith("division/") else None,
                valid_from=int(row["from"][:4]), valid_until=int(row["until"][:4]) if row.get("until") else None,
                pinyin=row.get("pinyin", ""), name_en=row.get("en", ""),
                successors=tuple(sorted(successors.get(d, ())))))
            self.entities[d] = Entity(d, ids + d, "division", zh=row.get("zh", ""), en=row.get("en", ""),
                                      other=(row["pinyin"],) if row.get("pinyin") else (), parent=parent)
        self.divisions = DivisionIndex(records)
        by_code: dict[str, list[str]] = {}
        for r in records:
            by_code.setdefault(r.code, []).append(r.id)
        self.by_code = by_code
        # other places, schemes, batches
        for r in g.select(_OTHERS):
            x = eid(r["x"])
            if x is None:
                continue
            kind = r["kind"].value
            e = self.entities.get(x)
            if e is None:
                e = self.entities[x] = Entity(x, ids + x, kind)
            elif e.kind != kind:
                continue
            label, lang = r["label"].value, (r["label"].language or "")
            if r["prop"].value == "label" and lang.startswith("zh") and not e.zh:
                e.zh = label
            elif r["prop"].value == "label" and lang.startswith("en") and not e.en:
                e.en = label
            elif label not in e.other and label not in (e.zh, e.en):
                e.other = (*e.other, label)
            if r["parent"] is not None and e.parent is None:
                e.parent = eid(r["parent"])
            if r["scheme"] is not None:
                e.scheme = eid(r["scheme"])
            if r["year"] is not None:
                e.year = _year(r["year"])
            if r["level"] is not None:
                e.level = r["level"].value.rsplit("#", 1)[-1]
        # designations by holder
        self.designations: dict[str, list[Designation]] = {}
        for r in g.select(_DESIGNATIONS):
            holder, scheme = eid(r["holder"]), eid(r["scheme"])
            if holder is None or scheme is None:
                continue
            conferred = r["conferred"].value if r["conferred"] is not None else None
            year = _year(r["year"]) or (int(conferred[:4]) if conferred and conferred[:4].isdigit() else None) \
                or _year(r["batchYear"])
            self.designations.setdefault(holder, []).append(
                Designation(holder, scheme, eid(r["batch"]) if r["batch"] is not None else None, year, conferred))
        for ds in self.designations.values():
            ds.sort(key=lambda d: (d.scheme, d.year or 0, d.batch or ""))
        self.schemes = sorted((e for e in self.entities.values() if e.kind == "scheme"), key=lambda e: e.id)
        self._labels = self._label_keys()
        self._suggest = self._suggest_keys()
        self.build_seconds = time.monotonic() - t0

    # ---- keys ---------------------------------------------------------------------------------------------

    def _label_keys(self) -> dict[str, list[str]]:
        """Exact label keys of the entities that are not divisions (divisions: ``DivisionIndex``)."""
        out: dict[str, list[str]] = {}
        for e in self.entities.values():
            if e.kind == "division":
                continue
            for label in e.labels():
                ids = out.setdefault(_key(label), [])
                if e.id not in ids:
                    ids.append(e.id)
        return out

    def _suggest_keys(self) -> tuple[list[str], list[str]]:
        """(sorted keys, entity ids): each entity under its labels, its name without level word, its pinyin
        run together, its code and its id, for prefix search."""
        pairs = set()
        for e in self.entities.values():
            keys = {_key(t) for t in e.labels()} | {e.id.casefold(), e.id.split("/", 1)[-1].casefold()}
            if e.kind == "division":
                r = self.divisions.get(e.id.split("/", 1)[1])
                keys.add(r.code)
                s = stem(r.name)
                if s:
                    keys.add(s)
                if r.pinyin:
                    keys.add(pinyin_key(r.pinyin))
                if r.name_en:
                    keys.add(pinyin_key(r.name_en))
            pairs.update((k, e.id) for k in keys if k)
        ordered = sorted(pairs)
        return [k for k, _ in ordered], [i for _, i in ordered]

    # ---- looking up ---------------------------------------------------------------------------------------

    def get(self, entity_id: str) -> Entity | None:
        return self.entities.get(entity_id)

    def record(self, entity_id: str) -> DivisionRecord | None:
        if not entity_id.startswith("division/"):
            return None
        rid = entity_id.split("/", 1)[1]
        return self.divisions.get(rid) if rid in self.divisions else None

    def entity_id(self, text: str) -> str | None:
        """An entity id written as such: division/500154, or the full IRI (canonical base)."""
        text = text.strip()
        if text.startswith(self.uris.entities):
            text = text[len(self.uris.entities):]
        return text if text in self.entities else None

    def now(self, record: DivisionRecord) -> list[DivisionRecord]:
        """The divisions in force today that a division is, or became (following successors)."""
        out, seen, todo = [], set(), [record.id]
        while todo:
            rid = todo.pop(0)
            if rid in seen or rid not in self.divisions:
                continue
            seen.add(rid)
            r = self.divisions.get(rid)
            if r.valid_until is None:
                out.append(r)
            else:
                todo.extend(r.successors)
        return sorted(out, key=lambda r: r.id)

    def division_of(self, e: Entity) -> DivisionRecord | None:
        """The division a place is, or lies in (through the towns it lies in)."""
        seen: set[str] = set()
        current: str | None = e.id
        while current and current not in seen:
            seen.add(current)
            r = self.record(current)
            if r is not None:
                return r
            parent = self.entities.get(current)
            current = parent.parent if parent else None
        return None

    def ancestor_at(self, record: DivisionRecord, level: str) -> DivisionRecord | None:
        for rid in self.divisions.ancestors(record.id):
            r = self.divisions.get(rid)
            if r.level == level:
                return r
        return None

    def types_of(self, e: Entity) -> list[str]:
        if e.kind == "division":
            r = self.record(e.id)
            return [LEVEL_TYPES[r.level], DIVISION] if r else [DIVISION]
        return {"place": [PLACE], "scheme": [SCHEME], "batch": [BATCH]}[e.kind]

    def describe(self, e: Entity) -> str:
        """A line that tells namesakes apart: code, level, where, years (divisions); scheme and year (batches)."""
        if e.kind == "division":
            r = self.record(e.id)
            if r is None:
                return e.en
            parts = [r.code, TYPE_BY_ID[LEVEL_TYPES[r.level]].zh]
            where = [self.divisions.get(a).name for a in reversed(self.divisions.ancestors(r.id))]
            if where:
                parts.append("".join(where))
            years = f"{r.valid_from}–{r.valid_until}" if r.valid_until else f"{r.valid_from}–"
            if r.valid_from == 1981:  # (1981: in use by then; the code history starts there)
                years = "≤" + years
            parts.append(years)
            if r.valid_until:
                now = self.now(r)
                if now:
                    parts.append("now " + "、".join(f"{n.name} {n.code}" for n in now))
            if r.name_en:
                parts.append(r.name_en)
            return " · ".join(parts)
        if e.kind == "batch":
            scheme = self.entities.get(e.scheme or "")
            return " · ".join(p for p in (scheme.name if scheme else "", str(e.year or ""), e.en) if p)
        if e.kind == "place" and e.parent and e.parent in self.entities:
            return " · ".join(p for p in (self.entities[e.parent].name, e.en) if p)
        return e.en

    # ---- suggest ------------------------------------------------------------------------------------------

    def suggest(self, prefix: str, *, types: Iterable[str] = (), limit: int = 10, offset: int = 0) -> list[Entity]:
        """Entities with a key starting with ``prefix`` (names, name without level word, pinyin, code, id):
        exact keys first, then divisions in force, higher levels, shorter names."""
        text = prefix.strip()
        keys, ids = self._suggest
        wanted = set(types)
        found: dict[str, tuple] = {}
        needles = {_key(text)}
        latin = fold_latin(text)
        if re.fullmatch(r"[A-Za-z0-9 '\-]+", latin):
            needles.add(pinyin_key(latin))
        for needle in needles:
            if not needle:
                continue
            i = bisect_left(keys, needle)
            while i < len(keys) and keys[i].startswith(needle) and len(found) < 5000:
                e = self.entities[ids[i]]
                if not wanted or wanted & set(self.types_of(e)):
                    rank = self._suggest_rank(e, keys[i] == needle)
                    if e.id not in found or rank < found[e.id]:
                        found[e.id] = rank
                i += 1
        ordered = sorted(found, key=lambda k: found[k])
        return [self.entities[k] for k in ordered[offset:offset + limit]]

    def _suggest_rank(self, e: Entity, exact: bool) -> tuple:
        r = self.record(e.id)
        former = bool(r and r.valid_until)
        level = {PROVINCE: 0, PREFECTURE: 1, COUNTY: 2}.get(r.level, 3) if r else 3
        return (not exact, former, level, len(e.name), e.id)


def match_types(types: Iterable[str]) -> tuple[set[str], set[str] | None]:
    """(the kinds of entity a query's types allow, the division levels allowed or None for any)."""
    types = set(types)
    if not types:
        return {"division", "place", "scheme", "batch"}, None
    kinds, levels = set(), set()
    for t in types:
        if t in (DIVISION, PLACE):
            kinds.add("division")
            levels.update((PROVINCE, PREFECTURE, COUNTY))
            if t == PLACE:
                kinds.add("place")
        elif t in LEVEL_TYPES.values():
            kinds.add("division")
            levels.update(k for k, v in LEVEL_TYPES.items() if v == t)
        elif t == SCHEME:
            kinds.add("scheme")
        elif t == BATCH:
            kinds.add("batch")
    return kinds, (levels if kinds & {"division"} else None)


# ---- matching ---------------------------------------------------------------------------------------------


@dataclass
class Query:
    """One reconciliation query, whatever the protocol version."""

    text: str = ""
    types: tuple[str, ...] = ()
    limit: int = 10
    province: list[str] = field(default_factory=list)
    level: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    year: list[Any] = field(default_factory=list)


@dataclass
class Candidate:
    entity: Entity
    score: int
    features: dict[str, bool | int]
    note: str = ""  # how it matched, when worth saying (went through a former name ...)
    match: bool = False


FEATURES = {
    "code": "exact code or id", "name": "exact name", "traditional": "read as simplified characters",
    "without_level_word": "name without its level word", "pinyin": "pinyin or English name",
    "former_name": "went through a former name", "area": "an area inside this division",
    "namesakes": "candidates scoring 85 or more",
}


def reconcile(index: ReconcileIndex, q: Query) -> list[Candidate]:
    """The candidates for one query, best first; ``match`` set on at most one (see the module docstring)."""
    kinds, levels = match_types(q.types)
    if q.level:
        asked = {parse_level(v) for v in q.level}
        levels = (levels or {PROVINCE, PREFECTURE, COUNTY}) & asked
        kinds = kinds & {"division"}
    years = [y for y in (parse_year(v) for v in q.year) if y is not None]
    if q.year and not years:
        return []
    year = years[0] if years else None
    provinces = [str(p.get("id") if isinstance(p, dict) else p) for p in q.province]
    scope_ids: set[str] | None = None
    if provinces:
        scope_ids = set()
        for p in provinces:
            pid = index.entity_id(p)
            if pid and pid.startswith("division/"):
                scope_ids.add(pid.split("/", 1)[1])
            else:
                scope_ids.update(r.id for r in index.divisions.resolve_province(p, year))
        if not scope_ids:
            return []
        kinds = kinds & {"division", "place"}
    out: dict[str, Candidate] = {}

    def add(e: Entity, score: int, note: str = "", grace: bool = False, **features) -> None:
        if e.kind not in kinds:
            return
        if e.kind == "place" and scope_ids is not None:
            where = index.division_of(e)
            if where is None or index.divisions.province_of(where.id) not in scope_ids:
                return
        if e.kind == "division":
            r = index.record(e.id)
            if levels is not None and r.level not in levels:
                return
            if scope_ids is not None and index.divisions.province_of(r.id) not in scope_ids:
                return
            if year is not None and not r.in_force(year) and not grace and "former_name" not in features:
                return
        old = out.get(e.id)
        if old is None:
            out[e.id] = Candidate(e, score, features, note)
            return
        # found again (by its code and by its name, or by two readings): the best score, every feature
        merged = {k: v or old.features.get(k, False) for k, v in features.items()}
        old.features = {**old.features, **merged}
        if score > old.score:
            old.score, old.note = score, note

    codes = [normalise(str(c.get("id") if isinstance(c, dict) else c)) for c in q.code]
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", q.text or "")).strip()  # (spaces part pinyin)
    code_ids: set[str] = set()
    for code in codes + ([text] if re.fullmatch(r"\d{6}(?:\d{6})?", text) else []):
        if len(code) == 12 and code.endswith("000000"):  # a statistical code (统计用区划代码) of a division
            code = code[:6]
        code_ids |= _by_code(index, code, year)
    if text and index.entity_id(q.text):
        code_ids.add(index.entity_id(q.text))
    for cid in code_ids:
        add(index.entities[cid], SCORES["exact"], code=True)
    name_text = text if text and not re.fullmatch(r"\d{6}(?:\d{6})?", text) and not index.entity_id(q.text) else ""
    if name_text:
        _match_division_names(index, name_text, year, scope_ids, add)
        _match_labels(index, name_text, add)
    candidates = sorted(out.values(), key=lambda c: (-c.score, c.entity.id))
    sure = [c for c in candidates if c.score >= MATCH_MIN]
    for c in candidates:
        c.features["namesakes"] = len(sure)
    if len(sure) == 1 and not (codes and not sure[0].features.get("code")) and \
            not (codes and name_text and not _agrees(sure[0])):
        sure[0].match = True
    return candidates[:max(1, q.limit)]


def _agrees(best: Candidate) -> bool:
    """With both a code and a name: the coded division is also one the name matched."""
    return any(best.features.get(k) for k in ("name", "pinyin", "without_level_word", "former_name"))


def _by_code(index: ReconcileIndex, code: str, year: int | None) -> set[str]:
    rids = index.by_code.get(code, [])
    records = [index.divisions.get(r) for r in rids]
    if year is not None:
        records = [r for r in records if r.in_force(year)]
    elif len(records) > 1:  # a reused code without a year: its holder in the latest list, if any
        current = [r for r in records if r.valid_until is None]
        records = current or records
    return {"division/" + r.id for r in records}


def _match_division_names(index: ReconcileIndex, text: str, year: int | None, scope_ids: set[str] | None,
                          add) -> None:
    variants = [(text, False)]
    simplified = to_simplified(text)
    if simplified != text:
        variants.append((simplified, True))
    english_level = bool(re.search(r"(?i)\b(district|county|city|prefecture|banner|league|province|region|"
                                   r"municipality)\s*$", fold_latin(text)))
    province = None  # one province: read the name inside it (several: scoped after resolving, by ``add``)
    if scope_ids is not None and len(scope_ids) == 1:
        province = index.divisions.get(next(iter(scope_ids))).name
    for variant, traditional in variants:
        res = index.divisions.resolve(variant, province=province, year=year, loose=True)
        if res.candidates:
            break
    else:
        return
    current_names = any(c.division.valid_until is None and c.area is None for c in res.candidates)
    for c in res.candidates:
        last = c.steps[-1].form
        features: dict[str, bool | int] = {"traditional": traditional}
        if c.area:
            score, features["area"] = SCORES["area"], True
            note = f"{c.area}: an area inside {c.division.name}"
            for place in _places_named(index, c.area, "division/" + c.division.id):  # an area the graph holds
                add(place, SCORES["english"] + (SCORES["traditional"] if traditional else 0),
                    f"{c.area} in {c.division.name}", name=True, traditional=traditional)
        elif last == "pinyin":
            latin_level = any(w for w in ("qu", "xian", "shi", "zhou", "qi", "meng", "sheng")
                              if pinyin_key(text).endswith(w)) and pinyin_key(c.division.pinyin) != pinyin_key(text)
            score = SCORES["english"] if english_level else SCORES["pinyin_level"] if latin_level else SCORES["pinyin"]
            features["pinyin"] = True
            note = ""
        elif last == "stem":
            score, features["without_level_word"] = SCORES["stem"], True
            note = ""
        else:
            score, features["name"] = SCORES["exact"], True
            note = ""
        if traditional:
            score += SCORES["traditional"]
        e = index.entities["division/" + c.division.id]
        if year is not None or c.division.valid_until is None or c.area:
            if c.changed_in_year:  # named in the year its code changed: still the division of that name
                note = f"code changed or retired in {year}, the year given"
            add(e, score, note, grace=c.changed_in_year, **features)
            continue
        # a former division (no year given): offered below the division(s) it became
        now = index.now(c.division)
        if current_names or not now:
            add(e, SCORES["former"], "", **features)
            continue
        years = f"{c.division.valid_from}–{c.division.valid_until}"
        for n in now:
            add(index.entities["division/" + n.id], score + SCORES["via_former"],
                f"via former name {c.division.name} ({c.division.code}, {years})", former_name=True, **features)
        add(e, SCORES["former"], "", **features)


def _places_named(index: ReconcileIndex, text: str, division: str) -> list[Entity]:
    """The places (not divisions) labelled ``text`` that lie in ``division`` (directly or inside a town of it)."""
    out = []
    for eid in index._labels.get(_key(text), ()):
        e = index.entities[eid]
        seen, parent = set(), e.parent
        while e.kind == "place" and parent and parent not in seen:
            if parent == division:
                out.append(e)
                break
            seen.add(parent)
            parent = index.entities[parent].parent if parent in index.entities else None
    return out


def _match_labels(index: ReconcileIndex, text: str, add) -> None:
    key = _key(text)
    for eid in index._labels.get(key, ()):
        add(index.entities[eid], SCORES["exact"], name=True)
    if len(key) < 2:
        return
    keys, ids = index._suggest
    i = bisect_left(keys, key)
    n = 0
    while i < len(keys) and keys[i].startswith(key) and n < 50:
        e = index.entities[ids[i]]
        if e.kind != "division":
            add(e, SCORES["partial"])
            n += 1
        i += 1


# ---- data extension ---------------------------------------------------------------------------------------

def extend_properties(index: ReconcileIndex) -> list[Named]:
    """The properties data extension can add, the designation schemes' last."""
    out = [
        Named("code", "Division code", "区划代码"),
        Named("name_zh", "Chinese name", "中文名称"),
        Named("name_en", "English name", "英文名称"),
        Named("level", "Level", "级别", "province, prefecture or county"),
        Named("province", "Province", "所属省级行政区"),
        Named("prefecture", "Prefecture", "所属地级行政区"),
        Named("parent", "Parent", "上级行政区"),
        Named("successor", "Successor", "继承行政区", "the division(s) that took over when the code was changed"),
        Named("now", "Division today", "现行政区", "the division(s) in force in the latest list it is or became"),
        Named("valid_from", "First year", "起始年份", "first year it held its code (1981: in use by 1981)"),
        Named("valid_until", "Year of change", "变更年份", "first year it no longer held its code"),
    ]
    for s in index.schemes:
        slug = s.id.split("/", 1)[1]
        out.append(Named(f"batch:{slug}", f"Batch: {s.en}", f"批次:{s.zh}",
                         "the batch it was named in (empty: not designated, or batch unknown)"))
        out.append(Named(f"year:{slug}", f"Year named: {s.en}", f"命名年份:{s.zh}",
                         "the year of naming (empty: not designated, or year unknown)"))
    return out


def propose_properties(index: ReconcileIndex, type_id: str | None) -> list[Named]:
    props = extend_properties(index)
    if type_id in (SCHEME, BATCH):
        return [p for p in props if p.id in ("name_zh", "name_en")]
    if type_id == PLACE:
        return [p for p in props if p.id in ("name_zh", "name_en", "parent", "province")
                or ":" in p.id]
    return props


def _ref(e: Entity) -> dict[str, str]:
    return {"id": e.id, "name": e.name}


def extend(index: ReconcileIndex, ids: list[str], props: list[str]) -> dict[str, dict[str, list[dict]]]:
    """For each id and property, the values (``{"str"}``, ``{"int"}``, ``{"id", "name"}``); unknown ids and
    properties that do not apply have no values."""
    known = {p.id for p in extend_properties(index)}
    out: dict[str, dict[str, list[dict]]] = {}
    for i in ids:
        e = index.get(i)
        row: dict[str, list[dict]] = {}
        for p in props:
            row[p] = _values(index, e, p) if e is not None and p in known else []
        out[i] = row
    return out


def _values(index: ReconcileIndex, e: Entity, prop: str) -> list[dict]:
    r = index.record(e.id)
    if prop == "name_zh":
        return [{"str": e.zh}] if e.zh else []
    if prop == "name_en":
        return [{"str": e.en}] if e.en else []
    if ":" in prop:
        what, slug = prop.split(":", 1)
        out = []
        for d in index.designations.get(e.id, ()):
            if d.scheme != "scheme/" + slug:
                continue
            if what == "batch" and d.batch and d.batch in index.entities:
                out.append(_ref(index.entities[d.batch]))
            elif what == "year" and d.year is not None:
                out.append({"int": d.year})
        return out
    if prop == "parent" and e.parent and e.parent in index.entities:
        return [_ref(index.entities[e.parent])]
    if r is None:
        if prop == "province" and e.kind == "place":
            parent = index.record(e.parent or "")
            if parent is not None:
                return _values(index, index.entities["division/" + parent.id], "province") \
                    if parent.level != PROVINCE else [_ref(index.entities["division/" + parent.id])]
        return []
    if prop == "code":
        return [{"str": r.code}]
    if prop == "level":
        return [{"str": r.level}]
    if prop in ("province", "prefecture"):
        level = PROVINCE if prop == "province" else PREFECTURE
        a = index.ancestor_at(r, level)
        return [_ref(index.entities["division/" + a.id])] if a else []
    if prop == "successor":
        return [_ref(index.entities["division/" + s]) for s in r.successors if "division/" + s in index.entities]
    if prop == "now":
        return [_ref(index.entities["division/" + n.id]) for n in index.now(r)]
    if prop == "valid_from":
        return [{"int": r.valid_from}]
    if prop == "valid_until":
        return [{"int": r.valid_until}] if r.valid_until else []
    return []


# ---- preview ----------------------------------------------------------------------------------------------

def preview(index: ReconcileIndex, entity_id: str) -> dict[str, Any] | None:
    """What the preview card shows (plain data; the web layer escapes it)."""
    e = index.get(entity_id)
    if e is None:
        return None
    out: dict[str, Any] = {"id": e.id, "iri": e.iri, "zh": e.zh, "en": e.en, "description": index.describe(e),
                           "types": [TYPE_BY_ID[t] for t in index.types_of(e)], "designations": []}
    for d in index.designations.get(e.id, ()):
        scheme = index.entities.get(d.scheme)
        batch = index.entities.get(d.batch or "")
        out["designations"].append({"scheme_zh": scheme.zh if scheme else d.scheme,
                                    "scheme_en": scheme.en if scheme else "",
                                    "batch": batch.zh or batch.en if batch else "", "year": d.year})
    return out


# ---- one index per GraphServices --------------------------------------------------------------------------

def index_for(g: GraphServices) -> ReconcileIndex:
    """The app's index: made on first use, kept while the store cannot change (else ``label_max_age``)."""
    with g.lock:
        idx = getattr(g, "reconcile_index", None)
        made = getattr(g, "reconcile_index_made", 0.0)
        if idx is None or (not g.immutable and time.monotonic() - made > g.label_max_age):
            idx = ReconcileIndex(g)
            g.reconcile_index = idx
            g.reconcile_index_made = time.monotonic()
        return idx
