"""The ``ecokg`` command line."""

from __future__ import annotations

import sys

import click

from ecokg import __version__
from ecokg.settings import SETTINGS, Settings

_BY_NAME = {s.name: s for s in SETTINGS}


def setting_options(*names: str):
    """Click options for the named settings, each with its environment-variable twin."""

    def decorate(func):
        for name in reversed(names):
            s = _BY_NAME[name]
            ptype = click.Choice(s.choices) if s.choices else {int: int, float: float}.get(s.type, str)
            func = click.option(
                s.flag, s.name, envvar=s.envvar, default=None, multiple=s.multiple, type=ptype,
                show_envvar=True, help=f"{s.help} [default: {s.default!r}]",
            )(func)
        return func

    return decorate


def settings_from(**params) -> Settings:
    return Settings.from_env(**{k: v for k, v in params.items() if k in _BY_NAME})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="ecokg")
def main() -> None:
    """ecokg: the knowledge graph of China's ecological-civilization designations."""


@main.command()
@setting_options("host", "port", "workers", "timeout", "max_body", "max_memory", "max_rows", "data", "store_path",
                 "store", "validate", "shacl_engine", "base_uri", "dist", "log_level")
def serve(**params) -> None:
    """Serve the SPARQL endpoint and the linked-data pages.

    Exit status (when it cannot start): 1 data that breaks the shapes (see --validate), 2 a file that is not
    valid RDF.
    """
    from ecokg.dataset.preflight import DataRefused
    from ecokg.rdf.files import RdfFileError
    from ecokg.web.server import serve as run_server
    from ecokg.dataset.shacl import InvalidShapes, Unsupported

    settings = settings_from(**params)
    try:
        run_server(settings)
    except (RdfFileError, InvalidShapes, Unsupported) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    except DataRefused as e:
        click.echo(e.report.text(), err=True)
        click.echo("serve refused: the data is not valid (SHACL); fix it, or start with --validate never "
                   "to serve it anyway", err=True)
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--with-bundled", is_flag=True,
              help="Check FILEs together with the bundled data (e.g. a new file that refers to existing entities).")
@click.option("--progress/--no-progress", default=None,
              help="Show the steps on stderr. [default: when stderr is a terminal]")
@setting_options("shacl_engine")
def validate(files: tuple[str, ...], with_bundled: bool, progress: bool | None, **params) -> None:
    """Check data against the SHACL shapes (default: the bundled data; the ontology is always included).

    Exit status: 0 valid, 1 invalid (a report of every violation), 2 a file that is not valid RDF.
    """
    import time

    from ecokg import resources
    from ecokg.rdf.files import RdfFileError
    from ecokg.dataset.shacl import InvalidShapes, Unsupported
    from ecokg.dataset.validate import validate as run_validate

    settings = settings_from(**params)
    paths = list(files) if files else None
    if files and with_bundled:
        paths = [*map(str, resources.bundled_files()), *files]
    if progress is None:
        progress = sys.stderr.isatty()
    started = time.monotonic()

    def step(what: str) -> None:
        click.echo(f"[{time.monotonic() - started:7.1f} s] {what}", err=True)

    try:
        report = run_validate(paths, engine=settings.shacl_engine, on_progress=step if progress else None)
    except RdfFileError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    except Unsupported as e:
        click.echo(f"error: the native SHACL engine cannot check these shapes: {e}; "
                   "use --shacl-engine pyshacl or auto", err=True)
        sys.exit(2)
    except InvalidShapes as e:
        click.echo(f"error: the shapes are broken: {e}", err=True)
        sys.exit(2)
    if progress:
        step(f"done ({report.engine} engine)")
    if report.conforms:
        click.echo(report.summary())
        return
    click.echo(report.text())
    sys.exit(1)


@main.command()
@click.option("--out", "out", default=None, type=click.Path(file_okay=False, path_type=str),
              help="Folder to write (replaced atomically). [default: the dist setting]")
@setting_options("dist", "base_uri", "data", "shacl_engine")
def build(out: str | None, **params) -> None:
    """Validate the bundled data, then write the dumps, VoID/DCAT, checksums and an Oxigraph store.

    With --data, build those files (with the bundled ontology) instead of the bundled data.
    Exit status: 0 built, 1 invalid data (nothing written), 2 a file that is not valid RDF.
    """
    from ecokg.dataset.build import BuildRefused, build as run_build
    from ecokg.rdf.files import RdfFileError
    from ecokg.dataset.shacl import InvalidShapes, Unsupported

    settings = settings_from(**params)
    try:
        result = run_build(out or settings.dist, paths=settings.data or None, base_uri=settings.base_uri,
                           progress=True, shacl_engine=settings.shacl_engine)
    except (RdfFileError, InvalidShapes, Unsupported) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    except BuildRefused as e:
        click.echo(e.report.text(), err=True)
        click.echo("build refused: the data is not valid; nothing was written", err=True)
        sys.exit(1)
    click.echo(result.summary())


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=str))
@click.option("--into", required=True, metavar="URL",
              help="The triple store: Virtuoso http://host:8890, Fuseki http://host:3030/DATASET, "
                   "Oxigraph http://host:7878, or (kind gsp) a Graph Store Protocol endpoint.")
@click.option("--graph", default="https://w3id.org/ecokg/", show_default=True, metavar="IRI",
              help="Named graph to replace with the data (loading twice does not duplicate); `default` for the "
                   "store's default graph (Fuseki, Oxigraph).")
@click.option("--kind", type=click.Choice(["virtuoso", "fuseki", "oxigraph", "gsp"]), default="gsp",
              show_default=True, help="The engine, which tells where its Graph Store endpoint is.")
@click.option("--user", envvar="ECOKG_LOAD_USER", default=None, show_envvar=True,
              help="User name for the Graph Store endpoint (Virtuoso: a user with SPARQL_UPDATE, e.g. dba).")
@click.option("--password", envvar="ECOKG_LOAD_PASSWORD", default=None, show_envvar=True,
              help="Password for --user.")
@click.option("--timeout", default=300.0, show_default=True, type=float, help="Seconds to wait for each request.")
@setting_options("dist")
def load(files: tuple[str, ...], into: str, graph: str, kind: str, user: str | None, password: str | None,
         timeout: float, **params) -> None:
    """Load FILES (or folders; default: the N-Triples dump in dist/, else the bundled data) into a triple store.

    Uses the SPARQL 1.1 Graph Store Protocol: the graph is replaced, then filled in chunks, with progress shown.
    """
    from ecokg.store import gsp as loader
    from ecokg.rdf.files import RdfFileError

    settings = settings_from(**params)
    paths = loader.iter_paths(files) if files else loader.default_files(settings.dist)
    try:
        endpoint = loader.graph_store_endpoint(into, kind)
        click.echo(f"checking {len(paths)} file(s)", err=True)
        total = loader.count_triples(paths)  # bad input stops here, before the engine is touched
        with click.progressbar(length=total, label=f"loading into <{graph}> at {endpoint}",
                               file=sys.stderr, show_pos=True) as bar:
            report = loader.load(paths, into, graph=graph, kind=kind, user=user, password=password,
                                 timeout=timeout, progress=bar.update, check_first=False)
    except RdfFileError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    except (loader.LoadError, ValueError) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    click.echo(f"loaded {report.triples} triples into <{report.graph}> at {report.endpoint} "
               f"in {report.requests} request(s), {report.seconds:.2f} s")


@main.command()
@click.argument("query")
@click.option("--format", "-f", "fmt", default=None,
              type=click.Choice(["json", "csv", "tsv", "xml", "ttl", "nt", "jsonld", "rdfxml", "trig", "nq"]),
              help="Result format [default: tsv for SELECT/ASK, ttl for CONSTRUCT/DESCRIBE]")
@setting_options("data", "store_path", "store", "timeout", "max_memory", "max_rows")
def query(query: str, fmt: str | None, **params) -> None:
    """Run a SPARQL query (QUERY text, a FILE, or - for standard input) against the bundled or --data graph.

    Read-only like the endpoint: updates, SERVICE and LOAD are refused. Exit status: 0 results written,
    1 query refused or failed, 2 bad usage or data file.
    """
    from ecokg.rdf.files import RdfFileError
    from ecokg.cli.query import QueryCommandError, read_query, run_query

    settings = settings_from(**params)
    try:
        truncated = run_query(read_query(query), settings, fmt, sys.stdout.buffer)
    except QueryCommandError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except RdfFileError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    if truncated:
        click.echo(f"warning: results cut at --max-rows {settings.max_rows}", err=True)
