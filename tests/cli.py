"""``ecokg`` commands run in this process with click's ``CliRunner``: the exit status and both outputs, as a
``subprocess.run`` of ``python -m ecokg`` would give them (a real process only where one must be seen)."""

from __future__ import annotations

from dataclasses import dataclass

from click.testing import CliRunner

from ecokg.cli import main


@dataclass
class Done:
    returncode: int
    stdout: str | bytes
    stderr: str | bytes


def run_ecokg(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None,
              text: bool = True) -> Done:
    """``ecokg ARGS`` in process; ``text=False`` gives the outputs as bytes (``query`` writes bytes)."""
    result = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    out, err = result.stdout_bytes, result.stderr_bytes
    if text:
        return Done(result.exit_code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
    return Done(result.exit_code, out, err)
