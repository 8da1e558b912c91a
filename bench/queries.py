"""The query mix: the researchers' typical queries, filled in from a generated data set's manifest."""

from __future__ import annotations

from dataclasses import dataclass

from bench.generate import Manifest

PREFIXES = """PREFIX eco: <https://w3id.org/ecokg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@dataclass(frozen=True)
class BenchQuery:
    name: str
    what: str
    sparql: str
    kind: str = "select"  # select | describe

    @property
    def accept(self) -> str:
        return "application/sparql-results+json" if self.kind == "select" else "application/n-triples"


def query_mix(m: Manifest) -> list[BenchQuery]:
    nat_zone, nat_base = m.national_schemes[:2]
    return [
        BenchQuery("lookup", "one-row lookup: an entity's English label",
                   PREFIXES + f"""SELECT ?label WHERE {{
  <{m.lookup_entity}> rdfs:label ?label FILTER(LANG(?label) = "en")
}}"""),
        BenchQuery("entity", "one entity's description (all its properties)",
                   f"SELECT ?p ?o WHERE {{ <{m.entity}> ?p ?o }}"),
        BenchQuery("holders", "a scheme's holders in batch order",
                   PREFIXES + f"""SELECT ?place ?label ?ordinal ?year WHERE {{
  ?d eco:scheme <{nat_zone}> ; eco:holder ?place ; eco:batch ?batch .
  ?batch eco:ordinal ?ordinal ; eco:year ?year .
  ?place rdfs:label ?label FILTER(LANG(?label) = "en")
}} ORDER BY ?ordinal ?label"""),
        BenchQuery("per-batch", "designations per scheme, batch and year (GROUP BY)",
                   PREFIXES + """SELECT ?scheme ?batch ?year (COUNT(?d) AS ?n) WHERE {
  ?d a eco:Designation ; eco:scheme ?scheme ; eco:batch ?batch .
  ?batch eco:year ?year .
} GROUP BY ?scheme ?batch ?year ORDER BY ?scheme ?year ?batch"""),
        BenchQuery("two-titles", "places holding both national titles",
                   PREFIXES + f"""SELECT ?place ?label WHERE {{
  ?d1 eco:holder ?place ; eco:scheme <{nat_zone}> .
  ?d2 eco:holder ?place ; eco:scheme <{nat_base}> .
  ?place rdfs:label ?label FILTER(LANG(?label) = "zh")
}} ORDER BY ?label"""),
        BenchQuery("series", "an indicator's time series for one place",
                   PREFIXES + f"""SELECT ?year ?value WHERE {{
  ?o sosa:hasFeatureOfInterest <{m.entity}> ; sosa:observedProperty <{m.indicator}> ;
     eco:referenceYear ?year ; eco:numericValue ?value .
}} ORDER BY ?year"""),
        BenchQuery("top-k", "top 10 places by an indicator in one year",
                   PREFIXES + f"""SELECT ?place ?label ?value WHERE {{
  ?o sosa:observedProperty <{m.top_indicator}> ; eco:referenceYear "{m.year}"^^xsd:gYear ;
     sosa:hasFeatureOfInterest ?place ; eco:numericValue ?value .
  ?place rdfs:label ?label FILTER(LANG(?label) = "en")
}} ORDER BY DESC(?value) ?place LIMIT 10"""),
        BenchQuery("label-filter", "label text filter (CONTAINS over every label)",
                   PREFIXES + f"""SELECT ?s ?label WHERE {{
  ?s rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "{m.label_text}"))
}}"""),
        BenchQuery("describe", "DESCRIBE an entity", f"DESCRIBE <{m.describe_entity}>", kind="describe"),
    ]
