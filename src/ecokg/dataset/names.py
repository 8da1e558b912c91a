"""Resolving a place name as a source publishes it to China's administrative divisions.

A national list names its holders as its source writes them: 南昌市湾里区, 遵义仁怀市, 恩施州建始县, 黄南州,
江华县 (for 江华瑶族自治县), 保康县尧治河村 (a village in a county), or in English ("Wulingyuan District in
Zhangjiajie").  ``DivisionIndex.resolve`` matches such a name, with its province and the year it was
published, against the division records (``data/tables/divisions.csv``: code, name, level, parent, years in
force) and returns every division it could be, each with how it matched.  It is **certain only when exactly one
candidate fits**; the caller never picks among several.

How a Chinese name is read (docs/model.md, "Resolving published names"):

* the name is read left to right as a chain of division names, each one inside the one before it (a
  prefecture, then one of its counties; a leading province name, 河北省唐山市迁西县, is the first link): every part is a division's full name (恩施土家族苗族自治州), the usual
  abbreviation of an autonomous unit (恩施州, 黄南州, 江华县, 天祝县: the name before the ethnic groups plus the level
  word), or, before another part only, the name without its level word (遵义仁怀市, 南昌湾里区);
* what follows the innermost division, if it ends with a word for a sub-county area (村, 镇, 林场, 示范区, 山,
  岛, 流域 …) or is in brackets (大理市(洱海流域)), is a sub-county **area** in that division; anything else that
  is not a division name (a misspelt county, 吴兴县 after 湖州市) is no match at all, never an area;
* every division of the chain must be in force in the year (validFrom <= year < validUntil).  Where no chain
  fits that way, a division whose code was changed or retired in that very year still fits (the year's list
  already shows the change, but the old name was still the one in use when the list was published: 南昌市湾里区,
  named in November 2019, is the 湾里区 of 1983-2019; its successor is on the division record);
* among the chains that fit, the one that reads more of the name wins (a county named inside its prefecture is
  that county, not an area of the prefecture).

An English name (a province government's English site) is read by its pinyin against the pinyin of the
divisions' names (``pinyin`` column), with its English level word (County, District, City, County-level City,
Autonomous County …) where given, and an enclosing prefecture written "X District in Y", "X District, Y City",
"X of Y City" or "Y X District".

For the reconciliation service (``ecokg.services.reconcile``) the resolver also reads, when asked
(``resolve(..., loose=True)``): a name without its level word at the end (开州 for 开州区; never certain by the
name alone when another division has the same stem), and pinyin as people type it: with or without tone marks or
tone numbers and spaces, ü written u or v, with a pinyin level word (kai zhou qu, Kaixian).  Traditional
characters are read as simplified ones (``to_simplified``, OpenCC's t2s), and a province may be given by its
code (50, 500000) or its English or pinyin name.

The module does no I/O while matching; ``read_divisions`` reads the table into a ``DivisionIndex``.  Reused by
the national-list importer (``scripts/import_national.py``), the check of the national tables
(``ecokg.dataset.national``) and, later, the reconciliation service.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

# China's ethnic groups as they appear in the names of autonomous areas (各族: "of various nationalities")
ETHNIC_GROUPS = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣",
    "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗",
    "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固",
    "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各",
)
_GROUPS = "|".join(sorted(ETHNIC_GROUPS, key=len, reverse=True))
# the ethnic part and level word of an autonomous unit: 土家族苗族自治州, 蒙古族自治县, 壮族自治区
_AUTONOMOUS = re.compile(f"(?:(?:{_GROUPS})族)+自治(州|县|旗|区)$")

# level words, longest first (the name without one is the division's "stem")
LEVEL_WORDS = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "省", "市", "州", "盟",
               "区", "县", "旗")

# words that end the name of a sub-county area (a village, town, forest farm, park, zone, mountain ...)
AREA_WORDS = ("村", "镇", "乡", "街道", "社区", "林场", "牧场", "农场", "示范区", "试验区", "实验区", "管理区", "开发区",
              "保护区", "新区", "园区", "景区", "风景区", "度假区", "片区", "基地", "综合体", "山", "岛", "湖", "河",
              "流域", "库区", "水库区", "团", "场")

# English level words -> the division kinds (classes) they name
_EN_LEVELS = (
    ("autonomous prefecture", {"AutonomousPrefecture"}),
    ("autonomous county", {"AutonomousCounty"}),
    ("autonomous banner", {"AutonomousBanner"}),
    ("county-level city", {"CountyLevelCity"}),
    ("prefecture", {"Prefecture", "AutonomousPrefecture"}),
    ("forestry district", {"ForestryDistrict"}),
    ("district", {"District", "PrefectureLevelDistrict"}),
    ("counties", {"County", "AutonomousCounty"}),
    ("county", {"County", "AutonomousCounty"}),
    ("city", {"CountyLevelCity", "PrefectureLevelCity", "Municipality"}),
    ("banner", {"Banner", "AutonomousBanner"}),
    ("league", {"League"}),
    ("province", {"Province"}),
)
# English words of a sub-county area
_EN_AREA_WORDS = ("management district", "administration", "area", "zone", "village", "town", "forest farm",
                  "park", "mountain", "island", "basin")

# what follows a province's name in English or pinyin (Chongqing Municipality, Guangxi Zhuang Autonomous Region)
_EN_PROVINCE_WORDS = (" Province", " Municipality", " Autonomous Region", " Special Administrative Region",
                      " Zhuang Autonomous Region", " Hui Autonomous Region", " Uygur Autonomous Region")
_PINYIN_PROVINCE_WORDS = ("sheng", "shi", "zizhiqu", "tebiexingzhengqu")
# English names of provinces that are not their pinyin (pinyin_key -> code)
_EN_PROVINCE_ALIASES = {"innermongolia": "150000", "tibet": "540000", "hongkong": "810000", "macau": "820000",
                        "macao": "820000", "shaanxi": "610000", "taiwan": "710000"}

PROVINCE, PREFECTURE, COUNTY = "province", "prefecture", "county"
_LEVELS = {"ProvinceLevel": PROVINCE, "PrefectureLevel": PREFECTURE, "CountyLevel": COUNTY}


@dataclass(frozen=True)
class DivisionRecord:
    """One division entity (a row of the division table)."""

    id: str  # the IRI's last part: the code, or code-firstyear for an earlier holder of a reused code
    code: str
    name: str  # Chinese name as in the code list
    level: str  # PROVINCE, PREFECTURE or COUNTY
    kind: str  # its class: County, District, AutonomousPrefecture ...
    parent: str | None  # id of the parent division (None: China)
    valid_from: int
    valid_until: int | None = None  # the first year it no longer held the code; None: in force in the latest list
    pinyin: str = ""  # syllables of the name without its level word ("kai zhou")
    name_en: str = ""
    successors: tuple[str, ...] = ()  # ids of the divisions that took over when the code was changed or retired

    def in_force(self, year: int) -> bool:
        return self.valid_from <= year and (self.valid_until is None or year < self.valid_until)


@dataclass(frozen=True)
class Step:
    """One part of a published name and the division it names."""

    text: str  # as written
    division: str  # division id
    form: str  # "name", "abbreviation", "stem" (the name without its level word), "pinyin"

    def describe(self) -> str:
        word = {"name": "name", "abbreviation": "usual abbreviation", "stem": "name without its level word",
                "pinyin": "pinyin"}[self.form]
        return f"{self.text} = {word} of {self.division}"


@dataclass(frozen=True)
class Candidate:
    """A division a published name may be, with how it matched."""

    division: DivisionRecord  # the innermost division the name names
    steps: tuple[Step, ...]
    area: str | None = None  # the rest of the name: a sub-county area in that division
    changed_in_year: bool = False  # fits only because its code was changed or retired in the year of publication

    def how(self) -> str:
        parts = [s.describe() for s in self.steps]
        if self.area:
            parts.append(f"{self.area} = a sub-county area in it")
        text = "; ".join(parts)
        if self.changed_in_year:
            text += f"; code changed or retired in {self.division.valid_until}, the year of publication"
        return text


@dataclass(frozen=True)
class Resolution:
    """What ``DivisionIndex.resolve`` found for one name."""

    name: str
    province: str | None
    year: int | None
    candidates: tuple[Candidate, ...]
    problem: str | None = None  # why nothing could be looked up (an unknown province ...)

    @property
    def certain(self) -> bool:
        return len(self.candidates) == 1

    @property
    def candidate(self) -> Candidate | None:
        return self.candidates[0] if self.certain else None

    def reason(self) -> str:
        """Why the name is not resolved (empty when it is)."""
        if self.certain:
            return ""
        if self.problem:
            return self.problem
        where = f" in {self.province}" if self.province else ""
        when = f" in force in {self.year}" if self.year else ""
        if not self.candidates:
            return f"no division{where}{when} has this name (nor is it an area named inside one)"
        listed = ", ".join(f"{c.division.id} {c.division.name}" for c in self.candidates)
        return f"{len(self.candidates)} divisions{where}{when} fit: {listed}"


def normalise(name: str) -> str:
    """NFKC (full-width brackets and letters to plain ones), no spaces, no zero-width characters."""
    text = unicodedata.normalize("NFKC", name)
    return re.sub(r"[\s\u200b\u200c\u200d\ufeff]+", "", text)


def stem(name: str) -> str | None:
    """The name without its level word (and without the ethnic groups of an autonomous unit), or None if
    that leaves fewer than two characters."""
    m = _AUTONOMOUS.search(name)
    if m and m.start() >= 2:
        return name[:m.start()]
    for word in LEVEL_WORDS:
        if name.endswith(word) and len(name) - len(word) >= 2:
            return name[:-len(word)]
    return None


def abbreviation(name: str) -> str | None:
    """The usual abbreviation of an autonomous unit: 恩施土家族苗族自治州 -> 恩施州, 江华瑶族自治县 -> 江华县,
    广西壮族自治区 -> 广西自治区 (None for other names)."""
    m = _AUTONOMOUS.search(name)
    if not m or m.start() < 2:
        return None
    return name[:m.start()] + {"州": "州", "县": "县", "旗": "旗", "区": "自治区"}[m.group(1)]


def _area_like(text: str) -> bool:
    return any(text.endswith(w) for w in AREA_WORDS) and len(text) >= 2


_T2S = None


def to_simplified(text: str) -> str:
    """Traditional characters as simplified ones (OpenCC's t2s conversion: 開州區 -> 开州区, 瀋陽 -> 沈阳, 乾縣 ->
    乾县); simplified text is left as it is."""
    global _T2S
    if _T2S is None:  # the converter holds only OpenCC's fixed tables: made once, never changed
        import opencc

        _T2S = opencc.OpenCC("t2s.json")
    if not _encodable(text):  # (OpenCC takes UTF-8: a lone surrogate is left as it is)
        return text
    return _T2S.convert(text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_UMLAUT = str.maketrans({"ü": "u", "Ü": "u", "v": "u", "V": "u"})
_TONE_DIGIT = re.compile(r"(?<=[a-z])[1-5]")


def fold_latin(text: str) -> str:
    """Latin text as plain ASCII letters: tone marks dropped (Kǎizhōu -> Kaizhou), ü as u, NFKC first."""
    text = unicodedata.normalize("NFKC", text).replace("ü", "u").replace("Ü", "U")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text


def pinyin_key(text: str) -> str:
    """The key pinyin is compared by: lower case, no tone marks or tone numbers, no spaces, apostrophes or
    hyphens, ü and v as u (lv liang = Lüliang = Luliang)."""
    text = (text if text.isascii() else fold_latin(text)).lower()
    text = _TONE_DIGIT.sub("", text)
    return re.sub(r"[\s'\-\u2019]", "", text).translate(_UMLAUT)


# pinyin level words at the end of a name (kai zhou qu), longest first: the division kinds they name
_PINYIN_LEVELS = (
    ("tebiexingzhengqu", {"SpecialAdministrativeRegion"}),
    ("zizhixian", {"AutonomousCounty"}), ("zizhizhou", {"AutonomousPrefecture"}),
    ("zizhiqi", {"AutonomousBanner"}), ("zizhiqu", {"AutonomousRegion"}),
    ("diqu", {"Prefecture"}), ("linqu", {"ForestryDistrict"}), ("tequ", {"SpecialDistrict"}),
    ("sheng", {"Province"}), ("shi", {"CountyLevelCity", "PrefectureLevelCity", "Municipality"}),
    ("xian", {"County", "AutonomousCounty"}), ("qu", {"District", "PrefectureLevelDistrict"}),
    ("qi", {"Banner", "AutonomousBanner"}), ("meng", {"League"}), ("zhou", {"AutonomousPrefecture"}),
)


class DivisionIndex:
    """The division records, indexed by their names, abbreviations, stems and pinyin."""

    def __init__(self, records: Iterable[DivisionRecord]):
        self.records: dict[str, DivisionRecord] = {}
        for r in records:
            if r.id in self.records:
                raise ValueError(f"two division records with the id {r.id}")
            self.records[r.id] = r
        self._forms: dict[str, list[tuple[str, str]]] = {}  # text -> [(division id, form)]
        self._pinyin: dict[str, list[str]] = {}  # syllables run together -> [division id]
        for r in self.records.values():
            self._add(r.name, r.id, "name")
            short = abbreviation(r.name)
            if short and short != r.name:
                self._add(short, r.id, "abbreviation")
            s = stem(r.name)
            if s:
                self._add(s, r.id, "stem")
            if r.pinyin:
                self._pinyin.setdefault(pinyin_key(r.pinyin), []).append(r.id)
        self._longest = max((len(t) for t in self._forms), default=0)
        self._province: dict[str, str | None] = {}
        for r in self.records.values():
            self._province[r.id] = self._find_province(r.id)

    def _add(self, text: str, division: str, form: str) -> None:
        entries = self._forms.setdefault(text, [])
        if (division, form) not in entries:
            entries.append((division, form))

    def _find_province(self, division: str) -> str | None:
        seen = set()
        current: str | None = division
        while current is not None and current not in seen:
            seen.add(current)
            record = self.records.get(current)
            if record is None:
                return None
            if record.level == PROVINCE:
                return record.id
            current = record.parent
        return None

    # ---- looking up ------------------------------------------------------------------------------------------

    def get(self, division: str) -> DivisionRecord:
        return self.records[division]

    def __contains__(self, division: str) -> bool:
        return division in self.records

    def province_of(self, division: str) -> str | None:
        return self._province.get(division)

    def ancestors(self, division: str) -> list[str]:
        """The parents of a division, innermost first (ids; China is not a division)."""
        out, current = [], self.records[division].parent
        while current is not None and current in self.records and current not in out:
            out.append(current)
            current = self.records[current].parent
        return out

    def _fits(self, division: str, year: int | None, grace: bool) -> bool:
        r = self.records[division]
        if year is None or r.in_force(year):
            return True
        return grace and r.valid_until == year and r.valid_from <= year

    def resolve_province(self, name: str, year: int | None = None) -> list[DivisionRecord]:
        """The province-level divisions a published province name may be (广西, 广西自治区, 内蒙古 ...; also its
        code, 50 or 500000, and its English or pinyin name, Chongqing, Inner Mongolia, chong qing shi)."""
        text = normalise(name)
        out = []
        for grace in (False, True):
            for division, _form in self._province_forms(text):
                r = self.records[division]
                if r.level == PROVINCE and self._fits(division, year, grace) and r not in out:
                    out.append(r)
            if out:
                break
        return out

    def _province_forms(self, text: str) -> list[tuple[str, str]]:
        found = list(self._forms.get(text, ()))
        if found:
            return found
        if re.fullmatch(r"\d{2}(?:0000)?", text):  # a province's code, or its first two digits
            code = text[:2] + "0000"
            return [(r.id, "code") for r in self.records.values() if r.code == code and r.level == PROVINCE]
        latin = fold_latin(text)
        if re.fullmatch(r"[A-Za-z0-9 '\-]+", latin):
            key = pinyin_key(latin)
            words = [pinyin_key(w) for w in (*_EN_PROVINCE_WORDS, *_PINYIN_PROVINCE_WORDS)]
            keys = {key} | {key[:-len(w)] for w in words if key.endswith(w) and len(key) > len(w)}
            aliased = {_EN_PROVINCE_ALIASES[k] for k in keys if k in _EN_PROVINCE_ALIASES}
            if aliased:
                return [(r.id, "pinyin") for r in self.records.values()
                        if r.level == PROVINCE and r.code in aliased]
            out = []
            for r in self.records.values():
                if r.level != PROVINCE:
                    continue
                en = pinyin_key(r.name_en)
                names = {en, pinyin_key(r.pinyin)} | {en[:-len(w)] for w in words if en.endswith(w)}
                if keys & names:
                    out.append((r.id, "pinyin"))
            return out
        return []

    def resolve(self, name: str, *, province: str | None = None, year: int | None = None,
                loose: bool = False) -> Resolution:
        """Every division ``name`` may be (see the module docstring): certain when exactly one.

        ``loose`` (the reconciliation service): a name may also end without its level word (开州), and Latin
        text is read as pinyin too (tone marks or numbers, pinyin level words: kai zhou qu)."""
        text = normalise(name)
        scope: str | None = None
        if province:
            found = self.resolve_province(province, year)
            if len(found) != 1:
                why = (f"the province {province} is not a province-level division" if not found
                       else f"the province {province} is ambiguous")
                return Resolution(name, province, year, (), why)
            scope = found[0].id
        if not text:
            return Resolution(name, province, year, (), "empty name")
        if "[" in text or "…" in text or "..." in text:
            return Resolution(name, province, year, (), "the name is cut off in the source")
        latin = fold_latin(name).strip() if loose else unicodedata.normalize("NFKC", name).strip()
        english = bool(re.fullmatch(r"[A-Za-z0-9 ,.'()\-\u2019]+", latin))
        for grace in (False, True):
            found = (self._resolve_en(latin if loose else name, scope, year, grace, loose) if english
                     else self._resolve_zh(text, scope, year, grace, loose))
            if found:
                return Resolution(name, province, year, tuple(found))
        return Resolution(name, province, year, ())

    # ---- Chinese -----------------------------------------------------------------------------------------------

    def _resolve_zh(self, text: str, scope: str | None, year: int | None, grace: bool,
                    loose: bool = False) -> list[Candidate]:
        qualifier = None
        m = re.fullmatch(r"(.+?)\((.+)\)", text)
        if m:  # 大理市(洱海流域): an area of the division named before the brackets
            text, qualifier = m.group(1), m.group(2)
        best: dict[str, Candidate] = {}
        longest = -1
        for steps, rest in self._parses(text, 0, None, scope, year, grace, loose):
            consumed = len(text) - len(rest or "")
            if qualifier is not None:
                if rest:
                    continue
                rest = qualifier
            if consumed < longest:
                continue
            if consumed > longest:
                best, longest = {}, consumed
            division = self.records[steps[-1].division]
            changed = year is not None and any(not self.records[s.division].in_force(year) for s in steps)
            cand = Candidate(division, tuple(steps), rest or None, changed_in_year=changed)
            if division.id not in best or len(cand.steps) < len(best[division.id].steps):
                best[division.id] = cand
        return sorted(best.values(), key=lambda c: c.division.id)

    def _parses(self, text: str, at: int, outer: str | None, scope: str | None, year: int | None,
                grace: bool, loose: bool = False) -> list[tuple[list[Step], str | None]]:
        """Every way to read text[at:] as a chain of divisions inside ``outer`` (and the scope), optionally
        followed by an area: ([steps], rest)."""
        out: list[tuple[list[Step], str | None]] = []
        for end in range(min(len(text), at + self._longest), at, -1):
            piece = text[at:end]
            for division, form in self._forms.get(piece, ()):
                if not self._fits(division, year, grace):
                    continue
                if scope is not None and self._province.get(division) != scope:
                    continue
                if outer is not None and outer not in self.ancestors(division):
                    continue
                step = Step(piece, division, form)
                if end == len(text):
                    if form != "stem" or loose:
                        out.append(([step], None))
                    continue
                deeper = self._parses(text, end, division, scope, year, grace, loose)
                out.extend(([step, *steps], rest) for steps, rest in deeper)
                rest = text[end:]
                # an area follows a division's name, or the name of the province itself (四川天府新区)
                named = form != "stem" or self.records[division].level == PROVINCE
                if named and _area_like(rest) and not deeper:
                    out.append(([step], rest))
        return out

    # ---- English -----------------------------------------------------------------------------------------------

    def _resolve_en(self, name: str, scope: str | None, year: int | None, grace: bool,
                    loose: bool = False) -> list[Candidate]:
        text = " ".join(unicodedata.normalize("NFKC", name).replace("(", " ").replace(")", " ").split())
        # "X District in Y City", "X District, Y City", "X of Y City" -> [outer, inner]
        parts = [p.strip() for p in re.split(r",| in | of ", text) if p.strip()]
        parts.reverse()
        chains: list[list[tuple[str, set[str] | None, bool]]] = [[self._en_part(p) for p in parts]]
        if len(parts) == 1:  # "Yongzhou Jindong Management District": a leading prefecture name
            words = parts[0].split(" ")
            for i in range(1, len(words)):
                chains.append([self._en_part(" ".join(words[:i])), self._en_part(" ".join(words[i:]))])
        found: dict[str, Candidate] = {}
        for chain in chains:
            for cand in self._en_chain(chain, scope, year, grace, loose):
                found.setdefault(cand.division.id, cand)
        # the chain that names a division (not an area) wins over one that only names an area inside it
        exact = {k: c for k, c in found.items() if c.area is None}
        return sorted((exact or found).values(), key=lambda c: c.division.id)

    @staticmethod
    def _en_part(part: str) -> tuple[str, set[str] | None, bool]:
        """(the proper name, the kinds its level word names or None, whether it names a sub-county area)."""
        low = part.lower()
        if any(low.endswith(w) for w in _EN_AREA_WORDS):
            return part, None, True
        for word, kinds in _EN_LEVELS:
            if low.endswith(" " + word) or low == word:
                core = part[:len(part) - len(word)].strip()
                if word.startswith("autonomous") and core:  # "Xinhuang Dong Autonomous County": drop the groups
                    core = core.split(" ")[0]
                return core, kinds, False
        return part, None, False

    def _en_chain(self, chain, scope, year, grace, loose=False) -> list[Candidate]:
        paths: list[list[Step]] = [[]]
        area = None
        for index, (core, kinds, is_area) in enumerate(chain):
            if is_area:
                if index != len(chain) - 1 or index == 0:
                    return []
                area = core
                break
            key = pinyin_key(core)
            readings = [(key, kinds)]
            if loose and kinds is None:  # a pinyin level word at the end: kai zhou qu, kaixian
                readings += [(key[:-len(word)], found) for word, found in _PINYIN_LEVELS
                             if key.endswith(word) and len(key) > len(word) + 1]
            nxt: list[list[Step]] = []
            for steps in paths:
                parent = steps[-1].division if steps else None
                for reading, reading_kinds in readings:  # the first that names a division (the whole text first)
                    found = self._en_steps(reading, reading_kinds, core, steps, parent, scope, year, grace)
                    if found:
                        nxt.extend(found)
                        break
            paths = nxt
            if not paths:
                return []
        out = []
        for steps in paths:
            division = self.records[steps[-1].division]
            changed = year is not None and any(not self.records[s.division].in_force(year) for s in steps)
            out.append(Candidate(division, tuple(steps), area, changed_in_year=changed))
        return out

    def _en_steps(self, key, kinds, core, steps, parent, scope, year, grace) -> list[list[Step]]:
        out = []
        for division in self._pinyin.get(key, ()):
            r = self.records[division]
            if kinds is not None and r.kind not in kinds:
                continue
            if not self._fits(division, year, grace):
                continue
            if scope is not None and self._province.get(division) != scope:
                continue
            if parent is not None and parent not in self.ancestors(division):
                continue
            out.append([*steps, Step(core, division, "pinyin")])
        return out


# ---- reading the division table ---------------------------------------------------------------------------

def records_from_rows(rows: Iterable[Mapping[str, str]]) -> list[DivisionRecord]:
    """Division records from rows with the columns of ``data/tables/divisions.csv``."""
    out = []
    for row in rows:
        parent = row.get("parent") or ""
        out.append(DivisionRecord(
            id=row["id"], code=row["code"], name=row["name_zh"], level=_LEVELS[row["level"]], kind=row["kind"],
            parent=parent.split("/", 1)[1] if parent.startswith("division/") else None,
            valid_from=int(row["valid_from"]),
            valid_until=int(row["valid_until"]) if row.get("valid_until") else None,
            pinyin=row.get("pinyin") or "", name_en=row.get("name_en") or "",
            successors=tuple(s.split("/", 1)[1] for s in (row.get("successors") or "").split(";")
                             if s.startswith("division/"))))
    return out


def read_divisions(path: str | Path) -> DivisionIndex:
    """The index of the division table at ``path`` (``data/tables/divisions.csv``)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return DivisionIndex(records_from_rows(csv.DictReader(fh)))
