"""The analysis-ready tables (``ecokg.dataset.analysis``): what ``ecokg build`` writes beside the dumps.

One build of the core data (``core_data.py``: every Turtle file, Chongqing's division rows and every province) for
the module; expected numbers come from SPARQL over the built store, never from hard-coded counts.  The panel's
rules (predecessors, prefectures, areas, unknown years) are also checked on a small hand-made graph.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from ecokg import resources
from ecokg.dataset import analysis
from ecokg.dataset.build import build
from ecokg.rdf.namespaces import sparql_prologue
from ecokg.store.embedded import EmbeddedStore

BASE = "https://w3id.org/ecokg/"
DIV = BASE + "id/division/"
DESIG = BASE + "id/designation/"
TABLES = ["designations.csv", "panel.csv", "counts.csv"]


@pytest.fixture(scope="module")
def built(core_files, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tables") / "dist"
    build(out, paths=core_files)
    return out


@pytest.fixture(scope="module")
def store(built) -> EmbeddedStore:
    return EmbeddedStore.open_read_only(built / "store")


def read(built: Path, name: str) -> list[dict[str, str]]:
    with open(built / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def ask(store, query: str) -> list[dict[str, str]]:
    return analysis._rows(store, query, BASE)


def count(store, query: str) -> int:
    return int(ask(store, query)[0]["n"])


# ---- designations.csv ---------------------------------------------------------------------------------------

def test_every_designation_appears_exactly_once(built, store):
    rows = read(built, "designations.csv")
    n = count(store, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a eco:Designation }")
    assert len(rows) == n > 30
    iris = {r["designation"] for r in ask(store, "SELECT ?designation WHERE { ?designation a eco:Designation }")}
    assert [r["designation"] for r in rows] == sorted(iris)


def test_designation_rows_agree_with_the_graph(built, store):
    rows = {r["designation"]: r for r in read(built, "designations.csv")}
    got = ask(store, """SELECT ?d ?holder ?scheme ?batch ?year ?src WHERE { ?d a eco:Designation ; eco:holder ?holder ;
        eco:scheme ?scheme . OPTIONAL { ?d eco:batch ?batch } OPTIONAL { ?d eco:year ?year }
        OPTIONAL { ?d dcterms:source/eco:sourceId ?src } }""")
    for g in got:
        r = rows[g["d"]]
        assert (r["holder"], r["scheme"], r["batch"]) == (g["holder"], g["scheme"], g["batch"])
        if g["year"]:
            assert r["year"] == g["year"]
        if g["src"]:
            assert g["src"] in r["sources"].split(";")


def test_chongqing_designations(built):
    rows = {r["designation"].rsplit("/", 1)[1]: r for r in read(built, "designations.csv")}
    bishan = rows["bishan-district--national-demonstration-zone"]
    assert (bishan["holder_zh"], bishan["holder_en"], bishan["division_code"], bishan["division_level"]) == (
        "璧山区", "Bishan District", "500120", "county")
    assert (bishan["province_code"], bishan["prefecture_code"], bishan["division_code_2024"]) == ("500000", "", "500120")
    assert (bishan["scheme_level"], bishan["batch_ordinal"], bishan["year"]) == ("national", "1", "2017")
    assert bishan["batch"] == BASE + "id/batch/national-demonstration-zone-1"
    assert {"S01", "S02", "S21"} <= set(bishan["sources"].split(";")) and bishan["confidence"] == "medium"
    # a holder that is not a division: the county it lies in (through its town)
    complex_ = rows["three-gorges-orange-pastoral-complex--national-two-mountains-base"]
    assert (complex_["holder_class"], complex_["division_code"], complex_["division"]) == (
        "PracticeArea", "500233", DIV + "500233")
    # a municipal scheme
    assert rows["wushan-county--chongqing-two-mountains-base"]["scheme_level"] == "municipal"
    # an unknown batch stays empty, never guessed
    yubei = rows["yubei-district--national-demonstration-zone"]
    if not yubei["batch"]:
        assert yubei["year"] == "" and yubei["batch_ordinal"] == ""
    # every designation of a Chongqing holder has Chongqing's province code
    for r in rows.values():
        if r["division_code"].startswith("50"):
            assert r["province_code"] == "500000", r["designation"]


# ---- panel.csv ----------------------------------------------------------------------------------------------

def test_panel_rows_are_counties_times_years(built, store):
    rows = read(built, "panel.csv")
    counties = count(store, """SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d eco:divisionLevel eco:CountyLevel .
        FILTER NOT EXISTS { ?d eco:validUntil ?u } }""")
    latest = count(store, """SELECT (MAX(xsd:integer(STR(?y))) AS ?n) WHERE { ?b a eco:Batch ; eco:scheme ?s ;
        eco:year ?y . ?s eco:level eco:National }""")
    years = latest - analysis.FIRST_YEAR + 1
    assert len(rows) == counties * years and counties > 30 and latest >= 2023
    assert len({(r["code"], r["year"]) for r in rows}) == len(rows)  # the primary key
    assert [(r["code"], r["year"]) for r in rows] == sorted((r["code"], r["year"]) for r in rows)


def panel_row(built, code: str, year: int) -> dict[str, str]:
    return next(r for r in read(built, "panel.csv") if r["code"] == code and r["year"] == str(year))


def test_the_code_in_force_follows_code_changes(built):
    # 开州区 500154 was 开县 500234 until 2016; 璧山区 500120 was 璧山县 500227 until 2014
    assert panel_row(built, "500154", 2015)["code_in_year"] == "500234"
    assert panel_row(built, "500154", 2016)["code_in_year"] == "500154"
    assert panel_row(built, "500120", 2013)["code_in_year"] == "500227"
    assert panel_row(built, "500120", 2014)["code_in_year"] == "500120"
    kz = panel_row(built, "500154", 2015)
    assert (kz["name_zh"], kz["name_en"], kz["province_code"], kz["prefecture_code"]) == (
        "开州区", "Kaizhou District", "500000", "")


def test_panel_treatment_from_the_year_of_naming(built):
    before, named = panel_row(built, "500120", 2016), panel_row(built, "500120", 2017)
    assert (before["national_demonstration_zone"], named["national_demonstration_zone"]) == ("0", "1")
    assert named["national_demonstration_zone_first_year"] == before["national_demonstration_zone_first_year"] == "2017"
    assert named["national_demonstration_zone_predecessor"] == "0"
    # a Two Mountains base in a sub-county area (忠县三峡橘乡田园综合体, batch 7, 2023) is not the county's own title
    zhong22, zhong23 = panel_row(built, "500233", 2022), panel_row(built, "500233", 2023)
    assert (zhong22["national_two_mountains_base_area"], zhong23["national_two_mountains_base_area"]) == ("0", "1")
    assert zhong23["national_two_mountains_base"] == "0"
    # a county that holds nothing recorded
    assert panel_row(built, "500154", 2020)["national_demonstration_zone"] == "0"


def test_panel_agrees_with_designations_csv(built):
    """Every dated national designation of a county of the 2024 list shows in the panel from its year on."""
    panel = {(r["code"], r["year"]): r for r in read(built, "panel.csv")}
    schemes = {c.rsplit("_first_year", 1)[0] for c in next(iter(panel.values())) if c.endswith("_first_year")
               and "_prefecture" not in c}
    last = max(int(y) for _c, y in panel)
    for d in read(built, "designations.csv"):
        slug = d["scheme"].rsplit("/", 1)[1].replace("-", "_")
        if slug not in schemes or d["division_level"] != "county" or not d["year"]:
            continue
        column = slug if d["holder"] == d["division"] else slug + "_area"
        for code in d["division_code_2024"].split(";"):
            for y in range(analysis.FIRST_YEAR, last + 1):
                if y >= int(d["year"]):
                    assert panel[(code, str(y))][column] == "1", (d["designation"], y)


HANDMADE = """
@prefix eco: <https://w3id.org/ecokg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix d: <https://w3id.org/ecokg/id/division/> .
@prefix x: <https://w3id.org/ecokg/id/designation/> .
@prefix s: <https://w3id.org/ecokg/id/scheme/> .
@prefix b: <https://w3id.org/ecokg/id/batch/> .
@prefix p: <https://w3id.org/ecokg/id/place/> .

s:test a eco:DesignationScheme ; eco:level eco:National ; rdfs:label "Test"@en , "测试"@zh .
b:test-1 a eco:Batch ; eco:scheme s:test ; eco:year "2014"^^xsd:gYear .
b:test-2 a eco:Batch ; eco:scheme s:test ; eco:year "2016"^^xsd:gYear .
d:990000 eco:divisionCode "990000" ; eco:divisionLevel eco:ProvinceLevel ; eco:validFrom "1981"^^xsd:gYear .
d:990100 eco:divisionCode "990100" ; eco:divisionLevel eco:PrefectureLevel ; schema:containedInPlace d:990000 ;
    eco:validFrom "1981"^^xsd:gYear .
# 990102 was 990121 until 2015; 990103 was made in 2014 from 990122 and 990123 (merged)
d:990121 eco:divisionCode "990121" ; eco:divisionLevel eco:CountyLevel ; schema:containedInPlace d:990100 ;
    eco:validFrom "1981"^^xsd:gYear ; eco:validUntil "2015"^^xsd:gYear ; eco:successor d:990102 .
d:990102 eco:divisionCode "990102" ; eco:divisionLevel eco:CountyLevel ; schema:containedInPlace d:990100 ;
    eco:validFrom "2015"^^xsd:gYear ; rdfs:label "甲区"@zh , "Jia District"@en .
d:990122 eco:divisionCode "990122" ; eco:divisionLevel eco:CountyLevel ; schema:containedInPlace d:990100 ;
    eco:validFrom "1981"^^xsd:gYear ; eco:validUntil "2014"^^xsd:gYear ; eco:successor d:990103 .
d:990123 eco:divisionCode "990123" ; eco:divisionLevel eco:CountyLevel ; schema:containedInPlace d:990100 ;
    eco:validFrom "1981"^^xsd:gYear ; eco:validUntil "2014"^^xsd:gYear ; eco:successor d:990103 .
d:990103 eco:divisionCode "990103" ; eco:divisionLevel eco:CountyLevel ; schema:containedInPlace d:990100 ;
    eco:validFrom "2014"^^xsd:gYear .
d:990201 eco:divisionCode "990201" ; eco:divisionLevel eco:CountyLevel ; schema:containedInPlace d:990000 ;
    eco:validFrom "1981"^^xsd:gYear .
p:lake a eco:PracticeArea ; schema:containedInPlace d:990201 .

x:a a eco:Designation ; eco:holder d:990121 ; eco:scheme s:test ; eco:batch b:test-1 ; eco:year "2014"^^xsd:gYear .
x:b a eco:Designation ; eco:holder d:990100 ; eco:scheme s:test ; eco:batch b:test-2 ; eco:year "2016"^^xsd:gYear .
x:c a eco:Designation ; eco:holder d:990103 ; eco:scheme s:test .
x:d a eco:Designation ; eco:holder p:lake ; eco:scheme s:test ; eco:batch b:test-2 .
"""


@pytest.fixture(scope="module")
def handmade() -> dict[tuple[str, str], dict[str, str]]:
    st = ox.Store()
    st.load(HANDMADE.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    table = analysis.panel_table(EmbeddedStore(st), BASE)
    names = [c.name for c in table.columns]
    return {(r[0], r[1]): dict(zip(names, r)) for r in table.rows}


def test_panel_rules_on_a_handmade_graph(handmade):
    assert {code for code, _y in handmade} == {"990102", "990103", "990201"}  # county level, of the latest list
    assert {int(y) for _c, y in handmade} == set(range(2012, 2017))
    # a title of a predecessor counts for its successor from the year of naming, and says so
    jia13, jia14 = handmade[("990102", "2013")], handmade[("990102", "2014")]
    assert (jia13["test"], jia14["test"], jia14["test_first_year"], jia14["test_predecessor"]) == ("0", "1", "2014", "1")
    assert (jia14["code_in_year"], handmade[("990102", "2015")]["code_in_year"]) == ("990121", "990102")
    # a merger: both former codes in force before it
    assert handmade[("990103", "2013")]["code_in_year"] == "990122;990123"
    # the prefecture's title is a separate column, never the county's own
    assert (handmade[("990102", "2015")]["test_prefecture"], handmade[("990102", "2016")]["test_prefecture"]) == ("0", "1")
    assert handmade[("990102", "2016")]["test_prefecture_first_year"] == "2016"
    # a title without a year: unknown (empty) in every year, no first year
    assert {handmade[("990103", str(y))]["test"] for y in range(2012, 2017)} == {""}
    assert handmade[("990103", "2016")]["test_first_year"] == ""
    # a county directly under the province has no prefecture columns; an area's title in its own column
    lake = handmade[("990201", "2016")]
    assert (lake["prefecture_code"], lake["test_prefecture"], lake["test"], lake["test_area"]) == ("", "", "0", "1")
    assert handmade[("990201", "2015")]["test_area"] == "0"


# ---- counts.csv: how complete the lists are -----------------------------------------------------------------

def test_counts_give_every_stated_count_beside_what_is_recorded(built, store):
    rows = read(built, "counts.csv")
    assert len(rows) == count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a eco:StatedCount }")
    by = {r["claim"].rsplit("/", 1)[1]: r for r in rows}
    batch3 = by["s13-national-demonstration-zone-3-size"]
    assert (batch3["stated"], batch3["region_code"]) == ("84", "china")
    recorded = count(store, """SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a eco:Designation ;
        eco:batch <https://w3id.org/ecokg/id/batch/national-demonstration-zone-3> }""")
    assert int(batch3["recorded"]) == recorded
    assert batch3["status"] == ("complete" if recorded >= 84 else "partial")
    for r in rows:
        assert r["status"] == ("complete" if int(r["recorded"]) >= int(r["stated"]) else "partial")


def test_the_metadata_says_how_complete_the_lists_are(built):
    meta = json.loads((built / "csv-metadata.json").read_text(encoding="utf-8"))
    for table in meta["tables"]:
        if table["url"] in ("designations.csv", "panel.csv"):
            assert "Completeness" in table["dc:description"]
            assert "national-demonstration-zone national-demonstration-zone-3 (china): recorded" in table["dc:description"]
            assert "Batches whose size no source states (completeness unknown): " in table["dc:description"]
    counts = read(built, "counts.csv")
    if any(r["status"] == "partial" for r in counts):
        assert "PARTIAL" in meta["tables"][0]["dc:description"]


# ---- CSVW ---------------------------------------------------------------------------------------------------

def test_tables_are_valid_csvw(built):
    from csvw import CSVW, TableGroup

    checked = CSVW(str(built / "csv-metadata.json"), validate=True, strict=True)
    assert checked.is_valid, [str(w.message) for w in checked.warnings]
    group = TableGroup.from_file(built / "csv-metadata.json")
    assert sorted(t.url.string for t in group.tables) == sorted(TABLES)
    for table in group.tables:
        lines = read(built, table.url.string)
        parsed = list(table.iterdicts(strict=True))  # every row parses with the declared datatypes
        assert len(parsed) == len(lines) > 0
        assert [c.name for c in table.tableSchema.columns] == list(lines[0])
    panel = next(t for t in group.tables if t.url.string == "panel.csv")
    row = next(r for r in panel.iterdicts() if r["code"] == "500120" and str(r["year"]) == "2017")
    assert row["national_demonstration_zone"] is True and row["national_demonstration_zone_first_year"] is not None


def test_metadata_columns_have_titles_in_both_languages_and_iris(built):
    meta = json.loads((built / "csv-metadata.json").read_text(encoding="utf-8"))
    assert meta["@context"][0] == "http://www.w3.org/ns/csvw"
    for table in meta["tables"]:
        for c in table["tableSchema"]["columns"]:
            assert c["titles"]["en"] and c["titles"]["zh"], c["name"]
        assert table["tableSchema"]["primaryKey"]
    cols = {c["name"]: c for c in meta["tables"][0]["tableSchema"]["columns"]}
    assert cols["holder"]["propertyUrl"] == BASE + "ontology#holder" and cols["holder"]["valueUrl"] == "{+holder}"
    assert cols["year"]["datatype"] == "gYear"


def _expand(template: str, row: dict[str, str]) -> str:
    out = template
    for name, value in row.items():
        out = out.replace("{+" + name + "}", value)
    return out


@pytest.mark.parametrize("name", TABLES)
def test_the_columns_iris_say_what_the_graph_says(built, name):
    """What the metadata makes of a row (CSVW's csv2rdf: aboutUrl, propertyUrl, valueUrl) is in the graph: every
    cell with a propertyUrl of the ontology or rdfs:label is a triple of the dump."""
    meta = json.loads((built / "csv-metadata.json").read_text(encoding="utf-8"))
    table = next(t for t in meta["tables"] if t["url"] == name)
    graph = {(q.subject.value, q.predicate.value, q.object.value)
             for q in ox.parse(path=str(built / "ecokg.nt"), format=ox.RdfFormat.N_TRIPLES)}
    checked = 0
    for row in read(built, name)[:200]:
        for c in table["tableSchema"]["columns"]:
            prop = c.get("propertyUrl", "")
            if not row[c["name"]] or not prop.startswith((BASE + "ontology#", "http://www.w3.org/2000/01/rdf-schema#")):
                continue
            about = _expand(c.get("aboutUrl") or table["tableSchema"]["aboutUrl"], row)
            value = _expand(c["valueUrl"], row) if "valueUrl" in c else row[c["name"]]
            assert (about, prop, value) in graph, (name, c["name"], about, value)
            checked += 1
    assert checked > 0


# ---- VoID and downloads -------------------------------------------------------------------------------------

def test_void_lists_the_tables_with_checksums(built):
    void = rdflib.Graph().parse(built / "void.ttl", format="turtle")
    dcat, spdx = rdflib.Namespace("http://www.w3.org/ns/dcat#"), rdflib.Namespace("http://spdx.org/rdf/terms#")
    ds = rdflib.URIRef(BASE + "dataset")
    dumps = set(void.objects(ds, rdflib.URIRef("http://rdfs.org/ns/void#dataDump")))
    media = {"csv": "text/csv", "json": "application/csvm+json"}
    for name in [*TABLES, "csv-metadata.json"]:
        d = rdflib.URIRef(BASE + "downloads/" + name)
        assert (ds, dcat.distribution, d) in void and d not in dumps
        data = (built / name).read_bytes()
        assert void.value(d, dcat.byteSize).toPython() == len(data)
        assert str(void.value(void.value(d, spdx.checksum), spdx.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert str(void.value(d, dcat.mediaType)).endswith("/" + media[name.rsplit(".", 1)[1]])
    sums = (built / "SHA256SUMS").read_text()
    assert all(f"  {n}\n" in sums for n in [*TABLES, "csv-metadata.json"])


def test_downloads_serve_the_tables(built, start_site):
    site = start_site(dist=str(built))
    page = site.client.get("/downloads?lang=en")
    assert page.status_code == 200
    for name in [*TABLES, "csv-metadata.json"]:
        assert f'href="/downloads/{name}"' in page.get_data(as_text=True)
        r = site.client.get("/downloads/" + name)
        assert r.status_code == 200 and r.get_data() == (built / name).read_bytes()
        expected = "application/csvm+json" if name.endswith(".json") else "text/csv"
        assert r.headers["Content-Type"] == expected + "; charset=utf-8"
        r.close()


def test_the_queries_are_the_modules_and_parse(built, store):
    """Every table query runs on the store layer (here the built on-disk store)."""
    for name, query in analysis.QUERIES.items():
        store.query(sparql_prologue(BASE) + query)
    assert resources.data_dir().is_dir()


def test_home_and_scheme_pages_link_the_tables(built, start_site, client):
    site = start_site(dist=str(built))
    for path in ("/?lang=en", "/id/scheme/national-demonstration-zone?lang=zh"):
        text = site.client.get(path).get_data(as_text=True)
        for name in [*TABLES, "csv-metadata.json"]:
            assert f'href="/downloads/{name}"' in text, (path, name)
        # nothing built: the pages name the tables and link the downloads page, never a missing file
        text = client.get(path).get_data(as_text=True)
        assert "/downloads/panel.csv" not in text and 'href="/downloads' in text


def test_a_failing_table_leaves_the_previous_build(built, core_files, tmp_path, monkeypatch):
    import shutil

    out = tmp_path / "dist"
    shutil.copytree(built, out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("a query failed")

    monkeypatch.setattr(analysis, "tables", broken)
    with pytest.raises(RuntimeError, match="a query failed"):
        build(out, paths=core_files)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]  # no temporary folder left
