"""ecokg.rdf.sparql_text: what a query is, and the one way values go into ecokg's own queries."""

import pyoxigraph as ox
import pytest

from ecokg.rdf.sparql_text import SparqlSyntaxError, analyse, bind, needs_full_parse


def test_forms_and_dataset_clauses():
    a = analyse("SELECT * FROM <http://g.example/1> FROM NAMED <http://g.example/2> WHERE { ?s ?p ?o }")
    assert (a.form, a.from_graphs, a.from_named, a.own_dataset) == (
        "SELECT", ("http://g.example/1",), ("http://g.example/2",), True)
    assert analyse("ASK {}").form == "ASK" and not analyse("ASK {}").own_dataset
    assert analyse("CONSTRUCT WHERE { ?s ?p ?o }").form == "CONSTRUCT"
    assert analyse("DESCRIBE <http://a.example/>").form == "DESCRIBE"
    assert analyse("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }").service
    assert analyse("SELECT * WHERE { ?s a x:Y }").undeclared_prefixes == ("x",)
    with pytest.raises(SparqlSyntaxError, match="line 2"):
        analyse("SELECT * WHERE {\n ?s ?p }")


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
    assert needs_full_parse(text)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "ASK { ?s a ?t }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DESCRIBE <https://w3id.org/ecokg/id/division/500154>",
])
def test_plain_queries_go_to_the_engine(text):
    assert not needs_full_parse(text)


def test_bind_writes_terms_with_pyoxigraph():
    s = ox.NamedNode("http://a.example/s")
    evil = 'x" } } ; DROP ALL #'
    text = bind("SELECT ?o WHERE { $s ?p ?o FILTER(STR(?o) = $q) } LIMIT $n", s=s, q=ox.Literal(evil), n=5)
    assert text == f"SELECT ?o WHERE {{ <http://a.example/s> ?p ?o FILTER(STR(?o) = {ox.Literal(evil)}) }} LIMIT 5"
    assert bind("VALUES ?x { $xs }", xs=[s, ox.Literal("a", language="zh")]) == 'VALUES ?x { <http://a.example/s> "a"@zh }'
    store = ox.Store()
    store.add(ox.Quad(s, ox.NamedNode("http://a.example/p"), ox.Literal(evil)))
    assert len(list(store.query(bind("SELECT ?o WHERE { $s ?p ?o FILTER(STR(?o) = $q) }", s=s, q=ox.Literal(evil))))) == 1


def test_bind_refuses_what_is_not_a_term():
    with pytest.raises(KeyError):
        bind("SELECT * WHERE { $s ?p ?o }")  # a slot without a value is never left empty
    with pytest.raises(TypeError):
        bind("SELECT * WHERE { $s ?p ?o }", s="<http://a.example/> } ; DROP ALL #")  # plain text is no term
    with pytest.raises(TypeError):
        bind("SELECT * WHERE { $s ?p ?o }", s=ox.BlankNode())
    assert bind('SELECT * WHERE { ?s ?p "$5" }') == 'SELECT * WHERE { ?s ?p "$5" }'  # no slot, no change


def test_answers_that_may_vary():
    from ecokg.rdf.sparql_text import answers_may_vary

    for q in ("SELECT (NOW() AS ?t) {}", "SELECT (rand() AS ?r) {}", "SELECT (STRUUID() AS ?u) {}",
              "SELECT (BNODE('x') AS ?b) {}", "CONSTRUCT { _:b <urn:p> 1 } WHERE {}",
              "CONSTRUCT { [ <urn:p> 1 ] <urn:q> 2 } WHERE {}", "SELECT (\\u0052AND() AS ?r) {}",
              "SELECT * { ?s ?p \"\\U0000005F:x\" }", "ASK { \\U7FFFFFFF }"):
        assert answers_may_vary(q), q
    for q in ("ASK {}", "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3",
              "DESCRIBE <https://w3id.org/ecokg/id/place/kaizhou-district>"):
        assert not answers_may_vary(q), q
