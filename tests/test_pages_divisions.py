"""Divisions on the pages: former IRIs answer 301 to the division, and a division's page shows its code,
level and kind, names, parent and children, history, designations and points."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from pagetools import BASE, get, page_text, parse_page

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
