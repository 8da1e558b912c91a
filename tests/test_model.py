"""The ontology and the model data: declarations, labels, definitions, and the seed's facts as loaded (the whole
data read with rdflib, term by term: test_data.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from divisions_map import local, place_iri
from ecokg import resources
from ecokg.rdf.files import load_file
from ecokg.store.embedded import EmbeddedStore

ECO = "https://w3id.org/ecokg/ontology#"
ID = "https://w3id.org/ecokg/id/"
ONTOLOGY = resources.ontology_dir() / "ecokg.ttl"

DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                     RDF.Property, OWL.NamedIndividual, SKOS.ConceptScheme)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def store(bundled_store) -> EmbeddedStore:
    return bundled_store  # (conftest: one bundled store per test process)


def declared_terms(g: rdflib.Graph) -> set[rdflib.URIRef]:
    return {s for t in DECLARATION_TYPES for s in g.subjects(RDF.type, t) if isinstance(s, rdflib.URIRef)}


def langs(g: rdflib.Graph, s, p) -> set[str]:
    return {o.language.split("-")[0] for o in g.objects(s, p) if isinstance(o, rdflib.Literal) and o.language}


def test_ontology_parses_with_both_parsers(ontology):
    store = ox.Store()
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE)
    assert len(store) == len(ontology) > 500
    onto = rdflib.URIRef("https://w3id.org/ecokg/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert str(ontology.value(onto, rdflib.URIRef("http://purl.org/dc/terms/license"))) == \
        "https://creativecommons.org/publicdomain/zero/1.0/"
    assert ontology.value(onto, OWL.versionInfo) is not None


def test_every_declared_term_has_labels_and_definition(ontology):
    terms = declared_terms(ontology)
    # individuals are typed with an ontology class and skos:inScheme a concept scheme
    terms |= {s for s in ontology.subjects(SKOS.inScheme, None)}
    assert len(terms) > 100
    missing = []
    for t in sorted(terms):
        if not {"en", "zh"} <= langs(ontology, t, RDFS.label):
            missing.append(f"{t}: rdfs:label @en and @zh")
        if "en" not in langs(ontology, t, SKOS.definition):
            missing.append(f"{t}: skos:definition @en")
    assert not missing, "\n".join(missing)


def test_reused_terms_say_why_their_vocabulary_was_chosen(ontology):
    external = [t for t in declared_terms(ontology)
                if not str(t).startswith(ECO) and str(t) != "https://w3id.org/ecokg/ontology"]
    assert len(external) > 30
    bare = [t for t in external if ontology.value(t, RDFS.comment) is None]
    assert not bare, f"reused terms without an rdfs:comment: {bare}"


def test_eco_properties_have_domain_or_range(ontology):
    props = [p for t in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in ontology.subjects(RDF.type, t)
             if str(p).startswith(ECO)]
    assert len(props) > 30
    loose = [p for p in props if ontology.value(p, RDFS.domain) is None and ontology.value(p, RDFS.range) is None]
    assert not loose, loose


def test_bundled_data_loads_into_pyoxigraph(store):
    # every file parses on its own, and every one of its triples is in the bundled store
    files = resources.bundled_files()
    names = {p.name for p in files}
    assert {"ecokg.ttl", "sources.ttl", "places.ttl", "organisations.ttl", "schemes.ttl"} <= names
    for path in files:
        s = ox.Store()
        load_file(s, path)
        assert len(s) > 0, path
        missing = [q for q in s if not any(True for _ in store.ox.quads_for_pattern(q.subject, q.predicate, q.object))
                   and not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)]
        assert not missing, (path, missing[:3])


def label(store: EmbeddedStore, iri: str, lang: str) -> set[str]:
    q = f"""SELECT ?l WHERE {{ <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> ?l .
            FILTER(LANG(?l) = "{lang}") }}"""
    return {row["l"].value for row in store.query(q)}


SEED_NEW_PLACES = {
    # the nine places the seed article reports as newly named in 2024 (Chinese names: S02 = S04)
    "jiulongpo-district": ("九龙坡区", "Jiulongpo District"),
    "kaizhou-district": ("开州区", "Kaizhou District"),
    "zhong-county": ("忠县", "Zhong County"),
    "wushan-county": ("巫山县", "Wushan County"),
    "apeng-river-basin": ("黔江区阿蓬江流域", "Apeng River Basin"),
    "greater-simian-mountain-area": ("江津区大四面山片区", "Greater Simian Mountain Area"),
    "chashan-bamboo-sea-area": ("永川区茶山竹海片区", "Chashan Bamboo Sea Area"),
    "dazu-rock-carvings-area": ("大足区大足石刻片区", "Dazu Rock Carvings Area"),
    "laixi-river-basin": ("荣昌区濑溪河流域", "Laixi River Basin"),
}


@pytest.mark.parametrize("slug", sorted(SEED_NEW_PLACES))
def test_seed_places_exist_with_their_names(store, slug):
    zh, en = SEED_NEW_PLACES[slug]
    iri = place_iri(slug)  # a district or county: id/division/{code}
    assert label(store, iri, "zh") == {zh}
    assert label(store, iri, "en") == {en}


def test_seed_renderings_are_kept_as_alternative_labels(store):
    q = """SELECT ?alt WHERE { <https://w3id.org/ecokg/id/place/greater-simian-mountain-area>
             <http://www.w3.org/2004/02/skos/core#altLabel> ?alt }"""
    alts = {row["alt"].value for row in store.query(q)}
    assert "Damian Mountain Area" in alts and "大四面山片区" in alts


def test_seed_places_lie_in_their_district_and_chongqing(store):
    q = """PREFIX schema: <https://schema.org/>
        SELECT ?area ?district WHERE {
          ?area schema:containedInPlace ?district .
          ?district a <https://w3id.org/ecokg/ontology#District> ;
                    schema:containedInPlace <https://w3id.org/ecokg/id/division/500000> .
          FILTER(STRSTARTS(STR(?area), "https://w3id.org/ecokg/id/place/")) }"""
    pairs = {(r["area"].value.rsplit("/", 1)[1], r["district"].value.rsplit("/", 1)[1]) for r in store.query(q)}
    assert ("apeng-river-basin", local("qianjiang-district")) in pairs
    assert ("greater-simian-mountain-area", local("jiangjin-district")) in pairs
    assert ("chashan-bamboo-sea-area", local("yongchuan-district")) in pairs
    assert ("dazu-rock-carvings-area", local("dazu-district")) in pairs
    assert ("laixi-river-basin", local("rongchang-district")) in pairs
    assert ("guangyang-island", local("nanan-district")) in pairs


# --- agreement with the source pack (skipped when ../shared is absent) -------------------------------------


def pack_rows(shared_dir: Path | None, name: str) -> list[dict[str, str]]:
    if shared_dir is None or not (shared_dir / "sources" / name).is_file():
        pytest.skip("the source pack (../shared/sources) is not available")
    with open(shared_dir / "sources" / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_pack_source_is_a_source_record(store, shared_dir):
    rows = pack_rows(shared_dir, "sources.csv")
    q = """SELECT ?id ?url WHERE { ?s a <https://w3id.org/ecokg/ontology#Source> ;
             <https://w3id.org/ecokg/ontology#sourceId> ?id ; <https://schema.org/url> ?url }"""
    got = {r["id"].value: r["url"].value for r in store.query(q)}
    # the pack's S ids (D01... are the division data sets, data/tables/)
    assert {k: v for k, v in got.items() if k.startswith("S")} == {r["id"]: r["url"] for r in rows}


def test_division_codes_match_the_pack(store, shared_dir):
    rows = [r for r in pack_rows(shared_dir, "facts.csv") if r["predicate"] == "admin_code"]
    assert len(rows) == 20
    # the districts and counties of Chongqing in force today (the 2024 list: data/tables/divisions.csv)
    q = """SELECT ?zh ?code WHERE { ?p <https://w3id.org/ecokg/ontology#divisionCode> ?code ;
             <http://www.w3.org/2000/01/rdf-schema#label> ?zh ;
             <https://schema.org/containedInPlace> <https://w3id.org/ecokg/id/division/500000> . FILTER(LANG(?zh) = "zh")
             FILTER NOT EXISTS { ?p <https://w3id.org/ecokg/ontology#validUntil> ?until } }"""
    got = {r["zh"].value: r["code"].value for r in store.query(q)}
    assert {zh: got.get(zh) for zh in (r["subject_zh"] for r in rows)} == {r["subject_zh"]: r["object"] for r in rows}


# --- the seed's facts, as queried -----------------------------------------------------------------------------------

PREFIXES = """PREFIX eco: <https://w3id.org/ecokg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX batch: <https://w3id.org/ecokg/id/batch/>
PREFIX claim: <https://w3id.org/ecokg/id/claim/>
PREFIX place: <https://w3id.org/ecokg/id/place/>
PREFIX division: <https://w3id.org/ecokg/id/division/>
PREFIX scheme: <https://w3id.org/ecokg/id/scheme/>
PREFIX indicator: <https://w3id.org/ecokg/id/indicator/>
PREFIX source: <https://w3id.org/ecokg/id/source/>
"""


def rows(store: EmbeddedStore, q: str) -> list[dict[str, str]]:
    res = store.query(PREFIXES + q)
    names = [v.value for v in res.variables]
    return [{n: (r[n].value if r[n] is not None else None) for n in names} for r in res]


def test_the_2024_municipal_naming(store):
    q = """SELECT ?batch ?holder ?year ?announced WHERE {
             ?d eco:batch ?batch ; eco:holder ?holder .
             ?batch eco:year ?year ; eco:announcedOn ?announced .
             VALUES ?batch { batch:chongqing-demonstration-district-county-2023 batch:chongqing-two-mountains-base-5 } }"""
    got = rows(store, q)
    holders = {r["holder"].rsplit("/", 1)[1] for r in got}
    assert holders == {local(slug) for slug in SEED_NEW_PLACES}
    # named on 2024-06-03: the year of naming is 2024 (issue #14); "2023年" is the cohort's label
    assert {(r["year"], r["announced"]) for r in got} == {("2024", "2024-06-03")}
    labels = rows(store, """SELECT DISTINCT ?label WHERE { VALUES ?batch { batch:chongqing-demonstration-district-county-2023
             batch:chongqing-two-mountains-base-5 } ?batch eco:cohortLabel ?label }""")
    assert labels == [{"label": "2023年"}]
    # the seed's "nine" is a claim about exactly these two batches
    nine = rows(store, """SELECT ?v (COUNT(DISTINCT ?d) AS ?n) WHERE {
             claim:s01-chongqing-named-2024 eco:claimedValue ?v ; eco:claimAbout ?batch .
             ?d eco:batch ?batch } GROUP BY ?v""")
    assert nine == [{"v": "9", "n": "9"}]


def test_year_label_of_the_cohort_is_a_claim_of_s04_only(store):
    """The label "2023年" is Chongqing Daily's (S04) alone: a claim about the cohort's label (eco:cohortLabel), not
    its year of naming."""
    got = rows(store, """SELECT ?src WHERE { ?c eco:claimAbout batch:chongqing-demonstration-district-county-2023 ;
             eco:claimedProperty eco:cohortLabel ; eco:claimedValue "2023年"@zh ;
             dcterms:source ?src }""")
    assert [r["src"] for r in got] == ["https://w3id.org/ecokg/id/source/S04"]


def test_air_quality_days_with_their_confidence(store):
    got = rows(store, """SELECT ?place ?value ?conf (GROUP_CONCAT(?sid; separator=",") AS ?sources) WHERE {
             ?o sosa:observedProperty indicator:good-air-quality-days ; sosa:hasFeatureOfInterest ?place ;
                eco:referenceYear ?y ; eco:numericValue ?value ; eco:confidence ?conf ; dcterms:source ?s .
             ?s eco:sourceId ?sid . FILTER(STR(?y) = "2023") } GROUP BY ?place ?value ?conf""")
    by_place = {r["place"].rsplit("/", 1)[1]: r for r in got}
    kaizhou, zhong = by_place[local("kaizhou-district")], by_place[local("zhong-county")]
    assert float(kaizhou["value"]) == 335
    assert kaizhou["conf"].endswith("#HighConfidence")
    assert set(kaizhou["sources"].split(",")) == {"S01", "S24"}
    assert float(zhong["value"]) == 347
    assert zhong["conf"].endswith("#LowConfidence")
    assert zhong["sources"] == "S01"


def test_triple_drop_in_zhong_county(store):
    got = rows(store, """SELECT ?ind WHERE { ?o sosa:hasFeatureOfInterest division:500233 ;
             sosa:observedProperty ?ind ; eco:changeDirection eco:Decrease ; eco:referenceYear ?y }""")
    assert {r["ind"].rsplit("/", 1)[1] for r in got} == {
        "pm25-annual-mean-concentration", "pm10-annual-mean-concentration", "so2-annual-mean-concentration"}


def test_towns_24_and_321_compete(store):
    got = rows(store, """SELECT ?v ?other_v WHERE {
             ?c a eco:StatedCount ; eco:countedScheme scheme:chongqing-demonstration-town ;
                eco:countedRegion division:500000 ; eco:statedValue ?v ; eco:competesWith ?other .
             ?other eco:statedValue ?other_v }""")
    assert {(int(r["v"]), int(r["other_v"])) for r in got} == {(24, 321), (321, 24)}


def test_every_practice_is_practised_in_a_place_of_the_seed(store):
    got = rows(store, """SELECT ?p ?place WHERE { ?p a eco:EcologicalPractice ; eco:practisedIn ?place }""")
    practices = {r["p"].rsplit("/", 1)[1]: r["place"].rsplit("/", 1)[1] for r in got}
    assert practices["mulberry-cocoon-income-insurance"] == "apeng-river-basin"
    assert practices["mine-pit-restoration-into-parks"] == local("jiulongpo-district")
    assert practices["climate-economy"] == local("wushan-county")
    assert len(practices) >= 15


def test_seed_only_facts_are_low_confidence_and_say_why(store):
    got = rows(store, """SELECT ?f ?comment WHERE {
             ?f dcterms:source source:S01 ; eco:confidence eco:LowConfidence .
             FILTER NOT EXISTS { ?f dcterms:source ?other . FILTER(?other != source:S01) }
             OPTIONAL { ?f <http://www.w3.org/2000/01/rdf-schema#comment> ?comment } }""")
    assert len(got) >= 10
    assert all(r["comment"] for r in got), [r["f"] for r in got if not r["comment"]]
