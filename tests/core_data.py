"""The core of the bundled data, for the tests that must run a slow engine (pyshacl) or validate many times.

The core is every bundled Turtle file, with the division tables cut down to the rows of one province
(Chongqing, codes 50xxxx: the divisions the curated Turtle data refers to) and every province — every kind of node and every
shape the full data has, in a few thousand triples instead of over a hundred thousand.  Of the national lists'
tables it keeps every source, the places that lie in a province as far as their name says, and the holder rows
of those places, of Chongqing and of 海口市 (division 460100 kept for it: data/national.ttl names its claim).  The full bundled
data is validated as a whole elsewhere (``ecokg validate``, in test_hardening_data.py, and every ``ecokg build``)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from ecokg import resources
from ecokg.rdf import tables

PROVINCE = "50"  # Chongqing
EXTRA_DIVISIONS = {"460100"}  # 海口市: the other side of a competing claim in data/national.ttl


def _in_core(key: str) -> bool:
    """A division kept: Chongqing's, a province, or one the Turtle data names."""
    return key.startswith(PROVINCE) or (len(key) == 6 and key.endswith("0000")) or key in EXTRA_DIVISIONS


def _keep(row: dict, name: str) -> bool:
    if name == "national-sources.csv":
        return True
    if name == "national-places.csv":
        return _in_core(row["contained_in"].removeprefix("division/"))
    if "holder" in row:  # a national holder table
        holder = row["holder"]
        if holder.startswith("place/"):
            return _in_core(_PLACES.get(holder.removeprefix("place/"), ""))
        return _in_core(holder.removeprefix("division/"))
    return _in_core(row.get("id", ""))


_PLACES: dict[str, str] = {}  # national place id -> the division it lies in (filled by write_core)


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
        for csv_path in sorted(tables.files_of(path)[1:], key=lambda p: p.name != "national-places.csv"):
            with open(csv_path, encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                rows = [r for r in reader if _keep(r, csv_path.name)]
                fields = reader.fieldnames
            if csv_path.name == "national-places.csv":
                _PLACES.update((r["id"], r["contained_in"].removeprefix("division/")) for r in rows)
            with open(target / csv_path.name, "w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        out.append(target / path.name)
    return out
