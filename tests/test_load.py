"""``ecokg load`` against a real Oxigraph server (PyPI ``oxigraph``) on loopback.

Fuseki is neither in Debian nor on PyPI: its code path (``--kind fuseki`` and
``--kind gsp``) is the same SPARQL 1.1 Graph Store Protocol, exercised here
against Oxigraph's Graph Store endpoint; Virtuoso's is in tests/test_remote.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from cli import run_ecokg

from conftest import free_port, stop_process
from ecokg.store import gsp as loader
from ecokg import resources

GRAPH = "https://w3id.org/ecokg/"


class OxigraphServer:
    def __init__(self, folder: Path, ready_timeout: float = 60):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(folder / "oxigraph.log", "wb")
        self.proc = subprocess.Popen(
            [shutil.which("oxigraph"), "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{self.port}"],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                self.count()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError((folder / "oxigraph.log").read_text(errors="replace"))
                time.sleep(0.1)

    def select(self, query: str) -> list[dict]:
        data = urllib.parse.urlencode({"query": query}).encode()
        req = urllib.request.Request(self.url + "/query", data=data,
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)["results"]["bindings"]

    def count(self, graph: str | None = None) -> int:
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        return int(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0]["n"]["value"])

    def ask(self, query: str) -> bool:
        data = urllib.parse.urlencode({"query": query}).encode()
        req = urllib.request.Request(self.url + "/query", data=data,
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)["boolean"]

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


def serving_oxigraph(folder: Path):
    """An Oxigraph server in ``folder`` for the time of a fixture (skips where it is not installed)."""
    if shutil.which("oxigraph") is None:
        pytest.skip("the Oxigraph server is not installed (pip install oxigraph; in the test extra)")
    srv = OxigraphServer(folder)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    yield from serving_oxigraph(tmp_path_factory.mktemp("oxigraph"))


@pytest.fixture()
def empty_oxigraph(tmp_path):
    """An Oxigraph server of its own, empty, for a test that loads the whole data: Oxigraph takes two to three
    times as long to load where it has deleted as much before (a graph replaced)."""
    yield from serving_oxigraph(tmp_path)


def ecokg_load(*args: str):
    return run_ecokg("load", *args)


def bundled() -> list[str]:
    return [str(p) for p in resources.bundled_files()]


def test_loading_again_replaces_the_graph_and_graphs_stay_apart(oxigraph_server):
    """--kind gsp (and Fuseki's /ds/data) speak the same protocol as Oxigraph's /store.  A load replaces its
    graph, whether of the same files or of others, and leaves the other graphs alone (small files: Oxigraph
    takes seconds to delete a graph of the whole data, and what replaces it does not depend on its size)."""
    graph, other = "urn:ecokg:test:replaced", "urn:ecokg:test:other-graph"
    ontology, shapes = str(resources.ontology_files()[0]), str(resources.shapes_files()[0])
    done = ecokg_load("--kind", "gsp", "--into", oxigraph_server.url + "/store", "--graph", other, ontology)
    assert done.returncode == 0, done.stderr
    n_other = oxigraph_server.count(other)
    assert n_other == len(loader.read_triples([ontology])) > 0
    for path in (ontology, ontology, shapes):
        done = ecokg_load("--kind", "oxigraph", "--into", oxigraph_server.url, "--graph", graph, path)
        assert done.returncode == 0, done.stderr
        assert oxigraph_server.count(graph) == len(loader.read_triples([path])) > 0  # replaced, not added to
    assert oxigraph_server.count(other) == n_other


def test_chunked_upload_keeps_blank_nodes_whole(oxigraph_server, tmp_path):
    lines = [f"<urn:ecokg:test:s{i}> <urn:ecokg:test:p> \"value number {i} 开州\" ." for i in range(2000)]
    lines += ["_:a <urn:ecokg:test:knows> _:b .", "_:b <urn:ecokg:test:name> \"b\" .",
              "<urn:ecokg:test:s0> <urn:ecokg:test:has> _:a ."]
    f = tmp_path / "many.nt"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[int] = []
    graph = "urn:ecokg:test:chunked"
    report = loader.load([f], oxigraph_server.url, graph=graph, kind="oxigraph", chunk_bytes=10_000,
                         progress=seen.append)
    assert report.requests > 5 and sum(seen) == report.triples == len(lines)
    assert seen[-1] == 3  # the blank-node triples, together, last
    assert oxigraph_server.count(graph) == len(lines)
    assert oxigraph_server.ask(f"ASK {{ GRAPH <{graph}> {{ <urn:ecokg:test:s0> <urn:ecokg:test:has> ?a . "
                               f"?a <urn:ecokg:test:knows> ?b . ?b <urn:ecokg:test:name> \"b\" }} }}")
    # and again, smaller: the graph is replaced, not added to
    loader.load([f], oxigraph_server.url, graph=graph, kind="oxigraph", chunk_bytes=50_000)
    assert oxigraph_server.count(graph) == len(lines)


def test_built_dump_loads_unchanged(empty_oxigraph, bundled_build, tmp_path):
    assert bundled_build.returncode == 0, bundled_build.stderr[-3000:]
    out = bundled_build.out
    dump = out / "ecokg.nt"
    n = sum(1 for line in dump.read_text(encoding="utf-8").splitlines() if line.strip())
    graph = "urn:ecokg:test:dist"
    done = ecokg_load("--kind", "oxigraph", "--into", empty_oxigraph.url, "--graph", graph, str(out))
    assert done.returncode == 0, done.stderr
    assert f"loaded {n} triples into <{graph}>" in done.stdout
    assert empty_oxigraph.count(graph) == n
    # the default files are the dump of --dist (a folder of its own holding the dump's first lines: which file
    # is read does not depend on its length)
    small = tmp_path / "dist"
    small.mkdir()
    (small / "ecokg.nt").write_text("".join(dump.read_text(encoding="utf-8").splitlines(keepends=True)[:100]),
                                    encoding="utf-8")
    done = ecokg_load("--kind", "oxigraph", "--into", empty_oxigraph.url, "--graph", graph + "-small",
                      "--dist", str(small))
    assert done.returncode == 0, done.stderr
    assert "checking 1 file(s)" in done.stderr
    assert empty_oxigraph.count(graph + "-small") == 100


def test_dead_engine_is_a_clear_error():
    port = free_port()
    done = ecokg_load("--kind", "oxigraph", "--into", f"http://127.0.0.1:{port}", *bundled())
    assert done.returncode == 1
    assert "cannot reach the engine" in done.stderr and "Traceback" not in done.stderr


def test_refused_data_names_the_http_error(oxigraph_server):
    # Oxigraph has no Graph Store endpoint at /nowhere
    done = ecokg_load("--kind", "gsp", "--into", oxigraph_server.url + "/nowhere", *bundled())
    assert done.returncode == 1
    assert "HTTP 404" in done.stderr and "Traceback" not in done.stderr


def test_bad_rdf_is_refused_before_anything_is_sent(oxigraph_server, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> .\n")
    graph = "urn:ecokg:test:untouched"
    done = ecokg_load("--kind", "oxigraph", "--into", oxigraph_server.url, "--graph", graph, str(bad))
    assert done.returncode == 2
    assert "bad.ttl:1" in done.stderr
    assert oxigraph_server.count(graph) == 0


def test_virtuoso_default_graph_is_refused_with_advice():
    done = ecokg_load("--kind", "virtuoso", "--into", f"http://127.0.0.1:{free_port()}", "--graph", "default",
                      *bundled())
    assert done.returncode == 1 and "default-graph-uri" in done.stderr


def test_gzipped_dump_loads(oxigraph_server, tmp_path):
    import gzip

    src = resources.ontology_files()[0]
    gz = tmp_path / (src.name + ".gz")
    gz.write_bytes(gzip.compress(src.read_bytes()))
    graph = "urn:ecokg:test:gz"
    done = ecokg_load("--kind", "oxigraph", "--into", oxigraph_server.url, "--graph", graph, str(gz))
    assert done.returncode == 0, done.stderr
    assert oxigraph_server.count(graph) == len(loader.read_triples([src])) > 0


def test_truncated_gzip_names_the_file(tmp_path):
    """A truncated .nt.gz is a file that cannot be read: exit 2 with the file named, like validate and build
    (it used to end with click's bare "Aborted!")."""
    import gzip

    whole = gzip.compress(b"".join(b"<urn:s%d> <urn:p> <urn:o> .\n" % i for i in range(5000)))
    cut = tmp_path / "cut.nt.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    done = ecokg_load("--kind", "oxigraph", "--into", f"http://127.0.0.1:{free_port()}", str(cut))
    assert done.returncode == 2, done.stderr
    assert f"error: {cut}: " in done.stderr and "Aborted" not in done.stderr, done.stderr


def test_bad_graph_iri_is_refused(oxigraph_server):
    done = ecokg_load("--kind", "oxigraph", "--into", oxigraph_server.url, "--graph", "not an iri", *bundled())
    assert done.returncode == 1 and "error:" in done.stderr


@pytest.mark.parametrize("into, kind, endpoint", [
    ("http://h:8890", "virtuoso", "http://h:8890/sparql-graph-crud-auth"),
    ("http://h:8890/sparql", "virtuoso", "http://h:8890/sparql-graph-crud-auth"),
    ("http://h:3030/ds", "fuseki", "http://h:3030/ds/data"),
    ("http://h:3030/ds/", "fuseki", "http://h:3030/ds/data"),
    ("http://h:3030/ds/data", "fuseki", "http://h:3030/ds/data"),
    ("http://h:7878", "oxigraph", "http://h:7878/store"),
    ("http://h/rdf4j-server/repositories/ecokg/rdf-graphs/service", "gsp",
     "http://h/rdf4j-server/repositories/ecokg/rdf-graphs/service"),
])
def test_graph_store_endpoints(into, kind, endpoint):
    assert loader.graph_store_endpoint(into, kind) == endpoint


def test_only_http_urls():
    with pytest.raises(loader.LoadError, match="http"):
        loader.graph_store_endpoint("file:///etc/passwd", "gsp")


def test_load_into_the_default_graph(oxigraph_server):
    small = str(resources.ontology_files()[0])
    n = len(loader.read_triples([small]))
    for _ in range(2):
        done = ecokg_load("--kind", "oxigraph", "--into", oxigraph_server.url, "--graph", "default", small)
        assert done.returncode == 0, done.stderr
        rows = oxigraph_server.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # Oxigraph: the default graph
        assert int(rows[0]["n"]["value"]) == n


def test_serve_from_an_oxigraph_server(empty_oxigraph, bundled_store, start_server):
    """The README's Oxigraph recipe: load the bundled files into the default graph (every triple sent, those
    that several files hold too; a progress bar), then answer like the embedded engine (the example queries
    include the count and the whole graph, triple for triple)."""
    from test_remote import canonical, example_queries

    from ecokg.store.remote import RemoteStore

    sent = loader.count_triples(resources.bundled_files())  # duplicates across files included
    assert sent >= len(loader.read_triples(resources.bundled_files())) > 0
    done = ecokg_load("--kind", "oxigraph", "--into", empty_oxigraph.url, "--graph", "default", *bundled())
    assert done.returncode == 0, done.stderr
    assert f"loaded {sent} triples into <default>" in done.stdout
    assert "loading into" in done.stderr  # the progress bar
    remote = RemoteStore(empty_oxigraph.url + "/query", timeout=30)
    for name, query in example_queries().items():
        assert canonical(remote.query(query), query) == canonical(bundled_store.query(query), query), name
    srv = start_server("--store", empty_oxigraph.url + "/query", "--workers", "1")
    with urllib.request.urlopen(srv.url + "/id/division/500000", timeout=60) as r:
        assert r.status == 200 and "重庆".encode() in r.read()
