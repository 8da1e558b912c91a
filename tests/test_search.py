"""Label search: Chinese and English, substring, case- and width-insensitive, 区/县 suffix optional."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from ecokg.services.search import normalize, stem
from pagetools import get, page_text

KAIZHOU = "https://w3id.org/ecokg/id/division/500154"
WUSHAN = "https://w3id.org/ecokg/id/division/500237"
BASE = "https://w3id.org/ecokg/"


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
    assert hits[0]["url"] == "/id/division/500154"


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
    assert 'href="/id/division/500154?lang=en"' in r.text
    text = page_text(r.text)
    assert "Kaizhou District" in text and "开州区" in text
    nothing = get(f"{server.url}/search?q=zzzz-nothing&lang=en")
    assert "Nothing found" in page_text(nothing.text)


@pytest.fixture(scope="module")
def every_label(bundled_store) -> list[tuple[str, list[str]]]:
    """Every label and division code of the bundled graph, read the plain way (one query per property):
    (IRI, its texts as search compares them), pinyin also without its spaces."""
    from ecokg.services.search import search_props

    out = []
    for p in search_props(BASE + "ontology#"):  # the labels and the division codes
        for r in bundled_store.query(f"SELECT ?x ?l WHERE {{ ?x <{p}> ?l . FILTER(isIRI(?x) && isLiteral(?l)) }}"):
            texts = [normalize(r["l"].value)]
            if (r["l"].language or "").lower().startswith("zh-latn"):  # pinyin: also without its spaces
                texts.append(texts[0].replace(" ", ""))
            out.append((r["x"].value, texts))
    return out


def _every_match_ranked(labels: list[tuple[str, list[str]]], q: str) -> list[str]:
    """The ranking over every label, computed the plain way: each IRI's best matching label, then
    entities first, the rank of the match, the kind of thing, the length of the label, the IRI."""
    from ecokg.services.search import KIND_ORDER

    q_stem = stem(q)
    best: dict[str, tuple] = {}
    for iri, texts in labels:
        for t in texts:
            rank = 0 if t == q else 1 if t.startswith(q) else 2 if q in t else 3 if q_stem and q_stem in t else None
            if rank is not None:
                best[iri] = min(best.get(iri, (9,)), (rank, len(t)))
    entities = BASE + "id/"

    def score(iri):
        kind = iri[len(entities):].split("/", 1)[0] if iri.startswith(entities) else None
        return (0 if kind else 1, best[iri][0], KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER),
                best[iri][1], iri)
    return sorted(best, key=score)


@pytest.fixture(scope="module")
def graph_services(bundled_store):
    from ecokg.services import GraphServices

    return GraphServices(bundled_store, BASE)


@pytest.mark.parametrize("q", ["a", "e", "区", "县", "开州县", "kaizhou", "巫山", "重庆", "zone", "ｚｏｎｅ", "2",
                               "开县", "kai zhou", "nanan", "5001", "500110"])
@pytest.mark.parametrize("limit", [1, 10, 50])
def test_index_stops_early_yet_ranks_as_a_full_scan(graph_services, every_label, q, limit):
    """The index visits labels in the order of the results and stops at ``limit``: the hits are the
    same, in the same order, as ranking every matching label of the graph."""
    from ecokg.services.search import search

    got = [h.iri for h in search(graph_services, q, "en", limit=limit)]
    assert got == _every_match_ranked(every_label, normalize(q))[:limit]
    assert got  # every query here matches something in the bundled graph


# ------------------------------------------------------------------ divisions: codes, pinyin, former names


@pytest.mark.parametrize("q", ["开州区", "开县", "Kaizhou", "kaizhou", "kai zhou", "KAI ZHOU", "Kai Zhou", "kaiZhou",
                               "ｋａｉ ｚｈｏｕ", "500154", "５００１５４"])
def test_division_found_by_name_former_name_pinyin_and_code(server, q):
    hits = search(server, q)
    found = [h["uri"] for h in hits] + [n["uri"] for h in hits for n in h.get("now", [])]
    assert KAIZHOU in found, (q, hits[:3])


@pytest.mark.parametrize("q", ["kaizhou", "kai zhou", "500154"])
def test_division_ranks_first_for_its_pinyin_and_code(server, q):
    assert search(server, q)[0]["uri"] == KAIZHOU


def test_pinyin_without_spaces_finds_a_name_its_english_label_spells_otherwise(server):
    # 南岸区 is "Nan'an District": only its pinyin "nan an", without the space, is "nanan"
    hits = search(server, "nanan", limit=50)
    assert "https://w3id.org/ecokg/id/division/500108" in [h["uri"] for h in hits]


def test_a_former_name_finds_the_former_division_which_says_what_it_is_now(server):
    hits = search(server, "开县")
    kai = next(h for h in hits if h["uri"] == "https://w3id.org/ecokg/id/division/500234")
    assert kai["zh"] == "开县" and kai["validFrom"] == "1997" and kai["validUntil"] == "2016"
    assert [n["uri"] for n in kai["now"]] == [KAIZHOU] and kai["now"][0]["url"] == "/id/division/500154"
    # the earlier 开县 of Sichuan (511221, 1992-1997) leads there too, through 500234
    earlier = next(h for h in hits if h["uri"] == "https://w3id.org/ecokg/id/division/511221")
    assert [n["uri"] for n in earlier["now"]] == [KAIZHOU]
    # a division in force has years but no "now"
    current = search(server, "开州区")[0]
    assert current["validFrom"] == "2016" and current["validUntil"] is None and "now" not in current


def test_a_reused_code_finds_both_holders_the_current_first(server):
    hits = search(server, "500110")
    assert [h["uri"] for h in hits[:2]] == ["https://w3id.org/ecokg/id/division/500110",
                                             "https://w3id.org/ecokg/id/division/500110-1997"]
    assert hits[1]["now"][0]["uri"] == "https://w3id.org/ecokg/id/division/500110"


def test_search_page_links_what_a_former_name_is_called_now(server):
    for lang, now_word in (("en", "Now:"), ("zh", "现为：")):
        r = get(f"{server.url}/search?q={quote('开县')}&lang={lang}")
        assert r.status == 200
        assert f'href="/id/division/500234?lang={lang}"' in r.text
        assert f'href="/id/division/500154?lang={lang}"' in r.text
        text = page_text(r.text)
        assert now_word in text and "1997–2016" in text
