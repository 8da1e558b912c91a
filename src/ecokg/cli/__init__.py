"""The ``ecokg`` command line: one module per command, one way to read settings, one way to fail.

Every command reads its options from ``ecokg.settings`` (flags with environment-variable twins) through
``common.setting_options``, and every failure is an ``ecokg.errors.EcokgError`` whose kind gives the exit
status (``ecokg.errors.EXIT_STATUS``): ``common.reporting_errors`` prints it (a report first, where there is
one) and exits.
"""

from __future__ import annotations

import click

from ecokg import __version__
from ecokg.cli import build, load, query, serve, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="ecokg")
def main() -> None:
    """ecokg: the knowledge graph of China's ecological-civilization designations."""


for _command in (serve.serve, validate.validate, build.build, load.load, query.query):
    main.add_command(_command)
