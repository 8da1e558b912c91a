"""``ecokg validate``: data files against the SHACL shapes."""

from __future__ import annotations

import os
import sys
import time

import click

from ecokg.cli.common import reporting_errors, setting_options, settings_from
from ecokg.errors import EXIT_STATUS, Kind


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--with-bundled", is_flag=True,
              help="Check FILEs together with the bundled data (e.g. a new file that refers to existing entities).")
@click.option("--progress/--no-progress", default=None,
              help="Show the steps on stderr. [default: when stderr is a terminal]")
@setting_options("shacl_engine", "base_uri")
@reporting_errors
def validate(files: tuple[str, ...], with_bundled: bool, progress: bool | None, **params) -> None:
    """Check data against the SHACL shapes (default: the bundled data; the ontology is always included).

    Exit status: 0 valid, 1 invalid (a report of every violation), 2 a file that is not valid RDF.
    """
    from ecokg import resources
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

    report = run_validate(paths, engine=settings.shacl_engine, base_uri=settings.base_uri,
                          on_progress=step if progress else None, jobs=min(2, os.cpu_count() or 1))
    if progress:
        step(f"done ({report.engine} engine)")
    for note in report.notes:  # e.g. the holder names of the national lists left unresolved
        click.echo(note, err=True)
    if report.conforms:
        if paths is None:  # the bundled data: `ecokg serve` need not check it again
            from ecokg.dataset.preflight import remember

            remember(list(resources.data_files()), settings.shacl_engine, report)
        click.echo(report.summary())
        return
    click.echo(report.text())
    sys.exit(EXIT_STATUS[Kind.INVALID_DATA])
