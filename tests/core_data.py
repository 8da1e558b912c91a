"""The core of the bundled data, for the tests that must run a slow engine (pyshacl) or validate many times.

The core is every bundled Turtle file, with the division tables cut down to the rows of one province
(Chongqing, codes 50xxxx: the divisions the curated Turtle data refers to) and every province — every kind of node and every
shape the full data has, in a few thousand triples instead of over a hundred thousand.  The full bundled
data is validated as a whole elsewhere (``test_validate.test_bundled_data_is_valid``, ``ecokg validate``)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from ecokg import resources
from ecokg.rdf import tables

PROVINCE = "50"  # Chongqing


def _keep(row: dict) -> bool:
    key = row.get("id", "")
    return key.startswith(PROVINCE) or (len(key) == 6 and key.endswith("0000"))


def write_core(folder: Path) -> list[Path]:
    """The core data's files, written into ``folder`` (the Turtle files are used where they are)."""
    out: list[Path] = []
    for path in resources.data_files():
        if not tables.is_mapping(path):
            out.append(path)
            continue
        target = folder / path.parent.name
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / path.name)
        for csv_path in tables.files_of(path)[1:]:
            with open(csv_path, encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                rows = [r for r in reader if _keep(r)]
                fields = reader.fieldnames
            with open(target / csv_path.name, "w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        out.append(target / path.name)
    return out
