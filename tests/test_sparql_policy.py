"""ecokg.sparql.policy: what may run at the read-only endpoint."""

import pytest

from ecokg.dataset.examples import load_examples
from ecokg.sparql.policy import ForbiddenFeature, QuerySyntaxError, UpdateRefused, classify, classify_update


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


def test_undeclared_prefix_is_named():
    with pytest.raises(QuerySyntaxError, match="prefix eco: is not declared"):
        classify("SELECT * WHERE { ?s a eco:Place }")


def test_bundled_examples_are_well_formed_read_only_queries():
    examples = load_examples()
    assert examples, "queries/*.rq holds no example"
    for ex in examples:
        classify(ex.query)  # parses, and is read-only
