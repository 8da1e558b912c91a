"""The check of the national lists' tables: every holder row against the division table.

A table of holder names (``data/tables/national-*.csv``: the columns ``published_zh``/``published_en``,
``province``, ``year``, ``division``, ``holder``, ``unresolved`` …) is checked row by row when ``ecokg validate`` or
``ecokg build`` reads its mapping.  The published name, province and year of naming are resolved by
``ecokg.dataset.names``; a row is refused, with its file and line, when

* the name resolves to one division and the ``division`` column says another (or nothing), or says it is
  unresolved;
* the name does not resolve with certainty and the row does not say why (``unresolved``), or names a division
  anyway;
* the holder is not what the name resolves to: the division itself, or for a sub-county area (or an unresolved
  name) a place of the places table lying in that division;
* the holder's labels (``holder_zh``, ``holder_en``) are not those of the holder;
* the status does not fit the key (a ``Named`` row has a ``designation`` and no ``claim``; any other status a
  ``claim`` and no ``designation``);
* the same holder appears twice in one batch of a table.

What the SHACL shapes check anyway (an unknown batch: a dangling reference; two designations of one holder in
one batch; datatypes) is left to them; their report names the same file and line.  Rows marked unresolved are
counted and listed (``TableCheck.unresolved``): ``ecokg build`` prints them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ecokg import resources
from ecokg.dataset.names import DivisionIndex, read_divisions
from ecokg.rdf import tables

HOLDER_COLUMNS = frozenset({"batch", "status", "year", "province", "published_zh", "published_en", "division",
                            "holder", "unresolved", "holder_zh", "holder_en", "designation", "claim"})
PLACE_COLUMNS = frozenset({"id", "class", "name_zh", "name_en", "contained_in"})
STATUSES = ("Named", "ReportedUnverified", "Inferred", "Proposed")
ID = "https://w3id.org/ecokg/id/"


@dataclass(frozen=True)
class RowProblem:
    file: Path
    line: int
    subject: str  # the IRI the row makes (its designation or claim), or "" when it has no key
    rule: str  # short name of the check
    message: str


@dataclass(frozen=True)
class UnresolvedRow:
    file: Path
    line: int
    name: str
    province: str
    year: str
    status: str
    reason: str


@dataclass
class TableCheck:
    rows: int = 0
    named: int = 0
    named_resolved: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    unresolved: list[UnresolvedRow] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how many holder names resolved, and which did not."""
        named = [u for u in self.unresolved if u.status == "Named"]
        text = (f"national lists: {self.rows} holder rows, {self.named} named; {self.named_resolved} named holders "
                f"resolved to a division, {len(named)} unresolved")
        if named:
            text += ": " + "; ".join(f"{u.name} ({_display(u.file)}:{u.line})" for u in named)
        others = [u for u in self.unresolved if u.status != "Named"]
        if others:
            text += f"; {len(others)} claim row(s) unresolved: " + "; ".join(
                f"{u.name} ({_display(u.file)}:{u.line})" for u in others)
        return text


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _header(path: Path) -> frozenset[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    import csv

    return frozenset(next(csv.reader([first]), []))


def holder_tables(mapping: str | Path) -> tuple[list[Path], list[Path]]:
    """(the holder tables, the places tables) among the CSV files of a table mapping."""
    holders, places = [], []
    for f in tables.csv_files(mapping):
        header = _header(f)
        if HOLDER_COLUMNS <= header:
            holders.append(f)
        elif PLACE_COLUMNS <= header:
            places.append(f)
    return holders, places


def _division_index(mapping: Path, cache: dict) -> DivisionIndex:
    """The division table beside the mapping, else the bundled one."""
    beside = mapping.parent / "divisions.csv"
    path = beside if beside.is_file() else resources.data_dir() / "tables" / "divisions.csv"
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in cache:
        cache.clear()
        cache[key] = read_divisions(path)
    return cache[key]


_INDEX_CACHE: dict = {}


def check_mappings(paths: Iterable[str | Path], index: DivisionIndex | None = None) -> TableCheck | None:
    """Check the holder tables of every table mapping among ``paths`` (None if there are none)."""
    result: TableCheck | None = None
    for p in paths:
        p = Path(p)
        if not tables.is_mapping(p):
            continue
        holders, places = holder_tables(p)
        if not holders:
            continue
        result = result or TableCheck()
        check_tables(holders, places, index or _division_index(p.resolve(), _INDEX_CACHE), result)
    return result


def check_tables(holders: list[Path], places: list[Path], index: DivisionIndex,
                 result: TableCheck | None = None) -> TableCheck:
    result = result or TableCheck()
    place_rows: dict[str, dict] = {}
    for f in places:
        for _line, row in tables.read_rows(f, PLACE_COLUMNS):
            place_rows[row["id"]] = row
    for f in holders:
        seen: dict[tuple[str, str], int] = {}
        for line, row in tables.read_rows(f, HOLDER_COLUMNS):
            result.rows += 1
            _check_row(f, line, row, index, place_rows, seen, result)
    return result


def _check_row(f: Path, line: int, row: dict, index: DivisionIndex, places: dict, seen: dict,
               result: TableCheck) -> None:
    key = ("designation/" + row["designation"]) if row["designation"] else (
        ("claim/" + row["claim"]) if row["claim"] else "")
    subject = ID + key if key else ""

    def problem(rule: str, message: str) -> None:
        result.problems.append(RowProblem(f, line, subject, rule, message))

    status = row["status"]
    if status not in STATUSES:
        problem("StatusKnown", f"status {status!r} is not one of {', '.join(STATUSES)}")
    elif status == "Named" and (not row["designation"] or row["claim"]):
        problem("StatusMatchesKey", "a Named row is a designation: it needs a `designation` key and no `claim`")
    elif status != "Named" and (not row["claim"] or row["designation"]):
        problem("StatusMatchesKey", f"a {status} row is not a naming: it needs a `claim` key and no `designation`")
    if status == "Named":
        result.named += 1

    names = [n for n in (row["published_zh"], row["published_en"]) if n]
    if len(names) != 1:
        problem("PublishedName", "give the holder's name as published in exactly one of published_zh, published_en")
        return
    name = names[0]
    try:
        year = int(row["year"])
    except ValueError:
        problem("PublishedName", f"year {row['year']!r} is not a year")
        return
    res = index.resolve(name, province=row["province"], year=year)
    holder = row["holder"]
    division = row["division"]
    where = f"{name} ({row['province']}, {year})"
    if res.certain:
        cand = res.candidate
        if division != cand.division.id:
            problem("HolderResolves", f"{where} resolves to {cand.division.id} {cand.division.name} ({cand.how()}); "
                                      f"the division column says {division or 'nothing'}")
        if row["unresolved"]:
            problem("HolderResolves", f"{where} resolves to {cand.division.id} ({cand.how()}): it is not "
                                      "unresolved; clear `unresolved`")
        if cand.area:
            _check_place(holder, f"division/{cand.division.id}", places, where, problem)
        elif holder != f"division/{cand.division.id}":
            problem("HolderIsResolved", f"{where} is the division {cand.division.id}: the holder must be "
                                        f"division/{cand.division.id}, not {holder or 'empty'}")
        if status == "Named" and division == cand.division.id:
            result.named_resolved += 1
    else:
        reason = res.reason()
        if division:
            problem("HolderResolves", f"{where} does not resolve with certainty ({reason}); the division column "
                                      f"names {division} all the same")
        if not row["unresolved"]:
            problem("HolderResolves", f"{where} does not resolve with certainty ({reason}): correct the name, or "
                                      "mark the row with the reason in `unresolved` and make its holder a place")
        else:
            result.unresolved.append(UnresolvedRow(f, line, name, row["province"], row["year"], status,
                                                   row["unresolved"]))
        _check_place(holder, None, places, where, problem)
    labels = _labels(holder, index, places)
    if labels is not None and (row["holder_zh"], row["holder_en"]) != labels:
        problem("HolderLabels", f"holder_zh/holder_en must be the holder's labels {labels[0]!r}/{labels[1]!r}, not "
                                f"{row['holder_zh']!r}/{row['holder_en']!r}")
    batch_key = (holder, row["batch"])
    first = seen.setdefault(batch_key, line)
    if first != line:
        problem("OneRowPerHolderPerBatch", f"{holder} is already listed in batch {row['batch']} on line {first}")


def _check_place(holder: str, contained: str | None, places: dict, where: str, problem) -> None:
    if not holder.startswith("place/"):
        problem("HolderIsResolved", f"{where} is not a division of the code list: the holder must be a place "
                                    f"(place/…) of the places table, not {holder or 'empty'}")
        return
    place = places.get(holder.removeprefix("place/"))
    if place is None:
        problem("HolderIsResolved", f"{holder} is not in the places table")
    elif contained is not None and place["contained_in"] != contained:
        problem("HolderIsResolved", f"{where} is an area of {contained}: {holder} must lie in it, not in "
                                    f"{place['contained_in'] or 'nothing'}")


def _labels(holder: str, index: DivisionIndex, places: dict) -> tuple[str, str] | None:
    if holder.startswith("division/") and holder.removeprefix("division/") in index:
        r = index.get(holder.removeprefix("division/"))
        return r.name, r.name_en
    if holder.startswith("place/") and holder.removeprefix("place/") in places:
        p = places[holder.removeprefix("place/")]
        return p["name_zh"], p["name_en"]
    return None
