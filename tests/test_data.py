"""The bundled data, checked directly (with rdflib, independently of the SHACL shapes; that it passes them:
``test_hardening_data.test_bundled_data_is_valid_and_the_record_serve_reads_is_left``): every typed entity has
Chinese and English labels, every fact node cites an eco:Source, and every term it uses is declared in the
ontology."""

from __future__ import annotations

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS

from ecokg import resources
from ecokg.bulk import collector_paused
from ecokg.rdf.terms import to_rdflib
from ecokg.rdf.files import parse_file

ECO = rdflib.Namespace("https://w3id.org/ecokg/ontology#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
ENTITY_NS = "https://w3id.org/ecokg/id/"
# what declares a term in the ontology
DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                     RDF.Property, OWL.NamedIndividual, SKOS.ConceptScheme)
# the classes whose instances are facts or described things that must cite a source
CITING = [ECO.Designation, ECO.Observation, ECO.Claim, ECO.EcologicalPractice, ECO.Place, ECO.DesignationScheme,
          ECO.Batch, ORG.Organization, ECO.Indicator]


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    g = rdflib.Graph()
    for p in resources.ontology_files():
        g.parse(p, format="turtle")
    return g


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    g = rdflib.Graph()
    files = resources.data_files()
    assert files, "no data files"
    with collector_paused():  # (a third faster: ecokg.bulk)
        for p in files:  # as ecokg reads them: a table mapping (data/tables/*.rml.ttl) as its tables' triples
            g.addN((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), g) for q in parse_file(p))
    return g


def _instances(data: rdflib.Graph, ontology: rdflib.Graph, cls) -> set:
    subclasses = set(ontology.transitive_subjects(RDFS.subClassOf, cls))
    return {s for c in subclasses for s in data.subjects(RDF.type, c)}


def test_every_typed_entity_has_both_labels(data):
    typed = {s for s in data.subjects(RDF.type, None)}
    assert len(typed) > 100 and sum(1 for s in typed if str(s).startswith(ENTITY_NS)) > 100
    missing = []
    for s in sorted(typed):
        langs = {(lbl.language or "").split("-")[0] for lbl in data.objects(s, RDFS.label)}
        if not {"zh", "en"} <= langs:
            missing.append((str(s), sorted(langs)))
    assert missing == []


def test_every_fact_node_has_a_source(data, ontology):
    sources = set(data.subjects(RDF.type, ECO.Source))
    assert len(sources) > 1
    checked = 0
    problems = []
    for cls in CITING:
        for s in sorted(_instances(data, ontology, cls)):
            cited = set(data.objects(s, DCTERMS.source))
            checked += 1
            if not cited:
                problems.append((str(s), "no dcterms:source"))
            elif not cited <= sources:
                problems.append((str(s), sorted(str(c) for c in cited - sources)))
    assert checked > 50
    assert problems == []
    # and nothing in id/ with a type other than eco:Source escapes these classes uncited
    typed = {s for s, o in data.subject_objects(RDF.type) if str(s).startswith(ENTITY_NS) and o != ECO.Source}
    uncited = sorted(str(s) for s in typed if (s, DCTERMS.source, None) not in data)
    assert uncited == []


def test_every_term_is_declared_in_the_ontology(data, ontology):
    declared = set(ontology.subjects(RDF.type, None))
    predicates = set(data.predicates()) - {RDF.type}
    classes = set(data.objects(None, RDF.type))
    undeclared_p = sorted(str(p) for p in predicates if p not in declared)
    undeclared_c = sorted(str(c) for c in classes if c not in declared)
    assert undeclared_p == [] and undeclared_c == []
    # every ontology term (eco:) the data points at is declared too: levels, units, confidence ...
    eco_objects = {o for o in data.objects() if isinstance(o, rdflib.URIRef) and str(o).startswith(str(ECO))}
    assert sorted(str(o) for o in eco_objects if o not in declared) == []
    # each declared as a term: a class, a property, a named individual or a concept scheme (rdf:type too)
    as_terms = {t for kind in DECLARATION_TYPES for t in ontology.subjects(RDF.type, kind) if isinstance(t, rdflib.URIRef)}
    used = set(data.predicates()) | classes | eco_objects
    assert sorted(str(t) for t in used - as_terms) == []
    # declared as what they are used as
    properties = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}
    for p in predicates:
        assert set(ontology.objects(p, RDF.type)) & properties, f"{p} is not declared as a property"
    for c in classes:
        assert set(ontology.objects(c, RDF.type)) & {OWL.Class, RDFS.Class}, f"{c} is not declared as a class"
