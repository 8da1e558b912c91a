"""Generate ``data/tables/divisions.csv`` and ``division-points.csv`` from the division sources (not in the repo).

    python3 scripts/import_divisions.py PATH/TO/shared/sources/divisions [--out data/tables]

Reads (see that folder's README): ``mca-2024.txt`` (D01: the codes in force at the end of 2024),
``codes-1981-2024.csv`` (D02: every code used 1981-2024 with its years and successors), ``pinyin-2023.csv``
(D03: names with pinyin), ``points.csv`` with ``points-code-crosswalk-2024.csv`` (D04: DataV.GeoAtlas
seat-of-government points, WGS-84 columns).  Writes one row per division entity, the 2024 ones and every
earlier holder of a code, sorted by id, and one row per point; the files are then the source of truth and
are edited by hand for corrections (CONTRIBUTING.md).  Re-running the importer on the same inputs writes the
same bytes (English names marked EstablishedName in the existing table are kept).

Rules (docs/model.md, "Administrative divisions"):

* id: the code for the unit holding it in the 2024 list, or for a code not in that list its last holder;
  an earlier holder of a reused code is ``{code}-{first year}``.
* years: ``valid_from`` is D02's first year (1981 = in use by 1981), ``valid_until`` the year of the change
  or retirement (the first year the unit no longer holds the code); empty while in force.
* parent: county-level -> the prefecture named in D02 (same province, same name; the holder whose years
  overlap), or the province when D02 says 直辖; prefecture -> province; province -> China.
* successors: D02's new codes without ``[year]`` (a ``[year]`` marks a partial transfer of territory, not a
  successor), each resolved to the unit holding that code in the year of the change.
* English name: a curated English name already in the graph wins (en_method ``EstablishedName``); else the
  pinyin of the name without its level word, ethnic groups in English, and the level word
  ("Pengshui Miao and Tujia Autonomous County"): en_method ``PinyinTransliteration`` when the syllables come from D03
  (same code and name, else the same name elsewhere in D03), ``MachineTransliteration`` when D03 has no such name
  and pypinyin (``pip install -e '.[import]'``) computed them.
* point: D04's ``center_*_wgs84`` for the 2024 code (DataV codes re-mapped by the crosswalk first; a DataV
  code that the crosswalk moves elsewhere is never used under its own number).
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "data" / "tables"
COLUMNS = ("id", "code", "name_zh", "name_en", "en_method", "pinyin", "level", "kind", "parent",
           "valid_from", "valid_until", "successors", "sources")
POINT_COLUMNS = ("id", "lat", "long", "source")
# en_method values: the eco:EnglishLabelMethod individuals
ESTABLISHED, PINYIN, MACHINE = "EstablishedName", "PinyinTransliteration", "MachineTransliteration"

LEVELS = {"省级": "ProvinceLevel", "地级": "PrefectureLevel", "县级": "CountyLevel"}

# (level, suffix) -> (kind class in the ontology, English level word); longest suffix first
KINDS = [
    ("ProvinceLevel", "特别行政区", "SpecialAdministrativeRegion", "Special Administrative Region"),
    ("ProvinceLevel", "自治区", "AutonomousRegion", "Autonomous Region"),
    ("ProvinceLevel", "省", "Province", "Province"),
    ("ProvinceLevel", "市", "Municipality", "Municipality"),
    ("PrefectureLevel", "自治州", "AutonomousPrefecture", "Autonomous Prefecture"),
    ("PrefectureLevel", "地区", "Prefecture", "Prefecture"),
    ("PrefectureLevel", "盟", "League", "League"),
    ("PrefectureLevel", "市", "PrefectureLevelCity", "City"),
    ("PrefectureLevel", "区", "PrefectureLevelDistrict", "District"),
    ("CountyLevel", "自治县", "AutonomousCounty", "Autonomous County"),
    ("CountyLevel", "自治旗", "AutonomousBanner", "Autonomous Banner"),
    ("CountyLevel", "林区", "ForestryDistrict", "Forestry District"),
    ("CountyLevel", "特区", "SpecialDistrict", "Special District"),
    ("CountyLevel", "区", "District", "District"),
    ("CountyLevel", "县", "County", "County"),
    ("CountyLevel", "市", "CountyLevelCity", "City"),
    ("CountyLevel", "旗", "Banner", "Banner"),
]
OTHER_KIND = "AdministrativeDivision"  # a unit whose name has no level word (西沙群岛, 畹町镇): no kind class

# The usual English names of China's ethnic groups (as in the names of autonomous areas).
ETHNIC = {
    "蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uyghur", "苗": "Miao", "彝": "Yi", "壮": "Zhuang",
    "布依": "Bouyei", "朝鲜": "Korean", "满": "Manchu", "侗": "Dong", "瑶": "Yao", "白": "Bai", "土家": "Tujia",
    "哈尼": "Hani", "哈萨克": "Kazakh", "傣": "Dai", "黎": "Li", "傈僳": "Lisu", "佤": "Va", "畲": "She",
    "高山": "Gaoshan", "拉祜": "Lahu", "水": "Shui", "东乡": "Dongxiang", "纳西": "Naxi", "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz", "土": "Tu", "达斡尔": "Daur", "仫佬": "Mulao", "羌": "Qiang", "布朗": "Blang",
    "撒拉": "Salar", "毛南": "Maonan", "仡佬": "Gelao", "锡伯": "Xibe", "阿昌": "Achang", "普米": "Pumi",
    "塔吉克": "Tajik", "怒": "Nu", "乌孜别克": "Uzbek", "俄罗斯": "Russian", "鄂温克": "Ewenki",
    "德昂": "De'ang", "保安": "Bonan", "裕固": "Yugur", "京": "Gin", "塔塔尔": "Tatar", "独龙": "Derung",
    "鄂伦春": "Oroqen", "赫哲": "Hezhen", "门巴": "Monba", "珞巴": "Lhoba", "基诺": "Jino", "各": "Various Nationalities",
}
# a one-character group is only read with 族 (彭水 is not 彭 + 水族); longer ones also without (哈萨克, 锡伯)
_ETHNIC_RE = re.compile("(?:(" + "|".join(sorted(ETHNIC, key=len, reverse=True)) + ")族|("
                        + "|".join(sorted((k for k in ETHNIC if len(k) > 1), key=len, reverse=True)) + "))$")

CHINA = "place/china"


def die(msg: str) -> None:
    print(f"import_divisions: {msg}", file=sys.stderr)
    sys.exit(2)


@dataclass
class Unit:
    id: str
    code: str
    province: str  # D02 一级行政区
    prefecture: str  # D02 二级行政区 (直辖: none)
    name: str
    level: str
    start: int
    end: int | None
    new_codes: str
    line: int  # in D02
    parent: str = ""
    successors: list[str] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)

    def in_force(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year < self.end)


def read_d02(folder: Path, d01: dict[str, str]) -> list[Unit]:
    units: list[Unit] = []
    by_code: dict[str, list[tuple[int, dict]]] = collections.defaultdict(list)
    with open(folder / "codes-1981-2024.csv", encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            by_code[row["代码"]].append((line, row))
    for code, rows in sorted(by_code.items()):
        rows.sort(key=lambda lr: int(lr[1]["启用时间"]))
        current = [r for r in rows if r[1]["状态"] in ("在用", "弃用")]
        if len(current) != 1:
            die(f"code {code}: {len(current)} rows 在用/弃用, expected 1")
        last = current[0]
        if last[1]["状态"] == "在用" and code not in d01:
            die(f"code {code} is 在用 in D02 but not in the 2024 list")
        for line, row in rows:
            start = int(row["启用时间"])
            end = int(row["变更/弃用时间"]) if row["变更/弃用时间"] else None
            if row["状态"] == "在用" and end is not None:
                die(f"D02 line {line}: in use with an end year")
            uid = code if (line, row) == last else f"{code}-{start}"
            units.append(Unit(uid, code, row["一级行政区"], row["二级行政区"], row["名称"], LEVELS[row["级别"]],
                              start, end, row["新代码"], line))
    return units


def resolve(units: list[Unit]) -> None:
    """Parents and successors (see the module docstring)."""
    provinces = {u.name: u for u in units if u.level == "ProvinceLevel"}
    prefectures = collections.defaultdict(list)
    for u in units:
        if u.level == "PrefectureLevel":
            prefectures[(u.province, u.name)].append(u)
    by_code = collections.defaultdict(list)
    for u in units:
        by_code[u.code].append(u)
    problems = []
    for u in units:
        if u.level == "ProvinceLevel":
            u.parent = CHINA
        elif u.level == "PrefectureLevel" or u.prefecture == "直辖":
            p = provinces.get(u.province)
            if p is None:
                problems.append(f"D02 line {u.line}: no province {u.province}")
                continue
            u.parent = "division/" + p.id
        else:
            cands = prefectures.get((u.province, u.prefecture), [])
            if not cands:
                problems.append(f"D02 line {u.line}: no prefecture {u.province} {u.prefecture}")
                continue

            def overlap(p: Unit) -> tuple[int, int, int]:
                lo, hi = max(u.start, p.start), min(u.end or 2025, p.end or 2025)
                return (hi - lo, p.code[:4] == u.code[:4], p.start)
            u.parent = "division/" + max(cands, key=overlap).id
        for part in filter(None, u.new_codes.split(";")):
            if "[" in part:  # a partial transfer of territory in that year, not a successor
                continue
            if u.end is None:
                problems.append(f"D02 line {u.line}: a successor ({part}) of a code in force")
                continue
            holders = [h for h in by_code.get(part, []) if h.in_force(u.end)]
            if len(holders) != 1:
                problems.append(f"D02 line {u.line}: successor {part} in {u.end}: {len(holders)} holders")
                continue
            u.successors.append("division/" + holders[0].id)
    if problems:
        die("unresolved:\n  " + "\n  ".join(problems))


# ---- names -----------------------------------------------------------------------------------------------

def split_name(name: str, level: str) -> tuple[str, list[str], str, str]:
    """(core, ethnic groups in English, kind class, English level word) of a Chinese division name."""
    for lvl, suffix, kind, word in KINDS:
        if lvl == level and name.endswith(suffix) and len(name) > len(suffix):
            core = name[: -len(suffix)]
            groups: list[str] = []
            if "自治" in suffix:
                while True:
                    m = _ETHNIC_RE.search(core)
                    if not m:
                        break
                    groups.insert(0, ETHNIC[m.group(1) or m.group(2)])
                    core = core[: m.start()]
                    if not core:  # the name is the group's (鄂温克族自治旗): "Ewenki Autonomous Banner"
                        break
            return core, groups, kind, word
    return name, [], OTHER_KIND, ""


def without_level_word(name: str, level: str) -> str:
    for lvl, suffix, _, _ in KINDS:
        if lvl == level and name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def english(syllables: list[str], groups: list[str], word: str) -> str:
    out = ""
    for i, s in enumerate(syllables):
        s = s.replace("v", "ü")
        out += ("'" if i and s[0] in "aoe" else "") + s
    parts = [out[:1].upper() + out[1:]] if out else []
    if groups:
        parts.append(" and ".join(groups) if len(groups) < 3 else ", ".join(groups[:-1]) + " and " + groups[-1])
    if word:
        parts.append(word)
    return " ".join(parts)


class Pinyin:
    """Syllables per character: D03 for the same code and name, else the same name in D03, else pypinyin,
    each character read as D03 reads it in place names where D03 is near-unanimous (seen at least twice, one
    reading in 80 % or more).  Checked against D03 itself, leaving each name out in turn: pypinyin alone
    agrees on 97.0 % of D03's 3,639 names, with the correction on 99.1 % (长 chang, 都 du, 朝 chao ...)."""

    def __init__(self, folder: Path):
        self.by_code: dict[str, tuple[str, list[str]]] = {}
        self.by_name: dict[str, set[tuple[str, ...]]] = collections.defaultdict(set)
        self.readings: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        with open(folder / "pinyin-2023.csv", encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                full, short, syl = row["ext_name"], row["name"], row["pinyin"].split()
                if len(syl) != len(short) or not full.startswith(short):
                    continue  # syllables cannot be aligned to characters: not used
                self.by_code[row["ext_id"][:6]] = (full, syl)
                for char, reading in zip(short, syl):
                    self.readings[char][reading] += 1
                self.by_name[short].add(tuple(syl))
                self.by_name[full[: len(short)]].add(tuple(syl))
        self.machine = None

    def syllables(self, code: str, name: str, core: str) -> tuple[list[str], str]:
        """(syllables of ``core``, PINYIN | MACHINE)."""
        hit = self.by_code.get(code)
        if hit and hit[0] == name and len(hit[1]) >= len(core):
            return hit[1][: len(core)], PINYIN
        for n in range(len(name), len(core) - 1, -1):  # the longest prefix of the name that D03 spells
            found = self.by_name.get(name[:n])
            if found and len(found) == 1 and n >= len(core):
                return list(next(iter(found)))[: len(core)], PINYIN
        return self._machine(core), MACHINE

    def _machine(self, text: str) -> list[str]:
        if self.machine is None:
            try:
                from pypinyin import Style, lazy_pinyin
            except ImportError:
                die("pypinyin is needed for names D03 does not spell: pip install -e '.[import]'")
            self.machine = lambda t: lazy_pinyin(t, style=Style.NORMAL, v_to_u=False, errors=lambda x: list(x))
        syl = self.machine(text)
        if len(syl) != len(text):
            die(f"pypinyin gave {len(syl)} syllables for {text!r}")
        for i, char in enumerate(text):
            seen = self.readings.get(char)
            if seen and sum(seen.values()) >= 2:
                reading, n = seen.most_common(1)[0]
                if n / sum(seen.values()) >= 0.8:
                    syl[i] = reading
        return syl


# ---- established English names (curated in the graph) -----------------------------------------------

def established_names(repo: Path, table: Path) -> dict[str, str]:
    """English names the graph already has: rows of the existing table marked EstablishedName, and the
    @en labels of divisions in data/*.ttl (``id/division/{id}``, or with an eco:divisionCode)."""
    names: dict[str, str] = {}
    if table.is_file():
        with open(table, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["en_method"] == ESTABLISHED:
                    names[row["id"]] = row["name_en"]
    try:
        import pyoxigraph as ox
    except ImportError:
        return names
    store = ox.Store()
    for p in sorted((repo / "data").glob("*.ttl")):
        store.load(path=str(p), format=ox.RdfFormat.TURTLE)
    q = """SELECT ?id ?en WHERE {
             { ?d <https://w3id.org/ecokg/ontology#divisionCode> ?id } UNION
             { ?d ?p ?o . BIND(STRAFTER(STR(?d), "https://w3id.org/ecokg/id/division/") AS ?id) FILTER(?id != "") }
             ?d <http://www.w3.org/2000/01/rdf-schema#label> ?en . FILTER(LANG(?en) = "en") }"""
    for r in store.query(q):
        names.setdefault(r["id"].value, r["en"].value)
    return names


# ---- points --------------------------------------------------------------------------------------------

def read_points(folder: Path) -> dict[str, tuple[str, str]]:
    """2024 code -> (lat, long), WGS-84 seat of government."""
    moved: dict[str, str] = {}
    with open(folder / "points-code-crosswalk-2024.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            moved[row["datav_adcode"]] = row["mca2024_code"]  # "" = not an MCA unit
    points: dict[str, tuple[str, str]] = {}
    with open(folder / "points.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lat, lng = row["center_lat_wgs84"], row["center_lng_wgs84"]
            if not lat or not lng:
                continue
            code = moved.get(row["adcode"], row["adcode"])
            if not code:
                continue
            if code in points and row["adcode"] not in moved:
                continue  # a crosswalked entry already holds this code
            points[code] = (lat, lng)
    return points


def read_d01(folder: Path) -> dict[str, str]:
    d01 = {}
    with open(folder / "mca-2024.txt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                code, name = line.split(None, 1)
                d01[code] = name.strip()
    return d01


def build_rows(folder: Path, out: Path) -> tuple[list[dict], list[dict], dict]:
    d01 = read_d01(folder)
    units = read_d02(folder, d01)
    resolve(units)
    pinyin = Pinyin(folder)
    points = read_points(folder)
    established = established_names(REPO, out / "divisions.csv")
    rows, point_rows, stats = [], [], collections.Counter()
    for u in sorted(units, key=lambda u: u.id):
        current = u.id == u.code and u.end is None
        if current and d01[u.code] != u.name:
            die(f"{u.code}: D01 name {d01[u.code]} != D02 name {u.name}")
        core, groups, kind, word = split_name(u.name, u.level)
        # the pinyin column spells the short name: the core, or where the groups leave less than two
        # characters (内 of 内蒙古, nothing of 鄂伦春自治旗) the name without its level word
        short = core if len(core) >= 2 else without_level_word(u.name, u.level)
        syl, method = pinyin.syllables(u.code, u.name, short)
        sources = ["D01", "D02"] if current else ["D02"]
        if method == PINYIN:
            sources.append("D03")
        en = english(syl[: len(core)], groups, word)
        if u.id in established:
            en, method = established[u.id], ESTABLISHED
        if current and u.code in points:
            lat, lng = points[u.code]
            point_rows.append({"id": u.id, "lat": lat, "long": lng, "source": "D04"})
        elif current:
            stats["2024 without a point"] += 1
            print(f"no point: {u.code} {u.name}", file=sys.stderr)
        stats[f"en {method}"] += 1
        rows.append({
            "id": u.id, "code": u.code, "name_zh": u.name, "name_en": en, "en_method": method,
            "pinyin": " ".join(syl), "level": u.level, "kind": kind, "parent": u.parent,
            "valid_from": str(u.start), "valid_until": "" if u.end is None else str(u.end),
            "successors": ";".join(u.successors), "sources": ";".join(sources),
        })
    stats["rows divisions.csv"] = len(rows)
    stats["rows division-points.csv"] = len(point_rows)
    stats["2024 divisions"] = sum(1 for r in rows if not r["valid_until"])
    return rows, point_rows, stats


def render(rows: list[dict], columns: tuple[str, ...]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="the division sources (shared/sources/divisions)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the tables (data/tables)")
    args = ap.parse_args(argv)
    rows, point_rows, stats = build_rows(args.folder, args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "divisions.csv").write_bytes(render(rows, COLUMNS))
    (args.out / "division-points.csv").write_bytes(render(point_rows, POINT_COLUMNS))
    for k, v in sorted(stats.items()):
        print(f"{k}: {v}")
    print(f"wrote {args.out / 'divisions.csv'} and {args.out / 'division-points.csv'}")


if __name__ == "__main__":
    main()
