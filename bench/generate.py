"""A deterministic generator of synthetic ecokg data at a chosen size.

The data follow docs/model.md: a large *synthetic* country of province-level
divisions (``eco:Municipality``) and their districts and counties, practice
areas, national and provincial designation schemes with many batches,
designations, ecological practices, stated counts, and ten years of indicator
observations for every county-level division.  Every entity has a Chinese and
an English label and cites a source; every source says it is synthetic.  The
same seed and scale always give the same bytes (for the same ontology).

Names are made from a fixed syllable table, so they look like place names but
are not real ones; nothing here is a fact about China.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

BASE = "https://w3id.org/ecokg/"
ECO = "https://w3id.org/ecokg/ontology#"
ID = BASE + "id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
SOSA = "http://www.w3.org/ns/sosa/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
PROV = "http://www.w3.org/ns/prov#"

# Number of county-level divisions per scale; about 330 triples each.
SCALES: dict[str, int] = {"10k": 31, "100k": 330, "1m": 3300}
COUNTIES_PER_PROVINCE = 92  # about China's average (2,844 county-level divisions over 31 provinces)
YEARS = list(range(2015, 2025))  # ten years of observations
NATIONAL_BATCH_YEARS = list(range(2017, 2025))  # eight numbered batches per national scheme
PROVINCIAL_COHORTS = list(range(2019, 2025))  # year-labelled cohorts of the provincial schemes

# (pinyin, hanzi) syllables for made-up names
SYLLABLES = [
    ("kai", "开"), ("zhou", "州"), ("wu", "巫"), ("shan", "山"), ("feng", "丰"), ("du", "都"), ("qian", "黔"),
    ("jiang", "江"), ("yun", "云"), ("yang", "阳"), ("liang", "梁"), ("ping", "平"), ("bei", "北"), ("nan", "南"),
    ("chuan", "川"), ("tong", "潼"), ("rong", "荣"), ("chang", "昌"), ("bi", "璧"), ("he", "合"), ("tai", "泰"),
    ("hua", "华"), ("lin", "林"), ("song", "松"), ("shi", "石"), ("zhu", "竹"), ("xi", "溪"), ("hu", "湖"),
    ("lu", "鹿"), ("ning", "宁"), ("xin", "新"), ("qing", "青"), ("bai", "白"), ("long", "龙"), ("fu", "涪"),
    ("ling", "陵"), ("wan", "万"), ("sheng", "盛"), ("cheng", "城"), ("kou", "口"), ("mei", "梅"), ("tao", "桃"),
    ("yu", "玉"), ("jin", "金"), ("shui", "水"), ("quan", "泉"), ("gu", "谷"), ("ma", "马"), ("niu", "牛"),
    ("dong", "东"), ("guang", "光"), ("ming", "明"), ("de", "德"), ("gao", "高"), ("mao", "茂"), ("sha", "沙"),
    ("hai", "海"), ("lan", "兰"), ("zi", "梓"), ("teng", "滕"),
]
AREA_TYPES = [  # (eco: individual, English noun, Chinese noun, slug word)
    ("RiverBasin", "River Basin", "河流域", "river-basin"),
    ("MountainArea", "Mountain Area", "山片区", "mountain-area"),
    ("ScenicArea", "Scenic Area", "风景区", "scenic-area"),
    ("PastoralComplex", "Pastoral Complex", "田园综合体", "pastoral-complex"),
    ("LakeArea", "Lake Area", "湖片区", "lake-area"),
]
INDICATORS = [  # slug, en, zh, unit individual, low, high, decimals, larger-is-better
    ("good-air-quality-days", "Days of good air quality", "空气质量优良天数", "Day", 250, 366, 0, True),
    ("forest-coverage", "Forest coverage", "森林覆盖率", "Percent", 20, 75, 1, True),
    ("eco-environment-index", "Ecological environment status index", "生态环境状况指数", "Point", 40, 90, 1, True),
]
CONFIDENCE = ["HighConfidence"] * 8 + ["MediumConfidence"] * 2 + ["LowConfidence"]
PRACTICES = [  # slug word, English, Chinese
    ("eco-tourism", "eco-tourism", "生态旅游"), ("forest-carbon-sink", "forest carbon sink trading", "林业碳汇交易"),
    ("ecological-compensation", "ecological compensation", "生态补偿"),
    ("tea-garden", "ecological tea gardens", "生态茶园"), ("river-chief", "river chief system", "河长制"),
    ("green-bond", "green bonds", "绿色债券"), ("bamboo-industry", "bamboo industry", "竹产业"),
]


def iri(path: str) -> ox.NamedNode:
    return ox.NamedNode(ID + path)


def eco(name: str) -> ox.NamedNode:
    return ox.NamedNode(ECO + name)


def _n(ns: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(ns + name)


A = _n(RDF, "type")
LABEL = _n(RDFS, "label")
SOURCE = _n(DCT, "source")
CONTAINED = _n(SCHEMA, "containedInPlace")


def lit(value, dtype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(str(value), language=lang)
    if dtype:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + dtype))
    return ox.Literal(str(value))


@dataclass
class Manifest:
    """What the generator made, and the parameters the query mix uses."""

    scale: str
    seed: int
    counties: int
    provinces: int
    triples: int = 0
    entity: str = ""  # a county with designations, practices and observations
    lookup_entity: str = ""
    national_schemes: list[str] = field(default_factory=list)
    provincial_schemes: list[str] = field(default_factory=list)
    indicator: str = ""
    top_indicator: str = ""
    year: int = YEARS[-1]
    label_text: str = ""
    describe_entity: str = ""
    page_paths: list[str] = field(default_factory=list)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


class Country:
    """The synthetic country; ``triples()`` yields its graph in a fixed order."""

    def __init__(self, counties: int, seed: int = 20261128, scale: str = "custom"):
        self.rng = random.Random(seed)
        self.n_counties = counties
        self.n_provinces = max(1, math.ceil(counties / COUNTIES_PER_PROVINCE))
        self.manifest = Manifest(scale=scale, seed=seed, counties=counties, provinces=self.n_provinces)
        self._names: set[str] = set()
        self._source_counter = 0

    # ---- names -------------------------------------------------------------------------------------------
    def _name(self, syllables: int) -> tuple[str, str]:
        """A new name of ``syllables`` syllables, or more once those run short (3,600 two-syllable names)."""
        tries = 0
        while True:
            parts = [self.rng.choice(SYLLABLES) for _ in range(syllables + tries // 20)]
            slug = "".join(p for p, _ in parts)
            if slug not in self._names:
                self._names.add(slug)
                return slug, "".join(h for _, h in parts)
            tries += 1

    # ---- sources -----------------------------------------------------------------------------------------
    def _source(self, title_en: str, title_zh: str, issued: str, publisher: str) -> tuple[ox.NamedNode, list]:
        self._source_counter += 1
        sid = f"S{900000 + self._source_counter}"  # the pack's pattern; far above the real pack's ids
        s = iri(f"source/{sid}")
        triples = [
            (s, A, eco("Source")),
            (s, _n(ECO, "sourceId"), lit(sid)),
            (s, LABEL, lit(f"合成基准来源 {sid}：{title_zh}", lang="zh")),
            (s, LABEL, lit(f"Synthetic benchmark source {sid}: {title_en}", lang="en")),
            (s, _n(DCT, "title"), lit(f"{title_zh}（合成数据）", lang="zh")),
            (s, _n(DCT, "publisher"), lit(publisher)),
            (s, _n(DCT, "issued"), lit(issued, "date")),
            (s, _n(SCHEMA, "url"), lit(f"https://bench.invalid/ecokg/{sid}", "anyURI")),
            (s, _n(DCT, "language"), lit("zh")),
            (s, _n(ECO, "sourceKind"), eco("OtherSource")),
            (s, _n(RDFS, "comment"), lit("Made up by the ecokg benchmark generator (bench/generate.py); not a fact.",
                                         lang="en")),
        ]
        return s, triples

    # ---- the graph ---------------------------------------------------------------------------------------
    def triples(self, progress=None) -> Iterator[ox.Triple]:
        for t in self._triples(progress):
            yield ox.Triple(*t)

    def _triples(self, progress) -> Iterator[tuple]:
        rng = self.rng
        m = self.manifest
        mee = iri("org/mee")
        gazetteer, gz = self._source("Synthetic gazetteer of divisions", "合成行政区划名录", "2024-01-01",
                                     "ecokg bench")
        yield from gz
        yield from [
            (mee, A, _n(ORG, "Organization")),
            (mee, LABEL, lit("生态环境部", lang="zh")),
            (mee, LABEL, lit("Ministry of Ecology and Environment", lang="en")),
            (mee, SOURCE, gazetteer),
        ]
        # indicators
        indicators = []
        for slug, en, zh, *_ in INDICATORS:
            ind = iri(f"indicator/{slug}")
            indicators.append(ind)
            yield from [(ind, A, eco("Indicator")), (ind, LABEL, lit(zh, lang="zh")), (ind, LABEL, lit(en, lang="en")),
                        (ind, SOURCE, gazetteer)]
        m.indicator = str(indicators[0].value)
        m.top_indicator = str(indicators[1].value)

        # national schemes and their numbered batches
        national = []
        for slug, en, zh in [("national-demonstration-zone", "National Ecological Civilization Demonstration Zone",
                              "国家生态文明建设示范区"),
                             ("national-two-mountains-base", "National \u201cTwo Mountains\u201d Practice Base",
                              "国家“绿水青山就是金山银山”实践创新基地")]:
            scheme = iri(f"scheme/{slug}")
            yield from self._scheme(scheme, en, zh, "National", mee, gazetteer)
            batches = []
            for ordinal, year in enumerate(NATIONAL_BATCH_YEARS, start=1):
                b, src, ts = self._batch(scheme, slug, en, zh, year, ordinal, "MEE")
                yield from ts
                batches.append((b, year, src))
            national.append((scheme, slug, en, zh, batches))
        m.national_schemes = [str(s[0].value) for s in national]
        national_counts = {s[1]: 0 for s in national}

        # yearbooks: one source per province and year for the observations
        county_index = 0
        for p in range(self.n_provinces):
            n_here = min(COUNTIES_PER_PROVINCE, self.n_counties - county_index)
            pslug, pzh = self._name(2)
            province = iri(f"place/{pslug}")
            pcode = 11 + p
            bureau = iri(f"org/{pslug}-eeb")
            yield from [
                (province, A, eco("Municipality")),
                (province, LABEL, lit(f"{pzh}市", lang="zh")),
                (province, LABEL, lit(f"{pslug.capitalize()} Municipality", lang="en")),
                (province, _n(ECO, "divisionCode"), lit(f"{pcode:02d}0000")),
                (province, SOURCE, gazetteer),
                (bureau, A, _n(ORG, "Organization")),
                (bureau, LABEL, lit(f"{pzh}市生态环境局", lang="zh")),
                (bureau, LABEL, lit(f"{pslug.capitalize()} Ecology and Environment Bureau", lang="en")),
                (bureau, SOURCE, gazetteer),
            ]
            yearbooks = {}
            for year in YEARS:
                s, ts = self._source(f"{pslug.capitalize()} ecological statistics yearbook {year}",
                                     f"{pzh}市生态环境统计年鉴{year}", f"{year + 1}-06-30", f"{pslug} statistics bureau")
                yield from ts
                yearbooks[year] = s
            provincial = []
            for sslug, en, zh in [(f"{pslug}-demonstration-district-county",
                                   f"{pslug.capitalize()} Ecological Civilization Demonstration District/County",
                                   f"{pzh}市生态文明建设示范区县"),
                                  (f"{pslug}-two-mountains-base",
                                   f"{pslug.capitalize()} \u201cTwo Mountains\u201d Practice Base",
                                   f"{pzh}市“绿水青山就是金山银山”实践创新基地")]:
                scheme = iri(f"scheme/{sslug}")
                yield from self._scheme(scheme, en, zh, "Municipal", bureau, gazetteer)
                cohorts = []
                for year in PROVINCIAL_COHORTS:
                    b, src, ts = self._batch(scheme, sslug, en, zh, year, None, f"{pslug} EEB")
                    yield from ts
                    cohorts.append((b, year, src))
                provincial.append((scheme, sslug, en, zh, cohorts))
                if p == 0:
                    m.provincial_schemes.append(str(scheme.value))
            provincial_counts = {s[1]: 0 for s in provincial}

            for c in range(n_here):
                kind = "District" if rng.random() < 0.35 else "County"
                cslug, czh = self._name(2)
                place_slug = f"{cslug}-{kind.lower()}"
                place = iri(f"place/{place_slug}")
                code = f"{pcode:02d}{c // 20 + 1:02d}{c % 20 + 1:02d}"
                en_name = f"{cslug.capitalize()} {kind}"
                zh_name = czh + ("区" if kind == "District" else "县")
                yield from [
                    (place, A, eco(kind)),
                    (place, LABEL, lit(zh_name, lang="zh")),
                    (place, LABEL, lit(en_name, lang="en")),
                    (place, _n(ECO, "divisionCode"), lit(code)),
                    (place, CONTAINED, province),
                    (place, _n(GEO, "lat"), lit(f"{rng.uniform(21, 45):.4f}", "decimal")),
                    (place, _n(GEO, "long"), lit(f"{rng.uniform(98, 122):.4f}", "decimal")),
                    (place, SOURCE, gazetteer),
                ]
                if county_index == 0:
                    m.lookup_entity = str(place.value)
                    m.label_text = cslug[:4]
                holders = [(place, place_slug, zh_name, en_name)]
                # a practice area in about one county of three
                if rng.random() < 0.33:
                    at, at_en, at_zh, at_slug = rng.choice(AREA_TYPES)
                    aslug, azh = self._name(2)
                    area_slug = f"{aslug}-{at_slug}"
                    area = iri(f"place/{area_slug}")
                    a_en, a_zh = f"{aslug.capitalize()} {at_en}", f"{azh}{at_zh}"
                    yield from [
                        (area, A, eco("PracticeArea")),
                        (area, LABEL, lit(a_zh, lang="zh")),
                        (area, LABEL, lit(a_en, lang="en")),
                        (area, _n(ECO, "areaType"), eco(at)),
                        (area, CONTAINED, place),
                        (area, _n(ECO, "constructionScope"), lit(f"{zh_name}{azh}等{rng.randint(2, 9)}个乡镇", lang="zh")),
                        (area, SOURCE, gazetteer),
                    ]
                    holders.append((area, area_slug, a_zh, a_en))
                # designations: national schemes, then provincial
                held = 0
                for schemes, rate, counts in ((national, (0.28, 0.15), national_counts),
                                              (provincial, (0.45, 0.22), provincial_counts)):
                    for (scheme, sslug, s_en, s_zh, batches), r in zip(schemes, rate):
                        if rng.random() >= r:
                            continue
                        h, h_slug, h_zh, h_en = rng.choice(holders)
                        b, year, src = rng.choice(batches)
                        yield from self._designation(h, h_slug, h_zh, h_en, scheme, sslug, s_en, s_zh, b, year, src)
                        counts[sslug] += 1
                        held += 1
                # practices
                practised = set()
                for _ in range(rng.choice((0, 0, 1, 1, 2))):
                    pw, p_en, p_zh = rng.choice(PRACTICES)
                    h, h_slug, h_zh, h_en = rng.choice(holders)
                    src = yearbooks[rng.choice(YEARS)]
                    households = rng.randint(100, 9000)
                    if (h_slug, pw) in practised:
                        continue
                    practised.add((h_slug, pw))
                    pr = iri(f"practice/{h_slug}-{pw}")
                    yield from [
                        (pr, A, eco("EcologicalPractice")),
                        (pr, LABEL, lit(f"{h_zh}{p_zh}", lang="zh")),
                        (pr, LABEL, lit(f"{p_en.capitalize()} in {h_en}", lang="en")),
                        (pr, _n(ECO, "practisedIn"), h),
                        (pr, _n(DCT, "description"), lit(f"{h_zh}发展{p_zh}，带动{households}户增收。", lang="zh")),
                        (pr, _n(DCT, "description"),
                         lit(f"{h_en} develops {p_en}, raising the income of {households} households.", lang="en")),
                        (pr, SOURCE, src),
                    ]
                # ten years of each indicator
                for (slug, i_en, i_zh, unit, lo, hi, dec, _), ind in zip(INDICATORS, indicators):
                    value = rng.uniform(lo, hi)
                    for year in YEARS:
                        value = min(hi, max(lo, value + rng.uniform(-0.04, 0.05) * (hi - lo)))
                        o = iri(f"observation/{place_slug}--{slug}--{year}")
                        yield from [
                            (o, A, eco("Observation")),
                            (o, LABEL, lit(f"{zh_name}{year}年{i_zh}", lang="zh")),
                            (o, LABEL, lit(f"{i_en} in {en_name}, {year}", lang="en")),
                            (o, _n(SOSA, "hasFeatureOfInterest"), place),
                            (o, _n(SOSA, "observedProperty"), ind),
                            (o, _n(ECO, "referenceYear"), lit(year, "gYear")),
                            (o, _n(ECO, "numericValue"), lit(f"{value:.{max(dec, 1)}f}", "decimal")),
                            (o, _n(ECO, "unit"), eco(unit)),
                            (o, SOURCE, yearbooks[year]),
                        ]
                if not m.entity and held >= 2:
                    m.entity = str(place.value)
                    m.describe_entity = str(place.value)
                    m.page_paths = [f"/id/place/{place_slug}", f"/id/indicator/{INDICATORS[0][0]}",
                                    f"/id/scheme/national-demonstration-zone"]
                if progress is not None:
                    progress.update(1)
                county_index += 1
            # stated counts: how many titles of each provincial scheme the province holds
            for scheme, sslug, s_en, s_zh, _ in provincial:
                yield from self._stated_count(scheme, sslug, province, pslug, s_en, s_zh, provincial_counts[sslug])
        china = iri("place/china")
        yield from [(china, A, eco("AdministrativeDivision")), (china, LABEL, lit("合成国家", lang="zh")),
                    (china, LABEL, lit("The synthetic country", lang="en")), (china, SOURCE, gazetteer)]
        for scheme, sslug, s_en, s_zh, _ in national:
            yield from self._stated_count(scheme, sslug, china, "country", s_en, s_zh, national_counts[sslug])
        if not m.entity:
            m.entity = m.describe_entity = m.lookup_entity
            m.page_paths = ["/" + m.entity[len(BASE):]]

    def _scheme(self, scheme, en, zh, level, org, src) -> list:
        return [
            (scheme, A, eco("DesignationScheme")),
            (scheme, LABEL, lit(zh, lang="zh")),
            (scheme, LABEL, lit(en, lang="en")),
            (scheme, _n(ECO, "level"), eco(level)),
            (scheme, _n(ECO, "conferredBy"), org),
            (scheme, _n(DCT, "description"), lit(f"A synthetic designation scheme: {en}.", lang="en")),
            (scheme, SOURCE, src),
        ]

    def _batch(self, scheme, sslug, en, zh, year, ordinal, who) -> tuple:
        src, ts = self._source(f"{who} names the {ordinal or year} batch of {en}", f"{zh}第{ordinal or year}批命名公告",
                               f"{year}-{self.rng.randint(9, 12):02d}-{self.rng.randint(1, 28):02d}", who)
        b = iri(f"batch/{sslug}-{ordinal or year}")
        ts += [
            (b, A, eco("Batch")),
            (b, LABEL, lit(f"{zh}（第{ordinal}批）" if ordinal else f"{zh}（{year}年）", lang="zh")),
            (b, LABEL, lit(f"{en}, batch {ordinal}" if ordinal else f"{en}, {year}", lang="en")),
            (b, _n(ECO, "scheme"), scheme),
            (b, _n(ECO, "year"), lit(year, "gYear")),
            (b, _n(ECO, "announcedOn"), lit(f"{year}-{self.rng.randint(9, 12):02d}", "gYearMonth")),
            (b, _n(ECO, "namingDocument"), lit(f"合成文件〔{year}〕{self.rng.randint(1, 99)}号")),
            (b, SOURCE, src),
        ]
        if ordinal:
            ts.append((b, _n(ECO, "ordinal"), lit(ordinal, "positiveInteger")))
        return b, src, ts

    def _designation(self, holder, h_slug, h_zh, h_en, scheme, sslug, s_en, s_zh, batch, year, src) -> list:
        d = iri(f"designation/{h_slug}--{sslug}")
        return [
            (d, A, eco("Designation")),
            (d, LABEL, lit(f"{h_zh}：{s_zh}", lang="zh")),
            (d, LABEL, lit(f"{h_en}: {s_en}", lang="en")),
            (d, _n(ECO, "holder"), holder),
            (d, _n(ECO, "scheme"), scheme),
            (d, _n(ECO, "batch"), batch),
            (d, _n(ECO, "year"), lit(year, "gYear")),
            (d, _n(ECO, "confidence"), eco(self.rng.choice(CONFIDENCE))),
            (d, _n(ECO, "quote"), lit(f"{h_zh}被命名为{s_zh}", lang="zh")),
            (d, SOURCE, src),
        ]

    def _stated_count(self, scheme, sslug, region, rslug, s_en, s_zh, value) -> list:
        c = iri(f"claim/{rslug}-{sslug}-count")
        src, ts = self._source(f"Count of {s_en}", f"{s_zh}数量", "2025-01-15", "ecokg bench")
        return ts + [
            (c, A, eco("StatedCount")),
            (c, LABEL, lit(f"{s_zh}数量", lang="zh")),
            (c, LABEL, lit(f"Number of {s_en} titles", lang="en")),
            (c, _n(ECO, "countedScheme"), scheme),
            (c, _n(ECO, "countedRegion"), region),
            (c, _n(ECO, "statedValue"), lit(value, "integer")),
            (c, _n(ECO, "asOf"), lit("2024", "gYear")),
            (c, _n(ECO, "confidence"), eco("HighConfidence")),
            (c, SOURCE, src),
        ]


def ontology_triples() -> Iterator[ox.Triple]:
    """The bundled ontology, so that the generated file is a complete graph on its own."""
    from ecokg import resources
    from ecokg.rdf.files import parse_file

    for path in resources.ontology_files():
        for q in parse_file(path):
            yield ox.Triple(q.subject, q.predicate, q.object)


def generate(scale: str | int, out_dir: Path, seed: int = 20261128, show_progress: bool = True) -> tuple[Path, Manifest]:
    """Write ``ecokg-{scale}.nt`` and its manifest ``ecokg-{scale}.json`` into ``out_dir``."""
    from tqdm import tqdm

    counties = SCALES[scale] if isinstance(scale, str) else int(scale)
    name = scale if isinstance(scale, str) else f"{counties}c"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"ecokg-{name}.nt"
    country = Country(counties, seed=seed, scale=name)
    count = 0

    def counted(it):
        nonlocal count
        for t in it:
            count += 1
            yield t

    with tqdm(total=counties, unit="county", desc=f"generating {path.name}", disable=not show_progress,
              mininterval=0.5) as bar:
        tmp = path.with_suffix(".nt.part")
        with open(tmp, "wb") as fh:
            ox.serialize(counted(ontology_triples()), fh, ox.RdfFormat.N_TRIPLES)
            ox.serialize(counted(country.triples(bar)), fh, ox.RdfFormat.N_TRIPLES)
        tmp.replace(path)
    country.manifest.triples = count
    country.manifest.write(path.with_suffix(".json"))
    return path, country.manifest
