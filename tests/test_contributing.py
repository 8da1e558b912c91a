"""CONTRIBUTING.md's worked example is valid, and each usual mistake it lists is caught by ``ecokg validate``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli import run_ecokg

from ecokg.dataset.validate import validate

GUIDE = Path(__file__).resolve().parent.parent / "CONTRIBUTING.md"


def example() -> str:
    blocks = re.findall(r"```turtle\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, "CONTRIBUTING.md should have exactly one turtle example"
    return blocks[0]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "new-batch.ttl"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow  # the whole bundled data, or a real process
def test_the_example_is_valid_with_the_bundled_data(tmp_path):
    path = write(tmp_path, example())
    done = run_ecokg("validate", "--with-bundled", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("valid:")


def test_a_missing_chinese_label_is_reported_as_the_guide_shows(tmp_path, core_files):
    text = example().replace('rdfs:label "Example Valley"@en , "示例河谷片区"@zh ;', 'rdfs:label "Example Valley"@en ;')
    assert text != example()
    path = write(tmp_path, text)
    done = run_ecokg("validate", *map(str, core_files), str(path))
    assert done.returncode == 1
    assert "ecoid:place/example-valley" in done.stdout or "place/example-valley" in done.stdout
    assert "rule:    ecosh:ChineseLabel" in done.stdout
    assert "new-batch.ttl" in done.stdout
    assert "INVALID, 1 violation(s)" in done.stdout


MISTAKES = {
    "missing source": (
        lambda t: t.replace("    dcterms:source src:S99 ;\n    eco:confidence", "    eco:confidence"),
        "ecosh:DesignationSourceShape"),
    "unknown scheme": (
        lambda t: t.replace("eco:scheme scheme:national-two-mountains-base ;", "eco:scheme scheme:national-two-mountain-base ;"),
        "ecosh:DesignationShape"),
    "duplicate holder in a batch": (
        lambda t: t + "\n" + t[t.index("desig:example-valley--"):].replace(
            "desig:example-valley--national-two-mountains-base", "desig:example-valley--national-two-mountains-base-2"),
        "ecosh:OneDesignationPerHolderPerBatch"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_usual_mistake_is_caught(tmp_path, mistake, core_files):
    change, rule = MISTAKES[mistake]
    text = change(example())
    assert text != example()
    path = write(tmp_path, text)
    report = validate([*core_files, path])  # the core of the bundled data (tests/core_data.py)
    assert not report.conforms
    assert rule in report.rules(), report.text()
    assert all(str(path.name) in " ".join(v.files) for v in report.violations if v.rule == rule)
