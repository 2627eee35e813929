"""Importing a district's own list of agencies (``mentorbot import agencies FILE``).

The same rules as the roster: every row is checked before anything is written, and a file with
any problem changes nothing and gets every problem listed with its line. The file is one
district's list, in the order its units should be suggested (handlers/agencies.py); importing
it replaces that district's list: units are matched by short name (their ids, which assistance
records point at, are kept), new ones added, and those no longer in the file made inactive,
never deleted. Logs carry counts only.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from models import Agency, Household, Person

from .invites import district_name
from .limits import MAX_LABEL
from .roster.cells import split_dimensions
from .roster.errors import RosterFileError
from .roster.reader import map_header, read_rows
from .thai_text import clean

log = logging.getLogger(__name__)

# field: (English header, Thai header, required column). The first four are the shipped
# standard list's columns (models/data/district_agencies.csv).
COLUMNS: dict[str, tuple[str, str, bool]] = {
    "short_name": ("short_name", "ชื่อย่อ", True),
    "name": ("name", "ชื่อหน่วยงาน", True),
    "ministry": ("ministry", "กระทรวง", True),
    "dimensions": ("dimensions", "มิติ", True),
    "province": ("province", "จังหวัด", False),
    "district": ("district", "อำเภอ", False),
}
MAX_LENGTH = {f: cast(String, Agency.__table__.c[f].type).length
              for f in ("name", "ministry")}
PROVINCE_PREFIXES = ("จังหวัด", "จ.")


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One problem. ``line`` is the file's own line (header = 1); 0 for the file as a whole."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class AgencyFileError(Exception):
    """The file cannot be read at all (missing, not UTF-8, not a spreadsheet, empty...)."""


class AgencyListRejected(Exception):
    """The file was read but has problems; nothing was changed."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the agency list")


@dataclass
class AgencyTable:
    labels: dict[str, str]                      # field -> header as this file spells it
    rows: list[tuple[int, dict[str, str]]]      # (line, field -> cleaned cell)


@dataclass(frozen=True)
class AgencyRow:
    line: int
    short_name: str
    name: str
    ministry: str
    dimensions: tuple[str, ...]                 # codes, the most usual first


@dataclass
class AgencyList:
    province: str
    district: str
    rows: list[AgencyRow]


@dataclass
class AgencyImportSummary:
    """Counts only (safe to log)."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    province: str = field(default="", repr=False)
    district: str = field(default="", repr=False)


def province_name(text: str) -> str:
    """'จังหวัดเลย', 'จ. เลย' -> 'เลย'."""
    typed = clean(text)
    for prefix in PROVINCE_PREFIXES:
        if typed.startswith(prefix):
            return clean(typed[len(prefix):])
    return typed


def read_agency_file(path: str | Path) -> AgencyTable:
    """The file's rows keyed by field, cells cleaned; raises AgencyFileError (unreadable) or
    AgencyListRejected (a wrong header, line 1). The whole file is read: a list is short."""
    path = Path(path)
    try:
        raw = list(read_rows(path))
    except RosterFileError as exc:
        raise AgencyFileError(str(exc)) from None
    if not raw:
        raise AgencyFileError(f"{path.name} is empty")
    header = raw[0][1]
    columns, header_problems = map_header(header, COLUMNS)
    problems = [ImportProblem(1, problem) for problem in header_problems]
    if problems:
        raise AgencyListRejected(problems)
    rows = []
    for line, cells in raw[1:]:
        if not any(cell.strip() for cell in cells):
            continue                                # blank spreadsheet rows
        rows.append((line, {name: clean(cells[i]) if i < len(cells) else ""
                            for name, i in columns.items()}))
    return AgencyTable(labels={name: clean(header[i]) for name, i in columns.items()}, rows=rows)


def validate_agency_list(session: Session, table: AgencyTable, province: str | None = None,
                         district: str | None = None) -> AgencyList:
    """Every row checked, all problems at once (AgencyListRejected). The district and province
    come from the options when given, else from the file's columns: one district per file, and
    one the database knows (a household or a person there), as a typo would make a list no one
    ever sees."""
    labels = {name: table.labels.get(name, name) for name in COLUMNS}
    problems: list[ImportProblem] = []
    if not table.rows:
        problems.append(ImportProblem(0, "the file lists no agencies"))
    area = {}
    for name, option, normalise in (("district", district, district_name),
                                    ("province", province, province_name)):
        value, first_line = _area(table, name, labels[name], option, normalise, problems)
        area[name] = (value, first_line)
    (district_value, district_line), (province_value, _) = area["district"], area["province"]
    if district_value and province_value and not _known(session, province_value, district_value):
        problems.append(ImportProblem(district_line, (
            f"district '{district_value}', province '{province_value}' has no household or "
            "person in the database: check the spelling (as in the roster), or import the "
            "roster first")))

    rows: list[AgencyRow] = []
    first_line_of: dict[str, tuple[str, int]] = {}    # casefolded short name -> (as typed, line)
    for line, cells in table.rows:
        row_problems = _check_row(line, cells, labels)
        short = cells["short_name"]
        if short:
            seen = first_line_of.setdefault(short.casefold(), (short, line))
            if seen[1] != line:
                row_problems.append(ImportProblem(line, (
                    f"{labels['short_name']} '{short}' is also on line {seen[1]}")))
        problems.extend(row_problems)
        if not row_problems:
            rows.append(AgencyRow(line=line, short_name=short, name=cells["name"],
                                  ministry=cells["ministry"],
                                  dimensions=split_dimensions(cells["dimensions"])[0]))
    if problems:
        raise AgencyListRejected(problems)
    return AgencyList(province=province_value, district=district_value, rows=rows)


def apply_agency_list(session: Session, agencies: AgencyList, now: datetime) -> AgencyImportSummary:
    """Replace the district's list by the file's: upsert by short name, in the file's order;
    units no longer in it become inactive. One query to read what is stored."""
    summary = AgencyImportSummary(rows=len(agencies.rows), province=agencies.province,
                                  district=agencies.district)
    stored = {a.short_name: a for a in session.scalars(select(Agency).where(
        Agency.province == agencies.province, Agency.district == agencies.district))}
    for position, row in enumerate(agencies.rows):
        wanted = {"name": row.name, "ministry": row.ministry,
                  "dimensions": "|".join(row.dimensions), "position": position, "active": True}
        agency = stored.pop(row.short_name, None)
        if agency is None:
            session.add(Agency(province=agencies.province, district=agencies.district,
                               short_name=row.short_name, updated_at=now, **wanted))
            summary.added += 1
        elif any(getattr(agency, column) != value for column, value in wanted.items()):
            for column, value in wanted.items():
                setattr(agency, column, value)
            agency.updated_at = now
            summary.updated += 1
        else:
            summary.unchanged += 1
    for agency in stored.values():
        if agency.active:
            agency.active = False
            agency.updated_at = now
            summary.deactivated += 1
    session.flush()
    log.info("agency import: %s", {k: v for k, v in asdict(summary).items()
                                   if k not in ("province", "district")})
    return summary


def _area(table: AgencyTable, name: str, label: str, option: str | None,
          normalise: Callable[[str], str], problems: list[ImportProblem]) -> tuple[str, int]:
    """The file's one district (or province): the option's, else the column's; with the line
    that names it first (0 for an option)."""
    flag = f"--{name}"
    value, first_line = (normalise(option), 0) if option and clean(option) else ("", 0)
    for line, cells in table.rows:
        cell = normalise(cells[name]) if cells.get(name) else ""
        if not cell:
            continue                        # a blank cell is the file's district
        if not value:
            value, first_line = cell, line
        elif cell != value:
            where = flag if first_line == 0 else f"line {first_line}"
            problems.append(ImportProblem(line, (
                f"{label} '{cell}' differs from '{value}' ({where}): one district per file")))
    if not value and table.rows:
        en, th, _ = COLUMNS[name]
        problems.append(ImportProblem(0, (
            f"no {en}: fill the {en} ({th}) column or give {flag}")))
    return value, first_line


def _check_row(line: int, cells: dict[str, str], labels: dict[str, str]) -> list[ImportProblem]:
    problems = []
    for name in ("short_name", "name", "ministry", "dimensions"):
        if not cells[name]:
            problems.append(ImportProblem(line, f"{labels[name]} is empty"))
    short = cells["short_name"]
    if len(short) > MAX_LABEL:
        problems.append(ImportProblem(line, (
            f"{labels['short_name']} '{short}' is longer than {MAX_LABEL} characters "
            "(it is shown on LINE buttons)")))
    for name, limit in MAX_LENGTH.items():
        if limit is not None and len(cells[name]) > limit:
            problems.append(ImportProblem(line,
                                          f"{labels[name]} is longer than {limit} characters"))
    if cells["dimensions"]:
        codes, unknown = split_dimensions(cells["dimensions"])
        if unknown:
            problems.append(ImportProblem(line, (
                f"{labels['dimensions']} '{cells['dimensions']}' has unknown dimension(s) "
                f"{', '.join(unknown)} (use income, living, health, education, access or the "
                "Thai names)")))
        elif not codes:
            problems.append(ImportProblem(line, f"{labels['dimensions']} names no dimension"))
    return problems


def _known(session: Session, province: str, district: str) -> bool:
    for model in (Household, Person):
        found = session.scalar(select(model.id).where(
            model.province == province, model.district == district).limit(1))
        if found is not None:
            return True
    return False
