"""Real clients against a real server: SPARQLWrapper, rdflib's SPARQLStore, curl."""

import csv
import io
import json
import shutil
import subprocess

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, N3, TSV, TURTLE, XML, SPARQLWrapper

from sparql_http import DATA_TRIG

EX = "http://example.org/"
Q = "PREFIX ex: <http://example.org/> SELECT ?s ?name WHERE { ?s ex:name ?name } ORDER BY ?s ?name"
EXPECTED = [(EX + "alice", "Alice"), (EX + "alice", "爱丽丝"), (EX + "bob", 'Bob "the builder", 2nd\tline')]


@pytest.fixture(scope="module")
def srv(start_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("clients") / "data.trig"
    path.write_text(DATA_TRIG, encoding="utf-8")
    return start_server("--data", str(path))


def wrapper(srv, query, fmt, method="GET"):
    w = SPARQLWrapper(srv.url + "/sparql")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setMethod(method)
    return w.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_json(srv, method):
    res = wrapper(srv, Q, JSON, method).convert()
    assert [(b["s"]["value"], b["name"]["value"]) for b in res["results"]["bindings"]] == EXPECTED
    assert wrapper(srv, "ASK { ?s ?p ?o }", JSON, method).convert()["boolean"] is True


def test_sparqlwrapper_xml_csv_tsv(srv):
    doc = wrapper(srv, Q, XML).convert()  # an xml.dom document
    values = [b.getElementsByTagName("literal")[0].firstChild.data
              for b in doc.getElementsByTagName("binding") if b.getAttribute("name") == "name"]
    assert values == [n for _, n in EXPECTED]
    rows = list(csv.reader(io.StringIO(wrapper(srv, Q, CSV).convert().decode("utf-8"))))
    assert rows == [["s", "name"], *[list(r) for r in EXPECTED]]
    tsv = wrapper(srv, Q, TSV).convert().decode("utf-8").splitlines()
    assert tsv[0] == "?s\t?name" and tsv[2] == f'<{EX}alice>\t"爱丽丝"@zh'


@pytest.mark.parametrize("fmt", [TURTLE, N3, XML, "json-ld"])
def test_sparqlwrapper_construct(srv, fmt):
    res = wrapper(srv, "CONSTRUCT WHERE { ?s ?p ?o }", fmt)
    raw = res.response.read()
    kind = {TURTLE: "turtle", N3: "turtle", XML: "xml", "json-ld": "json-ld"}[fmt]
    g = rdflib.Graph().parse(data=raw, format=kind)
    assert (rdflib.URIRef(EX + "alice"), rdflib.URIRef(EX + "name"), rdflib.Literal("爱丽丝", lang="zh")) in g
    assert len(g) == 6


def test_rdflib_sparqlstore(srv):
    g = rdflib.Graph(store=SPARQLStore(srv.url + "/sparql", returnFormat="json"))
    rows = [(str(r.s), str(r.name)) for r in g.query(Q)]
    assert rows == EXPECTED
    assert g.query("ASK { ?s ?p ?o }").askAnswer is True
    # rdflib's default (XML) store asks for RDF/XML or SPARQL XML, so CONSTRUCT works through it too
    xml_store = rdflib.Graph(store=SPARQLStore(srv.url + "/sparql", method="POST"))
    assert [(str(r.s), str(r.name)) for r in xml_store.query(Q)] == EXPECTED
    constructed = xml_store.query("CONSTRUCT WHERE { ?s <http://example.org/age> ?o }").graph
    assert {int(o) for o in constructed.objects()} == {25, 30}
    assert (rdflib.URIRef(EX + "alice"), rdflib.URIRef(EX + "knows"), rdflib.URIRef(EX + "bob")) in xml_store


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl(srv):
    def curl(*args):
        out = subprocess.run(["curl", "-sS", "--fail-with-body", *args], capture_output=True, timeout=60)
        assert out.returncode == 0, out.stderr + out.stdout
        return out.stdout.decode("utf-8")

    body = curl("--get", "--data-urlencode", f"query={Q}", srv.url + "/sparql")
    assert [(b["s"]["value"], b["name"]["value"]) for b in json.loads(body)["results"]["bindings"]] == EXPECTED
    body = curl("-H", "Accept: text/csv", "--data-urlencode", f"query={Q}", srv.url + "/sparql")
    assert list(csv.reader(io.StringIO(body)))[1:] == [list(r) for r in EXPECTED]
    body = curl("-H", "Content-Type: application/sparql-query", "-H", "Accept: application/n-triples",
                "--data-binary", "CONSTRUCT WHERE { ?s <http://example.org/age> ?o }", srv.url + "/sparql")
    assert sorted(body.splitlines()) == [
        f'<{EX}alice> <{EX}age> "30"^^<http://www.w3.org/2001/XMLSchema#integer> .',
        f'<{EX}bob> <{EX}age> "25"^^<http://www.w3.org/2001/XMLSchema#integer> .']
