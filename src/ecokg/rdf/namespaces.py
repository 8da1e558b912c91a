"""The vocabularies ecokg reads and writes, as plain IRI strings, and the prefixes for them (one place)."""

from __future__ import annotations

from ecokg.settings import DEFAULT_BASE_URI

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"  # as the ontology declares it (not http://)
ORG = "http://www.w3.org/ns/org#"
SOSA = "http://www.w3.org/ns/sosa/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEOSPARQL = "http://www.opengis.net/ont/geosparql#"  # not geo:, which is W3C Basic Geo (lat/long)
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
VANN = "http://purl.org/vocab/vann/"


SH = "http://www.w3.org/ns/shacl#"


def eco_ns(base_uri: str = DEFAULT_BASE_URI) -> str:
    """The ontology namespace for a base (``https://w3id.org/ecokg/ontology#``)."""
    return base_uri + "ontology#"


def entity_ns(base_uri: str = DEFAULT_BASE_URI) -> str:
    """Where every entity lives (``https://w3id.org/ecokg/id/``)."""
    return base_uri + "id/"


ECO = eco_ns()
ENTITY_NS = entity_ns()


def prefixes(base_uri: str = DEFAULT_BASE_URI) -> dict[str, str]:
    """Prefixes for serialisations and compact names."""
    return {
        "eco": eco_ns(base_uri),
        "ecoid": entity_ns(base_uri),
        "rdf": RDF,
        "rdfs": RDFS,
        "owl": OWL,
        "xsd": XSD,
        "skos": SKOS,
        "dcterms": DCTERMS,
        "prov": PROV,
        "schema": SCHEMA,
        "org": ORG,
        "sosa": SOSA,
        "geo": GEO,
        "geosparql": GEOSPARQL,
        "void": VOID,
        "dcat": DCAT,
        "vann": VANN,
    }


ENTITY_KINDS = ("place", "division", "scheme", "batch", "designation", "practice", "indicator", "observation", "claim",
                "source", "org")


# the prefix of each kind of entity where its name is taken (``org:`` is the W3C vocabulary)
_KIND_PREFIX = {"org": "agent"}


def serialization_prefixes(base_uri: str = DEFAULT_BASE_URI) -> dict[str, str]:
    """For Turtle and RDF/XML: one prefix per kind of entity keeps local names free of escapes
    (``place:kaizhou-district`` rather than ``ecoid:place\\/kaizhou-district``)."""
    out = {k: v for k, v in prefixes(base_uri).items() if k != "ecoid"}
    for kind in ENTITY_KINDS:
        out.setdefault(_KIND_PREFIX.get(kind, kind), f"{entity_ns(base_uri)}{kind}/")
    return out


def sparql_prologue(base_uri: str) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base_uri).items())


def compact(iri: str, base_uri: str) -> str:
    """``eco:Place`` for a known namespace, else the IRI itself."""
    for p, ns in prefixes(base_uri).items():
        if iri.startswith(ns) and len(iri) > len(ns) and p != "ecoid":
            return f"{p}:{iri[len(ns):]}"
    return iri


def local_name(iri: str) -> str:
    for sep in ("#", "/", ":"):
        if sep in iri.rstrip(sep):
            tail = iri.rstrip(sep).rsplit(sep, 1)[1]
            if tail:
                return tail
    return iri


def expand(curie: str, base_uri: str) -> str | None:
    """``org:Organization`` -> its IRI, for a known prefix; else None."""
    prefix, sep, local = curie.partition(":")
    ns = prefixes(base_uri).get(prefix) if sep else None
    return ns + local if ns and local else None
