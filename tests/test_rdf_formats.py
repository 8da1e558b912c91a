"""ecokg.rdf.formats: the one format table, its views and the one content negotiation."""

import pyoxigraph as ox
import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ecokg.rdf.formats import (BY_KEY, DUMP_FORMATS, FORMATS, GRAPH_FORMATS, PAGE_FORMATS, RESULT_FORMATS,
                               NotAcceptable, by_suffix, choose, negotiate)


def accept(header):
    return parse_accept_header(header, MIMEAccept)


def test_negotiation_with_q_values():
    assert negotiate(accept("text/csv;q=0.5, text/tab-separated-values"), RESULT_FORMATS).key == "tsv"
    assert negotiate(accept("application/sparql-results+xml;q=0.9, */*;q=0.1"), RESULT_FORMATS).key == "xml"
    assert negotiate(accept("*/*"), RESULT_FORMATS).key == "json"
    assert negotiate(None, GRAPH_FORMATS).key == "ttl"
    assert negotiate("", GRAPH_FORMATS).key == "ttl"
    assert negotiate(accept("application/n-triples;q=0.2, application/rdf+xml;q=0.8"), GRAPH_FORMATS).key == "rdfxml"
    assert negotiate(accept("application/json"), GRAPH_FORMATS).key == "jsonld"
    assert negotiate("application/json", RESULT_FORMATS).key == "json"
    with pytest.raises(NotAcceptable):
        negotiate(accept("image/png"), RESULT_FORMATS)


def test_aliases_count_only_when_named():
    # text/plain is an alias of N-Triples: asked for by name it wins, through a wildcard it does not
    assert negotiate("text/plain", GRAPH_FORMATS).key == "nt"
    assert negotiate("text/*", GRAPH_FORMATS).key == "ttl"


def test_pages_offer_html_first():
    assert negotiate("*/*", PAGE_FORMATS).key == "html"
    assert negotiate(None, PAGE_FORMATS).key == "html"
    assert negotiate("text/html,application/xhtml+xml,*/*;q=0.8", PAGE_FORMATS).key == "html"
    assert negotiate("text/turtle", PAGE_FORMATS).key == "ttl"
    assert negotiate("application/xhtml+xml", PAGE_FORMATS).key == "html"


def test_format_parameter_chooses():
    assert choose(RESULT_FORMATS, format_param="csv", accept=accept("application/json")).key == "csv"
    assert choose(GRAPH_FORMATS, format_param="application/n-triples", accept=None).key == "nt"
    assert choose(GRAPH_FORMATS, format_param=("bogus", "rdf"), accept=None).key == "rdfxml"
    assert choose(RESULT_FORMATS, format_param="json,xml", accept=None).key == "json"
    with pytest.raises(NotAcceptable, match="json"):
        choose(RESULT_FORMATS, format_param="ttl", accept=None)


def test_the_table_is_consistent():
    assert len({f.key for f in FORMATS}) == len(FORMATS)
    assert len({f.media_type for f in FORMATS}) == len(FORMATS)
    for f in FORMATS:
        if f.is_rdf:
            assert isinstance(f.engine, ox.RdfFormat) and f.engine.media_type == f.media_type
            assert by_suffix(f.suffix) is f
        elif f.kind == "results":
            assert isinstance(f.engine, ox.QueryResultsFormat) and f.engine.media_type.split(";")[0] == f.media_type
    assert [f.key for f in DUMP_FORMATS] == ["ttl", "nt", "jsonld", "trig"]
    assert by_suffix("rdf") is BY_KEY["rdfxml"] and by_suffix("png") is None
    # every format a SPARQL answer may take has its W3C format IRI (the service description lists them)
    assert all(f.iri and f.iri.startswith("http://www.w3.org/ns/formats/") for f in RESULT_FORMATS + GRAPH_FORMATS)


def test_media_types_of_built_files():
    from ecokg.rdf.formats import media_type_of_file

    assert media_type_of_file("ecokg.ttl") == "text/turtle"
    assert media_type_of_file("ecokg.nt.gz") == "application/gzip"
    assert media_type_of_file("panel.csv") == "text/csv"
    assert media_type_of_file("csv-metadata.json") == "application/csvm+json"  # CSVW metadata, by its whole name
    assert media_type_of_file("other.json") == "application/json"
    assert media_type_of_file("SHA256SUMS") is None
