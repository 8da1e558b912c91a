"""``ecokg query``: run one query against the bundled graph (or given files) from the command line.

The same rules and the same code as the endpoint (``ecokg.sparql.service``): updates and SERVICE are
refused, the time and memory limits stop the query, and results are written by pyoxigraph's serialisers
as they come.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import click

from ecokg.cli.common import reporting_errors, setting_options, settings_from
from ecokg.errors import EcokgError, Kind
from ecokg.rdf.formats import BY_KEY, GRAPH_FORMATS, RESULT_FORMATS
from ecokg.settings import Settings
from ecokg.sparql.service import SparqlService
from ecokg.store import open_store

# What `ecokg query` writes when no --format is given: tables read best as TSV, graphs as Turtle.
DEFAULT_RESULTS, DEFAULT_GRAPH = BY_KEY["tsv"], BY_KEY["ttl"]


def read_query(arg: str, stdin: BinaryIO | None = None) -> str:
    """QUERY|FILE: ``-`` reads standard input, an existing file is read, anything else is the query."""
    if arg == "-":
        return (stdin or sys.stdin.buffer).read().decode("utf-8")
    if "\n" not in arg and len(arg) < 4096:
        path = Path(arg)
        try:
            if path.is_file():
                return path.read_text(encoding="utf-8")
        except OSError:
            pass
    return arg


def run_query(query: str, settings: Settings, fmt_name: str | None, out: BinaryIO) -> bool:
    """Write the results; returns whether the row cap cut them.  Raises ``EcokgError``."""
    if fmt_name is None:
        results_format, graph_format = DEFAULT_RESULTS, DEFAULT_GRAPH
    else:
        fmt = BY_KEY[fmt_name]
        results_format = fmt if fmt in RESULT_FORMATS else None
        graph_format = fmt if fmt in GRAPH_FORMATS else None
    store = open_store(settings)
    service = SparqlService(store, timeout=settings.timeout, max_rows=settings.max_rows,
                            max_memory=settings.max_memory)
    try:
        try:
            results = service.start(query, results_format=results_format, graph_format=graph_format)
        except EcokgError as e:
            if e.kind is Kind.NOT_ACCEPTABLE:
                raise EcokgError(f"--format {fmt_name} does not fit this query: {e.message}", kind=e.kind) from None
            raise
        for chunk in results.chunks:
            out.write(chunk)
        out.flush()
        return results.truncated
    finally:
        service.executor.close()
        store.close()


@click.command()
@click.argument("query")
@click.option("--format", "-f", "fmt", default=None,
              type=click.Choice([f.key for f in RESULT_FORMATS + GRAPH_FORMATS]),
              help="Result format [default: tsv for SELECT/ASK, ttl for CONSTRUCT/DESCRIBE]")
@setting_options("data", "store_path", "store", "timeout", "max_memory", "max_rows")
@reporting_errors
def query(query: str, fmt: str | None, **params) -> None:
    """Run a SPARQL query (QUERY text, a FILE, or - for standard input) against the bundled or --data graph.

    Read-only like the endpoint: updates, SERVICE and LOAD are refused. Exit status: 0 results written,
    1 query refused or failed, 2 bad usage or data file.
    """
    settings = settings_from(**params)
    truncated = run_query(read_query(query), settings, fmt, sys.stdout.buffer)
    if truncated:
        click.echo(f"warning: results cut at --max-rows {settings.max_rows}", err=True)
