"""A literal or IRI carrying markup renders as text everywhere: page, embedded JSON-LD, search."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from pagetools import get, page_text, parse_page

EVIL = "<script>alert('x')</script><b>bold</b>&amp;"
EVIL_ZH = "坏</script><img src=x onerror=alert(1)>区"
DATA = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/ecokg/id/place/evil> a <https://w3id.org/ecokg/ontology#Place> ;
    rdfs:label {json.dumps(EVIL)}@en , {json.dumps(EVIL_ZH)}@zh ;
    dcterms:description "<!--<script>x</script>-->"@en ;
    schema:url "javascript:alert(1)"^^xsd:anyURI ;
    rdfs:seeAlso <javascript:alert(2)> .
<https://w3id.org/ecokg/id/place/other> rdfs:label "other"@en, "别的"@zh ;
    schema:containedInPlace <https://w3id.org/ecokg/id/place/evil> .
"""


@pytest.fixture(scope="module")
def evil_server(start_site, tmp_path_factory):
    """The data served by the app in this process (escaping is the pages' work, not the process's; the real
    server and browser see such data in test_hardening_injection.py)."""
    path = tmp_path_factory.mktemp("evil") / "evil.ttl"
    path.write_text(DATA, encoding="utf-8")
    return start_site(data=[str(path)])


def _no_raw_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html
    assert 'href="javascript:' not in html  # only http(s) IRIs from the data become links


def test_entity_page_escapes_labels(evil_server):
    r = get(evil_server.url + "/id/place/evil?lang=en")
    assert r.status == 200
    _no_raw_markup(r.text)
    text = page_text(r.text)
    assert EVIL in text and EVIL_ZH in text  # shown as the text it is
    assert "&lt;script&gt;alert(" in r.text


def test_json_ld_block_cannot_break_out(evil_server):
    r = get(evil_server.url + "/id/place/evil?lang=en")
    page = parse_page(r.text)
    blocks = [body for attrs, body in page.scripts if attrs.get("type") == "application/ld+json"]
    assert len(blocks) == 1
    assert "</script" not in blocks[0] and "<!--" not in blocks[0]
    assert "\\u003cscript\\u003e" in blocks[0]
    doc = json.loads(blocks[0])
    assert {"@value": EVIL, "@language": "en"} in doc["name"]
    assert doc["description"] == [{"@value": "<!--<script>x</script>-->", "@language": "en"}]
    assert "url" not in doc  # a javascript: URL from the data is not offered as the thing's url


def test_inbound_and_listing_pages_escape(evil_server):
    other = get(evil_server.url + "/id/place/other?lang=en")
    assert other.status == 200
    _no_raw_markup(other.text)
    assert EVIL in page_text(other.text)
    listing = get(evil_server.url + "/class/Place?lang=en")
    assert listing.status == 200
    _no_raw_markup(listing.text)
    home = get(evil_server.url + "/")
    assert home.status == 200
    _no_raw_markup(home.text)


def test_search_escapes(evil_server):
    r = get(evil_server.url + "/search?q=" + quote("<script>") + "&lang=en")
    assert r.status == 200
    _no_raw_markup(r.text)
    assert EVIL in page_text(r.text)
    # the query itself is echoed as text
    echo = get(evil_server.url + "/search?q=" + quote("<img src=x onerror=alert(1)>"))
    assert "<img src=x" not in echo.text
    j = get(evil_server.url + "/search.json?q=" + quote("bold"))
    assert j.header("Content-Type").startswith("application/json")
    hits = json.loads(j.body)["results"]
    assert hits and hits[0]["en"] == EVIL


def test_pages_work_without_the_ontology(evil_server):
    # labels fall back to local names when the ontology is not loaded
    assert get(evil_server.url + "/ontology").status == 200
    assert get(evil_server.url + "/.well-known/void").status == 200
