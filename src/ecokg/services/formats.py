"""The RDF formats an entity description is served in: media types, URL suffixes, pyoxigraph formats."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormatSpec:
    key: str  # the URL suffix without the dot
    media_type: str
    name: str
    format: ox.RdfFormat
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


RDF_FORMATS: tuple[RdfFormatSpec, ...] = (
    RdfFormatSpec("ttl", "text/turtle", "Turtle", ox.RdfFormat.TURTLE, ("application/x-turtle",)),
    RdfFormatSpec("jsonld", "application/ld+json", "JSON-LD", ox.RdfFormat.JSON_LD, ("application/json",)),
    RdfFormatSpec("nt", "application/n-triples", "N-Triples", ox.RdfFormat.N_TRIPLES),
    RdfFormatSpec("rdf", "application/rdf+xml", "RDF/XML", ox.RdfFormat.RDF_XML),
)
BY_SUFFIX = {f.key: f for f in RDF_FORMATS}
HTML_TYPES = ("text/html", "application/xhtml+xml")


def offers() -> list[str]:
    """Every media type we can answer, HTML first (so ``*/*`` gets the page)."""
    out = list(HTML_TYPES)
    out += [f.media_type for f in RDF_FORMATS]
    out += [a for f in RDF_FORMATS for a in f.aliases]
    return out


def by_media_type(media_type: str) -> RdfFormatSpec | None:
    for f in RDF_FORMATS:
        if media_type == f.media_type or media_type in f.aliases:
            return f
    return None


def serialize(triples, spec: RdfFormatSpec, prefixes: dict[str, str] | None = None) -> bytes:
    """Serialise triples with pyoxigraph (prefixes only where the syntax has them)."""
    use_prefixes = prefixes if spec.format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(list(triples), format=spec.format, prefixes=use_prefixes)
