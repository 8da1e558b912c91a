"""``ecokg load``: the graph into another triple store, over the SPARQL 1.1 Graph Store Protocol."""

from __future__ import annotations

import sys

import click

from ecokg.cli.common import reporting_errors, setting_options, settings_from
from ecokg.errors import EcokgError, Kind


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=str))
@setting_options("load_into", "load_kind", "load_graph", "load_user", "load_password", "load_timeout", "dist")
@reporting_errors
def load(files: tuple[str, ...], **params) -> None:
    """Load FILES (or folders; default: the N-Triples dump in dist/, else the bundled data) into a triple store.

    Uses the SPARQL 1.1 Graph Store Protocol: the graph is replaced, then filled in chunks, with progress shown.
    Exit status: 0 loaded, 1 the store refused or could not be reached, 2 a file that is not valid RDF.
    """
    from ecokg.store import gsp

    s = settings_from(**params)
    if not s.load_into:
        raise EcokgError("--into (or ECOKG_LOAD_INTO) is required: the URL of the triple store", kind=Kind.USAGE)
    paths = gsp.iter_paths(files) if files else gsp.default_files(s.dist)
    endpoint = gsp.graph_store_endpoint(s.load_into, s.load_kind)
    click.echo(f"checking {len(paths)} file(s)", err=True)
    total = gsp.count_triples(paths)  # bad input stops here, before the engine is touched
    with click.progressbar(length=total, label=f"loading into <{s.load_graph}> at {endpoint}",
                           file=sys.stderr, show_pos=True) as bar:
        report = gsp.load(paths, s.load_into, graph=s.load_graph, kind=s.load_kind, user=s.load_user,
                          password=s.load_password, timeout=s.load_timeout, progress=bar.update, check_first=False)
    click.echo(f"loaded {report.triples} triples into <{report.graph}> at {report.endpoint} "
               f"in {report.requests} request(s), {report.seconds:.2f} s")
