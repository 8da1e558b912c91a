"""The SPARQL layer's parts on their own: classifier, formats, protocol parsing, row cap, examples."""

import pyoxigraph as ox
import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ecokg.dataset.examples import PREFIXES, load_examples, parse_example
from ecokg.sparql.policy import ForbiddenFeature, QuerySyntaxError, UpdateRefused, classify, classify_update
from ecokg.sparql.evaluate import Job, evaluate
from ecokg.sparql.formats import NotAcceptable, choose, negotiate, SOLUTION_FORMATS, GRAPH_FORMATS
from ecokg.sparql.protocol import ProtocolError, parse_operation
from ecokg.store.embedded import EmbeddedStore


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
    r"SELECT * WHERE { \u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",  # escape hides the keyword
    r"SELECT * WHERE { S\u0045RVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { service ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://example.org/> } }",
    "ASK { FILTER EXISTS { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { OPTIONAL { SERVICE <http://x.example/> { ?s ?p ?o } } } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { MINUS { SERVICE <http://x.example/> { ?s ?p ?o } } } }",
])
def test_service_refused_wherever_it_hides(query):
    with pytest.raises(ForbiddenFeature, match="SERVICE"):
        classify(query)


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://a.example/s> <http://a.example/p> 1 }",
    "LOAD <http://example.org/data.ttl>",
    r"\u004cOAD <http://example.org/data.ttl>",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
])
def test_updates_are_not_queries(update):
    with pytest.raises(QuerySyntaxError, match="SPARQL Update is not accepted"):
        classify(update)
    with pytest.raises(UpdateRefused) as e:
        classify_update(update)
    assert e.value.status == 403


def test_syntax_error_carries_position():
    with pytest.raises(QuerySyntaxError) as e:
        classify("SELECT * WHERE {\n ?s ?p }")
    assert e.value.status == 400 and "line 2" in e.value.message


def test_forms_and_dataset_clauses():
    c = classify("SELECT * FROM <http://g.example/1> FROM NAMED <http://g.example/2> WHERE { ?s ?p ?o }")
    assert (c.form, c.from_graphs, c.from_named) == ("SELECT", ("http://g.example/1",), ("http://g.example/2",))
    assert classify("ASK {}").form == "ASK"
    assert classify("CONSTRUCT WHERE { ?s ?p ?o }").form == "CONSTRUCT"
    assert classify("DESCRIBE <http://a.example/>").form == "DESCRIBE"


def accept(header):
    return parse_accept_header(header, MIMEAccept)


def test_negotiation_with_q_values():
    assert negotiate(accept("text/csv;q=0.5, text/tab-separated-values"), SOLUTION_FORMATS).name == "tsv"
    assert negotiate(accept("application/sparql-results+xml;q=0.9, */*;q=0.1"), SOLUTION_FORMATS).name == "xml"
    assert negotiate(accept("*/*"), SOLUTION_FORMATS).name == "json"
    assert negotiate(None, GRAPH_FORMATS).name == "ttl"
    assert negotiate(accept("application/n-triples;q=0.2, application/rdf+xml;q=0.8"), GRAPH_FORMATS).name == "rdfxml"
    assert negotiate(accept("application/json"), GRAPH_FORMATS).name == "jsonld"
    with pytest.raises(NotAcceptable):
        negotiate(accept("image/png"), SOLUTION_FORMATS)
    assert choose("SELECT", format_param="csv", accept=accept("application/json")).name == "csv"
    assert choose("CONSTRUCT", format_param="application/n-triples", accept=None).name == "nt"
    with pytest.raises(NotAcceptable):
        choose("ASK", format_param="ttl", accept=None)


def test_protocol_parsing():
    op = parse_operation("GET", url_params=[("query", "ASK {}"), ("default-graph-uri", "http://g/1"),
                                            ("named-graph-uri", "http://g/2"), ("named-graph-uri", "http://g/3")])
    assert op.query == "ASK {}" and op.dataset == (("http://g/1",), ("http://g/2", "http://g/3"))
    assert parse_operation("GET", url_params=[]).query is None
    op = parse_operation("POST", url_params=[("default-graph-uri", "http://g/1")],
                         content_type="application/sparql-query", body="ASK { ?s ?p \"中\" }".encode())
    assert op.query == 'ASK { ?s ?p "中" }' and op.dataset == (("http://g/1",), ())
    cases = [
        (dict(method="PUT", url_params=[("query", "ASK {}")]), 405),
        (dict(method="GET", url_params=[("query", "ASK {}"), ("query", "ASK {}")]), 400),
        (dict(method="GET", url_params=[("query", "ASK {}"), ("update", "CLEAR ALL")]), 400),
        (dict(method="POST", url_params=[], content_type="application/x-www-form-urlencoded",
              form_params=[("update", "CLEAR ALL")]), 403),
        (dict(method="POST", url_params=[], content_type="application/sparql-update", body=b"CLEAR ALL"), 403),
        (dict(method="POST", url_params=[], content_type="text/plain", body=b"ASK {}"), 415),
        (dict(method="POST", url_params=[], content_type=None, body=b"query=ASK+%7B%7D"), 415),
        (dict(method="POST", url_params=[], content_type="application/sparql-query", charset="ISO-8859-1",
              body=b"ASK {}"), 415),
        (dict(method="POST", url_params=[], content_type="application/sparql-query", body=b"ASK { \"\xe9\" }"), 400),
    ]
    for kwargs, status in cases:
        with pytest.raises(ProtocolError) as e:
            parse_operation(kwargs.pop("method"), **kwargs)
        assert e.value.status == status, kwargs


class ListSink:
    def __init__(self):
        self.truncated = None
        self.data = b""

    def start(self, truncated):
        self.truncated = truncated

    def write(self, data):
        self.data += bytes(data)
        return len(data)

    def flush(self):
        pass


@pytest.fixture(scope="module")
def small_store():
    store = ox.Store()
    for i in range(10):
        store.add(ox.Quad(ox.NamedNode(f"http://a.example/s{i}"), ox.NamedNode("http://a.example/p"),
                          ox.Literal(f"line one\nline\ttwo {i}", language="en")))
    return EmbeddedStore(store)


@pytest.mark.parametrize("max_rows, rows, truncated", [(None, 10, False), (3, 3, True), (10, 10, False), (0, 0, True)])
def test_row_cap_keeps_terms_exact(small_store, max_rows, rows, truncated):
    sink = ListSink()
    evaluate(small_store, Job("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s", "json",
                              "application/sparql-results+json", max_rows=max_rows), sink)
    parsed = list(ox.parse_query_results(sink.data, ox.QueryResultsFormat.JSON))
    assert len(parsed) == rows and sink.truncated is truncated
    if rows:
        assert parsed[0]["o"] == ox.Literal("line one\nline\ttwo 0", language="en")


def test_row_cap_on_graphs(small_store):
    sink = ListSink()
    evaluate(small_store, Job("CONSTRUCT WHERE { ?s ?p ?o }", "nt", "application/n-triples", max_rows=4), sink)
    assert sink.truncated is True and len(list(ox.parse(sink.data, ox.RdfFormat.N_TRIPLES))) == 4


def test_example_header_format(tmp_path):
    f = tmp_path / "x.rq"
    f.write_text("# title: Places\n# title@zh: 地方\n# description: All of them.\nSELECT * { ?s ?p ?o }\n",
                 encoding="utf-8")
    ex = parse_example(f)
    assert (ex.name, ex.title, ex.title_zh, ex.description) == ("x", "Places", "地方", "All of them.")
    f.write_text("SELECT * { ?s ?p ?o }\n")
    with pytest.raises(ValueError, match="title"):
        parse_example(f)


def test_bundled_examples_are_well_formed_read_only_queries():
    examples = load_examples()
    assert examples, "queries/*.rq holds no example"
    for ex in examples:
        assert ex.title and ex.title_zh, f"{ex.name}: needs '# title:' and '# title@zh:'"
        classify(ex.query)  # parses, and is read-only
    assert PREFIXES["eco"] == "https://w3id.org/ecokg/ontology#"


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\U00000053\\u0045RVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u005Cu0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * FROM <http://127.0.0.1:1/g> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s <http://example.org/from> ?o }",
    "INSERT DATA { <a:b> <a:b> <a:b> }",
    "LOAD <http://127.0.0.1:1/x.ttl>",
    "CLEAR ALL",
])
def test_words_only_the_full_parser_may_judge(text):
    from ecokg.sparql.policy import needs_full_parse

    assert needs_full_parse(text)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "ASK { ?s a ?t }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DESCRIBE <https://w3id.org/ecokg/id/division/500154>",
])
def test_plain_queries_go_to_the_engine(text):
    from ecokg.sparql.policy import needs_full_parse

    assert not needs_full_parse(text)


@pytest.mark.parametrize("text,form", [
    ("SELECT * WHERE { ?s ?p ?o }", b"SELECT"),
    ("ASK { ?s ?p ?o }", b"ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", b"CONSTRUCT"),
    ("DESCRIBE <x:y>", b"CONSTRUCT"),
    ("SELECT ?x WHERE { ?x <relative> 1 }", b"SELECT"),
])
def test_form_read_by_the_engine(text, form):
    from ecokg.sparql.evaluate import form_of

    assert form_of(text) == form
