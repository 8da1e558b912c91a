"""``ecokg query``: run one query against the bundled graph (or given files) from the command line.

The same rules as the endpoint: the classifier refuses updates and SERVICE,
the time limit stops the query, and results are written by pyoxigraph's
serialisers as they come.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from ecokg.settings import Settings
from ecokg.sparql import policy as cls
from ecokg.sparql.executor import QueryFailed, QueryTimeout
from ecokg.sparql.formats import NotAcceptable, by_name, formats_for
from ecokg.sparql.service import SparqlService
from ecokg.store.base import StoreError
from ecokg.store import open_store

CLI_FORMATS = ("json", "csv", "tsv", "xml", "ttl", "nt", "jsonld", "rdfxml", "trig", "nq")
# What `ecokg query` writes when no --format is given: tables read best as TSV, graphs as Turtle.
DEFAULTS = {"SELECT": "tsv", "ASK": "tsv", "CONSTRUCT": "ttl", "DESCRIBE": "ttl"}


class QueryCommandError(Exception):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def read_query(arg: str, stdin: BinaryIO | None = None) -> str:
    """QUERY|FILE: ``-`` reads standard input, an existing file is read, anything else is the query."""
    if arg == "-":
        return (stdin or sys.stdin.buffer).read().decode("utf-8")
    if "\n" not in arg and len(arg) < 4096:
        path = Path(arg)
        try:
            if path.is_file():
                return path.read_text(encoding="utf-8")
        except OSError:
            pass
    return arg


def run_query(query: str, settings: Settings, fmt_name: str | None, out: BinaryIO) -> bool:
    """Write the results; returns whether the row cap cut them.  Raises ``QueryCommandError``."""
    try:
        form = cls.classify(query).form
        if fmt_name is None:
            fmt_name = DEFAULTS[form]
        try:
            fmt = by_name(fmt_name, formats_for(form))
        except NotAcceptable:
            raise QueryCommandError(
                f"--format {fmt_name} does not fit a query of form {form}; use one of: "
                + ", ".join(f.name for f in formats_for(form)), 2) from None
        store = open_store(settings)
        service = SparqlService(store, timeout=settings.timeout, max_rows=settings.max_rows,
                                max_memory=settings.max_memory)
        try:
            _, results = service.start(query, fmt)
            for chunk in results.chunks:
                out.write(chunk)
            out.flush()
            return results.truncated
        finally:
            service.executor.close()
            store.close()
    except cls.QueryRejected as e:
        raise QueryCommandError(e.message) from None
    except QueryFailed as e:
        raise QueryCommandError(("SPARQL syntax error: " if e.syntax else "query failed: ") + str(e)) from None
    except (QueryTimeout, StoreError) as e:
        raise QueryCommandError(str(e)) from None
