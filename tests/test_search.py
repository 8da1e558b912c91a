"""Label search: Chinese and English, substring, case- and width-insensitive, 区/县 suffix optional."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from ecokg.services.search import normalize, stem
from pagetools import get, page_text

KAIZHOU = "https://w3id.org/ecokg/id/place/kaizhou-district"
WUSHAN = "https://w3id.org/ecokg/id/place/wushan-county"


def test_normalize_folds_width_and_case():
    assert normalize("ＫＡＩＺＨＯＵ　Ｄｉｓｔｒｉｃｔ") == "kaizhou district"
    assert normalize("  Kaizhou   DISTRICT ") == "kaizhou district"
    assert normalize("开州区") == "开州区"
    assert stem("开州区") == "开州" and stem("巫山县") == "巫山" and stem("区") is None


def search(server, q: str, **params) -> list[dict]:
    extra = "".join(f"&{k}={quote(str(v))}" for k, v in params.items())
    r = get(f"{server.url}/search.json?q={quote(q)}{extra}")
    assert r.status == 200
    assert r.header("Content-Type").startswith("application/json")
    return json.loads(r.body)["results"]


@pytest.mark.parametrize("q,iri", [
    ("开州区", KAIZHOU),
    ("开州", KAIZHOU),          # without its 区 suffix
    ("开州县", KAIZHOU),        # with the wrong suffix: matches on the stem
    ("巫山", WUSHAN),
    ("kaizhou", KAIZHOU),
    ("KAIZHOU DISTRICT", KAIZHOU),
    ("ｋａｉｚｈｏｕ", KAIZHOU),  # full-width letters
    ("Kaizhou Dist", KAIZHOU),
    ("wushan county", WUSHAN),
])
def test_search_json_finds(server, q, iri):
    hits = search(server, q)
    assert iri in [h["uri"] for h in hits], (q, hits[:3])


def test_exact_match_ranks_first_and_results_carry_both_labels(server):
    hits = search(server, "开州区")
    assert hits[0]["uri"] == KAIZHOU
    assert hits[0]["zh"] == "开州区" and hits[0]["en"] == "Kaizhou District"
    assert hits[0]["url"] == "/id/place/kaizhou-district"


def test_places_before_the_designations_named_after_them(server):
    hits = search(server, "巫山")
    assert hits[0]["uri"] == WUSHAN
    assert any("/designation/" in h["uri"] for h in hits)  # the designations are found too, after it


def test_limit_and_empty_and_nothing(server):
    assert len(search(server, "a", limit=3)) <= 3
    assert search(server, "") == []
    assert search(server, "zzzz-no-such-name-zzzz") == []


@pytest.mark.parametrize("q", ['"} } ; DROP ALL #', "<http://x> ?s ?p", "\\u0022) }", "%", "'", "*" * 300])
def test_hostile_input_is_only_text(server, q):
    # the query text never reaches SPARQL; odd input is just a string that matches nothing (or something)
    hits = search(server, q)
    assert isinstance(hits, list)
    r = get(f"{server.url}/search?q={quote(q)}")
    assert r.status == 200


def test_search_page(server):
    r = get(f"{server.url}/search?q={quote('开州')}&lang=en")
    assert r.status == 200
    assert 'href="/id/place/kaizhou-district?lang=en"' in r.text
    text = page_text(r.text)
    assert "Kaizhou District" in text and "开州区" in text
    nothing = get(f"{server.url}/search?q=zzzz-nothing&lang=en")
    assert "Nothing found" in page_text(nothing.text)
