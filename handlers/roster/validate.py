"""Checking every roster row before anything is written, collecting all problems at once.

A district fixes its spreadsheet in one go only if it sees every bad row, so nothing stops at
the first error. Messages quote the header as the file spells it (Thai or English).
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

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


@dataclass
class Roster:
    rows: list[RosterRow]
    # Columns the file has. An optional column the file lacks is left as stored, not blanked.
    fields: frozenset[str]
    labels: dict[str, str]      # field -> header as the file spells it, for messages


def validate_roster(table: RosterTable) -> Roster:
    """All rows as RosterRow, or RosterRejected listing every problem in the file."""
    errors: list[RowError] = []
    rows: list[RosterRow] = []
    first_line_of_house: dict[str, int] = {}
    mentor_seen: dict[str, tuple[str, int]] = {}    # phone -> (name, first line)
    for line, raw in table.rows:
        values, row_errors = _check_cells(line, raw, table.labels)
        errors.extend(row_errors)
        house = values.get("house_id")
        if isinstance(house, str):      # None when empty or not a valid id
            if house in first_line_of_house:
                errors.append(RowError(line, f"{table.labels['house_id']} '{house}' is also on "
                                             f"line {first_line_of_house[house]}"))
            else:
                first_line_of_house[house] = line
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
    if errors:
        raise RosterRejected(errors)
    return Roster(rows=rows, fields=table.fields, labels=table.labels)


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
