"""schema.org JSON-LD for an entity page (for search engines), safe to embed in a script element."""

from __future__ import annotations

import json

from ecokg.services.entity import EntityView
from ecokg.services.labels import LANGS

# the characters that could end the script element or open a comment inside it
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                0x2028: "\\u2028", 0x2029: "\\u2029"}


def schema_org(view: EntityView, page_url: str) -> dict:
    types = view.schema_types or ["Thing"]
    doc: dict = {
        "@context": "https://schema.org",
        "@id": view.iri,
        "@type": types if len(types) > 1 else types[0],
        "mainEntityOfPage": page_url,
        "name": [{"@value": view.names.get(lang), "@language": lang} for lang in LANGS if view.names.get(lang)]
        or view.title,
    }
    alts = [{"@value": t, "@language": l} if l else t for t, l in view.names.alternates]
    if alts:
        doc["alternateName"] = alts
    if view.descriptions:
        doc["description"] = [{"@value": d.text, "@language": d.lang} if d.lang else d.text for d in view.descriptions]
    if view.contained_in:
        doc["containedInPlace"] = [{"@id": i} for i in view.contained_in]
    if view.coordinates:
        doc["geo"] = {"@type": "GeoCoordinates", "latitude": view.coordinates[0], "longitude": view.coordinates[1]}
    if view.web_urls:
        doc["url"] = view.web_urls[0] if len(view.web_urls) == 1 else view.web_urls
    if view.sources:
        doc["citation"] = [{"@id": s.iri} for s in view.sources if s.iri]
    return doc


def script_json(data: dict) -> str:
    """JSON text that cannot break out of ``<script type="application/ld+json">``."""
    return json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_SAFE)
