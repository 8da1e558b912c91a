"""The VoID + DCAT description of a build (``void.ttl``).

It describes the dataset (triple and entity counts, class and property partitions, licence, SPARQL
endpoint) and one ``dcat:Distribution`` per dump file, with its download URL, media type, compression
format, size and SHA-256 checksum (SPDX).  Everything comes from the data and the files: there is no wall
clock in it, so it is as deterministic as the dumps it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import pyoxigraph as ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
IANA = "https://www.iana.org/assignments/media-types/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"

PREFIXES = {
    "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "spdx": SPDX,
    "foaf": FOAF,
}


@dataclass(frozen=True)
class Distribution:
    name: str  # file name in the build folder, e.g. "ecokg.ttl.gz"
    media_type: str  # of the (uncompressed) content, e.g. "text/turtle"
    compressed: bool
    byte_size: int
    sha256: str
    title: str


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def describe(
    *,
    base: str,
    triples: int,
    entities: int,
    distinct_subjects: int,
    distinct_objects: int,
    classes: Sequence[tuple[str, int]],
    properties: Sequence[tuple[str, int]],
    graphs: Sequence[tuple[str, int]],
    distributions: Iterable[Distribution],
    modified: str | None,
    entity_space: str,
    vocabularies: Sequence[str],
) -> list[ox.Triple]:
    """The VoID/DCAT triples (blank nodes for partitions and checksums)."""
    ds = _n(base + "dataset")
    t: list[ox.Triple] = []

    def add(s, p, o):
        t.append(ox.Triple(s, _n(p), o))

    add(ds, RDF + "type", _n(VOID + "Dataset"))
    add(ds, RDF + "type", _n(DCAT + "Dataset"))
    add(ds, DCTERMS + "title", ox.Literal("ecokg: China's ecological-civilization designations", language="en"))
    add(ds, DCTERMS + "title", ox.Literal("ecokg：中国生态文明建设示范与“两山”基地知识图谱", language="zh"))
    add(ds, DCTERMS + "description", ox.Literal(
        "National and Chongqing municipal ecological-civilization demonstration zones, \"Two Mountains\" "
        "practice and innovation bases, their batches, the places holding them, practices, indicators and "
        "stated counts, every fact cited to a source.", language="en"))
    add(ds, DCTERMS + "license", _n(CC0))
    if modified:
        add(ds, DCTERMS + "modified", ox.Literal(modified, datatype=_n(XSD + "date")))
    add(ds, VOID + "triples", _int(triples))
    add(ds, VOID + "entities", _int(entities))
    add(ds, VOID + "distinctSubjects", _int(distinct_subjects))
    add(ds, VOID + "distinctObjects", _int(distinct_objects))
    add(ds, VOID + "classes", _int(len(classes)))
    add(ds, VOID + "properties", _int(len(properties)))
    add(ds, VOID + "uriSpace", ox.Literal(entity_space))
    add(ds, VOID + "sparqlEndpoint", _n(base + "sparql"))
    for v in vocabularies:
        add(ds, VOID + "vocabulary", _n(v))
    for cls, count in classes:
        part = ox.BlankNode()
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", _n(cls))
        add(part, VOID + "entities", _int(count))
    for prop, count in properties:
        part = ox.BlankNode()
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", _n(prop))
        add(part, VOID + "triples", _int(count))
    for graph, count in graphs:  # the named graphs of the TriG dump
        sub = _n(graph)
        add(ds, VOID + "subset", sub)
        add(sub, RDF + "type", _n(VOID + "Dataset"))
        add(sub, VOID + "triples", _int(count))
    for d in distributions:
        url = _n(base + "downloads/" + d.name)
        add(ds, DCAT + "distribution", url)
        add(ds, VOID + "dataDump", url)
        add(url, RDF + "type", _n(DCAT + "Distribution"))
        add(url, DCTERMS + "title", ox.Literal(d.title, language="en"))
        add(url, DCAT + "downloadURL", url)
        add(url, DCAT + "mediaType", _n(IANA + d.media_type))
        if d.compressed:
            add(url, DCAT + "compressFormat", _n(IANA + "application/gzip"))
        add(url, DCAT + "byteSize", ox.Literal(str(d.byte_size), datatype=_n(XSD + "nonNegativeInteger")))
        add(url, DCTERMS + "license", _n(CC0))
        ck = ox.BlankNode()
        add(url, SPDX + "checksum", ck)
        add(ck, RDF + "type", _n(SPDX + "Checksum"))
        add(ck, SPDX + "algorithm", _n(SPDX + "checksumAlgorithm_sha256"))
        add(ck, SPDX + "checksumValue", ox.Literal(d.sha256, datatype=_n(XSD + "hexBinary")))
    return t
