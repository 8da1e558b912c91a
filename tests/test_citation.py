"""CITATION.cff: Citation File Format 1.2.0, in step with the package (version, licence, authors).

The CFF schema's own checker (cffconvert) pins jsonschema < 4, which the rest of the test tools cannot share,
so the file is checked here against the format's rules as its specification states them: the required keys,
the known top-level keys, the shape of authors and identifiers."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import ecokg

REPO = Path(__file__).resolve().parent.parent
# the top-level keys of CFF 1.2.0
KEYS = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers", "keywords",
        "license", "license-url", "message", "preferred-citation", "references", "repository", "repository-artifact",
        "repository-code", "title", "type", "url", "version"}
REQUIRED = {"authors", "cff-version", "message", "title"}
PERSON = {"family-names", "given-names", "name-particle", "name-suffix", "affiliation", "address", "city", "country",
          "email", "fax", "orcid", "post-code", "region", "tel", "website", "alias"}
ENTITY = {"name", "address", "city", "country", "email", "date-end", "date-start", "fax", "location", "orcid",
          "post-code", "region", "tel", "website", "alias"}


@pytest.fixture(scope="module")
def cff() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))


def test_it_is_citation_file_format_1_2(cff):
    assert cff["cff-version"] == "1.2.0"
    assert REQUIRED <= set(cff) <= KEYS, set(cff) - KEYS
    assert isinstance(cff["message"], str) and cff["message"].strip()
    assert isinstance(cff["title"], str) and cff["title"].strip()
    assert cff["type"] in ("software", "dataset")
    assert isinstance(cff["authors"], list) and cff["authors"]
    for a in cff["authors"]:
        assert isinstance(a, dict) and (set(a) <= PERSON or set(a) <= ENTITY), a
        assert a.get("name") or a.get("family-names") or a.get("given-names")
    for i in cff.get("identifiers", []):
        assert i["type"] in ("doi", "url", "swh", "other") and isinstance(i["value"], str)
        if i["type"] == "url":
            assert re.fullmatch(r"https?://\S+", i["value"])
    assert re.fullmatch(r"https?://\S+", cff["url"])
    assert all(isinstance(k, str) for k in cff.get("keywords", []))


def test_it_agrees_with_the_package(cff):
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert str(cff["version"]) == ecokg.__version__
    assert cff["license"] == project["license"]
    assert [a.get("name") for a in cff["authors"]] == [a["name"] for a in project["authors"]]
    # no DOI is invented: the identifiers are the project's own IRIs
    assert "doi" not in cff and all(i["type"] != "doi" for i in cff.get("identifiers", []))
    assert {i["value"] for i in cff["identifiers"]} == {"https://w3id.org/ecokg/dataset"}
