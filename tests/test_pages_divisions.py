"""Divisions on the pages: former IRIs answer 301 to the division, and a division's page shows its code,
level and kind, names, parent and children, history, designations and points."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from pagetools import BASE, get, page_text

OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"


def _former_iris(store) -> dict[str, str]:
    """Every IRI recorded as owl:sameAs of a division: former IRI -> division."""
    rows = store.query(f"SELECT ?old ?new WHERE {{ ?new <{OWL_SAME_AS}> ?old . "
                       f"FILTER(STRSTARTS(STR(?new), '{BASE}id/division/')) }}")
    return {r["old"].value: r["new"].value for r in rows}


# ------------------------------------------------------------------ former IRIs


def test_every_former_iri_answers_301_to_its_division(server, bundled_store):
    former = _former_iris(bundled_store)
    assert len(former) >= 21 and former[BASE + "id/place/kaizhou-district"] == BASE + "id/division/500154"
    for old, new in former.items():
        r = get(server.url + "/" + old[len(BASE):], {"Accept": "text/html"})
        assert r.status == 301, old
        assert r.header("Location") == "/" + new[len(BASE):]


@pytest.mark.parametrize("suffix", ["ttl", "jsonld", "nt", "rdf", "html"])
def test_a_former_iri_keeps_its_format_suffix_and_query(server, suffix):
    r = get(f"{server.url}/id/place/kaizhou-district.{suffix}?lang=en&x=%E5%BC%80")
    assert r.status == 301
    assert r.header("Location") == f"/id/division/500154.{suffix}?lang=en&x=%E5%BC%80"


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "application/n-triples", "text/html",
                                    "image/png"])
def test_rdf_clients_following_the_redirect_get_the_new_description(server, accept):
    r = get(server.url + "/id/place/kaizhou-district", {"Accept": accept})
    assert r.status == 301 and r.header("Location") == "/id/division/500154"  # whatever the client accepts
    followed = get(server.url + r.header("Location"), {"Accept": accept})
    direct = get(server.url + "/id/division/500154", {"Accept": accept})
    assert followed.status == direct.status
    assert followed.body == direct.body
    if accept == "text/turtle":
        assert "kaizhou-district" in direct.text  # the description records the former IRI


def test_redirect_only_for_iris_without_a_description(server):
    # the division itself, an IRI with triples of its own, and an unknown IRI are not redirected
    assert get(server.url + "/id/division/500154").status == 200
    assert get(server.url + "/id/place/xinli-town").status == 200
    assert get(server.url + "/id/place/no-such-place").status == 404
    assert get(server.url + "/id/place/no-such-place.ttl").status == 404


# ------------------------------------------------------------------ a division's page


def _section(html: str, heading_id: str) -> str:
    """The part of the page from the heading with this id to the next h2."""
    part = html.split(f'id="{heading_id}"', 1)[1]
    return part.split("<h2", 1)[0]


def test_county_page_code_level_kind_names_parent(server):
    r = get(server.url + "/id/division/500154?lang=en")
    assert r.status == 200
    facts = r.text.split('<dl class="facts division-facts">', 1)[1].split("</dl>", 1)[0]
    text = page_text(facts)
    assert "Division code 500154" in text
    assert "county level · district" in text
    assert "since 2016" in text
    # names: Chinese, English with how it was made, pinyin
    assert "开州区" in text and "Kaizhou District" in text and "established name" in text and "kai zhou" in text
    # the divisions it lies in, linked (the language choice kept)
    assert 'href="/id/division/500000?lang=en"' in facts and 'href="/id/place/china?lang=en"' in facts
    # the former IRI is named, not linked (it redirects here)
    assert "https://w3id.org/ecokg/id/place/kaizhou-district" in text
    assert 'href="/id/place/kaizhou-district' not in r.text
    # what the section shows is not repeated in the generic lists of properties
    props = " ".join(page_text(m) for m in re.findall(r'<th scope="row">(.*?)</th>', r.text.split("</section>", 1)[1]))
    assert "source" in props
    for words in ("division code", "division level", "valid from", "same as", "has geometry", "contained in place"):
        assert words not in props.lower(), words
    assert ">zh-latn-pinyin</span>" not in r.text.lower()  # the pinyin is among the names, not "other names"


def test_county_page_in_chinese(server):
    r = get(server.url + "/id/division/500154?lang=zh")
    text = page_text(r.text)
    for words in ("行政区划代码", "县级 · 市辖区", "2016年起", "通行译名", "所属", "重庆市", "沿革", "前身", "开县",
                  "坐标点", "政府驻地"):
        assert words in text, words


def test_history_with_years_both_ways(server):
    r = get(server.url + "/id/division/500154?lang=en")
    history = page_text(_section(r.text, "history"))
    assert "predecessor Kai County 500234 county 1997–2016" in history
    assert 'href="/id/division/500234?lang=en"' in _section(r.text, "history")
    former = get(server.url + "/id/division/500234?lang=en")
    assert former.status == 200
    facts = page_text(former.text.split('<dl class="facts division-facts">', 1)[1].split("</dl>", 1)[0])
    assert "1997–2016" in facts and "former division" in facts
    assert "Now: Kaizhou District 500154 since 2016" in facts
    history = page_text(_section(former.text, "history"))
    assert "predecessor Kai County 511221 county 1992–1997" in history
    assert "successor Kaizhou District 500154 district since 2016" in history
    # the earliest 开县 of Sichuan: its successor is 500234, and it is now 开州区 too
    earliest = page_text(get(server.url + "/id/division/511221?lang=en").text)
    assert "Now: Kaizhou District 500154" in earliest


def test_reused_code_two_divisions(server):
    qijiang = get(server.url + "/id/division/500110?lang=en")
    history = page_text(_section(qijiang.text, "history"))
    assert "predecessor Wansheng District 500110 district 1997–2011" in history
    assert 'href="/id/division/500110-1997?lang=en"' in qijiang.text


def test_points_are_parts_of_the_page(server):
    r = get(server.url + "/id/division/500237?lang=en")
    points = _section(r.text, "points")
    assert '<tr id="seat">' in points and '<tr id="point-s55">' in points
    text = page_text(points)
    assert "seat of government" in text and "POINT(109.874183 31.077283)" in text
    assert "Coordinates of Wushan County given by English Wikipedia" in text and "31.0769" in text
    assert "[D04]" in text and "[S55]" in text
    # and parts of its RDF description: the points' own triples are in it
    ttl = get(server.url + "/id/division/500237.ttl").text
    assert "POINT(109.8782158 31.0769)" in ttl and "POINT(109.874183 31.077283)" in ttl


def test_fragment_iris_are_not_pages(server):
    # the server never sees a fragment; a path with an escaped "#" is sent to the part of its entity's page
    r = get(server.url + "/id/division/500237%23point-s55?lang=en")
    assert r.status == 301 and r.header("Location") == "/id/division/500237?lang=en#point-s55"
    r = get(server.url + "/id/division/500237%23seat.ttl")
    assert r.status == 301 and r.header("Location") == "/id/division/500237.ttl#seat"
    assert get(server.url + "/id/division/500237%23nothing").status == 404


def test_province_lists_children_in_force_and_former(server):
    r = get(server.url + "/id/division/500000?lang=en")
    children = _section(r.text, "children")
    codes = re.findall(r"<code>(\d{6})</code>", children)
    assert len(codes) == 38 and codes == sorted(codes)  # the 38 districts and counties of 2024, by code
    assert "500154" in codes and "500234" not in codes
    former = page_text(_section(r.text, "former-children"))
    assert "Kai County 500234 county 1997–2016" in former
    # children are not listed again under "Referenced by"
    inbound = r.text.split("Referenced by", 1)[1] if "Referenced by" in r.text else ""
    assert "contained in place" not in page_text(inbound)


def test_designations_of_places_in_it_are_marked_apart(server):
    r = get(server.url + "/id/division/500154?lang=en")
    own = page_text(r.text.split('class="table-section designations"', 1)[1].split("</section>", 1)[0])
    within = page_text(r.text.split('class="table-section designations_within"', 1)[1].split("</section>", 1)[0])
    assert "National Agricultural Green Development Pioneer Area" in own
    assert "Hanfeng Lake" not in own
    assert "Designations of places in it" in within and "Hanfeng Lake" in within
    assert "Beautiful Rivers and Lakes Excellent Case" in within


def test_every_division_with_a_designation_has_a_working_page(server, bundled_store):
    rows = bundled_store.query("SELECT DISTINCT ?h WHERE { ?d <https://w3id.org/ecokg/ontology#holder> ?h . "
                               "FILTER(STRSTARTS(STR(?h), 'https://w3id.org/ecokg/id/division/')) }")
    holders = [r["h"].value for r in rows]
    assert holders
    for h in holders:
        for lang in ("en", "zh"):
            r = get(f"{server.url}/{h[len(BASE):]}?lang={lang}")
            assert r.status == 200 and 'class="facts division-facts"' in r.text, h


def test_query_page_lists_the_division_examples(server):
    r = get(server.url + "/sparql", {"Accept": "text/html"})
    assert r.status == 200
    for title in ("What a former division is called now", "旧区划今天叫什么",
                  "The division code a place had in a given year", "County-level divisions of a province as of a year",
                  "Designations by province", "各省级区划的称号"):
        assert title in r.text, title


# ------------------------------------------------------------------ a generated graph: long lists, designations above

ID = BASE + "id/"
ECO = BASE + "ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
IN = "https://schema.org/containedInPlace"
CHILDREN = 130  # in force under the generated prefecture: two pages of 100


def _t(s, p, o) -> ox.Triple:
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o if isinstance(o, (ox.Literal, ox.NamedNode)) else ox.NamedNode(o))


def _division(code: str, zh: str, en: str, level: str, kind: str, parent: str, since: str = "2000",
              until: str | None = None) -> list[ox.Triple]:
    s = ID + f"division/{code}"
    out = [_t(s, RDF_TYPE, ECO + kind), _t(s, ECO + "divisionCode", ox.Literal(code)),
           _t(s, LABEL, ox.Literal(zh, language="zh")), _t(s, LABEL, ox.Literal(en, language="en")),
           _t(s, ECO + "divisionLevel", ECO + level), _t(s, IN, ID + parent),
           _t(s, ECO + "validFrom", ox.Literal(since, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))]
    if until:
        out.append(_t(s, ECO + "validUntil", ox.Literal(until, datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#gYear"))))
    return out


@pytest.fixture(scope="module")
def generated(start_site, tmp_path_factory):
    from ecokg import resources

    t: list[ox.Triple] = []
    t += _division("990000", "测试省", "Test Province", "ProvinceLevel", "Province", "place/china")
    t += _division("990100", "测试市", "Test City", "PrefectureLevel", "PrefectureLevelCity", "division/990000")
    for i in range(CHILDREN):  # (codes that sort like their IRIs; the shapes are not checked here)
        t += _division(f"97{i:04d}", f"区{i:03d}", f"District {i:03d}", "CountyLevel", "District", "division/990100")
    t += _division("969999", "旧县", "Old County", "CountyLevel", "County", "division/990100", "1990", "2000")
    # a designation held by the prefecture, one by the province
    for holder, slug in (("division/990100", "city"), ("division/990000", "province")):
        d = ID + f"designation/{slug}--test-scheme"
        t += [_t(d, RDF_TYPE, ECO + "Designation"), _t(d, ECO + "holder", ID + holder),
              _t(d, ECO + "scheme", ID + "scheme/test-scheme"),
              _t(d, LABEL, ox.Literal(f"{slug} holds the test title", language="en"))]
    path = tmp_path_factory.mktemp("divisions") / "generated.nt"
    with open(path, "wb") as fh:
        ox.serialize(t, fh, ox.RdfFormat.N_TRIPLES)
    return start_site(data=tuple(str(p) for p in resources.ontology_files()) + (str(path),), validate="never")


def test_long_children_list_in_pages(generated):
    r1 = get(generated.url + "/id/division/990100?lang=en")
    assert r1.status == 200
    first = re.findall(r"<code>(\d{6})</code>", _section(r1.text, "children"))
    assert "1–100 of" in page_text(_section(r1.text, "children")) and 'rel="next"' in _section(r1.text, "children")
    r2 = get(generated.url + "/id/division/990100?lang=en&page=2")
    second = re.findall(r"<code>(\d{6})</code>", _section(r2.text, "children"))
    in_force = first + second
    assert len(first) == 100 and len(set(in_force)) == len(in_force)
    assert in_force == sorted(in_force)
    assert "969999" not in in_force  # the former county is listed apart
    assert "Old County" in page_text(_section(r1.text, "former-children"))


def test_designations_of_the_divisions_it_lies_in_are_marked_apart(generated):
    r = get(generated.url + "/id/division/970001?lang=en")
    assert 'class="table-section designations_above"' in r.text
    above = page_text(r.text.split('class="table-section designations_above"', 1)[1].split("</section>", 1)[0])
    assert "city holds the test title" in above and "province holds the test title" in above
    assert "not by this division itself" in above
    assert 'class="table-section designations"' not in r.text  # it holds none of its own
    # the prefecture: its own, the province's above it, nothing within
    city = get(generated.url + "/id/division/990100?lang=en").text
    own = page_text(city.split('class="table-section designations"', 1)[1].split("</section>", 1)[0])
    assert "city holds the test title" in own and "province holds" not in own
