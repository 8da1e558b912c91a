"""A minimal VoID description generated from the store, for when ``ecokg build`` has not written one."""

from __future__ import annotations

import pyoxigraph as ox

from ecokg import __version__
from ecokg.services.graph import GraphServices
from ecokg.rdf.namespaces import DCTERMS, RDF, VOID, XSD

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


def minimal_void(g: GraphServices, endpoint_url: str) -> list[ox.Triple]:
    ds = ox.NamedNode(g.uris.base)
    t = lambda s, p, o: ox.Triple(s, ox.NamedNode(p), o)  # noqa: E731
    integer = lambda n: ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))  # noqa: E731
    # (whole-graph counts: cached while the store cannot change, see GraphServices.select)
    n_triples = g.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", cached=True)[0]["n"].value
    out = [
        t(ds, RDF + "type", ox.NamedNode(VOID + "Dataset")),
        t(ds, DCTERMS + "title", ox.Literal("ecokg: China's ecological-civilization designations", language="en")),
        t(ds, DCTERMS + "title", ox.Literal("生态文明建设示范与“两山”基地知识图谱", language="zh")),
        t(ds, DCTERMS + "license", ox.NamedNode(CC0)),
        t(ds, DCTERMS + "hasVersion", ox.Literal(__version__)),
        t(ds, VOID + "uriSpace", ox.Literal(g.uris.entities)),
        t(ds, VOID + "vocabulary", ox.NamedNode(g.uris.eco)),
        t(ds, VOID + "sparqlEndpoint", ox.NamedNode(endpoint_url)),
        t(ds, VOID + "triples", integer(n_triples)),
    ]
    rows = g.select("""
SELECT ?ns ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c . FILTER(isIRI(?c) && STRSTARTS(STR(?x), STR(?ns))) }
GROUP BY ?ns ?c ORDER BY ?c""", cached=True, ns=ox.NamedNode(g.uris.entities))
    for i, r in enumerate(rows):
        part = ox.NamedNode(f"{g.uris.base}void#class-{i + 1}")
        out += [t(ds, VOID + "classPartition", part), t(part, VOID + "class", r["c"]),
                t(part, VOID + "entities", integer(r["n"].value))]
    example = g.select("SELECT ?ns ?x WHERE { ?x a ?c . FILTER(STRSTARTS(STR(?x), STR(?ns))) } ORDER BY ?x LIMIT 1",
                       cached=True, ns=ox.NamedNode(g.uris.entity("place/")))
    if example:
        out.append(t(ds, VOID + "exampleResource", example[0]["x"]))
    return out
