"""``/downloads`` and ``/.well-known/void``: over HTTP from a real server, with what ``ecokg build`` really writes;
and without a build, from the app in this process."""

from __future__ import annotations

import gzip
import hashlib
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from pagetools import get, page_text, parse_page

VOID = "http://rdfs.org/ns/void#"


@pytest.fixture(scope="module")
def built(bundled_build):
    """What ``ecokg build`` writes for the bundled data (conftest: built once per test run)."""
    assert bundled_build.returncode == 0, bundled_build.stderr[-3000:]
    return bundled_build.out


@pytest.fixture(scope="module")
def built_server(start_server, built):
    return start_server("--dist", str(built), "--workers", "1")


@pytest.fixture(scope="module")
def empty_server(start_site, tmp_path_factory):
    """Nothing built: the app in this process (what it answers needs no process of its own)."""
    return start_site(dist=str(tmp_path_factory.mktemp("nothing") / "dist"))


def test_downloads_page_lists_and_serves_the_build(built_server, built):
    page = get(built_server.url + "/downloads?lang=en")
    assert page.status == 200
    links = [l for l in parse_page(page.text).links if l.startswith("/downloads/")]
    names = {l.rsplit("/", 1)[1] for l in links}
    expected = {p.name for p in built.iterdir() if p.is_file()}
    assert names == expected and "SHA256SUMS" in names and "void.ttl" in names
    assert "store" not in names
    sums = {}
    for line in (built / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(None, 1)
        sums[name.lstrip("*")] = digest
        assert digest in page.text  # checksums shown beside the files
    for name in sorted(names):
        r = get(built_server.url + "/downloads/" + quote(name))
        assert r.status == 200, name
        assert r.body == (built / name).read_bytes()
        if name in sums:
            assert hashlib.sha256(r.body).hexdigest() == sums[name]
    ttl = get(built_server.url + "/downloads/ecokg.ttl")
    assert ttl.header("Content-Type").startswith("text/turtle")
    assert len(list(ox.parse(ttl.body, format=ox.RdfFormat.TURTLE))) > 1000
    gz = get(built_server.url + "/downloads/ecokg.nt.gz")
    assert gz.header("Content-Type") == "application/gzip"
    assert gzip.decompress(gz.body) == (built / "ecokg.nt").read_bytes()
    # revalidation
    etag = ttl.header("ETag")
    assert etag and get(built_server.url + "/downloads/ecokg.ttl", {"If-None-Match": etag}).status == 304


@pytest.mark.parametrize("name", ["../pyproject.toml", "..%2Fpyproject.toml", "%2E%2E/%2E%2E/etc/passwd",
                                  "store/", "store/anything", "/etc/passwd", ".hidden", "nope.ttl"])
def test_downloads_refuse_traversal_and_unknown_files(built_server, name):
    r = get(built_server.url + "/downloads/" + name)
    assert r.status == 404
    assert b"root:" not in r.body and b"[project]" not in r.body


def test_void_from_the_build(built_server, built):
    r = get(built_server.url + "/.well-known/void", {"Accept": "text/turtle"})
    assert r.status == 200 and r.header("Content-Type").startswith("text/turtle")
    assert r.body == (built / "void.ttl").read_bytes()
    nt = get(built_server.url + "/.well-known/void", {"Accept": "application/n-triples"})
    assert nt.header("Content-Type").startswith("application/n-triples")
    assert len(list(ox.parse(nt.body, format=ox.RdfFormat.N_TRIPLES))) == \
        len(list(ox.parse(path=str(built / "void.ttl"))))


def test_nothing_built_gives_hints(empty_server):
    page = get(empty_server.url + "/downloads?lang=en")
    assert page.status == 200 and "ecokg build" in page_text(page.text)
    r = get(empty_server.url + "/downloads/ecokg.ttl")
    assert r.status == 404 and b"ecokg build" in r.body
    # /.well-known/void still answers: a minimal description generated from the store
    v = get(empty_server.url + "/.well-known/void")
    assert v.status == 200
    triples = list(ox.parse(v.body, format=ox.RdfFormat.TURTLE))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert any(t.predicate == rdf_type and t.object == ox.NamedNode(VOID + "Dataset") for t in triples)
    assert any(t.predicate == ox.NamedNode(VOID + "sparqlEndpoint") for t in triples)
    n = [t.object.value for t in triples if t.predicate == ox.NamedNode(VOID + "triples")]
    assert n and int(n[0]) > 1000
    assert get(empty_server.url + "/.well-known/void", {"Accept": "image/png"}).status == 406
