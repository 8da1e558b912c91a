"""Where the bundled knowledge lives.

In a wheel, ontology/, shapes/, data/ and queries/ are copied into
``ecokg/_bundled/``; in a source checkout (editable install) they are read
from the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = PACKAGE_DIR / "_bundled"
_CHECKOUT = PACKAGE_DIR.parent.parent


def _root() -> Path:
    if (_BUNDLED / "ontology").is_dir():
        return _BUNDLED
    return _CHECKOUT


def ontology_dir() -> Path:
    return _root() / "ontology"


def shapes_dir() -> Path:
    return _root() / "shapes"


def data_dir() -> Path:
    return _root() / "data"


def queries_dir() -> Path:
    return _root() / "queries"


def _rdf_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ttl") if p.is_file())


def ontology_files() -> list[Path]:
    return _rdf_files(ontology_dir())


def shapes_files() -> list[Path]:
    return _rdf_files(shapes_dir())


def data_files() -> list[Path]:
    """The Turtle files of data/ and the table mappings of data/tables/ (``*.rml.ttl``: CSV tables read as
    the triples they make, ``ecokg.rdf.tables``)."""
    tables = data_dir() / "tables"
    return _rdf_files(data_dir()) + sorted(p for p in tables.glob("*.rml.ttl") if p.is_file())


def bundled_files() -> list[Path]:
    """The files served by default: the ontology and the data."""
    return ontology_files() + data_files()


def static_dir() -> Path:
    return PACKAGE_DIR / "static"


def templates_dir() -> Path:
    return PACKAGE_DIR / "templates"
