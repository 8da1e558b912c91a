"""All configuration in one place.

Every setting has a default, an environment variable (``ECOKG_<NAME>``) and a
command-line flag (``--name``); the flag wins over the variable, the variable
over the default.  ``SETTINGS`` is the single table that the CLI turns into
options and that README.md documents (a test checks that it does).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Callable

DEFAULT_BASE_URI = "https://w3id.org/ecokg/"


@dataclass(frozen=True)
class Setting:
    name: str  # attribute of Settings, and the flag --name (underscores become dashes)
    default: Any
    help: str
    type: Callable[[str], Any] = str
    multiple: bool = False  # a list of values (space-separated in the environment variable)
    choices: tuple[str, ...] = ()  # the only values allowed, if any

    @property
    def envvar(self) -> str:
        return "ECOKG_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _optional_int(value: str) -> int | None:
    return int(value) if value not in ("", None) else None


VALIDATE_MODES = ("auto", "always", "never")
SHACL_ENGINES = ("auto", "native", "pyshacl")


def _validate_mode(value: str) -> str:
    value = value.strip().lower()
    if value not in VALIDATE_MODES:
        raise ValueError(f"validate must be one of {', '.join(VALIDATE_MODES)}, not {value!r}")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("base_uri", DEFAULT_BASE_URI,
            "Canonical namespace of every URI in the graph; the server maps it onto its own host."),
    Setting("host", "127.0.0.1", "Address `serve` listens on."),
    Setting("port", 8080, "Port `serve` listens on.", int),
    Setting("workers", 2, "Number of server worker processes.", int),
    Setting("timeout", 10.0, "Query time limit in seconds; a query past it is stopped and answered 503.", float),
    Setting("max_body", 1_000_000, "Largest request body accepted, in bytes (larger gets 413).", int),
    Setting("max_memory", 1024,
            "Memory one query may allocate, in MiB (in its query process, beyond the data already loaded); "
            "a query past it is stopped and answered 503. Empty: no limit.", _optional_int),
    Setting("max_rows", None,
            "Largest number of result rows a SPARQL query returns; when reached the response says so "
            "in the `X-ECOKG-Truncated` header. Empty: no cap.", _optional_int),
    Setting("data", (), "RDF files to serve instead of the bundled ontology and data "
            "(any common syntax; triples go to the default graph, quads to their graphs).", str, True),
    Setting("store_path", None, "An on-disk Oxigraph store (written by `ecokg build`) to serve, opened read-only."),
    Setting("store", None, "URL of a remote SPARQL 1.1 endpoint (Virtuoso, Fuseki, Oxigraph, QLever, GraphDB) "
            "to use instead of the embedded engine."),
    Setting("validate", "auto",
            "Check the data against the SHACL shapes before serving and refuse invalid data: `auto` checks the "
            "bundled data (not `--data` files, which may be any RDF), `always` also `--data` files, "
            "`never` nothing.", _validate_mode, choices=VALIDATE_MODES),
    Setting("shacl_engine", "auto",
            "SHACL engine of `validate`, `build` and the check before `serve`: `native` (ecokg's own, fast at "
            "scale), `pyshacl` (the reference), `auto` native unless the shapes use something it does not "
            "support.", choices=SHACL_ENGINES),
    Setting("dist", "dist", "Folder that `ecokg build` writes and the downloads page serves."),
    Setting("log_level", "info", "Log level of the server (debug, info, warning, error)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    base_uri: str = DEFAULT_BASE_URI
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    timeout: float = 10.0
    max_body: int = 1_000_000
    max_memory: int | None = 1024
    max_rows: int | None = None
    data: tuple[str, ...] = field(default_factory=tuple)
    store_path: str | None = None
    store: str | None = None
    validate: str = "auto"
    shacl_engine: str = "auto"
    dist: str = "dist"
    log_level: str = "info"

    def __post_init__(self) -> None:
        if not self.base_uri.endswith(("/", "#")):
            object.__setattr__(self, "base_uri", self.base_uri + "/")
        object.__setattr__(self, "data", tuple(self.data))
        object.__setattr__(self, "validate", _validate_mode(self.validate))
        if self.shacl_engine not in SHACL_ENGINES:
            raise ValueError(f"shacl_engine must be one of {', '.join(SHACL_ENGINES)}, not {self.shacl_engine!r}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults, then ``ECOKG_*`` variables, then keyword overrides (those not None)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for s in SETTINGS:
            raw = environ.get(s.envvar)
            if raw is None:
                continue
            values[s.name] = tuple(raw.split()) if s.multiple else s.type(raw)
        unknown = set(overrides) - set(_BY_NAME)
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        for k, v in overrides.items():
            if v is None or v == ():
                continue
            s = _BY_NAME.get(k)
            values[k] = s.type(v) if s and isinstance(v, str) and not s.multiple else v
        return cls(**values)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    def describe(self) -> list[tuple[str, Any]]:
        """(name, value) pairs, for printing at start-up."""
        return [(s.name, getattr(self, s.name)) for s in SETTINGS]


assert {f.name for f in dataclasses.fields(Settings)} == set(_BY_NAME), "SETTINGS and Settings disagree"
