"""``ecokg build``: validated data in; dumps, VoID/DCAT, checksums and an Oxigraph store out."""

from __future__ import annotations

import os

import click

from ecokg.cli.common import reporting_errors, setting_options, settings_from


@click.command()
@click.option("--out", "out", default=None, type=click.Path(file_okay=False, path_type=str),
              help="Folder to write (replaced atomically). [default: the dist setting]")
@setting_options("dist", "base_uri", "data", "shacl_engine")
@reporting_errors
def build(out: str | None, **params) -> None:
    """Validate the bundled data, then write the dumps, VoID/DCAT, checksums and an Oxigraph store.

    With --data, build those files (with the bundled ontology) instead of the bundled data.
    Exit status: 0 built, 1 invalid data (nothing written), 2 a file that is not valid RDF.
    """
    from ecokg.dataset.build import build as run_build

    settings = settings_from(**params)
    result = run_build(out or settings.dist, paths=settings.data or None, base_uri=settings.base_uri,
                       progress=True, shacl_engine=settings.shacl_engine, jobs=min(2, os.cpu_count() or 1))
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(result.summary())
