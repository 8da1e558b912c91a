"""The VoID + DCAT description of the dataset: one generator, one dataset IRI (``{base}dataset``).

``describe`` turns ``Statistics`` (triple and entity counts, class and property partitions, named graphs,
the newest source date, an example resource) and, for a build, the ``Distribution`` of each file (download
URL, media type, compression, size, SHA-256; the RDF dumps are also ``void:dataDump``s, the CSV tables and
their CSVW metadata only ``dcat:distribution``s) into VoID/DCAT triples.  The statistics come either from the
triples ``ecokg build`` writes (``statistics_of_triples``) or from a store by SPARQL
(``statistics_of_store``: what ``/.well-known/void`` says when nothing has been built), so the dataset is
described the same way either way.  There is no wall clock in it: it is as deterministic as the data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import pyoxigraph as ox

from ecokg.rdf.namespaces import DCAT, DCTERMS, ECO, FOAF, RDF, RDFS, XSD, VOID, entity_ns, prefixes
from ecokg.dataset import completeness
from ecokg.rdf.sparql_text import bind
from ecokg.store.base import Store

SPDX = "http://spdx.org/rdf/terms#"
IANA = "https://www.iana.org/assignments/media-types/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
DCT_ISSUED = DCTERMS + "issued"
XSD_DATE = XSD + "date"

TITLE_EN = "ecokg: China's ecological-civilization designations"
TITLE_ZH = "ecokg：中国生态文明建设示范与“两山”基地知识图谱"
DESCRIPTION_EN = ("National and Chongqing municipal ecological-civilization demonstration zones, \"Two Mountains\" "
                  "practice and innovation bases, their batches, the places holding them, practices, indicators "
                  "and stated counts, every fact cited to a source. The national lists of holders are incomplete: "
                  "each batch's void:subset says how many of the holders sources state it records.")

PREFIXES = {"rdf": RDF, "rdfs": RDFS, "xsd": XSD, "void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "spdx": SPDX,
            "foaf": FOAF, "eco": ECO}
# the vocabularies the data uses (void:vocabulary)
VOCABULARY_PREFIXES = ("rdfs", "owl", "skos", "dcterms", "prov", "schema", "org", "sosa", "geo", "eco")


def dataset_iri(base: str) -> str:
    return base + "dataset"


@dataclass(frozen=True)
class Distribution:
    name: str  # file name in the build folder, e.g. "ecokg.ttl.gz"
    media_type: str  # of the (uncompressed) content, e.g. "text/turtle"
    compressed: bool
    byte_size: int
    sha256: str
    title: str
    rdf: bool = True  # an RDF dump (also a void:dataDump); False: another file (a CSV table, its metadata)
    conforms_to: str | None = None  # the standard the file follows (dcterms:conformsTo), e.g. CSVW


@dataclass
class Statistics:
    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    classes: list[tuple[str, int]]  # (class IRI, entities of that class), sorted
    properties: list[tuple[str, int]]  # (property IRI, triples), sorted
    graphs: list[tuple[str, int]] = field(default_factory=list)  # (named graph, triples), sorted
    modified: str | None = None  # the newest source's dcterms:issued (xsd:date)
    example: str | None = None  # an entity to show (the first place)
    completeness: list = field(default_factory=list)  # dataset.completeness.Completeness rows (per scheme and batch)


def statistics_of_triples(triples: Sequence[ox.Triple], base: str,
                          graphs: Iterable[tuple[str, int]] = ()) -> Statistics:
    rdf_type, issued = ox.NamedNode(RDF + "type"), ox.NamedNode(DCT_ISSUED)
    space = entity_ns(base)
    entities = {t.subject for t in triples if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(space)}
    members: dict[str, set] = defaultdict(set)
    for t in triples:
        if t.predicate == rdf_type and isinstance(t.object, ox.NamedNode) and t.subject in entities:
            members[t.object.value].add(t.subject)
    dates = [t.object.value for t in triples
             if t.predicate == issued and isinstance(t.object, ox.Literal) and t.object.datatype.value == XSD_DATE]
    places = sorted(e.value for e in entities if e.value.startswith(space + "place/"))
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return Statistics(
        triples=len(triples), entities=len(entities),
        distinct_subjects=len({t.subject for t in triples}), distinct_objects=len({t.object for t in triples}),
        classes=sorted((c, len(m)) for c, m in members.items()),
        properties=sorted(Counter(t.predicate.value for t in triples).items()),
        graphs=sorted(graphs), modified=max(dates) if dates else None, example=places[0] if places else None,
        completeness=_completeness(store.query, base))


def _completeness(query, base: str) -> list:
    """The completeness rows (stated size, holders recorded) of every scheme and batch, by SPARQL."""
    return completeness.compute(lambda q: completeness.rows_of(query(completeness.PREFIXES + q)), entity_ns(base))


def statistics_of_store(store: Store, base: str) -> Statistics:
    """The same statistics, counted by the store (the default graph: the whole graph, as served)."""
    space = ox.Literal(entity_ns(base))

    def rows(query: str, **values) -> list:
        result = store.query(bind(query, **values))
        names = [v.value for v in result.variables]
        return [{n: r[n] for n in names} for r in result]

    def count(query: str, **values) -> int:
        r = rows(query, **values)
        return int(r[0]["n"].value) if r else 0

    in_space = "isIRI(?s) && STRSTARTS(STR(?s), $space)"
    classes = [(r["c"].value, int(r["n"].value)) for r in rows(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c . FILTER(isIRI(?c) && {in_space}) }} GROUP BY ?c",
        space=space)]
    properties = [(r["p"].value, int(r["n"].value)) for r in rows(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")]
    graphs = [(r["g"].value, int(r["n"].value)) for r in rows(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g") if isinstance(r["g"], ox.NamedNode)]
    modified = rows(f"SELECT (MAX(?d) AS ?m) WHERE {{ ?x <{DCT_ISSUED}> ?d . FILTER(DATATYPE(?d) = <{XSD_DATE}>) }}")
    example = rows("SELECT ?s WHERE { ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), $places)) } ORDER BY ?s LIMIT 1",
                   places=ox.Literal(entity_ns(base) + "place/"))
    return Statistics(
        triples=count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        entities=count(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o . FILTER({in_space}) }}", space=space),
        distinct_subjects=count("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        distinct_objects=count("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        classes=sorted(classes), properties=sorted(properties), graphs=sorted(graphs),
        modified=modified[0]["m"].value if modified and modified[0].get("m") is not None else None,
        example=example[0]["s"].value if example else None,
        completeness=_completeness(store.query, base))


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def describe(stats: Statistics, *, base: str, distributions: Iterable[Distribution] = ()) -> list[ox.Triple]:
    """The VoID/DCAT triples (blank nodes for partitions and checksums)."""
    ds = _n(dataset_iri(base))
    t: list[ox.Triple] = []

    def add(s, p, o):
        t.append(ox.Triple(s, _n(p), o))

    add(ds, RDF + "type", _n(VOID + "Dataset"))
    add(ds, RDF + "type", _n(DCAT + "Dataset"))
    add(ds, DCTERMS + "title", ox.Literal(TITLE_EN, language="en"))
    add(ds, DCTERMS + "title", ox.Literal(TITLE_ZH, language="zh"))
    add(ds, DCTERMS + "description", ox.Literal(DESCRIPTION_EN, language="en"))
    add(ds, DCTERMS + "license", _n(CC0))
    if stats.modified:
        add(ds, DCTERMS + "modified", ox.Literal(stats.modified, datatype=_n(XSD_DATE)))
    add(ds, VOID + "triples", _int(stats.triples))
    add(ds, VOID + "entities", _int(stats.entities))
    add(ds, VOID + "distinctSubjects", _int(stats.distinct_subjects))
    add(ds, VOID + "distinctObjects", _int(stats.distinct_objects))
    add(ds, VOID + "classes", _int(len(stats.classes)))
    add(ds, VOID + "properties", _int(len(stats.properties)))
    add(ds, VOID + "uriSpace", ox.Literal(entity_ns(base)))
    add(ds, VOID + "sparqlEndpoint", _n(base + "sparql"))
    if stats.example:
        add(ds, VOID + "exampleResource", _n(stats.example))
    vocabularies = prefixes(base)
    for p in sorted({vocabularies[p] for p in VOCABULARY_PREFIXES}):
        add(ds, VOID + "vocabulary", _n(p))
    for cls, count in stats.classes:
        part = ox.BlankNode()
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", _n(cls))
        add(part, VOID + "entities", _int(count))
    for prop, count in stats.properties:
        part = ox.BlankNode()
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", _n(prop))
        add(part, VOID + "triples", _int(count))
    for graph, count in stats.graphs:  # the named graphs of the TriG dump
        sub = _n(graph)
        add(ds, VOID + "subset", sub)
        add(sub, RDF + "type", _n(VOID + "Dataset"))
        add(sub, VOID + "triples", _int(count))
    for c in stats.completeness:  # how complete each batch's list of holders is (docs/model.md, "Completeness")
        if c.batch is None:
            continue
        part = ox.BlankNode()
        add(ds, VOID + "subset", part)
        add(part, DCTERMS + "subject", _n(c.batch))
        add(part, VOID + "entities", _int(c.recorded))
        if c.stated is None:
            text = f"{c.recorded} holders recorded; no source states the batch's size."
        else:
            text = f"{c.recorded} of {c.stated} holders recorded" + (
                f" ({c.difference} not recorded): the list is incomplete." if c.difference > 0 else ".")
        add(part, DCTERMS + "description", ox.Literal(text, language="en"))
    for d in sorted(distributions, key=lambda d: d.name):
        url = _n(base + "downloads/" + d.name)
        add(ds, DCAT + "distribution", url)
        if d.rdf:
            add(ds, VOID + "dataDump", url)
        add(url, RDF + "type", _n(DCAT + "Distribution"))
        add(url, DCTERMS + "title", ox.Literal(d.title, language="en"))
        add(url, DCAT + "downloadURL", url)
        add(url, DCAT + "mediaType", _n(IANA + d.media_type))
        if d.compressed:
            add(url, DCAT + "compressFormat", _n(IANA + "application/gzip"))
        add(url, DCAT + "byteSize", ox.Literal(str(d.byte_size), datatype=_n(XSD + "nonNegativeInteger")))
        if d.conforms_to:
            add(url, DCTERMS + "conformsTo", _n(d.conforms_to))
        add(url, DCTERMS + "license", _n(CC0))
        ck = ox.BlankNode()
        add(url, SPDX + "checksum", ck)
        add(ck, RDF + "type", _n(SPDX + "Checksum"))
        add(ck, SPDX + "algorithm", _n(SPDX + "checksumAlgorithm_sha256"))
        add(ck, SPDX + "checksumValue", ox.Literal(d.sha256, datatype=_n(XSD + "hexBinary")))
    return t
