"""All configuration in one place.

Every setting is a field of ``Settings`` with its default, its help text and how it is read; ``SETTINGS``
is derived from those fields.  Each has an environment variable (``ECOKG_<NAME>``) and a command-line
flag (``--name``, or its own ``flag``); the flag wins over the variable, the variable over the default.
The CLI turns ``SETTINGS`` into options, and README.md's settings table documents every one with its
default (``tests/test_settings.py`` compares the two).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Callable

DEFAULT_BASE_URI = "https://w3id.org/ecokg/"

VALIDATE_MODES = ("auto", "always", "never")
SHACL_ENGINES = ("auto", "native", "pyshacl")
LOAD_KINDS = ("virtuoso", "fuseki", "oxigraph", "gsp")
RECONCILE_LIMITS = ("reconcile_batch", "reconcile_text", "reconcile_candidates", "reconcile_extend")


def _optional_int(value: str) -> int | None:
    return int(value) if value not in ("", None) else None


def _optional_float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


def _choice(choices: tuple[str, ...], name: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
        return value

    return parse


@dataclass(frozen=True)
class Setting:
    name: str  # attribute of Settings
    default: Any
    help: str
    type: Callable[[str], Any] = str
    multiple: bool = False  # a list of values (space-separated in the environment variable)
    choices: tuple[str, ...] = ()  # the only values allowed, if any
    flag_name: str | None = None  # the flag, when it is not --name (``ecokg load --into``)
    shown: str | None = None  # how README shows the default, when not the value itself ("bundled")
    secret: bool = False  # never printed (a password)

    @property
    def envvar(self) -> str:
        return "ECOKG_" + self.name.upper()

    @property
    def flag(self) -> str:
        return self.flag_name or "--" + self.name.replace("_", "-")

    @property
    def shown_default(self) -> str:
        """The default as README's table writes it."""
        if self.shown is not None:
            return self.shown
        return "none" if self.default is None else f"`{self.default}`"


def setting(default: Any, help: str, type: Callable[[str], Any] = str, **more: Any) -> Any:
    """A field of ``Settings``: its default, and what ``Setting`` needs in the field's metadata."""
    return dataclasses.field(default=default, metadata={"help": help, "type": type, **more})


@dataclass(frozen=True)
class Settings:
    base_uri: str = setting(
        DEFAULT_BASE_URI, "Canonical namespace of every URI in the graph; the server maps it onto its own host.")
    host: str = setting("127.0.0.1", "Address `serve` listens on.")
    port: int = setting(8080, "Port `serve` listens on.", int)
    workers: int = setting(2, "Number of server worker processes.", int)
    threads: int = setting(
        4, "Request threads per worker process; each has a query process of its own, so at most workers × "
        "threads queries run at once (a request that finds every query process of its worker busy for the whole "
        "`--timeout` gets 503).", int)
    header_timeout: float = setting(
        10.0, "Seconds a client has to send a request's line and headers, counted from the connection's start or "
        "the end of the previous answer: it also closes idle kept-alive connections. Past it the connection is "
        "closed without an answer.", float)
    body_timeout: float = setting(
        10.0, "Seconds a client has to send a request's body once its headers are in; past it the answer is 408 "
        "and the connection is closed.", float)
    max_connections: int = setting(
        512, "Connections the server holds open at once (shared equally by the workers); past it new connections "
        "wait in the kernel's listen queue until one closes (see SECURITY.md).", int)
    cache_size: int = setting(
        64, "Memory for kept answers of SPARQL queries, in MiB per worker process: small answers of queries that "
        "give the same answer each time are kept while the embedded store is served (the store cannot change) and "
        "sent again without running the query. 0: no cache.", int)
    timeout: float = setting(
        10.0, "Query time limit in seconds; a query past it is stopped and answered 503.", float)
    max_body: int = setting(1_000_000, "Largest request body accepted, in bytes (larger gets 413).", int)
    max_memory: int | None = setting(
        1024, "Memory one query may allocate, in MiB (in its query process, beyond the data already loaded); "
        "a query past it is stopped and answered 503. Empty: no limit.", _optional_int)
    max_rows: int | None = setting(
        None, "Largest number of result rows a SPARQL query returns; when reached the response says so "
        "in the `X-ECOKG-Truncated` header. Empty: no cap.", _optional_int)
    data: tuple[str, ...] = setting(
        (), "RDF files to serve instead of the bundled ontology and data (any common syntax; triples go to the "
        "default graph, quads to their graphs; repeat the flag, space-separated in the variable).",
        multiple=True, shown="bundled")
    store_path: str | None = setting(
        None, "An on-disk Oxigraph store (written by `ecokg build`) to serve, opened read-only.")
    store: str | None = setting(
        None, "URL of a remote SPARQL 1.1 endpoint (Virtuoso, Fuseki, Oxigraph, QLever, GraphDB) to use "
        "instead of the embedded engine.")
    validate: str = setting(
        "auto", "Check the data against the SHACL shapes before serving and refuse invalid data: `auto` checks "
        "the bundled data (not `--data` files, which may be any RDF), `always` also `--data` files, "
        "`never` nothing.", _choice(VALIDATE_MODES, "validate"), choices=VALIDATE_MODES)
    shacl_engine: str = setting(
        "auto", "SHACL engine of `validate`, `build` and the check before `serve`: `native` (ecokg's own, fast "
        "at scale), `pyshacl` (the reference), `auto` native unless the shapes use something it does not "
        "support.", _choice(SHACL_ENGINES, "shacl_engine"), choices=SHACL_ENGINES)
    dist: str = setting("dist", "Folder that `ecokg build` writes and the downloads page serves.")
    log_level: str = setting("info", "Log level of the server (debug, info, warning, error).")
    label_max_age: float = setting(
        60.0, "Seconds that labels and whole-graph summaries fetched from a remote store (`--store`) are kept "
        "before they are asked for again (the embedded store's are kept while it is served).", float)
    watchdog: float | None = setting(
        None, "Seconds a request may go unanswered (no status line sent) before its worker process is restarted "
        "(a back-up of the query time limit, e.g. for pages). Empty: the larger of 30 and 3 × timeout + 5.",
        _optional_float,
        shown="max(30, 3 × timeout + 5)")
    # the reconciliation service (/reconcile)
    reconcile_batch: int = setting(
        500, "Most queries in one reconciliation batch (`/reconcile`; the manifest's `batchSize`); a larger batch "
        "gets 400.", int)
    reconcile_text: int = setting(
        200, "Most characters in a reconciliation query text, property value, query id or entity id; a longer "
        "one gets 400.", int)
    reconcile_candidates: int = setting(
        50, "Most candidates a reconciliation query returns (a query's `limit` is lowered to it).", int)
    reconcile_extend: int = setting(
        1000, "Most entity ids in one data extension query (adding columns in OpenRefine); more gets 400.", int)
    # ecokg load
    load_into: str | None = setting(
        None, "`ecokg load`: the triple store to load into: Virtuoso http://host:8890, Fuseki "
        "http://host:3030/DATASET, Oxigraph http://host:7878, or (kind gsp) a Graph Store Protocol endpoint.",
        flag_name="--into")
    load_graph: str = setting(
        DEFAULT_BASE_URI, "`ecokg load`: the named graph to replace with the data (loading twice does not "
        "duplicate); `default` for the store's default graph (Fuseki, Oxigraph).", flag_name="--graph")
    load_kind: str = setting(
        "gsp", "`ecokg load`: the engine, which tells where its Graph Store endpoint is.",
        _choice(LOAD_KINDS, "kind"), choices=LOAD_KINDS, flag_name="--kind")
    load_user: str | None = setting(
        None, "`ecokg load`: user name for the Graph Store endpoint (Virtuoso: a user with SPARQL_UPDATE, "
        "e.g. dba).", flag_name="--user")
    load_password: str | None = setting(
        None, "`ecokg load`: password for `--user`.", flag_name="--password", secret=True)
    load_timeout: float = setting(
        300.0, "`ecokg load`: seconds to wait for each request to the triple store.", float,
        flag_name="--timeout")

    def __post_init__(self) -> None:
        if not self.base_uri.endswith(("/", "#")):
            object.__setattr__(self, "base_uri", self.base_uri + "/")
        object.__setattr__(self, "data", tuple(self.data))
        for name in ("validate", "shacl_engine", "load_kind"):
            object.__setattr__(self, name, _BY_NAME[name].type(getattr(self, name)))
        for name in RECONCILE_LIMITS:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")

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
            s = _BY_NAME[k]
            values[k] = s.type(v) if isinstance(v, str) and not s.multiple else v
        return cls(**values)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    @property
    def watchdog_seconds(self) -> float:
        """The worker watchdog: the setting, else the larger of 30 s and three query time limits and 5 s."""
        return self.watchdog if self.watchdog is not None else max(30.0, self.timeout * 3 + 5)

    def describe(self, names: tuple[str, ...] | None = None) -> list[tuple[str, Any]]:
        """(name, value) pairs for printing at start-up; secrets are masked."""
        return [(s.name, "***" if s.secret and getattr(self, s.name) else getattr(self, s.name))
                for s in SETTINGS if names is None or s.name in names]


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, **f.metadata) for f in dataclasses.fields(Settings))
_BY_NAME = {s.name: s for s in SETTINGS}
