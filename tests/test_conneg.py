"""Content negotiation at entity URIs and the ontology IRI, over real HTTP against ``ecokg serve``."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from pagetools import BASE, RDFS_LABEL, get

ENTITY = "/id/division/500154"
IRI = ox.NamedNode(BASE + "id/division/500154")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

RDF = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
SUFFIX = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples",
          "rdf": "application/rdf+xml"}

MATRIX = [  # Accept header -> media type of the answer
    ("text/html", "text/html"),
    (BROWSER, "text/html"),
    ("application/xhtml+xml", "text/html"),
    ("*/*", "text/html"),
    (None, "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/x-turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle"),
    ("text/html;q=0.1, application/n-triples", "application/n-triples"),
    ("application/sparql-results+json, application/rdf+xml;q=0.8, */*;q=0.1", "application/rdf+xml"),
    ("text/*", "text/html"),
]


def media(reply) -> str:
    return (reply.header("Content-Type") or "").split(";")[0].strip()


def parse(reply, media_type: str) -> list[ox.Triple]:
    return [getattr(q, "triple", q) for q in ox.parse(reply.body, format=RDF[media_type], base_iri=BASE)]


@pytest.mark.parametrize("accept,expected", MATRIX)
def test_negotiation_matrix(server, accept, expected):
    r = get(server.url + ENTITY, {"Accept": accept} if accept is not None else {})
    assert r.status == 200, (accept, r.body[:300])
    assert media(r) == expected
    assert "accept" in (r.header("Vary") or "").lower()
    assert r.header("ETag")
    # 200 at the entity URI; Content-Location names the document that was sent
    suffix = "html" if expected == "text/html" else {v: k for k, v in SUFFIX.items()}[expected]
    assert r.header("Content-Location") == f"{ENTITY}.{suffix}"
    if expected in RDF:
        triples = parse(r, expected)
        assert ox.Triple(IRI, RDFS_LABEL, ox.Literal("开州区", language="zh")) in triples
    else:
        assert "开州区" in r.text and "Kaizhou District" in r.text


@pytest.mark.parametrize("suffix", sorted(SUFFIX))
def test_suffix_urls_need_no_negotiation(server, suffix):
    expected = SUFFIX[suffix]
    for accept in ("text/html", "image/png", None):
        r = get(f"{server.url}{ENTITY}.{suffix}", {"Accept": accept} if accept else {})
        assert r.status == 200 and media(r) == expected, (suffix, accept)
        assert r.header("Content-Location") is None
    triples = parse(r, expected)
    # its own triples, the labels of what it links to, and the triples pointing at it
    subjects_out = {t.object for t in triples if t.subject == IRI and isinstance(t.object, ox.NamedNode)}
    chongqing = ox.NamedNode(BASE + "id/division/500000")
    assert chongqing in subjects_out
    assert any(t.subject == chongqing and t.predicate == RDFS_LABEL for t in triples)
    inbound = [t for t in triples if t.object == IRI]
    assert inbound, "no triples pointing at the entity"
    assert any(t.predicate.value.endswith("#holder") for t in inbound)


def test_same_description_in_every_format(server):
    graphs = []
    for suffix, mt in SUFFIX.items():
        r = get(f"{server.url}{ENTITY}.{suffix}")
        graphs.append({t for t in parse(r, mt) if not isinstance(t.subject, ox.BlankNode)})
    assert all(g == graphs[0] for g in graphs[1:])


def test_html_suffix_and_alternate_links(server):
    r = get(f"{server.url}{ENTITY}.html", {"Accept": "text/turtle"})
    assert r.status == 200 and media(r) == "text/html"
    for suffix, mt in SUFFIX.items():
        assert f'<link rel="alternate" type="{mt}" href="{ENTITY}.{suffix}"' in r.text
        assert f"<{ENTITY}.{suffix}>" in (r.header("Link") or "")


def test_etag_revalidation_gives_304(server):
    for accept in ("text/html", "text/turtle"):
        first = get(server.url + ENTITY, {"Accept": accept})
        etag = first.header("ETag")
        again = get(server.url + ENTITY, {"Accept": accept, "If-None-Match": etag})
        assert again.status == 304 and again.body == b""
        stale = get(server.url + ENTITY, {"Accept": accept, "If-None-Match": '"not-this-one"'})
        assert stale.status == 200 and stale.body == first.body
    # different representations, different validators
    html = get(server.url + ENTITY, {"Accept": "text/html"}).header("ETag")
    ttl = get(server.url + ENTITY, {"Accept": "text/turtle"}).header("ETag")
    assert html != ttl


@pytest.mark.parametrize("accept", ["image/png", "application/pdf", "text/csv", "application/sparql-results+json"])
def test_unservable_type_is_406(server, accept):
    r = get(server.url + ENTITY, {"Accept": accept})
    assert r.status == 406
    assert "text/turtle" in r.text  # says what it could have sent
    assert "accept" in (r.header("Vary") or "").lower()


def test_unknown_uri_404_html_or_plain(server):
    html = get(server.url + "/id/place/atlantis", {"Accept": "text/html"})
    assert html.status == 404 and media(html) == "text/html"
    assert "/id/place/atlantis" in html.text and "<html" in html.text
    plain = get(server.url + "/id/place/atlantis", {"Accept": "text/turtle"})
    assert plain.status == 404 and media(plain) == "text/plain"
    assert get(server.url + "/id/place/atlantis.ttl").status == 404
    assert get(server.url + "/no/such/page", {"Accept": "text/html"}).status == 404


def test_ontology_iri_negotiates(server):
    html = get(server.url + "/ontology", {"Accept": "text/html"})
    assert html.status == 200 and media(html) == "text/html"
    assert html.header("Content-Location") == "/ontology.html"
    ttl = get(server.url + "/ontology", {"Accept": "text/turtle"})
    assert ttl.status == 200 and media(ttl) == "text/turtle"
    assert ttl.header("Content-Location") == "/ontology.ttl"
    triples = parse(ttl, "text/turtle")
    onto = ox.NamedNode(BASE + "ontology")
    owl_ontology = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert ox.Triple(onto, rdf_type, owl_ontology) in triples
    assert any(t.subject == ox.NamedNode(BASE + "ontology#Designation") for t in triples)
    assert get(server.url + "/ontology.nt").status == 200
    assert get(server.url + "/ontology", {"Accept": "image/png"}).status == 406


def test_entity_iri_maps_onto_the_server_host(server):
    """Links on pages point at this server; the data keeps canonical IRIs."""
    r = get(server.url + ENTITY, {"Accept": "text/html"})
    assert 'href="/id/division/500000' in r.text
    assert BASE + "id/division/500154" in r.text  # the canonical URI is shown
    ttl = get(server.url + ENTITY + ".ttl").text
    assert "127.0.0.1" not in ttl


def test_another_base_uri_maps_onto_the_host(start_site, tmp_path):
    """``--base-uri``: the namespace the server answers for is configurable."""
    data = tmp_path / "other.ttl"
    data.write_text('@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                    '<http://example.org/kg/id/thing/a> rdfs:label "A"@en, "甲"@zh ;\n'
                    '    rdfs:seeAlso <http://example.org/kg/id/thing/b> .\n'
                    '<http://example.org/kg/id/thing/b> rdfs:label "B"@en, "乙"@zh .\n', encoding="utf-8")
    srv = start_site(data=[str(data)], base_uri="http://example.org/kg/")
    page = get(srv.url + "/id/thing/a", {"Accept": "text/html"})
    assert page.status == 200 and "甲" in page.text
    assert 'href="/id/thing/b"' in page.text
    ttl = get(srv.url + "/id/thing/a", {"Accept": "text/turtle"})
    triples = parse(ttl, "text/turtle")
    assert ox.Triple(ox.NamedNode("http://example.org/kg/id/thing/a"), RDFS_LABEL, ox.Literal("A", language="en")) \
        in triples
    assert get(srv.url + "/id/division/500154", {"Accept": "text/html"}).status == 404
