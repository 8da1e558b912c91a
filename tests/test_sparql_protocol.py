"""The SPARQL 1.1 Protocol over real HTTP, against an `ecokg serve --data` process."""

import json

import pyoxigraph as ox
import pytest

from sparql_http import DATA_TRIG, get, post_direct, post_form, request

EX = "http://example.org/"
NAMES = "PREFIX ex: <http://example.org/> SELECT ?s ?name WHERE { ?s ex:name ?name } ORDER BY ?s ?name"


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sparql") / "data.trig"
    path.write_text(DATA_TRIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def srv(start_server, data_file):
    return start_server("--data", str(data_file), "--max-body", "5000")


def rows(reply):
    assert reply.status == 200, reply.text
    return [{k: str(v) for k, v in zip(sol.keys() if hasattr(sol, "keys") else [], sol)} for sol in []] or \
        json.loads(reply.body)["results"]["bindings"]


def names(reply):
    return [(b["s"]["value"], b["name"]["value"]) for b in rows(reply)]


EXPECTED = [(EX + "alice", "Alice"), (EX + "alice", "爱丽丝"), (EX + "bob", 'Bob "the builder", 2nd\tline')]


def test_get_urlencoded_post_and_direct_post_agree(srv):
    assert names(get(srv.url, NAMES)) == EXPECTED
    assert names(post_form(srv.url, {"query": NAMES})) == EXPECTED
    assert names(post_direct(srv.url, NAMES)) == EXPECTED


@pytest.mark.parametrize("accept, fmt, media_type", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML, "application/sparql-results+xml"),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV, "text/tab-separated-values"),
    ("application/json", ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
])
def test_select_formats_round_trip(srv, accept, fmt, media_type):
    r = get(srv.url, NAMES, accept=accept)
    assert r.status == 200
    assert r.header("Content-Type") == f"{media_type}; charset=utf-8"
    assert "Accept" in r.header("Vary")
    got = [(str(s["s"].value), s["name"].value) for s in ox.parse_query_results(r.body, fmt)]
    assert got == EXPECTED
    zh = [s["name"] for s in ox.parse_query_results(r.body, fmt) if s["name"].language == "zh"]
    assert zh == [ox.Literal("爱丽丝", language="zh")]


def test_select_csv(srv):
    r = get(srv.url, NAMES, accept="text/csv")
    assert r.status == 200 and r.header("Content-Type") == "text/csv; charset=utf-8"
    lines = r.text.splitlines()
    assert lines[0] == "s,name"
    assert lines[1:] == [f"{EX}alice,Alice", f"{EX}alice,爱丽丝", f'{EX}bob,"Bob ""the builder"", 2nd\tline"']


@pytest.mark.parametrize("accept, expected", [
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.5",
     "application/sparql-results+xml"),
    ("text/*, application/*;q=0.1", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
])
def test_accept_q_values(srv, accept, expected):
    r = get(srv.url, "ASK { ?s ?p ?o }", accept=accept or None)
    assert r.status == 200 and r.header("Content-Type").split(";")[0] == expected


def test_format_parameter_wins_over_accept(srv):
    r = get(srv.url, NAMES, accept="application/sparql-results+json", format="tsv")
    assert r.header("Content-Type").startswith("text/tab-separated-values")
    r = post_form(srv.url, {"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "application/n-triples"})
    assert r.header("Content-Type").startswith("application/n-triples")


def test_not_acceptable(srv):
    r = get(srv.url, NAMES, accept="image/png")
    assert r.status == 406 and "application/sparql-results+json" in r.text
    r = get(srv.url, NAMES, format="turtle")
    assert r.status == 406 and "json" in r.text


@pytest.mark.parametrize("query", ["ASK { ?s ?p ?o }", "ASK { ?s <http://example.org/nothing> ?o }"])
def test_ask_formats(srv, query):
    expected = "nothing" not in query
    for accept, fmt in [("application/sparql-results+json", ox.QueryResultsFormat.JSON),
                        ("application/sparql-results+xml", ox.QueryResultsFormat.XML)]:
        r = get(srv.url, query, accept=accept)
        assert r.status == 200 and bool(ox.parse_query_results(r.body, fmt)) is expected


ALL_TRIPLES = {
    (EX + "alice", EX + "name", '"Alice"@en'), (EX + "alice", EX + "name", '"爱丽丝"@zh'),
    (EX + "alice", EX + "age", '"30"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    (EX + "alice", EX + "knows", f"<{EX}bob>"),
    (EX + "bob", EX + "name", '"Bob \\"the builder\\", 2nd\\tline"@en'),
    (EX + "bob", EX + "age", '"25"^^<http://www.w3.org/2001/XMLSchema#integer>'),
}


def triples(body, fmt):
    return {(t.subject.value, t.predicate.value, str(t.object)) for t in ox.parse(body, fmt)}


@pytest.mark.parametrize("fmt", [ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD,
                                 ox.RdfFormat.RDF_XML, ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS])
def test_construct_formats_round_trip(srv, fmt):
    r = post_direct(srv.url, "CONSTRUCT WHERE { ?s ?p ?o }", accept=fmt.media_type)
    assert r.status == 200
    assert r.header("Content-Type") == f"{fmt.media_type}; charset=utf-8"
    assert triples(r.body, fmt) == ALL_TRIPLES


def test_describe(srv):
    r = get(srv.url, "DESCRIBE <http://example.org/bob>", accept="application/n-triples")
    assert r.status == 200
    assert {t for t in triples(r.body, ox.RdfFormat.N_TRIPLES)} == {t for t in ALL_TRIPLES if t[0] == EX + "bob"}


def test_large_results_are_streamed_small_ones_sent_whole(srv):
    r = get(srv.url, "SELECT ?i WHERE { VALUES ?i { 1 2 3 } }")
    assert r.header("Content-Length") == str(len(r.body)) and r.header("Transfer-Encoding") is None
    # 6 x 6 x 6 x 6 = 1296 rows: more than one 64 KiB chunk
    many = "SELECT ?a ?b ?c ?d WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?t ?u }"
    for accept in ("application/sparql-results+json", "text/csv"):
        r = get(srv.url, many, accept=accept)
        assert r.status == 200 and len(r.body) > 64 * 1024
        assert r.header("Transfer-Encoding") == "chunked" and r.header("Content-Length") is None
    assert len(json.loads(get(srv.url, many).body)["results"]["bindings"]) == 6 ** 4


def test_protocol_dataset_parameters(srv):
    q = "PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:name ?n } ORDER BY ?s"
    r = get(srv.url, q, **{"default-graph-uri": EX + "g2"})
    assert [b["s"]["value"] for b in rows(r)] == [EX + "dave", EX + "erin"]
    r = post_form(srv.url, {"query": q, "default-graph-uri": [EX + "g1", EX + "g2"]})
    assert [b["s"]["value"] for b in rows(r)] == [EX + "carol", EX + "dave", EX + "erin"]
    q_named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    r = post_direct(srv.url, q_named, params={"named-graph-uri": EX + "g1"})
    assert [b["g"]["value"] for b in rows(r)] == [EX + "g1"]
    # the protocol's dataset replaces the query's own FROM
    r = get(srv.url, f"SELECT ?s FROM <{EX}g1> WHERE {{ ?s ?p ?o }}", **{"default-graph-uri": EX + "g2"})
    assert sorted(b["s"]["value"] for b in rows(r)) == [EX + "dave", EX + "erin"]


def test_from_selects_local_graphs_only(srv):
    r = get(srv.url, f"SELECT ?s FROM <{EX}g1> WHERE {{ ?s ?p ?o }}")
    assert [b["s"]["value"] for b in rows(r)] == [EX + "carol"]
    r = get(srv.url, f"SELECT ?g FROM NAMED <{EX}g2> WHERE {{ GRAPH ?g {{ }} }}")
    assert [b["g"]["value"] for b in rows(r)] == [EX + "g2"]
    r = get(srv.url, "SELECT * FROM <http://graph-not-in-store.example/> WHERE { ?s ?p ?o }")
    assert rows(r) == []


def test_syntax_error_is_400_with_the_parsers_message(srv):
    r = get(srv.url, "SELECT * WHERE {\n  ?s ?p \n}")
    assert r.status == 400 and r.header("Content-Type").startswith("text/plain")
    assert "syntax error" in r.text and "line 2" in r.text
    r = get(srv.url, "SELECT * WHERE { ?s undeclared:p ?o }")
    assert r.status == 400 and "undeclared" in r.text
    r = get(srv.url, "SELECT (<http://example.org/no-such-function>(1) AS ?x) WHERE { }")
    assert r.status == 400 and "no-such-function" in r.text  # the engine's refusal, still the client's to fix


def test_relative_iris_resolve_against_the_endpoint(srv):
    r = get(srv.url, "CONSTRUCT { <s> <p> 1 } WHERE { }", accept="application/n-triples")
    assert r.status == 200 and r.text.startswith(f"<{srv.url}/s> <{srv.url}/p> ")


def test_protocol_errors(srv):
    two = request(srv.url, "GET", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert two.status == 400 and "2 `query` parameters" in two.text
    both = post_form(srv.url, {"query": "ASK {}", "update": "CLEAR ALL"})
    assert both.status == 400
    put = request(srv.url, "PUT", params={"query": "ASK {}"})
    assert put.status == 405 and "GET" in put.header("Allow")
    delete = request(srv.url, "DELETE")
    assert delete.status == 405
    wrong_type = request(srv.url, "POST", body="ASK {}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status == 415
    no_type = request(srv.url, "POST", body="query=ASK+%7B%7D")
    assert no_type.status == 415
    latin1 = request(srv.url, "POST", body="ASK {}",
                     headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"})
    assert latin1.status == 415


@pytest.mark.parametrize("send", [
    lambda url: post_form(url, {"update": "INSERT DATA { <http://a.example/s> <http://a.example/p> 1 }"}),
    lambda url: request(url, "POST", body="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}),
    lambda url: get(url, None, update="CLEAR ALL"),
])
def test_update_is_refused_with_403(srv, send):
    r = send(srv.url)
    assert r.status == 403 and "read-only" in r.text
    assert get(srv.url, "ASK { <http://a.example/s> ?p ?o }").body.endswith(b"false}")


def test_update_in_query_parameter_is_400(srv):
    r = get(srv.url, "INSERT DATA { <http://a.example/s> <http://a.example/p> 1 }")
    assert r.status == 400 and "SPARQL Update" in r.text


def test_body_over_limit_is_413(srv):
    big = "ASK { }" + " " * 6000
    assert post_direct(srv.url, big).status == 413
    assert post_form(srv.url, {"query": big}).status == 413
    assert post_direct(srv.url, "ASK { }" + " " * 100).status == 200


def test_cors(srv):
    r = get(srv.url, "ASK {}")
    assert r.header("Access-Control-Allow-Origin") == "*"
    pre = request(srv.url, "OPTIONS", headers={"Origin": "https://tools.example", "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "Content-Type"})
    assert pre.status in (200, 204)
    assert pre.header("Access-Control-Allow-Origin") in ("*", "https://tools.example")
    assert "POST" in pre.header("Access-Control-Allow-Methods")
    assert "content-type" in pre.header("Access-Control-Allow-Headers").lower()


SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize("fmt", [ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD])
def test_service_description(srv, fmt):
    r = get(srv.url, accept=fmt.media_type)
    assert r.status == 200 and r.header("Content-Type").startswith(fmt.media_type)
    g = ox.Store()
    g.load(r.body, fmt)
    endpoint = ox.NamedNode(srv.url + "/sparql")
    assert ox.Quad(endpoint, ox.NamedNode(SD + "endpoint"), endpoint) in g
    assert ox.Quad(endpoint, ox.NamedNode(SD + "supportedLanguage"), ox.NamedNode(SD + "SPARQL11Query")) in g
    formats = {q.object.value for q in g.quads_for_pattern(endpoint, ox.NamedNode(SD + "resultFormat"), None)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats and len(formats) == 10
    named = {str(row["name"].value) for row in g.query(
        f"SELECT ?name WHERE {{ ?s <{SD}defaultDataset> ?d . ?d <{SD}namedGraph>/<{SD}name> ?name }}")}
    assert named == {EX + "g1", EX + "g2"}


def test_query_page_for_browsers(srv):
    r = get(srv.url, accept="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert r.status == 200 and r.header("Content-Type") == "text/html; charset=utf-8"
    assert "yasgui.min.js" in r.text and "Vary" in r.headers
    for asset in ("yasgui.min.js", "yasgui.min.css"):
        a = request(srv.url, "GET", f"/static/vendor/yasgui/{asset}")
        assert a.status == 200 and len(a.body) > 10_000, asset


def test_form_post_without_query_is_400(server):
    """Only a GET without a query has an answer of its own (the query page, the service description)."""
    for accept in (None, "text/turtle", "text/html"):
        r = post_form(server.url, {}, accept)
        assert r.status == 400 and "no `query` parameter" in r.text, (accept, r.status, r.text)
        r = post_form(server.url, {"default-graph-uri": "http://example.org/g"}, accept)
        assert r.status == 400 and "no `query` parameter" in r.text
    assert get(server.url, accept="text/turtle").status == 200  # GET without a query: the service description
    assert get(server.url, accept="text/html").status == 200  # ... and the query page
