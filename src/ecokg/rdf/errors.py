"""The error of a file that cannot be read as RDF (a syntax error, a malformed table row), naming file and line."""

from __future__ import annotations

from ecokg.errors import EcokgError, Kind


class RdfFileError(EcokgError, ValueError):
    """A file that cannot be read as RDF; the message names the file and the line."""

    kind = Kind.BAD_FILE
