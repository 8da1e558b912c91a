"""The name resolver (``ecokg.dataset.names``): published names of holders to division records.

Most tests use a small made-up index whose records are written out below (codes 99xxxx do not exist), so
that each rule is seen on its own; a few read the real division table (``data/tables/divisions.csv``, 0.1 s)
for the names the national lists actually publish.  Expected codes there are the GB/T 2260 codes of those
divisions, as the division sources (D01/D02) give them.
"""

from __future__ import annotations

import pytest

from ecokg import resources
from ecokg.dataset.names import (DivisionIndex, DivisionRecord, abbreviation, pinyin_key, read_divisions,
                                 records_from_rows, to_simplified,
                                 stem)

P, F, C = "province", "prefecture", "county"


def rec(id, name, level, kind, parent, start=1981, end=None, pinyin=""):
    return DivisionRecord(id=id, code=id.split("-")[0], name=name, level=level, kind=kind, parent=parent,
                          valid_from=start, valid_until=end, pinyin=pinyin)


# A made-up province with a prefecture, an autonomous prefecture, counties, a renamed county, a retired
# district and its successor, a county name used twice, and a second province with a same-named county.
RECORDS = [
    rec("990000", "测试省", P, "Province", None, pinyin="ce shi"),
    rec("990100", "甲城市", F, "PrefectureLevelCity", "990000", pinyin="jia cheng"),
    rec("990101", "东区", C, "District", "990100", pinyin="dong"),
    rec("990102", "湾里区", C, "District", "990100", 1983, 2019, pinyin="wan li"),
    rec("990103", "新建区", C, "District", "990100", 2015, pinyin="xin jian"),
    rec("990121", "乙河县", C, "County", "990100", 1981, 2016, pinyin="yi he"),
    rec("990181", "乙河市", C, "CountyLevelCity", "990100", 2016, pinyin="yi he"),
    rec("990122", "双名县", C, "County", "990100", pinyin="shuang ming"),
    rec("992800", "恩山土家族苗族自治州", F, "AutonomousPrefecture", "990000", 1993, pinyin="en shan"),
    rec("992822", "丙安县", C, "County", "992800", 1993, pinyin="bing an"),
    rec("992823", "丁平瑶族自治县", C, "AutonomousCounty", "992800", 1993, pinyin="ding ping"),
    rec("992824", "双名县", C, "County", "992800", 1993, pinyin="shuang ming"),
    rec("980000", "别省", P, "Province", None, pinyin="bie"),
    rec("980100", "戊城市", F, "PrefectureLevelCity", "980000", pinyin="wu"),
    rec("980121", "丙安县", C, "County", "980100", pinyin="bing an"),
]


@pytest.fixture(scope="module")
def index() -> DivisionIndex:
    return DivisionIndex(RECORDS)


def resolved(index, name, province="测试省", year=2020):
    r = index.resolve(name, province=province, year=year)
    assert r.certain, r.reason()
    return r.candidate


def test_stems_and_abbreviations():
    assert stem("恩施土家族苗族自治州") == "恩施" and abbreviation("恩施土家族苗族自治州") == "恩施州"
    assert abbreviation("江华瑶族自治县") == "江华县" and abbreviation("河南蒙古族自治县") == "河南县"
    assert abbreviation("广西壮族自治区") == "广西自治区" and stem("广西壮族自治区") == "广西"
    assert stem("遵义市") == "遵义" and stem("大兴安岭地区") == "大兴安岭" and stem("锡林郭勒盟") == "锡林郭勒"
    assert abbreviation("彭水县") is None
    assert stem("沛县") is None  # one character left: not a usable stem


def test_a_plain_name_in_its_province(index):
    c = resolved(index, "东区")
    assert c.division.id == "990101" and c.area is None and [s.form for s in c.steps] == ["name"]


def test_the_province_decides_between_same_names(index):
    assert resolved(index, "丙安县").division.id == "992822"
    assert resolved(index, "丙安县", province="别省").division.id == "980121"
    assert index.resolve("丙安县", year=2020).certain is False  # no province: two fit


def test_a_prefix_decides_between_same_names_in_one_province(index):
    r = index.resolve("双名县", province="测试省", year=2020)
    assert not r.certain and {c.division.id for c in r.candidates} == {"990122", "992824"}
    assert "2 divisions" in r.reason()
    assert resolved(index, "甲城市双名县").division.id == "990122"
    assert resolved(index, "恩山州双名县").division.id == "992824"  # the abbreviation as a prefix


def test_prefixes_with_and_without_level_word_and_the_province(index):
    for name in ("甲城市东区", "甲城东区", "测试省甲城市东区", "测试甲城市东区"):
        c = resolved(index, name)
        assert c.division.id == "990101", name
    assert [s.form for s in resolved(index, "甲城东区").steps] == ["stem", "name"]


def test_abbreviations_of_autonomous_units(index):
    assert resolved(index, "恩山州").division.id == "992800"
    assert resolved(index, "恩山土家族苗族自治州").division.id == "992800"
    c = resolved(index, "丁平县")
    assert c.division.id == "992823" and c.steps[-1].form == "abbreviation"
    assert resolved(index, "恩山州丁平县").division.id == "992823"


def test_a_stem_alone_is_not_a_name(index):
    assert not index.resolve("甲城", province="测试省", year=2020).candidates
    assert not index.resolve("恩山", province="测试省", year=2020).candidates


def test_the_name_in_force_in_the_year(index):
    assert resolved(index, "乙河县", year=2010).division.id == "990121"
    assert not index.resolve("乙河县", province="测试省", year=2018).candidates  # became 乙河市 in 2016
    assert resolved(index, "乙河市", year=2018).division.id == "990181"
    assert not index.resolve("乙河市", province="测试省", year=2010).candidates


def test_a_name_retired_in_the_year_of_naming_is_the_division_of_that_time(index):
    c = resolved(index, "甲城市湾里区", year=2019)
    assert c.division.id == "990102" and c.changed_in_year
    assert "changed or retired in 2019" in c.how()
    assert resolved(index, "湾里区", year=2018).changed_in_year is False
    assert not index.resolve("湾里区", province="测试省", year=2020).candidates


def test_a_sub_county_area_is_an_area_of_its_innermost_division(index):
    c = resolved(index, "丙安县尧河村")
    assert (c.division.id, c.area) == ("992822", "尧河村")
    c = resolved(index, "甲城市东区北堡镇")
    assert (c.division.id, c.area) == ("990101", "北堡镇")
    c = resolved(index, "甲城市乌兰管理区")
    assert (c.division.id, c.area) == ("990100", "乌兰管理区")
    c = resolved(index, "东区(环湖流域)")
    assert (c.division.id, c.area) == ("990101", "环湖流域")
    c = resolved(index, "测试省赤河流域示范区")
    assert (c.division.id, c.area) == ("990000", "赤河流域示范区")


def test_a_county_in_its_prefecture_is_the_county_not_an_area():
    index = DivisionIndex([*RECORDS, rec("990123", "北山", C, "County", "990100")])  # a county named like an area
    c = resolved(index, "甲城市北山")
    assert c.division.id == "990123" and c.area is None


def test_what_is_neither_a_division_nor_an_area_does_not_resolve(index):
    for name in ("甲城市吴兴县", "吴兴县", "十二师", "甲城岛", "长白山保护开发区池北区"):
        r = index.resolve(name, province="测试省", year=2020)
        assert not r.candidates, (name, r.candidates)
        assert "no division" in r.reason()


def test_a_cut_off_name_and_an_unknown_province_are_reported_not_guessed(index):
    r = index.resolve("屏边[…]", province="测试省", year=2019)
    assert not r.certain and r.reason() == "the name is cut off in the source"
    r = index.resolve("一师东区", province="新疆生产建设兵团", year=2023)
    assert not r.certain and "not a province-level division" in r.reason()


def test_english_names_by_pinyin(index):
    assert resolved(index, "Bing'an County").division.id == "992822"
    assert resolved(index, "Dingping Yao Autonomous County").division.id == "992823"
    assert resolved(index, "Dong District in Jiacheng").division.id == "990101"
    assert resolved(index, "Dong District, Jiacheng City").division.id == "990101"
    c = resolved(index, "Jiacheng Wulan Management District")
    assert (c.division.id, c.area) == ("990100", "Wulan Management District")
    assert resolved(index, "Yihe County-level City of Jiacheng City", year=2018).division.id == "990181"
    assert not index.resolve("Dong County", province="测试省", year=2020).candidates  # wrong level word


def test_records_from_the_table_columns():
    rows = [{"id": "990000", "code": "990000", "name_zh": "测试省", "level": "ProvinceLevel", "kind": "Province",
             "parent": "place/china", "valid_from": "1981", "valid_until": "", "pinyin": "ce shi", "name_en": "X"},
            {"id": "990101-1983", "code": "990101", "name_zh": "东区", "level": "CountyLevel", "kind": "District",
             "parent": "division/990000", "valid_from": "1983", "valid_until": "1990", "pinyin": "", "name_en": ""}]
    a, b = records_from_rows(rows)
    assert a.parent is None and a.level == "province" and a.valid_until is None
    assert (b.parent, b.valid_until, b.code, b.in_force(1989), b.in_force(1990)) == ("990000", 1990, "990101", True, False)


# ---- the real division table: names as the national lists publish them -----------------------------------

@pytest.fixture(scope="module")
def divisions() -> DivisionIndex:
    return read_divisions(resources.data_dir() / "tables" / "divisions.csv")


@pytest.mark.parametrize("name, province, year, code, area", [
    ("南昌市湾里区", "江西省", 2019, "360105", None),  # retired in 2019 (merged into 新建区)
    ("恩施州建始县", "湖北省", 2022, "422822", None),
    ("黄南州", "青海省", 2021, "632300", None),
    ("黄南州河南县", "青海省", 2021, "632324", None),  # 河南蒙古族自治县
    ("江华县", "湖南省", 2017, "431129", None),
    ("西双版纳州", "云南省", 2017, "532800", None),
    ("遵义仁怀市", "贵州省", 2018, "520382", None),
    ("京山县", "湖北省", 2017, "420821", None),  # 京山市 from 2018
    ("潜山市", "安徽省", 2019, "340882", None),
    ("琼中县", "海南省", 2017, "469030", None),
    ("神农架林区", "湖北省", 2021, "429021", None),
    ("济南市市中区", "山东省", 2022, "370103", None),
    ("河北省唐山市迁西县", "河北省", 2023, "130227", None),
    ("保康县尧治河村", "湖北省", 2019, "420626", "尧治河村"),
    ("杭锦旗库布其沙漠亿利生态示范区", "内蒙古自治区", 2018, "150625", "库布其沙漠亿利生态示范区"),
    ("Wulingyuan District in Zhangjiajie", "湖南省", 2018, "430811", None),
    ("Xinhuang Dong Autonomous County", "湖南省", 2022, "431227", None),
])
def test_published_names_of_the_national_lists(divisions, name, province, year, code, area):
    r = divisions.resolve(name, province=province, year=year)
    assert r.certain, r.reason()
    assert (r.candidate.division.code, r.candidate.area) == (code, area), r.candidate.how()


def test_the_retired_division_leads_to_its_successor(divisions):
    c = divisions.resolve("南昌市湾里区", province="江西省", year=2019).candidate
    assert c.division.valid_until == 2019 and c.changed_in_year
    assert divisions.resolve("南昌市湾里区", province="江西省", year=2020).candidates == ()


def test_same_name_in_one_province_without_prefix_is_not_resolved(divisions):
    r = divisions.resolve("市中区", province="山东省", year=2022)
    assert not r.certain and {c.division.code for c in r.candidates} == {"370103", "370402"}


# ---- loose reading (the reconciliation service) -------------------------------------------------------------

def test_loose_a_stem_alone_is_a_name(index):
    assert not index.resolve("甲城", province="测试省", year=2020).candidates  # not by default
    r = index.resolve("甲城", province="测试省", year=2020, loose=True)
    assert r.certain and r.candidate.division.id == "990100" and r.candidate.steps[-1].form == "stem"
    # the full name wins over a stem reading of the same text
    assert resolved_loose(index, "东区").steps[-1].form == "name"


def resolved_loose(index, name, **kw):
    r = index.resolve(name, loose=True, **kw)
    assert r.certain, r.reason()
    return r.candidate


@pytest.mark.parametrize("text", ["Bing'an", "bing an", "Bǐng'ān", "bing3 an1", "bingan xian", "Bing'an County"])
def test_loose_pinyin_with_or_without_tones_spaces_and_level_word(index, text):
    assert resolved_loose(index, text, province="测试省").division.id == "992822"


def test_pinyin_level_words_are_read_only_in_loose_mode(index):
    assert not index.resolve("bingan xian", province="测试省").candidates
    assert resolved_loose(index, "yi he shi", year=2018).division.id == "990181"


def test_traditional_characters_are_read_as_simplified():
    assert to_simplified("重慶市開州區") == "重庆市开州区"
    assert to_simplified("恩施州建始縣") == "恩施州建始县"
    assert to_simplified("开州区") == "开州区"


def test_pinyin_keys():
    assert pinyin_key("Lǚ Liáng") == pinyin_key("lv liang") == pinyin_key("Luliang") == "luliang"
    assert pinyin_key("Xi'an") == "xian" and pinyin_key("kai1 zhou1") == "kaizhou"


def test_a_province_by_code_and_by_english_or_pinyin_name(divisions):
    for p in ("50", "500000", "Chongqing", "chong qing shi", "Chongqing Municipality", "重庆"):
        assert [r.id for r in divisions.resolve_province(p)] == ["500000"], p
    assert [r.id for r in divisions.resolve_province("Inner Mongolia")] == ["150000"]


def test_successors_are_read_from_the_table(divisions):
    assert divisions.get("500234").successors == ("500154",)
