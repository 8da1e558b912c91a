"""docs/research.md: its pandas snippet runs against a fresh build (of the core data) and finds what it says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecokg.dataset.build import build

DOC = Path(__file__).resolve().parent.parent / "docs" / "research.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


@pytest.fixture(scope="module")
def built(core_files, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("research") / "dist"
    build(out, paths=core_files)
    return out


def test_the_pandas_snippet_runs_against_a_build(built):
    pytest.importorskip("pandas")
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 1 and "pd.read_csv(\"dist/panel.csv\"" in blocks[0]
    r = subprocess.run([sys.executable, "-c", blocks[0]], cwd=built.parent, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    # both rows of the county's own data found Kaizhou, by the code of each year
    kaizhou = [l for l in lines if "开州区" in l]
    assert len(kaizhou) == 2 and "500234" in kaizhou[0] and "2015" in kaizhou[0] and "500154" in kaizhou[1]
    assert any("designations of low confidence" in l for l in lines)


def test_the_doc_names_the_files_and_columns_the_build_writes(built):
    text = DOC.read_text(encoding="utf-8")
    for name in ("designations.csv", "panel.csv", "counts.csv", "csv-metadata.json"):
        assert name in text and (built / name).is_file()
    header = (built / "panel.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in ("code", "code_in_year", "year", "national_demonstration_zone",
                   "national_demonstration_zone_prefecture", "national_demonstration_zone_area",
                   "national_demonstration_zone_first_year", "national_demonstration_zone_predecessor"):
        assert column in header and f"`{column.replace('national_demonstration_zone', '{scheme}')}`" in text \
            or f"`{column}`" in text, column
