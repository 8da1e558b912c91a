"""China's administrative divisions (data/tables/): the 2024 list, their history, and the tables' errors.

The expected values come from the division sources (``../shared/sources/divisions/``, via ``shared_dir``;
these tests skip without them), never from the tables themselves: the 2024 list (``mca-2024.txt``), the code
history (``codes-1981-2024.csv``) and the folder's README for Chongqing's code changes.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from ecokg import resources
from ecokg.dataset.validate import validate
from ecokg.rdf import tables
from ecokg.rdf.files import RdfFileError, parse_file

ID = "https://w3id.org/ecokg/id/"
DIV = ID + "division/"
PREFIXES = """PREFIX eco: <https://w3id.org/ecokg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX geosparql: <http://www.opengis.net/ont/geosparql#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
MAPPING = resources.data_dir() / "tables" / "divisions.rml.ttl"


def rows(store, query: str) -> list[dict]:
    res = store.query(PREFIXES + query)
    names = [v.value for v in res.variables]
    return [{n: (r[n].value if r[n] is not None else None) for n in names} for r in res]


def example(store, name: str) -> list[dict]:
    res = store.query((resources.queries_dir() / f"{name}.rq").read_text(encoding="utf-8"))
    names = [v.value for v in res.variables]
    return [{n: (r[n].value if r[n] is not None else None) for n in names} for r in res]


@pytest.fixture(scope="module")
def sources(shared_dir) -> Path:
    folder = shared_dir / "sources" / "divisions" if shared_dir else None
    if folder is None or not (folder / "mca-2024.txt").is_file():
        pytest.skip("division sources (../shared/sources/divisions) not available")
    return folder


@pytest.fixture(scope="module")
def mca(sources) -> dict[str, str]:
    with open(sources / "mca-2024.txt", encoding="utf-8") as fh:
        return dict(line.split(None, 1) for line in (l.strip() for l in fh) if line)


@pytest.fixture(scope="module")
def history(sources) -> list[dict]:
    with open(sources / "codes-1981-2024.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def graph_divisions(bundled_store) -> dict[str, dict]:
    got = rows(bundled_store.ox, """
        SELECT ?d ?code ?zh ?level ?parent ?parentCode ?until WHERE {
          ?d eco:divisionCode ?code ; eco:divisionLevel ?level ; schema:containedInPlace ?parent ; rdfs:label ?zh .
          FILTER(LANG(?zh) = "zh")
          OPTIONAL { ?parent eco:divisionCode ?parentCode }
          OPTIONAL { ?d eco:validUntil ?until } }""")
    return {r["d"]: r for r in got}


# --- the 2024 list -----------------------------------------------------------------------------------------

def test_every_2024_code_is_a_division_with_its_name_and_parent(mca, graph_divisions):
    assert len(mca) == 34 + 333 + 2846
    current = {r["code"]: r for r in graph_divisions.values() if r["until"] is None}
    assert set(current) == set(mca)
    for code, name in mca.items():
        d = current[code]
        assert d["d"] == DIV + code and d["zh"] == name, code
        if code.endswith("0000"):
            assert d["level"].endswith("#ProvinceLevel") and d["parent"] == ID + "place/china", code
        elif code.endswith("00"):
            assert d["level"].endswith("#PrefectureLevel") and d["parentCode"] == code[:2] + "0000", code
        else:
            assert d["level"].endswith("#CountyLevel"), code
            # under its prefecture where the 2024 list has one, else directly under the province
            expected = code[:4] + "00" if code[:4] + "00" in mca else code[:2] + "0000"
            assert d["parentCode"] == expected, code


def test_counties_directly_under_a_province_have_no_prefecture(mca, graph_divisions):
    direct = {c for c in mca if c[2:4] == "90"}  # 4190xx, 4290xx, 4690xx, 6590xx
    assert {c[:4] for c in direct} >= {"4190", "4290", "4690", "6590"}
    for code in direct:
        assert graph_divisions[DIV + code]["parentCode"] == code[:2] + "0000"
    # the districts and counties of a municipality sit directly under it: no 500100 "市辖区"
    assert DIV + "500100" not in graph_divisions and graph_divisions[DIV + "500154"]["parentCode"] == "500000"


def test_every_2024_division_has_an_english_label_saying_how_it_was_made(bundled_store):
    got = rows(bundled_store.ox, """
        SELECT ?method (COUNT(DISTINCT ?d) AS ?n) WHERE {
          ?d eco:divisionCode ?c ; rdfs:label ?en ; eco:englishLabelMethod ?method .
          FILTER(LANG(?en) = "en") FILTER NOT EXISTS { ?d eco:validUntil ?u } } GROUP BY ?method""")
    by = {r["method"].rsplit("#", 1)[1]: int(r["n"]) for r in got}
    assert sum(by.values()) == 3213
    # Chongqing and the 20 districts/counties curated in data/places.ttl, and Shaanxi (E01: not "Shanxi")
    assert by["EstablishedName"] == 22
    names = rows(bundled_store.ox, f"""SELECT ?c ?en WHERE {{ VALUES ?c {{ "140000" "610000" }}
        ?d eco:divisionCode ?c ; rdfs:label ?en . FILTER(LANG(?en) = "en") }} ORDER BY ?c""")
    assert [r["en"] for r in names] == ["Shanxi Province", "Shaanxi Province"]
    label = rows(bundled_store.ox, f"""SELECT ?en ?py WHERE {{ <{DIV}500243> rdfs:label ?en ;
        <http://www.w3.org/2004/02/skos/core#altLabel> ?py . FILTER(LANG(?en) = "en") }}""")
    assert label == [{"en": "Pengshui Miao and Tujia Autonomous County", "py": "peng shui"}]
    # where the ethnic group is (part of) the name itself, the pinyin spells the name without its level word
    short = rows(bundled_store.ox, f"""SELECT ?c ?py WHERE {{ VALUES ?c {{ "150000" "150723" }}
        ?d eco:divisionCode ?c ; <http://www.w3.org/2004/02/skos/core#altLabel> ?py .
        FILTER(LCASE(LANG(?py)) = "zh-latn-pinyin") }} ORDER BY ?c""")
    assert [r["py"] for r in short] == ["nei meng gu", "e lun chun"]


def test_points_are_the_datav_seats_where_datav_has_them(sources, bundled_store, mca):
    got = rows(bundled_store.ox, """SELECT ?d ?lat ?long ?wkt WHERE {
        ?d geo:lat ?lat ; geo:long ?long ; geosparql:hasGeometry ?g . ?g geosparql:asWKT ?wkt ; dcterms:source ?s .
        ?s eco:sourceId "D04" }""")
    points = {r["d"].rsplit("/", 1)[1]: r for r in got}
    with open(sources / "points-missing-2024.csv", encoding="utf-8", newline="") as fh:
        datav_lacks = {r["mca2024_code"] for r in csv.DictReader(fh)}
    without = set(mca) - set(points)
    assert without <= datav_lacks and len(without) == 4, sorted(without)
    kaizhou = points["500154"]
    assert (kaizhou["lat"], kaizhou["long"]) == ("31.169794", "108.408701")
    assert kaizhou["wkt"] == "POINT(108.408701 31.169794)"
    # a DataV code re-used for another unit is re-mapped, not taken at its own number (the README's pitfall)
    with open(sources / "points.csv", encoding="utf-8", newline="") as fh:
        datav = {r["adcode"]: r for r in csv.DictReader(fh)}
    assert points["460302"]["lat"] == datav["460301"]["center_lat_wgs84"]  # 西沙区: DataV 460301


# --- history -----------------------------------------------------------------------------------------------

def test_every_code_row_of_the_history_is_a_dated_division(history, bundled_store):
    got = rows(bundled_store.ox, """SELECT ?code ?zh ?from ?until WHERE {
        ?d eco:divisionCode ?code ; eco:validFrom ?from ; rdfs:label ?zh . FILTER(LANG(?zh) = "zh")
        OPTIONAL { ?d eco:validUntil ?until } }""")
    graph = {(r["code"], r["zh"], r["from"], r["until"] or "") for r in got}
    source = {(r["代码"], r["名称"], r["启用时间"], r["变更/弃用时间"]) for r in history}
    assert graph == source and len(got) == len(history) == 6823


def test_a_reused_code_does_not_make_two_divisions_one(bundled_store):
    for code, earlier, later, first in (("500110", "万盛区", "綦江区", "1997"), ("500111", "双桥区", "大足区", "1997")):
        got = rows(bundled_store.ox, f"""SELECT ?d ?zh ?succ WHERE {{ ?d eco:divisionCode "{code}" ; rdfs:label ?zh .
            FILTER(LANG(?zh) = "zh") OPTIONAL {{ ?d eco:successor ?succ }} }}""")
        assert {(r["d"], r["zh"], r["succ"]) for r in got} == {
            (f"{DIV}{code}-{first}", earlier, DIV + code), (DIV + code, later, None)}
    # 360111 郊区 (Nanchang) became 青山湖区 under the same code
    got = rows(bundled_store.ox, """SELECT ?d ?zh WHERE { ?d eco:divisionCode "360111" ; rdfs:label ?zh .
        FILTER(LANG(?zh) = "zh") }""")
    names = {r["zh"]: r["d"] for r in got}
    assert names["青山湖区"] == DIV + "360111" and re.fullmatch(DIV + r"360111-\d{4}", names["郊区"])


# Chongqing's code changes as the divisions README lists them: (old code, name, year of the change, new code)
CHONGQING_CHANGES = [
    ("500227", "璧山县", "2014", "500120"), ("500224", "铜梁县", "2014", "500151"),
    ("500223", "潼南县", "2015", "500152"), ("500226", "荣昌县", "2015", "500153"),
    ("500234", "开县", "2016", "500154"), ("500228", "梁平县", "2016", "500155"),
    ("500232", "武隆县", "2016", "500156"), ("500225", "大足县", "2011", "500111"),
    ("500111", "双桥区", "2011", "500111"), ("500222", "綦江县", "2011", "500110"),
    ("500110", "万盛区", "2011", "500110"), ("500381", "江津市", "2006", "500116"),
    ("500382", "合川市", "2006", "500117"), ("500383", "永川市", "2006", "500118"),
    ("500384", "南川市", "2006", "500119"),
]


def test_chongqing_code_changes_of_the_readme_are_answerable(sources, bundled_store):
    readme = (sources / "README.md").read_text(encoding="utf-8")
    for old, name, year, new in CHONGQING_CHANGES:
        if old.startswith("50038"):
            assert "500381–500384" in readme and "500116–500119 (2006)" in readme
        else:
            assert old in readme and name in readme and f"{new}" in readme and f"({year})" in readme, old
        got = rows(bundled_store.ox, f"""SELECT ?new ?newZh WHERE {{
            ?d eco:divisionCode "{old}" ; rdfs:label "{name}"@zh ; eco:validUntil ?until ; eco:successor ?n .
            FILTER(STR(?until) = "{year}")
            ?n eco:divisionCode ?new ; rdfs:label ?newZh . FILTER(LANG(?newZh) = "zh")
            FILTER NOT EXISTS {{ ?n eco:validUntil ?gone }} }}""")
        assert [r["new"] for r in got] == [new], (old, name, got)


def test_what_is_kai_county_called_now(bundled_store):
    got = example(bundled_store.ox, "division-now")
    chongqing_era = [r for r in got if r["formerCode"] == "500234"]
    assert [(r["from"], r["until"], r["nowCode"], r["nowZh"]) for r in chongqing_era] == [
        ("1997", "2016", "500154", "开州区")]
    assert {r["now"] for r in got} == {DIV + "500154"}  # 开县 of Sichuan (before 1997) ends there too


def test_which_code_kaizhou_had_in_2015(bundled_store):
    got = example(bundled_store.ox, "division-code-in-year")
    assert [(r["code"], r["thenZh"]) for r in got] == [("500234", "开县")]


def _in_force(history: list[dict], province: str, year: int) -> dict[str, str]:
    """code -> name of the county-level rows of the history in force in ``year`` (validFrom <= y < validUntil)."""
    return {r["代码"]: r["名称"] for r in history
            if r["一级行政区"] == province and r["级别"] == "县级" and int(r["启用时间"]) <= year
            and (not r["变更/弃用时间"] or year < int(r["变更/弃用时间"]))}


def test_chongqing_county_level_divisions_as_of_2012(bundled_store, history):
    got = {r["code"]: r["zh"] for r in example(bundled_store.ox, "divisions-as-of-year")}
    assert got == _in_force(history, "重庆市", 2012)
    # the 2011 mergers were done by 2012; the 2014-2016 re-codings were not
    assert {"开县", "大足区", "綦江区", "璧山县", "武隆县"} <= set(got.values())
    assert not {"开州区", "大足县", "双桥区", "万盛区", "綦江县"} & set(got.values())


def test_chongqing_county_level_divisions_as_of_2010(bundled_store, history):
    query = (resources.queries_dir() / "divisions-as-of-year.rq").read_text(encoding="utf-8")
    query = query.replace("/500000> 2012)", "/500000> 2010)")
    got = {r["code"].value: r["zh"].value for r in bundled_store.ox.query(query)}
    assert got == _in_force(history, "重庆市", 2010)
    assert {"大足县", "双桥区", "万盛区", "綦江县", "开县"} <= set(got.values())
    assert not {"大足区", "綦江区", "开州区"} & set(got.values())


# --- the Chongqing places became divisions ----------------------------------------------------------------

FORMER = {"chongqing": "500000", "kaizhou-district": "500154", "wushan-county": "500237", "zhong-county": "500233",
          "nanan-district": "500108", "dazu-district": "500111"}


def test_former_place_iris_are_recorded_and_nothing_refers_to_them(bundled_store):
    got = rows(bundled_store.ox, """SELECT ?d ?old WHERE { ?d owl:sameAs ?old }""")
    same = {r["old"].rsplit("/", 1)[1]: r["d"].rsplit("/", 1)[1] for r in got}
    assert len(same) == 21 and all(same[k] == v for k, v in FORMER.items())
    # a former IRI is neither described nor referred to by anything but its owl:sameAs
    refs = rows(bundled_store.ox, """SELECT ?old ?p WHERE { ?d owl:sameAs ?old .
        { ?s ?p ?old FILTER(?p != owl:sameAs) } UNION { ?old ?p ?any } }""")
    assert refs == []
    # the curated description stays on the division: established English name, other names, sources
    kz = rows(bundled_store.ox, f"""SELECT ?en ?src WHERE {{ <{DIV}500154> rdfs:label ?en ; dcterms:source/eco:sourceId ?src .
        FILTER(LANG(?en) = "en") }}""")
    assert {r["en"] for r in kz} == {"Kaizhou District"} and {"S01", "S24", "S30", "D01", "D04"} <= {r["src"] for r in kz}


def test_no_designation_observation_or_claim_lost_its_subject(bundled_store):
    got = rows(bundled_store.ox, """SELECT ?x ?p ?o WHERE {
        VALUES ?p { eco:holder <http://www.w3.org/ns/sosa/hasFeatureOfInterest> eco:countedRegion eco:practisedIn
                    schema:containedInPlace eco:claimAbout }
        ?x ?p ?o . FILTER NOT EXISTS { ?o a ?type } }""")
    assert got == []


def test_designations_by_province_counts_every_chongqing_designation(bundled_store):
    """Every designation counts once, in the province it lies in (Chongqing's and, since the national lists,
    the holders of the national schemes everywhere)."""
    got = example(bundled_store.ox, "designations-by-province")
    assert DIV + "500000" in {r["province"] for r in got}
    chongqing = rows(bundled_store.ox, """SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a eco:Designation ;
        eco:holder/schema:containedInPlace* <https://w3id.org/ecokg/id/division/500000> }""")[0]["n"]
    assert sum(int(r["designations"]) for r in got if r["province"] == DIV + "500000") == int(chongqing)
    total = rows(bundled_store.ox, """SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a eco:Designation }""")[0]["n"]
    assert sum(int(r["designations"]) for r in got) == int(total)


def test_designations_by_province_places_a_holder_outside_chongqing(bundled_store):
    """A national holder elsewhere (a county of Zhejiang) counts in its province, through its prefecture."""
    store = ox.Store()
    store.bulk_extend(bundled_store.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    eco, desig = "https://w3id.org/ecokg/ontology#", ID + "designation/test-anji--national-two-mountains-base"
    store.add(ox.Quad(ox.NamedNode(desig), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode(eco + "Designation")))
    store.add(ox.Quad(ox.NamedNode(desig), ox.NamedNode(eco + "holder"), ox.NamedNode(DIV + "330523")))
    store.add(ox.Quad(ox.NamedNode(desig), ox.NamedNode(eco + "scheme"),
                      ox.NamedNode(ID + "scheme/national-two-mountains-base")))
    before = {r["scheme"]: int(r["designations"]) for r in example(bundled_store.ox, "designations-by-province")
              if r["province"] == DIV + "330000"}
    got = example(store, "designations-by-province")
    zhejiang = [r for r in got if r["province"] == DIV + "330000"]
    base = ID + "scheme/national-two-mountains-base"
    assert {r["provinceZh"] for r in zhejiang} == {"浙江省"}
    assert {r["scheme"]: int(r["designations"]) for r in zhejiang} == {**before, base: before.get(base, 0) + 1}


# --- the tables: errors name the file and line ----------------------------------------------------------------

@pytest.fixture()
def table_copy(tmp_path) -> Path:
    """A copy of the division mapping with two small tables of made-up rows (ids 5001xx not used in 2024)."""
    shutil.copy(MAPPING, tmp_path / MAPPING.name)
    (tmp_path / "division-points.csv").write_text("id,lat,long,source\n", encoding="utf-8")
    return tmp_path


HEADER = "id,code,name_zh,name_en,en_method,pinyin,level,kind,parent,valid_from,valid_until,successors,sources\n"
GOOD = "500198,500198,测试区,Ceshi District,PinyinTransliteration,ce shi,CountyLevel,District,division/500000,2020,,,D02\n"


def _write(folder: Path, *lines: str) -> Path:
    (folder / "divisions.csv").write_text(HEADER + "".join(lines), encoding="utf-8")
    return folder / MAPPING.name


def test_a_malformed_row_is_a_violation_naming_file_and_line(table_copy, core_files):
    """Checked with the core of the bundled data (tests/core_data.py: Chongqing's divisions among them)."""
    mapping = _write(table_copy,
                     GOOD,
                     GOOD.replace("500198", "500197").replace(",2020,", ",2031,"),  # line 3: a year in the future
                     GOOD.replace("500198", "500196").replace("division/500000", "division/509999"),  # unknown parent
                     GOOD.replace("500198,500198", "500195,50019x"),  # line 5: a bad code
                     GOOD.replace("500198", "500194").replace(",测试区,", ",,"))  # line 6: no Chinese name
    report = validate([*core_files, mapping])
    assert not report.conforms
    csv_file = str(table_copy / "divisions.csv")  # outside the working directory: named by its full path
    rules: dict[int, set[str]] = {}
    for v in report.violations:
        for f in v.files:
            if f.startswith(csv_file + ":"):
                rules.setdefault(int(f.rsplit(":", 1)[1]), set()).add(v.rule)
    assert "ecosh:PlausibleYear" in rules[3]
    assert "ecosh:NoDanglingReference" in rules[4] and "ecosh:ParentOfRightLevel" in rules[4]
    assert "ecosh:DivisionCodeShape" in rules[5]
    assert "ecosh:ChineseLabel" in rules[6]
    assert 2 not in rules  # the good row


@pytest.mark.parametrize("lines, line, message", [
    ((GOOD, GOOD), 3, "duplicate key"),
    ((GOOD, GOOD.replace("500198,500198", ",500198")), 3, "empty key"),
    ((GOOD, GOOD.rstrip("\n") + ",extra\n"), 3, "14 cells, the header has 13"),
])
def test_a_row_the_mapping_cannot_make_is_a_file_error_with_its_line(table_copy, lines, line, message):
    mapping = _write(table_copy, *lines)
    with pytest.raises(RdfFileError) as exc:
        parse_file(mapping)
    assert f"divisions.csv:{line}: " in str(exc.value) and message in str(exc.value)


def test_a_header_without_a_mapped_column_is_refused(table_copy):
    (table_copy / "divisions.csv").write_text(HEADER.replace(",pinyin,", ",pinyn,") + GOOD, encoding="utf-8")
    with pytest.raises(RdfFileError) as exc:
        parse_file(table_copy / MAPPING.name)
    assert "divisions.csv:1: " in str(exc.value) and "pinyin" in str(exc.value)


def test_a_mapping_that_is_not_a_table_mapping_is_refused_naming_the_file(table_copy):
    """The mapping itself is read first (which CSV files and columns its triples maps use): Turtle that does
    not parse is named with its line; a mapping without a triples map, or one whose logical source names no
    file, is named too."""
    mapping = _write(table_copy, GOOD)
    text = mapping.read_text(encoding="utf-8")
    cases = {
        text.replace("<#divisions> a", "<#divisions> a a", 1):
            (f"{mapping}:26: ", "not valid Turtle"),  # (the line of <#divisions>)
        "@prefix rr: <http://www.w3.org/ns/r2rml#> .\n<#x> rr:subjectMap [ rr:template \"a{id}\" ] .\n":
            (f"{mapping}: ", "without any rr:TriplesMap"),
        "@prefix rr: <http://www.w3.org/ns/r2rml#> .\n<#x> a rr:TriplesMap .\n":
            (f"{mapping}: ", "#x: needs rml:logicalSource"),
    }
    for content, (where, what) in cases.items():
        mapping.write_text(content, encoding="utf-8")
        with pytest.raises(RdfFileError) as exc:
            parse_file(mapping)
        assert str(exc.value).startswith(where) and what in str(exc.value), str(exc.value)


def test_cli_names_the_row_and_exits_2_for_a_duplicate_key(table_copy):
    import subprocess
    import sys

    mapping = _write(table_copy, GOOD, GOOD)
    r = subprocess.run([sys.executable, "-m", "ecokg", "validate", str(mapping)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 2 and "divisions.csv:3: duplicate key" in r.stderr


@pytest.mark.slow  # the whole bundled data, or a real process
def test_conversion_is_deterministic_and_the_cache_gives_the_same_triples(tmp_path, monkeypatch):
    """The division table converted here gives the same triples in the same order, and the same rows, as a
    second conversion: the one the package build made when this checkout was installed (``tables.prepare``
    in a process of its own, under the same key: the same mapping, tables, glue and tinyrml), or, where the
    tables changed since, one made here.  The cache and what is prepared are read instead of converting."""
    key = tables._key(MAPPING.resolve(), tables._plan(MAPPING.resolve()))
    installed = tables._cache_files(key, tables.PREPARED_DIR)
    monkeypatch.setenv("ECOKG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tables, "PREPARED_DIR", tmp_path / "prepared")  # none prepared by a package build
    tables._memo.clear()
    first = tables.read(MAPPING)  # converted (empty cache)
    assert list((tmp_path / "cache" / "tables").glob("*.nt"))
    tables._memo.clear()
    second = tables.read(MAPPING)  # from the cache
    assert first.quads == second.quads and first.rows == second.rows
    assert len(first.quads) > 100_000
    if all(f.is_file() for f in installed):  # the install's conversion, kept by prepare as it is whole
        (tmp_path / "prepared").mkdir()
        for f in installed:
            shutil.copyfile(f, tmp_path / "prepared" / f.name)
    # what the package build prepares is read instead of converting, and is the same
    assert tables.prepare([MAPPING], tmp_path / "prepared") == [tables._cache_files(key, tmp_path / "prepared")[0]]
    monkeypatch.setenv("ECOKG_CACHE_DIR", str(tmp_path / "other-cache"))
    monkeypatch.setattr(tables, "_convert", lambda *a, **k: pytest.fail("converted although prepared"))
    tables._memo.clear()
    third = tables.read(MAPPING)
    assert third.quads == first.quads and third.rows == first.rows
    assert not (tmp_path / "other-cache").exists()
    tables._memo.clear()


def test_a_second_package_build_keeps_what_is_prepared_whole(table_copy, tmp_path, monkeypatch):
    """``tables.prepare`` again (a second ``pip install``): a table prepared whole under its key is kept, not
    converted; a file of no current key goes; a prepared table that is not whole is converted again."""
    mapping = _write(table_copy, GOOD)
    prepared = tmp_path / "prepared"
    real_convert, converted = tables._convert, []
    monkeypatch.setattr(tables, "_convert", lambda *a, **k: converted.append(a[0]) or real_convert(*a, **k))
    first = tables.prepare([mapping], prepared)
    assert len(converted) == 1 and [p.name for p in first] == [f"{tables._key(mapping, tables._plan(mapping))}.nt"]
    whole = first[0].read_bytes()
    (prepared / "0123-stale.nt").write_text("")
    assert tables.prepare([mapping], prepared) == first and len(converted) == 1
    assert sorted(p.name for p in prepared.iterdir()) == sorted(p.name for p in tables._cache_files(
        tables._key(mapping, tables._plan(mapping)), prepared))
    first[0].write_bytes(whole[: len(whole) // 2])  # cut short
    assert tables.prepare([mapping], prepared) == first and len(converted) == 2
    assert first[0].read_bytes() == whole


def test_a_store_is_loaded_from_the_conversion_on_disk_only_when_it_is_whole(table_copy, tmp_path, monkeypatch):
    """``tables.load_into`` (how ``ecokg serve`` and ``EmbeddedStore`` load a table): the engine reads the
    converted file on disk itself, no triple parsed in Python, nothing remembered; the store holds what ``read``
    gives.  A file cut short at the end of a line (it still parses) or one that does not parse is not used:
    the table is read as usual, and the store holds it whole, nothing more, nothing less."""
    monkeypatch.setenv("ECOKG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tables, "PREPARED_DIR", tmp_path / "prepared")
    mapping = _write(table_copy, GOOD)
    tables._memo.clear()
    expected = set(tables.read(mapping).quads)  # converted, and cached
    assert len(expected) > 5
    nt = tables._cache_files(tables._key(mapping, tables._plan(mapping)))[0]
    whole = nt.read_bytes()

    def loaded() -> set:
        tables._memo.clear()
        store = ox.Store()
        tables.load_into(store, mapping)
        return set(store)

    real_from_files, real_convert = tables._from_files, tables._convert
    monkeypatch.setattr(tables, "_from_files", lambda *a: pytest.fail("parsed in Python"))
    monkeypatch.setattr(tables, "_convert", lambda *a, **k: pytest.fail("converted"))
    assert loaded() == expected and not tables._memo
    monkeypatch.setattr(tables, "_from_files", real_from_files)
    monkeypatch.setattr(tables, "_convert", real_convert)
    nt.write_bytes(whole[: whole.rindex(b"\n", 0, len(whole) - 1) + 1])  # the last triple cut off
    assert len(list(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES))) == len(expected) - 1
    assert loaded() == expected
    nt.write_bytes(whole.replace(b" .\n", b" !\n", 2))  # the same size; the first lines do not parse
    assert len(nt.read_bytes()) == len(whole)
    assert loaded() == expected
    tables._memo.clear()
