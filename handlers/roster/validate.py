"""Checking every roster row before anything is written, collecting all problems at once.

A district fixes its spreadsheet in one go only if it sees every bad row, so nothing stops at
the first error. Messages quote the header as the file spells it (Thai or English).

The checked rows wait on disk (``RowSpool``), not in memory, until they are written: what a
national file keeps in memory is one entry per house code (to find a code listed twice) and
one per mentor, not its rows.
"""
from __future__ import annotations

import os
import pickle
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import IO, Any, cast

from sqlalchemy import String

from models import Household, Person

from ..thai_text import clean
from . import cells
from .errors import RosterRejected, RowError
from .reader import COLUMNS, RosterTable

REQUIRED = tuple(field for field, (_, _, required) in COLUMNS.items() if required)
# Lengths come from the model so a long cell is a row error here, not a database error later.
MAX_LENGTH = {
    **{f: cast(String, Household.__table__.c[f].type).length
       for f in ("head_name", "house_no", "village_no", "village_name", "subdistrict",
                 "district", "province")},
    "mentor_name": cast(String, Person.__table__.c.name.type).length,
    "mentor_position": cast(String, Person.__table__.c.position.type).length,
    "mentor_agency": cast(String, Person.__table__.c.agency.type).length,
}
# Anything clean() would change: whitespace other than single inner spaces, zero-width marks,
# Thai digits. Most cells have none, and skipping clean() for them halves the time to validate
# a national file (its str.translate calls dominate).
_NEEDS_CLEAN = re.compile(r"[^\S ]|  |^ | $|[\u200b-\u200d\u2060\ufeff\u0e50-\u0e59]")
# Cells that repeat down a district's file: one shared string each instead of one per row,
# which takes a third or more off the memory a national file needs.
_SHARED = frozenset({"village_no", "village_name", "subdistrict", "district", "province",
                     "mentor_name", "mentor_position", "mentor_agency", "mentor_phone"})
# What a checked cell holds: its text, what its parser made of it, or None when empty.
Parsed = str | int | frozenset[str]
Cell = Parsed | None
_PARSERS: dict[str, Callable[[str], Parsed]] = {
    "house_id": cells.house_id, "mentor_phone": cells.phone,
    "members": cells.members, "dimensions": cells.dimensions,
}


@dataclass(slots=True)
class RosterRow:
    line: int
    house_id: str
    head_name: str
    house_no: str | None
    village_no: str | None
    village_name: str | None
    subdistrict: str | None
    district: str
    province: str
    members: int
    dimensions: frozenset[str]
    mentor_name: str
    mentor_position: str | None
    mentor_agency: str | None
    mentor_phone: str


_ROW_FIELDS = tuple(f.name for f in fields(RosterRow))
SPOOL_CHUNK = 1000   # rows pickled together


class RowSpool:
    """Checked rows in file order, kept in an anonymous temporary file (gone when closed, or
    when the process ends) in pickled chunks; a roster smaller than a chunk never touches the
    disk. Read back a chunk at a time, as often as needed (each reading is independent)."""

    def __init__(self, chunk: int = SPOOL_CHUNK):
        self._chunk = chunk
        self._pending: list[tuple] = []
        self._file: IO[bytes] | None = None
        self._spans: list[tuple[int, int]] = []    # (offset, length) of each pickled chunk
        self._end = 0
        self._count = 0

    def append(self, row: RosterRow) -> None:
        self._pending.append(tuple(getattr(row, name) for name in _ROW_FIELDS))
        self._count += 1
        if len(self._pending) >= self._chunk:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="roster-")
        data = pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL)
        os.pwrite(self._file.fileno(), data, self._end)
        self._spans.append((self._end, len(data)))
        self._end += len(data)
        self._pending = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[RosterRow]:
        for chunk in self.chunks():
            yield from chunk

    def chunks(self, size: int = SPOOL_CHUNK) -> Iterator[list[RosterRow]]:
        """The rows in lists of ``size`` (the last one shorter)."""
        batch: list[RosterRow] = []
        for stored in self._stored():
            for values in stored:
                batch.append(RosterRow(*values))
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def _stored(self) -> Iterator[list[tuple]]:
        for offset, length in list(self._spans):
            assert self._file is not None, "a spilled chunk has a file"
            yield pickle.loads(os.pread(self._file.fileno(), length, offset))
        yield list(self._pending)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._spans, self._pending = [], []


@dataclass
class Roster:
    rows: RowSpool
    # Columns the file has. An optional column the file lacks is left as stored, not blanked.
    fields: frozenset[str]
    labels: dict[str, str]      # field -> header as the file spells it, for messages


def validate_roster(table: RosterTable) -> Roster:
    """All rows as RosterRow, or RosterRejected listing every problem in the file."""
    errors: list[RowError] = []
    rows = RowSpool()
    # House codes seen, as numbers (11 digits: a small int, not a string, per row). Where a
    # code comes back, the line it was first on is looked up afterwards (_repeated_houses):
    # in the kept rows, or here when that first row had errors of its own (and was not kept).
    houses: set[int] = set()
    repeated: dict[str, list[int]] = {}             # code -> the lines it came back on
    first_on_bad_row: dict[str, int] = {}
    mentor_seen: dict[str, tuple[str, int]] = {}    # phone -> (name, first line)
    for line, raw in table.rows:
        values, row_errors = _check_cells(line, raw, table.labels)
        errors.extend(row_errors)
        house = values.get("house_id")
        if isinstance(house, str):      # None when empty or not a valid id
            number = int(house)
            if number in houses:
                repeated.setdefault(house, []).append(line)
            else:
                houses.add(number)
                if row_errors:
                    first_on_bad_row[house] = line
        phone, name = values.get("mentor_phone"), values.get("mentor_name")
        if isinstance(phone, str) and isinstance(name, str):
            seen = mentor_seen.setdefault(phone, (name, line))
            if seen[0] != name:
                errors.append(RowError(line, (
                    f"{table.labels['mentor_phone']} '{phone}' belongs to '{name}' here but to "
                    f"'{seen[0]}' on line {seen[1]}")))
        if not row_errors:
            # Without errors every field holds what its parser or the text gave, as typed.
            rows.append(RosterRow(line=line, **cast(dict[str, Any], values)))
    if repeated:
        errors.extend(_repeated_houses(table.labels["house_id"], repeated, first_on_bad_row,
                                       rows))
    if errors:
        rows.close()
        raise RosterRejected(errors)
    return Roster(rows=rows, fields=table.fields, labels=table.labels)


def _repeated_houses(label: str, repeated: dict[str, list[int]], first: dict[str, int],
                     rows: RowSpool) -> list[RowError]:
    """'… is also on line N' for each line a house code came back on, N the code's first line.
    Only a file with a repeated code gets here (and is not imported): its kept rows are read
    back once to find the first lines not known already."""
    first = dict(first)
    for row in rows:
        if row.house_id in repeated:
            first.setdefault(row.house_id, row.line)
    return [RowError(line, f"{label} '{house}' is also on line {first[house]}")
            for house, lines in repeated.items() for line in lines]


def _check_cells(line: int, raw: dict[str, str],
                 labels: dict[str, str]) -> tuple[dict[str, Cell], list[RowError]]:
    values: dict[str, Cell] = {}
    errors: list[RowError] = []
    for field in COLUMNS:
        text = _clean(raw.get(field))
        label = labels.get(field, field)
        if not text:
            if field in REQUIRED:
                errors.append(RowError(line, f"{label} is empty"))
            values[field] = frozenset() if field == "dimensions" else None
            continue
        parser = _PARSERS.get(field)
        if parser is not None:
            try:
                value = parser(text)
                if field in _SHARED and isinstance(value, str):   # only text is shared
                    value = sys.intern(value)
                values[field] = value
            except cells.CellError as exc:
                errors.append(RowError(line, f"{label} '{text}' {exc}"))
            continue
        limit = MAX_LENGTH.get(field)
        if limit is not None and len(text) > limit:
            errors.append(RowError(line, f"{label} is longer than {limit} characters"))
        values[field] = sys.intern(text) if field in _SHARED else text
    return values, errors


def _clean(text: str | None) -> str:
    """clean(), with a fast path for the cells it would return unchanged."""
    if text and not _NEEDS_CLEAN.search(text) and unicodedata.is_normalized("NFC", text):
        return text
    return clean(text)
