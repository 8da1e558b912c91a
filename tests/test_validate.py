"""``ecokg validate``: the bundled data is valid, and every broken file in tests/broken/ fails with its rule.

Each broken file is checked together with the bundled data (as a contributor adding one file would); only
the violations whose focus node the broken file describes are compared, so the expectations below hold
whatever else the data contains.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import run_ecokg

from ecokg import resources
from ecokg.rdf.files import RdfFileError
from ecokg.dataset.validate import validate

BROKEN = Path(__file__).resolve().parent / "broken"

ID = "ecoid:"
# file -> [(focus node, rule, constraint component, path)], and the message of the (first) rule
EXPECTED: dict[str, tuple[list[tuple[str, str, str, str]], str]] = {
    "missing-chinese-label.ttl": (
        [("place/test-town-missing-chinese-label",
          "ecosh:ChineseLabel", "sh:QualifiedMinCountConstraintComponent", "rdfs:label")],
        "Every entity must have an rdfs:label in Chinese (@zh)."),
    "missing-english-label.ttl": (
        [("place/test-town-missing-english-label",
          "ecosh:EnglishLabel", "sh:QualifiedMinCountConstraintComponent", "rdfs:label")],
        "Every entity must have an rdfs:label in English (@en)."),
    "designation-without-source.ttl": (
        [("designation/test-town-designation-without-source--chongqing-demonstration-town",
          "ecosh:DesignationSourceShape",
          "sh:MinCountConstraintComponent", "dcterms:source")],
        "Every designation must cite at least one eco:Source with dcterms:source."),
    "observation-without-source.ttl": (
        [("observation/chongqing--test-days--2023", "ecosh:ObservationSourceShape",
          "sh:MinCountConstraintComponent", "dcterms:source")],
        "Every observation must cite at least one eco:Source with dcterms:source."),
    "claim-without-source.ttl": (
        [("claim/test-count", "ecosh:ClaimSourceShape", "sh:MinCountConstraintComponent", "dcterms:source")],
        "Every claim (stated counts included) must cite at least one eco:Source with dcterms:source."),
    "batch-without-year.ttl": (
        [("batch/chongqing-demonstration-town-99", "ecosh:BatchShape", "sh:MinCountConstraintComponent",
          "eco:year")],
        "A batch has exactly one eco:year, an xsd:gYear."),
    "zero-ordinal.ttl": (
        [("batch/chongqing-demonstration-town-0", "ecosh:BatchShape", "sh:MinInclusiveConstraintComponent",
          "eco:ordinal")],
        "eco:ordinal, where present, must be one positive integer (1, 2, 3, ...)."),
    "non-integer-ordinal.ttl": (
        [("batch/chongqing-demonstration-town-sixth", "ecosh:BatchShape", "sh:MinInclusiveConstraintComponent",
          "eco:ordinal"),
         ("batch/chongqing-demonstration-town-sixth", "ecosh:BatchShape", "sh:OrConstraintComponent",
          "eco:ordinal")],
        "eco:ordinal, where present, must be one positive integer (1, 2, 3, ...)."),
    "bad-division-code.ttl": (
        [("place/test-district", "ecosh:DivisionCodeShape", "sh:PatternConstraintComponent", "eco:divisionCode")],
        "eco:divisionCode must be one string of six digits, not starting with 0 "
        "(a GB/T 2260 administrative division code)."),
    "holder-not-a-place.ttl": (
        [("designation/test-holder--national-two-mountains-base", "ecosh:DesignationShape",
          "sh:ClassConstraintComponent", "eco:holder")],
        "A designation has exactly one eco:holder, an eco:Place."),
    "dangling-reference.ttl": (
        [("claim/test-claim-about-nowhere", "ecosh:NoDanglingReference", "sh:SPARQLConstraintComponent",
          "eco:claimAbout")],
        "No dangling reference: an IRI under https://w3id.org/ecokg/id/ that is referred to must be described "
        "(the subject of some triple)."),
    "duplicate-designation.ttl": (
        [("designation/test-town-duplicate-designation--chongqing-demonstration-town",
          "ecosh:OneDesignationPerHolderPerBatch",
          "sh:SPARQLConstraintComponent", "eco:batch"),
         ("designation/test-town-duplicate-designation--chongqing-demonstration-town-2",
          "ecosh:OneDesignationPerHolderPerBatch",
          "sh:SPARQLConstraintComponent", "eco:batch")],
        "A holder has at most one designation per batch "
        "(the value is another designation of the same holder in the same batch)."),
    "batch-of-other-scheme.ttl": (
        [("designation/test-town-batch-of-other-scheme--chongqing-two-mountains-base", "ecosh:BatchOfSameScheme",
          "sh:SPARQLConstraintComponent", "eco:batch")],
        "The batch of a designation must be a batch of the designation's own scheme (same eco:scheme)."),
    "unknown-scheme.ttl": (
        [("designation/test-town-unknown-scheme--no-such-scheme",
          "ecosh:DesignationShape", "sh:ClassConstraintComponent",
          "eco:scheme"),
         ("designation/test-town-unknown-scheme--no-such-scheme",
          "ecosh:NoDanglingReference", "sh:SPARQLConstraintComponent",
          "eco:scheme")],
        "A designation has exactly one eco:scheme, an eco:DesignationScheme."),
    "stated-count-string.ttl": (
        [("claim/test-count-stated-count-string",
          "ecosh:StatedCountShape", "sh:DatatypeConstraintComponent", "eco:statedValue"),
         ("claim/test-count-stated-count-string",
          "ecosh:StatedCountShape", "sh:MinInclusiveConstraintComponent", "eco:statedValue")],
        "A stated count has exactly one eco:statedValue, an xsd:integer of 0 or more."),
    "source-not-a-source.ttl": (
        [("place/test-town-source-not-a-source",
          "ecosh:SourceValueShape", "sh:ClassConstraintComponent", "dcterms:source")],
        "dcterms:source must point at an eco:Source record."),
    "bad-confidence.ttl": (
        [("claim/test-claim", "ecosh:ConfidenceShape", "sh:InConstraintComponent", "eco:confidence")],
        "eco:confidence must be one of eco:HighConfidence, eco:MediumConfidence, eco:LowConfidence."),
    "untyped-entity.ttl": (
        [("place/test-town-untyped-entity", "ecosh:EntityTypeShape", "sh:MinCountConstraintComponent", "rdf:type")],
        "Every entity must have an rdf:type (a class of the ontology)."),
    "scheme-without-level.ttl": (
        [("scheme/test-scheme", "ecosh:SchemeShape", "sh:MinCountConstraintComponent", "eco:level")],
        "A designation scheme has exactly one eco:level: eco:National or eco:Municipal."),
    "url-not-anyuri.ttl": (
        [("source/S99", "ecosh:UrlShape", "sh:DatatypeConstraintComponent", "schema:url")],
        "schema:url must be an xsd:anyURI literal."),
    # administrative divisions (docs/model.md, "Administrative divisions")
    "division-without-level.ttl": (
        [("division/500199", "ecosh:DivisionShape", "sh:MinCountConstraintComponent", "eco:divisionLevel")],
        "A division has exactly one eco:divisionLevel: eco:ProvinceLevel, eco:PrefectureLevel or eco:CountyLevel."),
    "division-iri-not-its-code.ttl": (
        [("division/500198", "ecosh:DivisionIri", "sh:SPARQLConstraintComponent", "eco:divisionCode")],
        "A division's IRI is id/division/{code} (the 2024 holder, or the last one) or id/division/{code}-{first "
        "year} (an earlier holder of a reused code)."),
    "division-code-not-its-level.ttl": (
        [("division/500190", "ecosh:CodeMatchesLevel", "sh:SPARQLConstraintComponent", "eco:divisionCode")],
        "The code must fit the level: XX0000 a province, XXYY00 a prefecture, any other six digits a county-level "
        "division (the six digits themselves: ecosh:DivisionCodeShape)."),
    "division-parent-other-province.ttl": (
        [("division/500196", "ecosh:ParentOfRightLevel", "sh:SPARQLConstraintComponent", "schema:containedInPlace")],
        "The parent must be of the right level and hold the code's prefix: a county-level division lies in a "
        "prefecture (same first 4 digits) or directly in a province or municipality (same first 2 digits); a "
        "prefecture in a province (same first 2 digits); a province in China."),
    "division-ends-before-it-starts.ttl": (
        [("division/500195", "ecosh:ValidityOrder", "sh:SPARQLConstraintComponent", "eco:validUntil")],
        "A division's eco:validUntil must come after its eco:validFrom."),
    "batch-confidence-above-its-claims.ttl": (
        [("designation/test-town--chongqing-demonstration-town", "ecosh:BatchConfidenceSupported",
          "sh:SPARQLConstraintComponent", "eco:batchConfidence")],
        "The batch of a designation is no more certain than the best claim that puts it there: its "
        "eco:batchConfidence (or, without one, its eco:confidence) must not rank above the eco:confidence of every "
        "claim (eco:claimedProperty eco:batch) stating that batch."),
    "mirror-only-not-low.ttl": (
        [("designation/test-town-mirror-only-not-low--chongqing-demonstration-town", "ecosh:MirrorOnlyIsLow",
          "sh:SPARQLConstraintComponent", "eco:confidence")],
        "A fact whose every source is a mirror copy (eco:mirrorCopy true: a copy on an unrelated host, or of an "
        "unidentified publisher) has eco:confidence eco:LowConfidence."),
    "year-not-of-naming.ttl": (
        [("designation/test-town-year-not-of-naming--chongqing-demonstration-town", "ecosh:YearOfNaming",
          "sh:SPARQLConstraintComponent", "eco:year")],
        "A designation's eco:year is its year of naming: the year of its eco:conferredOn and its batch's eco:year."),
    "division-successor-not-in-force.ttl": (
        [("division/500194", "ecosh:SuccessorInForce", "sh:SPARQLConstraintComponent", "eco:successor")],
        "A successor must be in force in the year of the change (its validFrom <= this division's validUntil < its "
        "validUntil), and only a division whose code was changed or retired has one."),
    "point-not-wkt.ttl": (
        [("division/500154#point-test", "ecosh:GeometryShape", "sh:PatternConstraintComponent", "geosparql:asWKT")],
        "geosparql:asWKT is one geosparql:wktLiteral \"POINT(longitude latitude)\" (WGS-84, longitude first)."),
    "batch-year-1850.ttl": (
        [("batch/chongqing-demonstration-town-98-batch-year-1850",
          "ecosh:PlausibleYear", "sh:SPARQLConstraintComponent", "eco:year")],
        "A year (eco:year of a batch or designation, eco:referenceYear of an observation, eco:validFrom/eco:validUntil "
        "of a division code) must be four digits between 1949 and next year."),
}
SYNTAX_ERROR = ("syntax-error.ttl", 19)


def _run_cli(*args: str):
    return run_ecokg("validate", *args)


def test_corpus_covers_every_file_and_enough_defects():
    files = {p.name for p in BROKEN.glob("*.ttl")}
    assert files == set(EXPECTED) | {SYNTAX_ERROR[0]}
    assert len(files) >= 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_fires_its_rule(name, core_files):
    """Checked with the core of the bundled data (tests/core_data.py; the whole data in the CLI tests)."""
    path = BROKEN / name
    report = validate([*core_files, path])
    assert not report.conforms
    mine = [v for v in report.violations if str(path) in v.files or path.name in " ".join(v.files)]
    got = sorted((v.focus.removeprefix(ID), v.rule, v.component, v.path) for v in mine)
    expected, message = EXPECTED[name]
    assert got == sorted(expected), report.text()
    assert message in {v.message for v in mine}
    for v in mine:  # the file the focus node came from is named, and only that file
        assert len(v.files) == 1 and v.files[0].endswith(f"broken/{name}")


def test_shapes_shared_out_to_two_processes_give_the_same_report(core_files):
    """``jobs=2`` (the CLI and the check before serving): half of the shapes are evaluated in a forked process;
    every broken file at once, so that violations come from many shapes, in both processes."""
    paths = [*core_files, *sorted(p for p in BROKEN.glob("*.ttl") if p.name != SYNTAX_ERROR[0])]
    one, two = validate(paths), validate(paths, jobs=2)
    assert len({v.rule for v in one.violations}) >= 10, one.text()
    assert two.text() == one.text() and two.violations == one.violations


def test_syntax_error_names_file_and_line(core_files):
    name, line = SYNTAX_ERROR
    with pytest.raises(RdfFileError) as exc:
        validate([*core_files, BROKEN / name])
    assert f"{name}:{line}:" in str(exc.value)


# ---- through the real command line, as a user runs it -------------------------------------------------

# ``ecokg validate`` of the whole bundled data, found valid: in test_hardening_data.py
# (``test_bundled_data_is_valid_and_the_record_serve_reads_is_left``: one run shows the summary line and the
# record it leaves for ``ecokg serve``).


@pytest.mark.slow  # the whole bundled data, or many engine runs
def test_cli_invalid_file_report():
    """Three broken files with the whole bundled data, in one run (they mention none of the same nodes: see
    test_shacl.groups_of_broken_files): each file's violations are reported, and no other."""
    names = ["missing-chinese-label.ttl", "duplicate-designation.ttl", "bad-division-code.ttl"]
    r = _run_cli("--with-bundled", *(str(BROKEN / name) for name in names))
    assert r.returncode == 1, r.stdout + r.stderr
    for name in names:
        expected, message = EXPECTED[name]
        for focus, rule, component, path in expected:
            assert f"tests/broken/{name}: ecoid:{focus}\n  path:    {path}\n  rule:    {rule} ({component})\n" \
                in r.stdout, (name, focus)
        assert f"  message: {message}" in r.stdout
    total = sum(len(EXPECTED[name][0]) for name in names)
    assert r.stdout.rstrip().splitlines()[-1].startswith(f"INVALID, {total} violation(s)")


def test_cli_syntax_error_exit_2():
    name, line = SYNTAX_ERROR
    r = _run_cli(str(BROKEN / name))
    assert r.returncode == 2
    assert f"{name}:{line}:" in r.stderr and r.stderr.startswith("error: ")


def test_cli_alone_file_without_bundled_data_reports_dangling_source():
    """Without --with-bundled a file is checked on its own (plus the ontology): its citations dangle."""
    r = _run_cli(str(BROKEN / "zero-ordinal.ttl"))
    assert r.returncode == 1
    assert "ecosh:NoDanglingReference" in r.stdout and "ecosh:BatchShape" in r.stdout


def test_every_rule_states_itself_in_words():
    """Every property shape and SPARQL constraint has an sh:message, and every node shape is named."""
    import rdflib
    from rdflib.namespace import RDF, SH

    g = rdflib.Graph()
    for p in resources.shapes_files():
        g.parse(p, format="turtle")
    node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
    rules = set(g.objects(None, SH.property)) | set(g.objects(None, SH.sparql))
    assert len(node_shapes) >= 20 and len(rules) >= 40
    assert all(isinstance(s, rdflib.URIRef) for s in node_shapes)
    assert [str(r) for r in rules if g.value(r, SH.message) is None] == []
