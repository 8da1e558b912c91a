"""The pages over a remote SPARQL endpoint (``--store``): the same answers as over the embedded engine.

The remote endpoint here is a second ``ecokg serve``'s own ``/sparql`` (a real SPARQL 1.1 Protocol
server over HTTP); it shows the pages use only standard SPARQL and bound values that survive the
remote store's VALUES rewriting.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
import pytest

from pagetools import get, page_text


@pytest.fixture(scope="module")
def remote_pages(server, start_server):
    return start_server("--store", server.url + "/sparql", "--workers", "1")


@pytest.mark.parametrize("path", ["/id/place/kaizhou-district.ttl", "/id/scheme/national-two-mountains-base.nt",
                                  "/ontology.ttl"])
def test_rdf_descriptions_match_the_embedded_engine(server, remote_pages, path):
    fmt = ox.RdfFormat.TURTLE if path.endswith(".ttl") else ox.RdfFormat.N_TRIPLES
    local = get(server.url + path)
    remote = get(remote_pages.url + path)
    assert local.status == remote.status == 200
    assert set(ox.parse(local.body, format=fmt)) == set(ox.parse(remote.body, format=fmt))
    assert local.body == remote.body and local.header("ETag") == remote.header("ETag")


@pytest.mark.parametrize("path", ["/?lang=en", "/id/place/kaizhou-district?lang=zh",
                                  "/id/scheme/national-two-mountains-base?lang=en", "/class/Place?lang=en",
                                  "/ontology?lang=en", "/search?q=" + quote("开州") + "&lang=en"])
def test_pages_match_the_embedded_engine(server, remote_pages, path):
    local = get(server.url + path)
    remote = get(remote_pages.url + path)
    assert remote.status == 200
    strip = lambda html: page_text(html).replace(remote_pages.url, "").replace(server.url, "")  # noqa: E731
    assert strip(local.text) == strip(remote.text)
    assert get(remote_pages.url + "/id/place/atlantis").status == 404
