"""Generate the national-list tables of ``data/tables/`` from the national source pack and its re-check.

    python3 scripts/import_national.py PATH/TO/shared/sources/national PATH/TO/scratch/national [--out data/tables]

Reads the pack's ``lists.csv`` (373 holder rows: scheme, batch, year, announce_date, province, holder as
published, source ids, status, note) and the re-check's ``rows-checked.csv`` (the same rows with a supporting
quote and the source it was read in) and ``new-rows.csv`` (83 more holders found by the re-check).  The source
records are ``data/tables/national-sources.csv`` (curated by hand: the pack's S-ids become ``N``-ids, the
re-check's X-ids ``NX``-ids); the division records ``data/tables/divisions.csv``.

Writes ``national-demonstration-zone.csv`` and ``national-two-mountains-base.csv`` (one row per holder and
batch) and ``national-places.csv`` (the holders that are not divisions).  Each row's holder name, province and
year of naming are resolved to a division by ``ecokg.dataset.names``: the ``division`` column is filled only when
exactly one division fits; a sub-county area becomes a place in that division; a name that does not resolve
is marked ``unresolved`` with the reason, never guessed.  ``ecokg validate`` checks the tables the same way.

Rules (docs/model.md, "National lists"):

* status ``final`` -> ``Named``: the row is an ``eco:Designation`` (``designation`` column); ``reported_unverified``,
  ``inferred``, ``proposed`` -> ``ReportedUnverified``, ``Inferred``, ``Proposed``: the row is an ``eco:Claim``
  (``claim`` column), low confidence.  ``DECISIONS`` below changes the status of a few rows, each with its reason
  and the source that supports it.
* a holder the graph already has (Chongqing's national titles, ``MERGED``) keeps its designation: the row adds
  its sources, batch, year and date of naming to it; its confidence stays the one in ``data/national.ttl``.
* sources: the row's pack sources, plus the source the re-check read its quote in.
* confidence of a designation row: high when it cites an official source that is not a mirror copy, or two
  news sources that are not; medium with one such news source; low when every source is a mirror copy
  (``mirror`` in national-sources.csv) or has no known address.  ``CAPS`` lowers it for named rows whose
  wording is uncertain.  The batch confidence is the same, but at most medium when the batch is only read from
  a year ("2020年", "去年").
* names published in English (a province's English site) are kept in English (``published_en``): the
  re-check's Chinese translations of them are never recorded as published names.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from ecokg.dataset.names import read_divisions  # noqa: E402

DEFAULT_OUT = REPO / "data" / "tables"
SCHEMES = {"demo-zone": "national-demonstration-zone", "two-mountains": "national-two-mountains-base"}
STATUS = {"final": "Named", "reported_unverified": "ReportedUnverified", "inferred": "Inferred",
          "proposed": "Proposed"}
COLUMNS = ("batch", "status", "year", "conferred_on", "conferred_in", "province", "published_zh", "published_en",
           "division", "holder", "unresolved", "holder_zh", "holder_en", "designation", "claim", "sources",
           "confidence", "batch_confidence", "quote_zh", "quote_en", "note")
PLACE_COLUMNS = ("id", "class", "name_zh", "name_en", "en_method", "alt_zh", "area_type", "contained_in", "sources",
                 "comment")

# (scheme, batch, province, holder as in the pack) -> (new status, reason). The supporting source is the one
# the re-check read its quote in (added to the row's sources).
DECISIONS = {
    ("demo-zone", "1", "云南省", "西双版纳州"): ("final", "Named at the 2017-09-21 ceremony as one of Yunnan's two (NX01: 云南省西双版纳州、石林县作为云南省仅有的两个名额分别获国家生态文明建设示范县(区)命名表彰), so not only the list text supports it."),
    ("demo-zone", "1", "云南省", "石林县"): ("final", "Named at the 2017-09-21 ceremony as one of Yunnan's two (NX01)."),
    ("demo-zone", "1", "辽宁省", "盘锦市大洼区"): ("final", "Liaoning Daily (NX03, 2019) calls 大洼区 a holder of the first batch (第一批榮獲國家生態文明建設示範市縣的大洼區)."),
    ("demo-zone", "2", "湖北省", "保康县"): ("final", "Hubei Daily (NX12, December 2018) names it on the batch 2 list; no longer an inference."),
    ("demo-zone", "2", "湖北省", "鹤峰县"): ("final", "Hubei Daily (NX12, December 2018) names it on the batch 2 list; no longer an inference."),
}

# rows that neither the pack's lists.csv nor the re-check holds, read in a pack source: (scheme, batch, year, date,
# province, holder, sources, status, note, quote)
EXTRA = [
    ("demo-zone", "3", "2019", "2019-11-14", "海南省", "海口市", "S76", "reported_unverified",
     "S76 (a repost of People's Daily Online) says 海南省海口市 was named in batch 3; the reprinted final list (S35) "
     "has no Hainan entry between 广西 and 重庆, so the pack did not accept it (competing claim "
     "n35-national-demonstration-zone-3-hainan)",
     "同批入选的还有杭州市西湖区、海南省海口市、湖北省十堰市等众多全国知名旅游城市。"),
]

# rows whose published name is English (the re-check translated them): (scheme, batch, translation) -> English
# name as the source prints it
ENGLISH = {
    ("demo-zone", "2", "张家界市武陵源区"): "Wulingyuan District in Zhangjiajie",
    ("demo-zone", "5", "怀化市鹤城区"): "Hecheng District, Huaihua City",
    ("demo-zone", "5", "长沙市长沙县"): "Changsha County, Changsha City",
    ("demo-zone", "5", "湘潭市韶山市"): "Shaoshan City, Xiangtan City",
    ("demo-zone", "5", "岳阳市平江县"): "Pingjiang County, Yueyang City",
    ("demo-zone", "5", "郴州市汝城县"): "Rucheng County, Chenzhou City",
    ("demo-zone", "5", "永州市祁阳市"): "Qiyang County-level City, Yongzhou City",
    ("demo-zone", "6", "绥宁县"): "Suining",
    ("demo-zone", "6", "桑植县"): "Sangzhi",
    ("demo-zone", "6", "安化县"): "Anhua",
    ("demo-zone", "6", "新晃侗族自治县"): "Xinhuang Dong Autonomous County",
    ("two-mountains", "5", "浏阳市"): "Liuyang County-level City of Changsha City",
    ("two-mountains", "5", "桃花源旅游管理区"): "Taohuayuan Tourism Administration in Changde City",
    ("two-mountains", "6", "长沙县"): "Changsha County",
    ("two-mountains", "6", "靖州苗族侗族自治县"): "Jingzhou Miao and Dong Autonomous County",
    ("two-mountains", "6", "永州市金洞管理区"): "Yongzhou Jindong Management District",
}

# Chongqing's national titles already in data/national.ttl: (scheme, division) -> designation IRI slug
MERGED = {
    ("demo-zone", "500120"): "bishan-district--national-demonstration-zone",
    ("demo-zone", "500109"): "beibei-district--national-demonstration-zone",
    ("demo-zone", "500112"): "yubei-district--national-demonstration-zone",
    ("demo-zone", "500229"): "chengkou-county--national-demonstration-zone",
}

# named rows whose confidence is capped, with the reason
CAPS = {
    ("demo-zone", "6", "Suining"): ("MediumConfidence", "NX09's first sentence says the four were 'shortlisted'; its title and date (after the naming of 18 Nov 2022) say designated."),
    ("demo-zone", "6", "Sangzhi"): ("MediumConfidence", "As for Suining (NX09)."),
    ("demo-zone", "6", "Anhua"): ("MediumConfidence", "As for Suining (NX09)."),
    ("demo-zone", "6", "Xinhuang Dong Autonomous County"): ("MediumConfidence", "As for Suining (NX09)."),
}

# Holders that are not divisions: published name -> (slug, class, English label, its method, area type or "",
# province-level containment when the name gives no division, comment). The Chinese label is the name as published.
PLACES = {
    "长白山保护开发区池北区": ("changbaishan-chibei-district", "PracticeArea", "Chibei District of the Changbai Mountain Protection and Development Zone", "Rendering", "ManagementArea", "220000",
                        "An area of the Changbai Mountain Protection and Development Zone (长白山保护开发区), run by its management committee, not a division of the code list; the name gives no county or prefecture."),
    "十二师": ("xpcc-12th-division", "UnresolvedPlace", "12th Division of the Xinjiang Production and Construction Corps", "Rendering", "", "650000",
            "A division (师) of the Xinjiang Production and Construction Corps (新疆生产建设兵团), not in the division code list; its territory is not given by the source. Contained in Xinjiang because the Corps is in Xinjiang."),
    "二师三十四团": ("xpcc-2nd-division-34th-regiment", "UnresolvedPlace", "34th Regiment of the 2nd Division of the Xinjiang Production and Construction Corps", "Rendering", "", "650000",
               "A regiment (团) of the Xinjiang Production and Construction Corps, not in the division code list. Contained in Xinjiang because the Corps is in Xinjiang."),
    "一师阿拉尔市": ("xpcc-1st-division-alar", "UnresolvedPlace", "1st Division / Alar City of the Xinjiang Production and Construction Corps", "Rendering", "", "650000",
               "第一师阿拉尔市 is the Corps' 1st Division administered together with the county-level city of Alar (阿拉尔市, division 659002: 师市合一). Whether the title covers the city's division or the Corps division's whole territory is not stated, so it is not resolved to 659002."),
    "屏边[…]": ("pingbian-name-cut-off", "UnresolvedPlace", "Pingbian… (name cut off in the only copy)", "Rendering", "", "530000",
              "The only copy of the final list of batch 3 (N35) is cut off after 屏边. The name probably continues as 屏边苗族自治县 (division 532523, the only division of Yunnan whose name begins so), but the end of the name is not seen, so it is not resolved."),
    "锡林郭勒盟乌拉盖管理区": ("wulagai-management-area", "PracticeArea", "Wulagai Management Area", "Rendering", "ManagementArea", None, ""),
    "杭锦旗库布其沙漠亿利生态示范区": ("kubuqi-desert-yili-ecological-demonstration-zone", "PracticeArea", "Kubuqi Desert Yili Ecological Demonstration Zone", "Rendering", "DevelopmentZone", None, ""),
    "保康县尧治河村": ("yaozhihe-village", "PracticeArea", "Yaozhihe Village", "Rendering", "Village", None, ""),
    "古浪县八步沙林场": ("babusha-forest-farm", "PracticeArea", "Babusha Forest Farm", "Rendering", "ForestFarm", None, ""),
    "南阳市邓州市一二三产融合发展试验区": ("dengzhou-industry-integration-pilot-zone", "PracticeArea", "Dengzhou Primary, Secondary and Tertiary Industry Integration Pilot Zone", "Rendering", "DevelopmentZone", None, ""),
    "银川市西夏区镇北堡镇": ("zhenbeibu-town", "Township", "Zhenbeibu Town", "Rendering", "", None, ""),
    "贵州省赤水河流域茅台酒地理标志保护生态示范区": ("chishui-river-moutai-demonstration-zone", "PracticeArea", "Chishui River Basin Moutai Geographical Indication Protection Ecological Demonstration Zone", "Rendering", "DevelopmentZone", None, ""),
    "普洱市澜沧县景迈山": ("jingmai-mountain", "PracticeArea", "Jingmai Mountain", "Rendering", "MountainArea", None, ""),
    "巴彦淖尔市临河区新华林场防沙治沙示范区": ("xinhua-forest-farm-sand-control-demonstration-zone", "PracticeArea", "Xinhua Forest Farm Sand Prevention and Control Demonstration Zone", "Rendering", "DevelopmentZone", None, ""),
    "鄂尔多斯市恩格贝生态示范区": ("engebei-ecological-demonstration-zone", "PracticeArea", "Engebei Ecological Demonstration Zone", "Rendering", "DevelopmentZone", None, ""),
    "厦门岛": ("xiamen-island", "PracticeArea", "Xiamen Island", "Rendering", "Island", "350000",
            "The island of Xiamen. The name gives no division (the island is not one), so it lies in Fujian as far as the source says."),
    "凤庆县安石村": ("anshi-village", "PracticeArea", "Anshi Village", "Rendering", "Village", None, ""),
    "大理市(洱海流域)": ("dali-erhai-basin", "PracticeArea", "Dali City (Erhai Lake Basin)", "Rendering", "RiverBasin", None, ""),
    "金徽矿业绿色矿山郭家沟示范区": ("jinhui-mining-guojiagou-green-mine-demonstration-zone", "PracticeArea", "Jinhui Mining Guojiagou Green Mine Demonstration Zone", "Rendering", "DevelopmentZone", "620000",
                          "A company's (金徽矿业) green-mine demonstration zone; the name gives no division, so it lies in Gansu as far as the source says."),
    "建三江管理局": ("jiansanjiang-administration-bureau", "PracticeArea", "Jiansanjiang Administration Bureau", "Rendering", "ManagementArea", "230000",
               "The area of the Jiansanjiang bureau of Heilongjiang's land reclamation system (N19: 农垦建三江管理局), not a division; the name gives no county or prefecture."),
    "塞罕坝机械林场": ("saihanba-forest-farm", "PracticeArea", "Saihanba Mechanized Forest Farm", "Rendering", "ForestFarm", "130000",
                "A state forest farm; the name gives no county or prefecture, so it lies in Hebei as far as the source says."),
    "Taohuayuan Tourism Administration in Changde City": ("taohuayuan-tourism-administration", "PracticeArea", "Taohuayuan Tourism Administration", "EstablishedName", "ManagementArea", None,
                                                         "Only an English name is given (NX10); the Chinese label is ecokg's translation, not a published name."),
    "Yongzhou Jindong Management District": ("jindong-management-district", "PracticeArea", "Jindong Management District", "EstablishedName", "ManagementArea", None,
                                            "Only an English name is given (NX09); the Chinese label is ecokg's translation, not a published name."),
    "南阳市淅川县(环丹江口水库区)": ("xichuan-danjiangkou-reservoir-area", "PracticeArea", "Xichuan County (Danjiangkou Reservoir Area)", "Rendering", "LakeArea", None, ""),
    "四川天府新区": ("tianfu-new-area", "PracticeArea", "Tianfu New Area", "Rendering", "ManagementArea", None, ""),
}
# the Chinese labels of places published only in English (ecokg's translations, marked in their comment)
PLACE_ZH = {"taohuayuan-tourism-administration": "桃花源旅游管理区", "jindong-management-district": "永州市金洞管理区"}


def die(msg: str) -> None:
    print(f"import_national: {msg}", file=sys.stderr)
    sys.exit(2)


def nid(sid: str) -> str:
    sid = sid.strip()
    if re.fullmatch(r"S\d\d", sid):
        return "N" + sid[1:]
    if re.fullmatch(r"X\d\d", sid):
        return "NX" + sid[1:]
    die(f"unknown source id {sid!r}")


RANK = {"HighConfidence": 3, "MediumConfidence": 2, "LowConfidence": 1}


def confidence(sources: list[str], info: dict[str, dict]) -> str:
    strong = reputable = 0
    for s in sources:
        r = info[s]
        if r["mirror"] == "true" or not r["url"] or r["kind"] == "OtherSource":
            continue
        if r["kind"] == "OfficialSource":
            strong += 1
        else:
            reputable += 1
    if strong or reputable >= 2:
        return "HighConfidence"
    return "MediumConfidence" if reputable else "LowConfidence"


def lower(a: str, b: str) -> str:
    return a if RANK[a] <= RANK[b] else b


@dataclass
class Row:
    scheme: str
    batch: str
    year: str
    date: str
    province: str
    holder: str  # as in the pack (or the re-check's translation)
    sources: list[str]
    status: str
    note: str
    quote: str
    checked_note: str
    origin: int  # 0 pack, 1 re-check, 2 EXTRA
    index: int
    extra: list[str] = field(default_factory=list)


def read_rows(pack: Path, scratch: Path) -> list[Row]:
    with open(pack / "lists.csv", encoding="utf-8-sig", newline="") as fh:
        listed = list(csv.DictReader(fh))
    with open(scratch / "rows-checked.csv", encoding="utf-8-sig", newline="") as fh:
        checked = list(csv.DictReader(fh))
    with open(scratch / "new-rows.csv", encoding="utf-8-sig", newline="") as fh:
        new = list(csv.DictReader(fh))
    if len(listed) != len(checked):
        die(f"lists.csv has {len(listed)} rows, rows-checked.csv {len(checked)}")
    rows = []
    for i, (a, b) in enumerate(zip(listed, checked)):
        for k in ("scheme", "batch", "province_zh", "holder_zh", "source_id", "status"):
            if a[k] != b[k]:
                die(f"lists.csv row {i + 2} and rows-checked.csv differ in {k}")
        m = re.match(r"quote from (\S+?);", b["checked_note"])
        rows.append(Row(a["scheme"], a["batch"], a["year"], a["announce_date"], a["province_zh"], a["holder_zh"],
                        [nid(s) for s in a["source_id"].split(";")], a["status"], a["note"], b["checked_quote"],
                        b["checked_note"], 0, i, [nid(m.group(1))] if m else []))
    for i, r in enumerate(new):
        rows.append(Row(r["scheme"], r["batch"], r["year"], r["announce_date"], r["province_zh"], r["holder_zh"],
                        [nid(s) for s in r["source_id"].split(";")], r["status"], r["note"], r["quote"], "", 1, i))
    for i, (scheme, batch, year, date, province, holder, sources, status, note, quote) in enumerate(EXTRA):
        rows.append(Row(scheme, batch, year, date, province, holder, [nid(s) for s in sources.split(";")], status,
                        note, quote, "", 2, i))
    return rows


def clean_note(text: str) -> str:
    """A note without the re-check's own name check (the resolver's reading replaces it)."""
    parts = [p.strip() for p in text.split(";")
             if p.strip() and not p.strip().startswith("name_check") and not re.match(r"\d{6} valid in", p.strip())]
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pack", type=Path, help="the national source pack folder (lists.csv)")
    ap.add_argument("scratch", type=Path, help="the re-check folder (rows-checked.csv, new-rows.csv)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    index = read_divisions(args.out / "divisions.csv")
    with open(args.out / "national-sources.csv", encoding="utf-8", newline="") as fh:
        info = {r["id"]: r for r in csv.DictReader(fh)}
    rows = read_rows(args.pack, args.scratch)

    tables: dict[str, list[dict]] = {s: [] for s in SCHEMES.values()}
    places: dict[str, dict] = {}
    used: set[str] = set()
    for r in sorted(rows, key=lambda r: (r.scheme, int(r.batch), r.origin, r.index)):
        scheme = SCHEMES[r.scheme]
        decision = DECISIONS.get((r.scheme, r.batch, r.province, r.holder))
        status = decision[0] if decision else r.status
        english = ENGLISH.get((r.scheme, r.batch, r.holder))
        published = english or r.holder
        sources = list(dict.fromkeys([*r.sources, *r.extra]))
        for s in sources:
            if s not in info:
                die(f"{r.holder}: source {s} is not in national-sources.csv")
        res = index.resolve(published, province=r.province, year=int(r.year))
        out = {c: "" for c in COLUMNS}
        out.update(batch=r.batch, status=STATUS[status], year=r.year, province=r.province,
                   sources=";".join(sources))
        if re.fullmatch(r"\d{4}-\d\d-\d\d", r.date):
            out["conferred_on"] = r.date
        elif re.fullmatch(r"\d{4}-\d\d", r.date):
            out["conferred_in"] = r.date
        else:
            die(f"{r.holder}: date {r.date!r}")
        out["published_en" if english else "published_zh"] = published
        place = PLACES.get(published)
        if res.certain:
            cand = res.candidate
            out["division"] = cand.division.id
            if cand.area:
                if place is None:
                    die(f"{published}: an area ({cand.area}) without an entry in PLACES")
                slug = place[0]
                contained = f"division/{cand.division.id}"
            else:
                if place is not None:
                    die(f"{published}: resolves to a division but has an entry in PLACES")
                slug = None
        else:
            if place is None:
                die(f"{published} ({r.province}, {r.year}) does not resolve: {res.reason()}")
            slug = place[0]
            contained = f"division/{place[5]}"
            out["unresolved"] = f"{res.reason()}. {place[6]}".strip()
        if slug is None:
            d = cand.division
            out["holder"] = f"division/{d.id}"
            out["holder_zh"], out["holder_en"] = d.name, d.name_en
            holder_slug = d.id
        else:
            s, cls, name_en, method, area_type, _province, comment = place
            name_zh = PLACE_ZH.get(s, published)
            p = places.setdefault(s, {c: "" for c in PLACE_COLUMNS})
            p.update(id=s, **{"class": cls}, name_zh=name_zh, name_en=name_en, en_method=method,
                     area_type=area_type, contained_in=contained)
            if res.certain and res.candidate.area and not english:
                p["alt_zh"] = res.candidate.area
            p["sources"] = ";".join(dict.fromkeys([*filter(None, p["sources"].split(";")), *sources]))
            text = comment
            if method == "Rendering":
                text = (text + " " if text else "") + "The English label is ecokg's rendering: no source read gives an English name."
            p["comment"] = text
            out["holder"] = f"place/{s}"
            out["holder_zh"], out["holder_en"] = name_zh, name_en
            holder_slug = s
        note = clean_note(r.note)
        recheck = clean_note(r.checked_note)
        parts = []
        if note:
            parts.append(f"Source pack: {note}.")
        if recheck:
            parts.append(f"Re-check: {recheck}.")
        if res.certain:
            parts.append(f"Name resolved: {res.candidate.how()}.")
        if r.origin == 1:
            parts.append("Found by the re-check of the national lists (not in the pack's lists.csv).")
        elif r.origin == 2:
            parts.append("Not a row of the pack's lists.csv: recorded so that both sides of the disagreement are in the graph.")
        if decision:
            parts.append(f"Status {r.status} in the pack; recorded as {STATUS[status]}: {decision[1]}")
        if english:
            parts.append("The source gives the name in English only; the Chinese name is the division's (or, for an area, ecokg's translation), not a published one.")
        if status == "final":
            merged = MERGED.get((r.scheme, holder_slug))
            out["designation"] = merged or f"{holder_slug}--{scheme}"
            if out["designation"] in used:
                die(f"{published}: two named rows make {out['designation']}")
            used.add(out["designation"])
            if merged:
                parts.append("Merged into the designation already recorded for this holder (data/national.ttl), which keeps its confidence.")
            else:
                conf = confidence(sources, info)
                cap = CAPS.get((r.scheme, r.batch, published))
                if cap:
                    conf = lower(conf, cap[0])
                    parts.append(f"Confidence at most {cap[0].removesuffix('Confidence').lower()}: {cap[1]}")
                out["confidence"] = conf
                if "=>" in r.note or "去年" in r.note:
                    batch_conf = lower(conf, "MediumConfidence")
                    if batch_conf != conf:
                        out["batch_confidence"] = batch_conf
                        parts.append("The batch is read from the year of naming the source gives, hence batch confidence at most medium.")
        else:
            out["claim"] = f"{sources[0].lower()}-{holder_slug}-{scheme}-{r.batch}"
            out["confidence"] = "LowConfidence"
        quote = r.quote.strip()
        if quote:
            out["quote_en" if re.fullmatch(r"[\x00-\x7f\u2013-\u201d]+", quote) else "quote_zh"] = quote
        out["note"] = " ".join(parts)
        tables[scheme].append(out)

    for scheme, table in tables.items():
        path = args.out / f"{scheme}.csv"
        write(path, COLUMNS, table)
        print(f"{path}: {len(table)} rows", file=sys.stderr)
    write(args.out / "national-places.csv", PLACE_COLUMNS, sorted(places.values(), key=lambda p: p["id"]))
    print(f"{args.out / 'national-places.csv'}: {len(places)} rows", file=sys.stderr)


def write(path: Path, columns, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
