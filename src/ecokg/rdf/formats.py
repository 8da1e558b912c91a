"""Every format ecokg reads or writes, in one table, and the one content negotiation.

Each ``Format`` says what a format is called (its ``key``: the ``format`` parameter of ``/sparql``,
``ecokg query --format``), its media type, its file suffix, pyoxigraph's serialiser/parser for it, its
kind (query results, RDF graph, RDF dataset, an HTML page), a title and the W3C format IRI.  The rest of
the package uses views of this table: ``RESULT_FORMATS`` (SELECT, ASK), ``GRAPH_FORMATS`` (CONSTRUCT,
DESCRIBE), ``PAGE_FORMATS`` (an entity's description at its URI), ``DUMP_FORMATS`` (``ecokg build``), and
``by_suffix`` for reading files.  ``negotiate`` chooses among offered formats for an ``Accept`` header
(werkzeug's parser, with q-values); nothing here knows of Flask.

To add a format: add a row to ``FORMATS`` and, where it belongs, its key to a view.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence, Union

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

EngineFormat = Union[ox.QueryResultsFormat, ox.RdfFormat, None]

RESULTS, GRAPH, DATASET, PAGE = "results", "graph", "dataset", "page"
W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    key: str  # short name: the `format` parameter, `ecokg query --format`
    media_type: str  # the canonical media type, sent as Content-Type (with charset for text)
    engine: EngineFormat  # pyoxigraph's serialiser and parser (None: not RDF, e.g. HTML)
    kind: str  # RESULTS, GRAPH (triples), DATASET (quads; also holds triples), PAGE
    title: str
    suffix: str  # file and URL suffix, without the dot
    w3c: str | None = None  # the local name of its W3C format IRI (https://www.w3.org/ns/formats/)
    aliases: tuple[str, ...] = ()  # other media types and names that ask for it, when named explicitly

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    @property
    def iri(self) -> str | None:
        return W3C_FORMATS + self.w3c if self.w3c else None

    @property
    def is_rdf(self) -> bool:
        return self.kind in (GRAPH, DATASET)


FORMATS: tuple[Format, ...] = (
    # query results (SELECT, ASK); JSON is the default
    Format("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, RESULTS, "SPARQL results JSON",
           "srj", "SPARQL_Results_JSON", ("application/json", "srj", "text/javascript", "application/javascript")),
    Format("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, RESULTS, "SPARQL results XML",
           "srx", "SPARQL_Results_XML", ("application/xml", "text/xml", "srx")),
    Format("csv", "text/csv", ox.QueryResultsFormat.CSV, RESULTS, "SPARQL results CSV", "csv",
           "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV, RESULTS, "SPARQL results TSV", "tsv",
           "SPARQL_Results_TSV"),
    # RDF; Turtle is a subset of N3, so it also answers clients asking for N3 (SPARQLWrapper's default for graphs)
    Format("ttl", "text/turtle", ox.RdfFormat.TURTLE, GRAPH, "Turtle", "ttl", "Turtle",
           ("turtle", "application/x-turtle", "application/turtle", "n3", "text/n3", "text/rdf+n3")),
    Format("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, GRAPH, "N-Triples", "nt", "N-Triples",
           ("ntriples", "n-triples", "text/plain")),
    Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, GRAPH, "JSON-LD", "jsonld", "JSON-LD",
           ("json-ld", "json", "application/json")),
    Format("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML, GRAPH, "RDF/XML", "rdf", "RDF_XML",
           ("rdf", "xml", "application/xml", "text/xml")),
    Format("trig", "application/trig", ox.RdfFormat.TRIG, DATASET, "TriG", "trig", "TriG"),
    Format("nq", "application/n-quads", ox.RdfFormat.N_QUADS, DATASET, "N-Quads", "nq", "N-Quads",
           ("nquads", "n-quads")),
    # a page for people (first among what an entity URI offers: a browser's */* gets it)
    Format("html", "text/html", None, PAGE, "HTML", "html", None, ("application/xhtml+xml",)),
)

BY_KEY = {f.key: f for f in FORMATS}


def _view(*keys: str) -> tuple[Format, ...]:
    return tuple(BY_KEY[k] for k in keys)


RESULT_FORMATS = _view("json", "xml", "csv", "tsv")  # SELECT and ASK; the first is the default
GRAPH_FORMATS = _view("ttl", "nt", "jsonld", "rdfxml", "trig", "nq")  # CONSTRUCT and DESCRIBE
RDF_FORMATS = tuple(f for f in FORMATS if f.is_rdf)  # what RDF files may be written in
PAGE_FORMATS = _view("html", "ttl", "jsonld", "nt", "rdfxml")  # an entity's URI (and its .suffix URLs)
DUMP_FORMATS = _view("ttl", "nt", "jsonld", "trig")  # what `ecokg build` writes

# media types of the other files served from the build folder (``/downloads``)
OTHER_MEDIA_TYPES = {"gz": "application/gzip", "zip": "application/zip", "json": "application/json",
                     "csv": "text/csv", "rq": "application/sparql-query"}
# files whose whole name says more than their suffix: the CSV on the Web metadata of the tables `ecokg build` writes
CSVW_METADATA = "csv-metadata.json"
FILE_MEDIA_TYPES = {CSVW_METADATA: "application/csvm+json"}


def media_type_of_file(name: str) -> str | None:
    """The media type of a file ``ecokg build`` writes (by its name, else its last suffix), or None."""
    if name in FILE_MEDIA_TYPES:
        return FILE_MEDIA_TYPES[name]
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = by_suffix(suffix)
    return fmt.media_type if fmt is not None else OTHER_MEDIA_TYPES.get(suffix)


class NotAcceptable(ValueError):
    """No format offered matches what the client asked for (HTTP 406)."""

    def __init__(self, message: str, offered: Sequence[Format]):
        super().__init__(message)
        self.offered = tuple(offered)


def by_suffix(suffix: str, among: Sequence[Format] = RDF_FORMATS) -> Format | None:
    """The format of a file or URL suffix (``ttl``, ``rdf``, ...), or None."""
    suffix = suffix.lower().lstrip(".")
    return next((f for f in among if f.suffix == suffix), None)


def by_name(name: str, offered: Sequence[Format]) -> Format:
    """The format a ``format`` parameter (key, media type or alias) names."""
    wanted = name.strip().lower()
    for f in offered:
        if wanted == f.key or wanted == f.media_type or wanted in f.aliases:
            return f
    raise NotAcceptable(
        f"format {name!r} is not available for this query; use one of: "
        + ", ".join(f"{f.key} ({f.media_type})" for f in offered), offered)


def negotiate(accept: MIMEAccept | str | None, offered: Sequence[Format]) -> Format:
    """The best of ``offered`` for an Accept header; the first one when the client accepts anything (or says
    nothing).  Aliases (``application/json`` for SPARQL JSON, ...) count only when the client names them,
    never through a wildcard.  Raises ``NotAcceptable``."""
    if accept is None or (isinstance(accept, str) and not accept.strip()):
        return offered[0]
    if isinstance(accept, str):
        if len(accept) <= 512:  # the usual headers, remembered (clients send the same few again and again)
            found = _negotiated(accept, tuple(offered))
            if isinstance(found, str):
                raise NotAcceptable(found, offered)
            return found
        accept = parse_accept_header(accept, MIMEAccept)
    return _negotiate(accept, offered)


@lru_cache(maxsize=512)
def _negotiated(accept: str, offered: tuple[Format, ...]) -> Format | str:
    """The format, or the message of the refusal."""
    try:
        return _negotiate(parse_accept_header(accept, MIMEAccept), offered)
    except NotAcceptable as e:
        return str(e)


def _negotiate(accept: MIMEAccept, offered: Sequence[Format]) -> Format:
    if not accept:
        return offered[0]
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
            "none of the requested media types can be produced here; available: "
            + ", ".join(f.media_type for f in offered), offered)
    return owner[best]


def choose(offered: Sequence[Format], *, format_param: str | Sequence[str] | None,
           accept: MIMEAccept | str | None) -> Format:
    """A format among ``offered``: named by ``format`` parameter(s) if any, else negotiated by Accept.

    Several ``format`` values, or a comma-separated list in one (as SPARQLWrapper sends), are tried in
    order; the first one offered wins.
    """
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


def serialize(triples, fmt: Format, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples in an RDF format, by pyoxigraph (prefixes only where the syntax has them)."""
    use = prefixes if fmt.engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(list(triples), format=fmt.engine, prefixes=use)
