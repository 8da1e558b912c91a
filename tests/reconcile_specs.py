"""The JSON schemas of the W3C Entity Reconciliation API, read from a local copy of the public
``reconciliation-api/specs`` repository (never copied into this one).

Where the copy is: ``$ECOKG_RECON_SPECS`` — a checkout of that repository, or its git directory (a bare or
mirror clone: the files are read from its ``HEAD``) — else the workplace's mirror of it
(``/work/.mirror/reconciliation-api+specs/repo``).  Without one, the schema tests skip and say how to get it
(``git clone https://github.com/reconciliation-api/specs``, then point ``ECOKG_RECON_SPECS`` at it).
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

MIRROR = Path("/work/.mirror/reconciliation-api+specs/repo")
VERSION_DIRS = {"0.2": "0.2", "1.0-draft": "1.0-draft"}


def _source() -> tuple[str, Path] | None:
    """("dir", path) for a checkout, ("git", path) for a git directory, None if there is none."""
    for candidate in (os.environ.get("ECOKG_RECON_SPECS"), str(MIRROR)):
        if not candidate:
            continue
        path = Path(candidate)
        if (path / "0.2" / "schemas").is_dir():
            return "dir", path
        if (path / "HEAD").is_file() or (path / ".git").exists():
            git_dir = path / ".git" if (path / ".git").is_dir() else path
            return "git", git_dir
    return None


def _read(kind: str, root: Path, rel: str) -> str:
    if kind == "dir":
        return (root / rel).read_text(encoding="utf-8")
    return subprocess.run(["git", f"--git-dir={root}", "show", f"HEAD:{rel}"], check=True, capture_output=True,
                          text=True).stdout


def _list(kind: str, root: Path, rel: str) -> list[str]:
    if kind == "dir":
        return sorted(p.name for p in (root / rel).glob("*.json"))
    out = subprocess.run(["git", f"--git-dir={root}", "ls-tree", "--name-only", f"HEAD:{rel}"], check=True,
                         capture_output=True, text=True).stdout
    return sorted(n for n in out.split() if n.endswith(".json"))


@lru_cache(maxsize=None)
def schemas(version: str) -> dict[str, dict]:
    """{file name: schema} of one version; skips the test when no copy of the specs is here."""
    source = _source()
    if source is None:
        pytest.skip("no local copy of the reconciliation-api/specs repository: clone "
                    "https://github.com/reconciliation-api/specs and set ECOKG_RECON_SPECS to it")
    kind, root = source
    rel = f"{VERSION_DIRS[version]}/schemas"
    try:
        return {name: json.loads(_read(kind, root, f"{rel}/{name}")) for name in _list(kind, root, rel)}
    except (subprocess.CalledProcessError, OSError) as e:
        pytest.skip(f"cannot read the reconciliation specs at {root}: {e}")


def validate(version: str, schema_name: str, instance) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` fits ``{version}/schemas/{schema_name}.json``."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    found = schemas(version)
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7)) for s in found.values() if "$id" in s)
    schema = found[schema_name + ".json"]
    Draft7Validator(schema, registry=registry).validate(instance)
