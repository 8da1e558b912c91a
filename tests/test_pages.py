"""The linked-data pages as a reader meets them, over real HTTP against ``ecokg serve``."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from pagetools import BASE, data_entities, get, page_text, parse_page

REPO = Path(__file__).resolve().parent.parent
ENTITIES = data_entities(REPO)


def test_data_has_entities():
    assert len(ENTITIES) > 20


def test_every_entity_in_data_has_a_page_with_both_labels(server):
    missing = []
    for iri, labels in sorted(ENTITIES.items()):
        path = "/" + iri[len(BASE):]
        r = get(server.url + path, {"Accept": "text/html"})
        if r.status != 200:
            missing.append((path, r.status))
            continue
        text = page_text(r.text)
        for lang in ("zh", "en"):
            if lang in labels and labels[lang] not in text:
                missing.append((path, lang, labels[lang]))
    assert not missing, missing[:20]


def test_labels_order_follows_accept_language_and_switch(server):
    zh = get(server.url + "/id/division/500154", {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    en = get(server.url + "/id/division/500154", {"Accept-Language": "en-GB,en;q=0.9"})
    h1 = lambda html: html.split("<h1", 1)[1].split("</h1>", 1)[0]  # noqa: E731
    assert "开州区" in h1(zh.text) and "Kaizhou District" in h1(en.text)
    assert zh.header("Content-Language") == "zh" and en.header("Content-Language") == "en"
    assert "accept-language" in (zh.header("Vary") or "").lower()
    # the switch on the page goes to the other language, and wins over the header
    assert 'href="/id/division/500154?lang=en"' in zh.text
    switched = get(server.url + "/id/division/500154?lang=en", {"Accept-Language": "zh"})
    assert "Kaizhou District" in h1(switched.text)
    # the choice sticks to the links on the page
    assert 'href="/id/division/500000?lang=en"' in switched.text


def test_entity_page_content(server):
    r = get(server.url + "/id/division/500154?lang=en")
    text = page_text(r.text)
    # properties named by their ontology labels, linked values by their labels, never raw IRIs
    assert "division code" in text.lower()
    assert "500154" in text
    assert ">Chongqing</a>" in r.text
    assert "ontology#divisionCode" not in text
    # designations as a table with scheme, batch, year; sources linked; referenced by
    page = parse_page(r.text)
    assert "Designations" in text and "Referenced by" in text and "Provenance" in text
    assert any(h.startswith("/id/source/") for h in page.links)
    assert any(h.startswith("/id/batch/") for h in page.links)
    # schema.org JSON-LD for search engines
    blocks = [body for attrs, body in page.scripts if attrs.get("type") == "application/ld+json"]
    assert len(blocks) == 1
    doc = json.loads(blocks[0])
    assert doc["@context"] == "https://schema.org" and doc["@id"] == BASE + "id/division/500154"
    assert {"@value": "开州区", "@language": "zh"} in doc["name"]
    assert "AdministrativeArea" in doc["@type"] or "Place" in doc["@type"]
    # works without JavaScript: no script but the JSON-LD data block
    assert all(attrs.get("type") == "application/ld+json" for attrs, _ in page.scripts)


def test_scheme_page_batches_timeline_and_unknown_batch(server):
    r = get(server.url + "/id/scheme/national-two-mountains-base?lang=en")
    assert r.status == 200
    assert "<svg" in r.text and "Timeline of batches" in r.text
    text = page_text(r.text)
    assert "Batches and holders" in text
    assert "Batch unknown" in text or "batch unknown" in text.lower()
    # the numbers of the picture are in the table too: every bar's value appears in the text
    svg = r.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    import re

    for value in re.findall(r'class="val"[^>]*>(\d+)<', svg):
        assert value in text
    # batches in order
    order = [m for m in re.findall(r"/id/batch/national-two-mountains-base-(\d+)", r.text)]
    firsts = list(dict.fromkeys(order))
    assert firsts == sorted(firsts, key=int)


def test_home_page(server):
    r = get(server.url + "/?lang=en")
    assert r.status == 200
    text = page_text(r.text)
    for words in ("What the graph covers", "Example queries", "Downloads", "CC0", "How to cite",
                  "Chongqing's titles by year"):
        assert words in text
    assert 'action="/search"' in r.text and "<svg" in r.text
    links = parse_page(r.text).links
    assert "/sparql" in links and any(l.startswith("/downloads") for l in links)
    assert any(l.startswith("/class/") for l in links)
    # the reconciliation service, with the address to give OpenRefine
    assert "/reconcile" in links and "Reconciliation service" in text and f"{server.url}/reconcile" in text
    assert "名称对齐服务" in page_text(get(server.url + "/?lang=zh").text)


def test_ontology_page_documents_every_term(server, bundled_store):
    r = get(server.url + "/ontology?lang=en")
    assert r.status == 200
    terms = {row["t"].value for row in bundled_store.query(
        "SELECT DISTINCT ?t WHERE { VALUES ?k { <http://www.w3.org/2002/07/owl#Class> "
        "<http://www.w3.org/2002/07/owl#ObjectProperty> <http://www.w3.org/2002/07/owl#DatatypeProperty> } "
        "?t a ?k . FILTER(STRSTARTS(STR(?t), 'https://w3id.org/ecokg/ontology#')) }")}
    assert terms
    for t in terms:
        assert f'id="{t.split("#", 1)[1]}"' in r.text, t
    text = page_text(r.text)
    assert "Domain" in text and "Range" in text and "Used in the data" in text
    # the reused terms the ontology declares are documented too, with how often the data uses them
    block = r.text.split('id="schema:containedInPlace"', 1)[1].split("</section>", 1)[0]
    used = int(page_text(block).split("Used in the data", 1)[1].split()[0])
    assert used > 10
    assert get(server.url + "/class/org:Organization?lang=en").status == 200


def test_class_page_sorted_and_paged(server):
    r = get(server.url + "/class/Place?lang=en")
    assert r.status == 200
    assert "/id/division/" in r.text and 'rel="next"' in r.text  # some 10,000 places since the divisions: paged
    r2 = get(server.url + "/class/Source?lang=en")
    assert r2.status == 200
    if "rel=\"next\"" in r2.text:
        assert get(server.url + "/class/Source?lang=en&page=2").status == 200
    assert get(server.url + "/class/NoSuchClass").status == 404


def _crawlable(href: str) -> bool:
    return href.startswith("/") and not href.startswith("//")


@pytest.mark.slow  # the whole bundled data, or a real process
def test_crawl_from_home_finds_no_broken_link(server):
    """Breadth-first from the home page over every internal link (bounded)."""
    limit = 700
    seen: set[str] = set()
    queue = deque(["/"])
    broken = []
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        r = get(server.url + path, {"Accept": "text/html"})
        if r.status != 200:
            broken.append((path, r.status))
            continue
        if not (r.header("Content-Type") or "").startswith("text/html"):
            continue
        for href in parse_page(r.text).links:
            href = urldefrag(urljoin(path, href))[0]
            if _crawlable(href) and urlsplit(href).path not in ("",) and href not in seen:
                queue.append(href)
    assert len(seen) > 50
    assert not broken, broken[:20]


@pytest.mark.parametrize("path", ["/downloads", "/search?q=", "/ontology", "/"])
def test_pages_render_in_both_languages(server, path):
    for lang in ("zh", "en"):
        sep = "&" if "?" in path else "?"
        r = get(f"{server.url}{path}{sep}lang={lang}")
        assert r.status == 200
        assert f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">' in r.text
