"""An entity's description for RDF clients: its own triples (blank nodes followed), the labels
of what it links to, and the triples that point at it."""

from __future__ import annotations

import pyoxigraph as ox

_EXISTS = "ASK { { $s ?p ?o } UNION { ?o ?p $s } }"

# (a blank node it points at, and an IRI of its own document -- ``{entity}#seat`` -- are parts of it: their
# triples are in its description, as they are on its page)
_DESCRIBE = """
CONSTRUCT {
  $s ?p ?o . ?o ?lp ?ol . ?o ?bp ?bo .
  ?in ?ip $s . ?in ?ilp ?il .
} WHERE {
  { $s ?p ?o .
    OPTIONAL { ?o ?lp ?ol . FILTER(?lp = rdfs:label && isIRI(?o)) }
    OPTIONAL { ?o ?bp ?bo . FILTER(isBlank(?o) || STRSTARTS(STR(?o), CONCAT(STR($s), "#"))) } }
  UNION
  { ?in ?ip $s .
    OPTIONAL { ?in ?ilp ?il . FILTER(?ilp = rdfs:label) } }
}"""

_ONTOLOGY_TERMS = """
SELECT ?t ?p ?o WHERE { ?t ?p ?o . FILTER(isIRI(?t) && STRSTARTS(STR(?t), STR($ns))) }"""

_BLANK_CLOSURE = """
SELECT ?b ?bp ?bo WHERE {
  ?t ?p ?b . FILTER(isBlank(?b) && isIRI(?t) && STRSTARTS(STR(?t), STR($ns)))
  ?b ?bp ?bo .
}"""


# An IRI described nowhere, recorded as ``owl:sameAs`` of an entity (a former IRI, docs/model.md): the entity
# it now names.  (An IRI with triples of its own is never redirected.)
_SAME_AS = """
SELECT ?new WHERE {
  ?new owl:sameAs $old .
  FILTER(isIRI(?new) && ?new != $old)
  FILTER NOT EXISTS { $old ?anyP ?anyO }
} ORDER BY ?new LIMIT 1"""


def exists(g, iri: str) -> bool:
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # a path that makes no valid IRI (a space, an invalid code point): nothing is there
        return False
    return g.ask(_EXISTS, s=node)


def former_iri_target(g, iri: str) -> str | None:
    """The entity a former IRI now names (it has no triples of its own and an entity of our namespace
    records it with ``owl:sameAs``), else None.  One lookup by object and property: cheap for any IRI."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return None
    rows = g.select(_SAME_AS, old=node)
    new = rows[0]["new"].value if rows else None
    return new if new is not None and g.uris.is_ours(new) else None


def description(g, iri: str) -> list[ox.Triple]:
    return _dedupe(g.construct(_DESCRIBE, s=ox.NamedNode(iri)))


def ontology_description(g) -> list[ox.Triple]:
    """The ontology document: the ontology resource's triples and those of every term in its namespace."""
    ns = ox.NamedNode(g.uris.eco)
    out = description_own(g, g.uris.ontology)
    # (whole-graph scans: cached while the store cannot change, see GraphServices.select)
    out += [ox.Triple(r["t"], r["p"], r["o"]) for r in g.select(_ONTOLOGY_TERMS, cached=True, ns=ns)]
    out += [ox.Triple(r["b"], r["bp"], r["bo"]) for r in g.select(_BLANK_CLOSURE, cached=True, ns=ns)]
    return _dedupe(out)


def description_own(g, iri: str) -> list[ox.Triple]:
    """Just the resource's own triples."""
    return g.construct("CONSTRUCT { $s ?p ?o } WHERE { $s ?p ?o }", s=ox.NamedNode(iri))


def _dedupe(triples: list[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))
