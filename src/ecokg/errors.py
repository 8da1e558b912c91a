"""What can go wrong, by kind, and what each kind means to an HTTP client and to a shell.

Every error ecokg raises on purpose is an ``EcokgError`` with a ``kind``.  ``HTTP_STATUS`` says which
status an answer carries for it (the SPARQL endpoint, the pages), ``EXIT_STATUS`` which exit status a
command ends with (``ecokg validate``, ``build``, ``serve``, ``load``, ``query``).  These two tables are the
only places that decide; nothing else maps errors to numbers.
"""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    BAD_REQUEST = "bad request"  # a request the protocol does not allow (several queries, bad UTF-8, ...)
    BAD_QUERY = "bad query"  # a query that does not parse, or may not run here (SERVICE), or cannot be evaluated
    UPDATE_REFUSED = "update refused"  # SPARQL Update: the endpoint is read-only
    METHOD_NOT_ALLOWED = "method not allowed"
    NOT_ACCEPTABLE = "not acceptable"  # no format offered fits what was asked for
    TOO_LARGE = "request too large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported media type"
    ENGINE_FAILED = "engine failed"  # the engine failed on a query it accepted
    STORE_UNAVAILABLE = "store unavailable"  # the store (a remote engine, the query process) cannot answer
    QUERY_STOPPED = "query stopped"  # past the time or memory limit
    BUSY = "busy"  # every query process stayed busy for the whole time limit
    STORE_TIMEOUT = "store timeout"  # a remote engine did not answer in time
    BAD_FILE = "bad file"  # a file that cannot be read (not RDF, a malformed table row, broken shapes)
    INVALID_DATA = "invalid data"  # data that breaks the shapes
    LOAD_FAILED = "load failed"  # a triple store refused the data or could not be reached
    USAGE = "usage"  # a command line that cannot be carried out (an option that does not fit)


HTTP_STATUS: dict[Kind, int] = {
    Kind.BAD_REQUEST: 400,
    Kind.BAD_QUERY: 400,
    Kind.UPDATE_REFUSED: 403,
    Kind.METHOD_NOT_ALLOWED: 405,
    Kind.NOT_ACCEPTABLE: 406,
    Kind.TOO_LARGE: 413,
    Kind.UNSUPPORTED_MEDIA_TYPE: 415,
    Kind.ENGINE_FAILED: 500,
    Kind.STORE_UNAVAILABLE: 502,
    Kind.QUERY_STOPPED: 503,
    Kind.BUSY: 503,
    Kind.STORE_TIMEOUT: 504,
}

REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 408: "Request Timeout", 413: "Payload Too Large", 414: "URI Too Long",
           415: "Unsupported Media Type",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}

# answers worth retrying later say when (seconds)
RETRY_AFTER: dict[Kind, int] = {Kind.STORE_UNAVAILABLE: 10, Kind.QUERY_STOPPED: 10, Kind.BUSY: 2}

EXIT_STATUS: dict[Kind, int] = {
    Kind.BAD_QUERY: 1,
    Kind.UPDATE_REFUSED: 1,
    Kind.ENGINE_FAILED: 1,
    Kind.STORE_UNAVAILABLE: 1,
    Kind.QUERY_STOPPED: 1,
    Kind.BUSY: 1,
    Kind.STORE_TIMEOUT: 1,
    Kind.INVALID_DATA: 1,
    Kind.LOAD_FAILED: 1,
    Kind.NOT_ACCEPTABLE: 2,
    Kind.BAD_FILE: 2,
    Kind.USAGE: 2,
    Kind.BAD_REQUEST: 2,
}


class EcokgError(Exception):
    """An error with a kind.  ``details``: a longer text to show before the message (a validation report)."""

    kind: Kind = Kind.ENGINE_FAILED

    def __init__(self, message: str, *, kind: Kind | None = None, details: str | None = None):
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        self.details = details

    @property
    def message(self) -> str:
        return str(self)

    @property
    def status(self) -> int:
        return HTTP_STATUS.get(self.kind, 500)

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS.get(self.kind, 1)
