"""Checking the reconciliation service's JSON against the W3C Entity Reconciliation API.

``validate(version, name, instance)`` always runs our own structural check (``reconcile_structure``: the
required keys, types, enumerations and nesting of the specification's ``{version}/schemas/{name}.json``,
written as assertions), and also the specification's JSON schemas themselves (``jsonschema``) when a local
copy of the public ``reconciliation-api/specs`` repository is here (never copied into this one).  ``CHECKS``
says which ran in this session (also in pytest's header).

Where the copy is: ``$ECOKG_RECON_SPECS`` — a checkout of that repository, or its git directory (a bare or
mirror clone: the files are read from its ``HEAD``).  Without it (a fresh machine, CI) the structural check
alone runs; to add the schemas, ``git clone https://github.com/reconciliation-api/specs`` and point
``ECOKG_RECON_SPECS`` at it.  A copy it names that cannot be read is an error.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path

import reconcile_structure

VERSION_DIRS = {"0.2": "0.2", "1.0-draft": "1.0-draft"}


def _source() -> tuple[str, Path] | None:
    """("dir", path) for a checkout, ("git", path) for a git directory, None if there is none."""
    candidate = os.environ.get("ECOKG_RECON_SPECS", "").strip()
    if not candidate:
        return None
    path = Path(candidate)
    if (path / "0.2" / "schemas").is_dir():
        return "dir", path
    if (path / "HEAD").is_file() or (path / ".git").exists():
        return "git", path / ".git" if (path / ".git").is_dir() else path
    raise RuntimeError(f"ECOKG_RECON_SPECS={candidate} is neither a checkout nor a git directory of the specs")


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


@cache
def schemas(version: str) -> dict[str, dict] | None:
    """{file name: schema} of one version, or None when no copy of the specs is here."""
    source = _source()
    if source is None:
        return None
    kind, root = source
    rel = f"{VERSION_DIRS[version]}/schemas"
    try:
        return {name: json.loads(_read(kind, root, f"{rel}/{name}")) for name in _list(kind, root, rel)}
    except (subprocess.CalledProcessError, OSError) as e:
        raise RuntimeError(f"cannot read the reconciliation specs at {root} (ECOKG_RECON_SPECS): {e}") from e


def _describe() -> str:
    source = _source()
    if source is None:
        return ("structure only (reconcile_structure; no copy of reconciliation-api/specs: set ECOKG_RECON_SPECS "
                "to add its JSON schemas)")
    return f"structure (reconcile_structure) and the specs' JSON schemas (jsonschema, from {source[1]})"


CHECKS = _describe()  # which checks validate() runs in this session


@cache
def _validator(version: str, schema_name: str):
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    found = schemas(version)
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7)) for s in found.values() if "$id" in s)
    return Draft7Validator(found[schema_name + ".json"], registry=registry)


def validate_schema(version: str, schema_name: str, instance) -> bool:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` fits ``{version}/schemas/{schema_name}.json``;
    False (nothing checked) when there is no copy of the specs."""
    if schemas(version) is None:
        return False
    _validator(version, schema_name).validate(instance)
    return True


def validate(version: str, schema_name: str, instance) -> None:
    """Raise ``AssertionError`` unless ``instance`` has the structure of ``{version}/schemas/{schema_name}.json``
    (always checked), and ``jsonschema.ValidationError`` unless it fits that schema (when the specs are here)."""
    reconcile_structure.check(version, schema_name, instance)
    validate_schema(version, schema_name, instance)
