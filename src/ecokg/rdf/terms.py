"""pyoxigraph's terms as rdflib's, for the libraries that take rdflib graphs (pyshacl, tinyrml).

ecokg parses with pyoxigraph; this module is where a term crosses over (it imports rdflib: import it where
rdflib is needed anyway)."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib


def to_rdflib(term):
    """The rdflib term of a pyoxigraph term (literal values are compared with rdflib's XSD semantics)."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")
