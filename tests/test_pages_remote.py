"""The pages over a remote SPARQL endpoint (``--store``): the same answers as over the embedded engine.

The remote endpoint here is a second ``ecokg serve``'s own ``/sparql`` (a real SPARQL 1.1 Protocol
server over HTTP); it shows the pages use only standard SPARQL and bound values that survive the
remote store's VALUES rewriting.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from pagetools import get, page_text


@pytest.fixture(scope="module")
def remote_pages(real_server, start_site):
    """The pages from a remote store that is a real ecokg endpoint (the bundled graph)."""
    return start_site(store=real_server.url + "/sparql")


@pytest.mark.parametrize("path", ["/id/division/500154.ttl", "/id/scheme/national-two-mountains-base.nt",
                                  "/ontology.ttl"])
def test_rdf_descriptions_match_the_embedded_engine(server, remote_pages, path):
    fmt = ox.RdfFormat.TURTLE if path.endswith(".ttl") else ox.RdfFormat.N_TRIPLES
    local = get(server.url + path)
    remote = get(remote_pages.url + path)
    assert local.status == remote.status == 200
    assert set(ox.parse(local.body, format=fmt)) == set(ox.parse(remote.body, format=fmt))
    assert local.body == remote.body and local.header("ETag") == remote.header("ETag")


@pytest.mark.parametrize("path", ["/?lang=en", "/id/division/500154?lang=zh",
                                  "/id/scheme/national-two-mountains-base?lang=en", "/class/Place?lang=en",
                                  "/ontology?lang=en", "/search?q=" + quote("开州") + "&lang=en",
                                  "/map?lang=en", "/map?scheme=national-demonstration-zone&batch=3&lang=zh"])
def test_pages_match_the_embedded_engine(server, remote_pages, path):
    local = get(server.url + path)
    remote = get(remote_pages.url + path)
    assert remote.status == 200
    strip = lambda html: page_text(html).replace(remote_pages.url, "").replace(server.url, "")  # noqa: E731
    assert strip(local.text) == strip(remote.text)
    assert get(remote_pages.url + "/id/place/atlantis").status == 404


def test_the_map_draws_the_same_marks_from_a_remote_store(server, remote_pages):
    local, remote = get(server.url + "/map?lang=zh").text, get(remote_pages.url + "/map?lang=zh").text
    marks = lambda html: html.split('<g class="marks">', 1)[1].split("</g>", 1)[0]  # noqa: E731
    assert marks(local) == marks(remote) and marks(local).count("<circle") > 2800


# ---------------------------------------------------------------- over a real Virtuoso: long listings in pages


@pytest.fixture(scope="module")
def virtuoso_pages(loaded_virtuoso, start_site, tmp_path_factory):
    """The bundled files plus a graph of long listings, served from Virtuoso (``--store``) and embedded (``--data``).
    Virtuoso holds the long listings in a graph of their own, beside the bundled files (``loaded_virtuoso``): the
    store's URL names both as its default graph (the two share no triple)."""
    import urllib.parse

    from ecokg import resources
    from test_pages_paging import _graph
    from virtuoso import BUNDLED_GRAPH

    path = tmp_path_factory.mktemp("virtuoso-pages") / "long-listings.nt"
    with open(path, "wb") as fh:
        ox.serialize(_graph(), fh, ox.RdfFormat.N_TRIPLES)
    files = [str(p) for p in resources.bundled_files()] + [str(path)]
    graph = "https://w3id.org/ecokg/test-pages"
    done = loaded_virtuoso.load(graph, path)
    assert done.returncode == 0, done.stderr
    url = loaded_virtuoso.sparql_url + "?" + urllib.parse.urlencode([("default-graph-uri", BUNDLED_GRAPH),
                                                        ("default-graph-uri", graph)])
    return start_site(data=files), start_site(store=url)


@pytest.mark.parametrize("path", [
    "/?lang=en", "/ontology?lang=zh", "/class/Place?lang=en&page=2",
    "/id/indicator/air-days?lang=en", "/id/indicator/air-days?lang=zh&page=3",
    "/id/scheme/many?lang=en&page=2", "/id/place/p07?lang=en", "/id/division/500154?lang=zh",
    "/search?q=" + quote("获得者01") + "&lang=en", "/search.json?q=a&limit=50",
])
def test_paged_pages_are_the_same_from_virtuoso(virtuoso_pages, path):
    local, remote = virtuoso_pages
    a, b = get(local.url + path), get(remote.url + path)
    assert a.status == b.status == 200, (path, b.status, b.text[:300])
    strip = lambda r: page_text(r.text).replace(local.url, "").replace(remote.url, "")  # noqa: E731
    assert strip(a) == strip(b)


def test_a_listing_too_long_to_sort_pages_from_virtuoso(virtuoso_pages):
    """In the engine's own order, which differs between engines: the same rows over all pages, each once."""
    _, remote = virtuoso_pages
    seen: list[str] = []
    for n in range(1, 33):
        html = get(remote.url + f"/id/indicator/big-one?lang=en&page={n}").text
        seen += re.findall(r'href="(/id/observation/big--\d{5})', html.split("<h2>Observations", 1)[1].split("</section>")[0])
    assert len(seen) == len(set(seen)) == 3150
