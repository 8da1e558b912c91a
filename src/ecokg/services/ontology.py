"""The ontology's own documentation: every class, property and individual with its labels,
definition, domain and range, and how often the data uses it."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ecokg.services.graph import GraphServices, Value
from ecokg.services.labels import Names
from ecokg.rdf.namespaces import DCTERMS, OWL, RDF, RDFS, SKOS, local_name

CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {OWL + "ObjectProperty": "object", OWL + "DatatypeProperty": "datatype",
                  OWL + "AnnotationProperty": "annotation", RDF + "Property": "property"}
DEFINITION_PROPS = (SKOS + "definition", RDFS + "comment", DCTERMS + "description")


@dataclass
class Term:
    iri: str
    name: str  # local name: the fragment id on the page
    names: Names
    kind: str  # class | property | individual
    property_kind: str | None = None
    definitions: list[Value] = field(default_factory=list)
    notes: list[Value] = field(default_factory=list)  # skos:scopeNote, skos:example, rdfs:comment beside a definition
    types: list[Value] = field(default_factory=list)
    domain: list[Value] = field(default_factory=list)
    range: list[Value] = field(default_factory=list)
    superclasses: list[Value] = field(default_factory=list)
    superproperties: list[Value] = field(default_factory=list)
    equivalents: list[Value] = field(default_factory=list)
    usage: int = 0


@dataclass
class OntologyDoc:
    iri: str
    names: Names
    header: list[tuple[Value, list[Value]]]
    classes: list[Term]
    properties: list[Term]
    individuals: list[Term]
    reused_classes: list[Term] = field(default_factory=list)  # terms of other vocabularies it declares
    reused_properties: list[Term] = field(default_factory=list)


_DECLARED = [ox.NamedNode(OWL + "Class"), ox.NamedNode(RDFS + "Class"), ox.NamedNode(OWL + "ObjectProperty"),
             ox.NamedNode(OWL + "DatatypeProperty"), ox.NamedNode(OWL + "AnnotationProperty"),
             ox.NamedNode(RDF + "Property")]


def ontology_doc(g: GraphServices, lang: str) -> OntologyDoc:
    ns = g.uris.eco
    ns_node = ox.NamedNode(ns)
    by_term: "OrderedDict[str, dict[str, list]]" = OrderedDict()
    for r in g.select("SELECT ?t ?p ?o WHERE { ?t ?p ?o . FILTER(isIRI(?t) && STRSTARTS(STR(?t), STR($ns))) }",
                      cached=True, ns=ns_node):
        by_term.setdefault(r["t"].value, {}).setdefault(r["p"].value, []).append(r["o"])
    # terms of reused vocabularies that the ontology declares (schema:containedInPlace, dcterms:source, ...)
    reused: "OrderedDict[str, dict[str, list]]" = OrderedDict()
    for r in g.select("""SELECT ?t ?p ?o WHERE {
  VALUES ?k { $declared }
  ?t a ?k . FILTER(isIRI(?t) && !STRSTARTS(STR(?t), STR($ns)))
  ?t ?p ?o }""", cached=True, ns=ns_node, declared=_DECLARED):
        d = reused.setdefault(r["t"].value, {}).setdefault(r["p"].value, [])
        if r["o"] not in d:
            d.append(r["o"])

    # every name the page shows, in one go
    g.labels.prefetch([ox.NamedNode(i) for d in (by_term, reused) for i in d]
                      + [ox.NamedNode(p) for d in (by_term, reused) for props in d.values() for p in props]
                      + [o for d in (by_term, reused) for props in d.values() for os_ in props.values() for o in os_])

    # usage counts, over the whole graph (cached: the graph changes seldom, the page is read often);
    # counted for the terms themselves (VALUES), not for every class and object of the graph
    terms = [ox.NamedNode(i) for d in (by_term, reused) for i in d]
    class_use = {r["c"].value: int(r["n"].value) for r in g.select(
        "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { VALUES ?c { $terms } ?t rdfs:subClassOf* ?c . ?x a ?t } "
        "GROUP BY ?c", cached=True, terms=terms)} if terms else {}
    prop_use = {r["p"].value: int(r["n"].value) for r in g.select(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p", cached=True)}
    obj_use = {r["o"].value: int(r["n"].value) for r in g.select(
        "SELECT ?o (COUNT(*) AS ?n) WHERE { VALUES ?o { $terms } ?s ?p ?o } GROUP BY ?o",
        cached=True, terms=terms)} if terms else {}

    def make(iri: str, props: dict[str, list], name: str) -> Term:
        term = Term(iri, name, g.labels.names(iri) or Names(), "individual")
        # (sorted: the same page whatever order the engine answers in)
        vals = lambda p: sorted(g.values(props.get(p, []), lang), key=lambda v: (v.text, v.lang or ""))  # noqa: E731
        term.types = vals(RDF + "type")
        defs: list[Value] = []
        for p in DEFINITION_PROPS:
            defs += [v for v in vals(p) if v.kind == "literal"]
        mine = [d for d in defs if d.lang == lang]
        term.definitions = mine or [d for d in defs if not d.lang] or defs
        term.notes = [v for p in (SKOS + "scopeNote", SKOS + "example", SKOS + "editorialNote")
                      for v in vals(p) if v.lang in (lang, None)]
        term.domain = vals(RDFS + "domain")
        term.range = vals(RDFS + "range")
        term.superclasses = vals(RDFS + "subClassOf")
        term.superproperties = vals(RDFS + "subPropertyOf")
        term.equivalents = vals(OWL + "equivalentClass") + vals(OWL + "equivalentProperty")
        types = {t.value for t in props.get(RDF + "type", []) if isinstance(t, ox.NamedNode)}
        if types & CLASS_TYPES:
            term.kind = "class"
            term.usage = class_use.get(iri, 0)
        elif types & set(PROPERTY_TYPES):
            term.kind = "property"
            term.property_kind = next(PROPERTY_TYPES[t] for t in PROPERTY_TYPES if t in types)
            term.usage = prop_use.get(iri, 0)
        else:
            term.usage = obj_use.get(iri, 0)
        return term

    classes, properties, individuals = [], [], []
    for iri, props in by_term.items():
        term = make(iri, props, local_name(iri))
        {"class": classes, "property": properties}.get(term.kind, individuals).append(term)
    reused_classes, reused_properties = [], []
    for iri, props in reused.items():
        term = make(iri, props, g.compact(iri))
        {"class": reused_classes, "property": reused_properties}.get(term.kind, []).append(term)
    for lst in (classes, properties, individuals, reused_classes, reused_properties):
        lst.sort(key=lambda t: t.name.casefold())

    onto = ox.NamedNode(g.uris.ontology)
    header: "OrderedDict[str, list]" = OrderedDict()
    for r in g.select("SELECT ?p ?o WHERE { $ont ?p ?o }", ont=onto):
        if r["p"].value not in (RDFS + "label", RDF + "type"):
            header.setdefault(r["p"].value, []).append(r["o"])
    head = [(g.value(ox.NamedNode(p), lang), _lang_pref(sorted(g.values(os_, lang), key=lambda v: (v.text, v.lang or "")), lang))
            for p, os_ in header.items()]
    head.sort(key=lambda h: (h[0].text.casefold(), h[0].iri or ""))
    return OntologyDoc(g.uris.ontology, g.labels.names(g.uris.ontology) or Names(), head, classes, properties,
                       individuals, reused_classes, reused_properties)


def _lang_pref(values: list[Value], lang: str) -> list[Value]:
    tagged = [v for v in values if v.lang]
    if tagged and any(v.lang == lang for v in tagged):
        return [v for v in values if not v.lang or v.lang == lang]
    return values
