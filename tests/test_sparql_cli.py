"""`ecokg query` as a user runs it: a real process, its output and exit status."""

import json

import pyoxigraph as ox
import pytest

from cli import run_ecokg

from sparql_http import DATA_TRIG


def ecokg(*args, input=None):
    return run_ecokg("query", *args, input=input, text=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "data.trig"
    path.write_text(DATA_TRIG, encoding="utf-8")
    return str(path)


def test_select_formats(data):
    q = "SELECT ?name WHERE { <http://example.org/alice> <http://example.org/name> ?name } ORDER BY ?name"
    out = ecokg(q, "--data", data)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines() == ["?name", '"Alice"@en', '"爱丽丝"@zh']  # default: TSV
    out = ecokg(q, "--data", data, "--format", "json")
    assert [b["name"]["value"] for b in json.loads(out.stdout)["results"]["bindings"]] == ["Alice", "爱丽丝"]
    for fmt, oxfmt in [("xml", ox.QueryResultsFormat.XML), ("tsv", ox.QueryResultsFormat.TSV)]:
        out = ecokg(q, "--data", data, "-f", fmt)
        assert [s["name"].value for s in ox.parse_query_results(out.stdout, oxfmt)] == ["Alice", "爱丽丝"]
    assert ecokg(q, "--data", data, "-f", "csv").stdout.decode().splitlines() == ["name", "Alice", "爱丽丝"]


def test_construct_from_file_and_stdin(data, tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("CONSTRUCT WHERE { ?s <http://example.org/age> ?o }")
    for args, stdin in [((str(f),), None), (("-",), f.read_bytes())]:
        for fmt, oxfmt in [("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES)]:
            out = ecokg(*args, "--data", data, "-f", fmt, input=stdin)
            assert out.returncode == 0, out.stderr
            assert {t.object.value for t in ox.parse(out.stdout, oxfmt)} == {"25", "30"}


def test_bundled_graph_by_default():
    out = ecokg("ASK { ?s a <https://w3id.org/ecokg/ontology#District> }", "-f", "json")
    assert out.returncode == 0 and json.loads(out.stdout)["boolean"] is True


@pytest.mark.parametrize("query, message", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", "SPARQL Update is not accepted"),
    ("SELECT * WHERE { ?s ?p }", "syntax error"),
])
def test_refusals(data, query, message):
    out = ecokg(query, "--data", data)
    assert out.returncode == 1 and message in out.stderr.decode() and out.stdout == b""


def test_format_must_fit_the_query(data):
    out = ecokg("ASK {}", "--data", data, "-f", "ttl")
    assert out.returncode == 2 and "json, xml, csv, tsv" in out.stderr.decode()


def test_row_cap_and_time_limit(data, tmp_path):
    out = ecokg("SELECT * WHERE { ?s ?p ?o }", "--data", data, "--max-rows", "2")
    assert out.returncode == 0 and len(out.stdout.decode().splitlines()) == 3
    assert "max-rows 2" in out.stderr.decode()
    big = tmp_path / "big.nt"
    big.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(500)))
    out = ecokg("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
                "--data", str(big), "--timeout", "1")
    assert out.returncode == 1 and "time limit of 1 s" in out.stderr.decode()
