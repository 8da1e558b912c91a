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
            ptype = {int: int, float: float}.get(s.type, str)
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
@setting_options("host", "port", "workers", "timeout", "max_body", "max_rows", "data", "store_path", "store",
                 "base_uri", "dist", "log_level")
def serve(**params) -> None:
    """Serve the SPARQL endpoint and the linked-data pages."""
    from ecokg.rdfio import RdfFileError
    from ecokg.server import serve as run_server

    settings = settings_from(**params)
    try:
        run_server(settings)
    except RdfFileError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
