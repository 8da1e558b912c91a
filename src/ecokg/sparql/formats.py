"""Result formats of the SPARQL endpoint, and choosing one for a request.

Media types and serialisers are pyoxigraph's; the choice among them follows
the client's ``Accept`` header (werkzeug's parser, with q-values) unless a
``format`` parameter names one.  Nothing here knows of Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

OxFormat = Union[ox.QueryResultsFormat, ox.RdfFormat]


@dataclass(frozen=True)
class Format:
    name: str  # short name for the ``format`` parameter and ``ecokg query --format``
    media_type: str  # the canonical media type, sent as Content-Type (with charset)
    ox: OxFormat
    aliases: tuple[str, ...] = ()  # other media types and names that ask for it

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


# Results of SELECT and ASK; the first is the default.
SOLUTION_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON,
           ("application/json", "srj", "text/javascript", "application/javascript")),
    Format("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML,
           ("application/xml", "text/xml", "srx")),
    Format("csv", "text/csv", ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
)

# Results of CONSTRUCT and DESCRIBE; the first is the default.
GRAPH_FORMATS: tuple[Format, ...] = (
    # Turtle is a subset of N3, so it also answers clients asking for N3 (SPARQLWrapper's default for graphs)
    Format("ttl", "text/turtle", ox.RdfFormat.TURTLE,
           ("turtle", "application/x-turtle", "application/turtle", "n3", "text/n3", "text/rdf+n3")),
    Format("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, ("ntriples", "n-triples", "text/plain")),
    Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, ("json-ld", "json", "application/json")),
    Format("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML, ("rdf", "xml", "application/xml", "text/xml")),
    Format("trig", "application/trig", ox.RdfFormat.TRIG),
    Format("nq", "application/n-quads", ox.RdfFormat.N_QUADS, ("nquads", "n-quads")),
)


class NotAcceptable(ValueError):
    """No format offered matches what the client asked for (HTTP 406)."""

    def __init__(self, message: str, offered: tuple[Format, ...]):
        super().__init__(message)
        self.offered = offered


def formats_for(form: str) -> tuple[Format, ...]:
    """The formats of a query form: SELECT/ASK give solutions, CONSTRUCT/DESCRIBE give graphs."""
    return SOLUTION_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS


def by_name(name: str, offered: tuple[Format, ...]) -> Format:
    """The format a ``format`` parameter (short name or media type) asks for."""
    wanted = name.strip().lower()
    for f in offered:
        if wanted == f.name or wanted == f.media_type or wanted in f.aliases:
            return f
    raise NotAcceptable(
        f"format {name!r} is not available for this query; use one of: "
        + ", ".join(f"{f.name} ({f.media_type})" for f in offered), offered)


def negotiate(accept: MIMEAccept | str | None, offered: tuple[Format, ...]) -> Format:
    """The best of ``offered`` for an Accept header; the first one when the client accepts anything."""
    if accept is None or (isinstance(accept, str) and not accept.strip()):
        return offered[0]
    if isinstance(accept, str):
        accept = parse_accept_header(accept, MIMEAccept)
    if not accept:
        return offered[0]
    # Aliases (application/json for SPARQL JSON, ...) count only when named, never through a wildcard.
    named = {value.lower() for value, _ in accept}
    candidates: list[str] = []
    owner: dict[str, Format] = {}
    for f in offered:
        for mt in (f.media_type, *(a for a in f.aliases if a in named)):
            if "/" in mt and mt not in owner:
                candidates.append(mt)
                owner[mt] = f
    best = accept.best_match(candidates)
    if best is None:
        raise NotAcceptable(
            "none of the requested media types can be produced for this query; available: "
            + ", ".join(f.media_type for f in offered), offered)
    return owner[best]


def choose(form: str, *, format_param: str | tuple[str, ...] | None, accept: MIMEAccept | str | None) -> Format:
    """The format for a query form: named by ``format`` parameter(s) if any, else negotiated by Accept.

    Several ``format`` values, or a comma-separated list in one (as SPARQLWrapper sends), are tried in
    order; the first this endpoint knows wins.
    """
    offered = formats_for(form)
    values = (format_param,) if isinstance(format_param, str) else tuple(format_param or ())
    names = [piece.strip() for v in values for piece in v.split(",") if piece.strip()]
    if names:
        for name in names:
            try:
                return by_name(name, offered)
            except NotAcceptable:
                continue
        return by_name(names[0], offered)  # raises, naming what is available
    return negotiate(accept, offered)
