"""The canonical namespace and the server's own paths.

Data keeps its canonical IRIs (``https://w3id.org/ecokg/id/place/kaizhou-district``); the server
answers for them at the same path on its own host (``/id/place/kaizhou-district``), so links on
pages stay on the server that rendered them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class UriSpace:
    base: str  # the canonical base, ending in "/" (or "#")

    @property
    def ontology(self) -> str:
        return self.base + "ontology"

    @property
    def eco(self) -> str:
        return self.base + "ontology#"

    @property
    def entities(self) -> str:
        return self.base + "id/"

    def entity(self, kind_and_slug: str) -> str:
        return self.entities + kind_and_slug

    def is_entity(self, iri: str) -> bool:
        return iri.startswith(self.entities) and len(iri) > len(self.entities)

    def is_ours(self, iri: str) -> bool:
        return iri.startswith(self.base)

    def local_path(self, iri: str) -> str | None:
        """The server path (with any fragment) of an IRI under the base, else None."""
        if not iri.startswith(self.base):
            return None
        return "/" + iri[len(self.base):]

    def canonical(self, path: str) -> str:
        """The canonical IRI a server path stands for (``/id/place/x`` -> ``{base}id/place/x``)."""
        return self.base + path.lstrip("/")

    def href(self, iri: str) -> str | None:
        """Where a page links for an IRI: our own path, an external http(s) IRI, or None (no link)."""
        local = self.local_path(iri)
        if local is not None:
            return local
        return iri if is_web_iri(iri) else None


def is_web_iri(iri: str) -> bool:
    """Only http(s) IRIs from the data become links (never ``javascript:`` and the like)."""
    try:
        parts = urlsplit(iri)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
