"""What every command shares: options made from the settings table, and one way to fail."""

from __future__ import annotations

import functools
import sys

import click

from ecokg.errors import EcokgError
from ecokg.settings import SETTINGS, Settings

_BY_NAME = {s.name: s for s in SETTINGS}


def setting_options(*names: str):
    """Click options for the named settings, each with its environment-variable twin."""

    def decorate(func):
        for name in reversed(names):
            s = _BY_NAME[name]
            ptype = click.Choice(s.choices) if s.choices else {int: int, float: float}.get(s.type, str)
            shown = "***" if s.secret else repr(s.default)
            func = click.option(
                s.flag, s.name, envvar=s.envvar, default=None, multiple=s.multiple, type=ptype,
                show_envvar=True, help=f"{s.help} [default: {shown}]",
            )(func)
        return func

    return decorate


def settings_from(**params) -> Settings:
    return Settings.from_env(**{k: v for k, v in params.items() if k in _BY_NAME})


def fail(e: EcokgError):
    """Print an error (its report first, if it has one) and exit with the status of its kind."""
    if e.details:
        click.echo(e.details, err=True)
        click.echo(e.message, err=True)
    else:
        click.echo(f"error: {e.message}", err=True)
    sys.exit(e.exit_status)


def reporting_errors(command):
    """Run a command; an ``EcokgError`` ends it through ``fail``."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except EcokgError as e:
            fail(e)

    return run
