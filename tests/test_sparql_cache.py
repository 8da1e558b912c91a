"""Answers kept while the embedded store is served (``sparql.service.AnswerCache``) and tagged (``ETag``/304):
invisible in results (the same status, headers and bytes as without the cache), bounded, and never used for
queries whose answer may differ from one run to the next."""

from __future__ import annotations

import pytest

from ecokg.sparql.service import AnswerCache, Kept, SparqlService, etag_matches
from ecokg.store.base import Store
from sparql_http import get, post_form, request

EX = "https://w3id.org/ecokg/"
# ordered rows of a few subjects (not a sort of the whole graph)
ORDERED = (f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ <{EX}id/division/500154> <{EX}id/division/500000> }} ?s ?p ?o }} "
           "ORDER BY ?s ?p ?o LIMIT 20")
QUERIES = [
    (ORDERED, "application/sparql-results+json"),
    (ORDERED, "text/csv"),
    ("ASK { ?s a <https://w3id.org/ecokg/ontology#Designation> }", None),
    (f"DESCRIBE <{EX}id/place/kaizhou-district>", "application/n-triples"),
    (f"CONSTRUCT WHERE {{ <{EX}id/place/kaizhou-district> ?p ?o }}", "text/turtle"),
]


@pytest.fixture(scope="module")
def cached(start_site):
    return start_site(cache_size=8)


@pytest.fixture(scope="module")
def uncached(start_site):
    return start_site(cache_size=0)


def service(site) -> SparqlService:
    return site.app.extensions["ecokg.sparql"]


def counting(site, monkeypatch) -> list:
    """Count the queries that reach the executor."""
    ex = service(site).executor
    runs = []
    real = ex.run
    monkeypatch.setattr(ex, "run", lambda job: runs.append(job.query) or real(job))
    return runs


def same(a, b) -> bool:
    return (a.status, a.headers.items(), a.body) == (b.status, b.headers.items(), b.body)


@pytest.mark.parametrize("query,accept", QUERIES)
def test_a_kept_answer_is_the_answer(cached, uncached, monkeypatch, query, accept):
    runs = counting(cached, monkeypatch)
    fresh = get(uncached.url, query, accept)
    first, second, third = (get(cached.url, query, accept) for _ in range(3))
    assert fresh.status == 200
    # the same status, headers (ETag included) and bytes, run or kept; the base URL differs by site only
    norm = lambda r: (r.status, r.headers.items(), r.body)  # noqa: E731
    assert norm(first) == norm(second) == norm(third)
    assert (fresh.status, fresh.body) == (first.status, first.body)
    assert dict(fresh.headers.items()) == dict(first.headers.items())
    assert len(runs) <= 2  # kept the second time it was seen: the third came from the cache
    # the same through POST (kept too; no ETag outside GET and HEAD)
    posted = post_form(cached.url, {"query": query}, accept)
    assert posted.body == first.body and posted.header("ETag") is None


@pytest.mark.parametrize("query", [
    "SELECT (NOW() AS ?t) {}", "SELECT (RAND() AS ?r) {}", "SELECT (STRUUID() AS ?u) {}", "SELECT (UUID() AS ?u) {}",
    "SELECT (BNODE() AS ?b) {}", "CONSTRUCT { _:b <urn:p> ?o } WHERE { VALUES ?o { 1 } }",
    "CONSTRUCT { [] <urn:p> ?o } WHERE { VALUES ?o { 1 } }"
])
def test_answers_that_may_vary_are_never_kept(cached, monkeypatch, query):
    runs = counting(cached, monkeypatch)
    a, b = get(cached.url, query), get(cached.url, query)
    assert a.status == b.status == 200 and runs == [query, query]


def test_etag_and_304(cached):
    q = "SELECT ?s WHERE { ?s a <https://w3id.org/ecokg/ontology#Designation> } ORDER BY ?s LIMIT 5"
    r = get(cached.url, q)
    tag = r.header("ETag")
    assert tag and tag.startswith('"') and r.header("Vary") == "Accept"
    for condition in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = request(cached.url, "GET", params={"query": q}, headers={"If-None-Match": condition})
        assert again.status == 304 and again.body == b"" and again.header("ETag") == tag, condition
        assert again.header("Content-Type") is None and again.header("Vary") == "Accept"
    other = request(cached.url, "GET", params={"query": q}, headers={"If-None-Match": '"other"'})
    assert other.status == 200 and other.body == r.body
    csv = get(cached.url, q, "text/csv")
    assert csv.header("ETag") not in (None, tag)  # another representation, another tag
    head = request(cached.url, "HEAD", params={"query": q})
    assert head.status == 200 and head.header("ETag") == tag and head.body == b""
    streamed = get(cached.url, "SELECT * WHERE { ?s ?p ?o }", "text/csv")
    assert streamed.status == 200 and streamed.header("ETag") is None and streamed.header("Content-Length") is None


def test_the_tag_is_the_bytes_not_the_server(cached, uncached):
    q = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3"
    assert get(cached.url, q).header("ETag") == get(uncached.url, q).header("ETag")


def test_the_cache_is_bounded():
    cache = AnswerCache(10_000)
    assert not cache.put(("once",), Kept("text/csv", b"x", (), '"t"')) and cache.get(("once",)) is None
    for i in range(200):
        for _ in range(2):  # kept the second time
            cache.put((f"q{i}",), Kept("text/csv", b"x" * 500, (), '"t"'))
        assert cache.size <= cache.max_bytes
    assert 0 < len(cache) < 200
    assert cache.get(("q0",)) is None and cache.get(("q199",)) is not None  # the oldest went first
    for _ in range(2):
        cache.put(("big",), Kept("text/csv", b"x" * 5_000, (), '"t"'))  # over an eighth of the bound: not kept
    assert cache.get(("big",)) is None


def test_least_recently_used_goes_first():
    cache = AnswerCache(2_100)
    for name in ("a", "b", "c"):
        cache.put((name,), Kept("t", b"x" * 50, (), '"t"'))
        cache.put((name,), Kept("t", b"x" * 50, (), '"t"'))
    cache.get(("a",))
    for i in range(20):
        cache.put((f"n{i}",), Kept("t", b"x" * 50, (), '"t"'))
        cache.put((f"n{i}",), Kept("t", b"x" * 50, (), '"t"'))
        if cache.get(("b",)) is None:
            break
    assert cache.get(("a",)) is not None or cache.get(("c",)) is None


def test_no_cache_for_a_store_that_may_change():
    class Changing(Store):
        def query(self, sparql, **kw):  # pragma: no cover - never run
            raise AssertionError

    assert SparqlService(Changing(), timeout=1, cache_mib=64).cache is None


def test_if_none_match_parsing():
    assert etag_matches('"a"', '"a"') and etag_matches('W/"a"', '"a"') and etag_matches(' "x" , "a"', '"a"')
    assert etag_matches("*", '"a"') and not etag_matches('"b"', '"a"') and not etag_matches(None, '"a"')
