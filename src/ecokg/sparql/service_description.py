"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/)."""

from __future__ import annotations

from typing import Iterator

import pyoxigraph as ox

from ecokg.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, Format, serialize
from ecokg.store.base import Store

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
DCT_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
ENTAILMENT_SIMPLE = "http://www.w3.org/ns/entailment/Simple"

def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def graph_sizes(store: Store) -> tuple[int, list[tuple[str, int]]]:
    """Triples in the default graph, and (name, triples) of each named graph."""
    default = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"]
    named = [(str(row["g"].value), int(row["n"].value)) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")]
    return int(default.value), named


def description_triples(endpoint: str, *, default_size: int | None, named: list[tuple[str, int]],
                        timeout: float, max_rows: int | None) -> Iterator[ox.Triple]:
    T = ox.Triple
    svc = ox.NamedNode(endpoint)
    yield T(svc, RDF_TYPE, _sd("Service"))
    yield T(svc, _sd("endpoint"), svc)
    yield T(svc, DCT_TITLE, ox.Literal("ecokg SPARQL endpoint", language="en"))
    yield T(svc, _sd("supportedLanguage"), _sd("SPARQL11Query"))
    yield T(svc, _sd("defaultEntailmentRegime"), ox.NamedNode(ENTAILMENT_SIMPLE))
    for f in RESULT_FORMATS + GRAPH_FORMATS:
        yield T(svc, _sd("resultFormat"), ox.NamedNode(f.iri))
    limits = (f"Read-only: SPARQL Update, SERVICE and LOAD are refused; FROM/FROM NAMED select graphs "
              f"already in the store and never fetch. Queries are stopped after {timeout:g} s")
    limits += f"; at most {max_rows} result rows are returned." if max_rows else "."
    yield T(svc, RDFS_COMMENT, ox.Literal(limits, language="en"))
    ds = ox.BlankNode()
    yield T(svc, _sd("defaultDataset"), ds)
    yield T(ds, RDF_TYPE, _sd("Dataset"))
    dg = ox.BlankNode()
    yield T(ds, _sd("defaultGraph"), dg)
    yield T(dg, RDF_TYPE, _sd("Graph"))
    if default_size is not None:
        yield T(dg, ox.NamedNode(VOID + "triples"), ox.Literal(str(default_size), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer")))
    for name, size in named:
        ng, g = ox.BlankNode(), ox.BlankNode()
        yield T(ds, _sd("namedGraph"), ng)
        yield T(ng, RDF_TYPE, _sd("NamedGraph"))
        yield T(ng, _sd("name"), ox.NamedNode(name))
        yield T(ng, _sd("graph"), g)
        yield T(g, RDF_TYPE, _sd("Graph"))
        yield T(g, ox.NamedNode(VOID + "triples"), ox.Literal(str(size), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer")))


def service_description(endpoint: str, fmt: Format, *, sizes, timeout: float,
                        max_rows: int | None) -> bytes:
    default_size, named = sizes if sizes else (None, [])
    triples = description_triples(endpoint, default_size=default_size, named=named,
                                  timeout=timeout, max_rows=max_rows)
    return serialize(triples, fmt, {"sd": SD, "void": VOID})
