"""Reading a roster file (CSV in UTF-8, or XLSX) into rows keyed by our field names.

Districts send the TPMAP list with English or Thai headers, in any column order, often with
extra columns of their own; those are ignored. Rows are yielded lazily with the file's line
number so a national file is never held twice in memory.
"""
from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..thai_text import clean
from .errors import RosterFileError, RosterRejected, RowError

# field: (English header, Thai header, required column)
COLUMNS: dict[str, tuple[str, str, bool]] = {
    "house_id": ("house_id", "รหัสบ้าน", True),
    "head_name": ("head_name", "ชื่อหัวหน้าครัวเรือน", True),
    "house_no": ("house_no", "บ้านเลขที่", False),
    "village_no": ("village_no", "หมู่ที่", False),
    "village_name": ("village_name", "หมู่บ้าน", False),
    "subdistrict": ("subdistrict", "ตำบล", False),
    "district": ("district", "อำเภอ", True),
    "province": ("province", "จังหวัด", True),
    "members": ("members", "จำนวนสมาชิก", True),
    "dimensions": ("dimensions", "มิติที่มีปัญหา", False),
    "mentor_name": ("mentor_name", "ชื่อข้าราชการพี่เลี้ยง", True),
    "mentor_position": ("mentor_position", "ตำแหน่ง", False),
    "mentor_agency": ("mentor_agency", "หน่วยงาน", False),
    "mentor_phone": ("mentor_phone", "เบอร์โทร", True),
}


@dataclass
class RosterTable:
    labels: dict[str, str]               # field -> the header as written in this file
    rows: Iterator[tuple[int, dict[str, str]]]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.labels)


def read_roster(path: str | Path) -> RosterTable:
    """Open the file and check its header; raises RosterFileError or RosterRejected (line 1)."""
    path = Path(path)
    raw = read_rows(path)
    first = next(raw, None)
    if first is None:
        raise RosterFileError(f"{path.name} is empty")
    columns = _map_header(first[1])
    labels = {field: clean(first[1][index]) for field, index in columns.items()}
    return RosterTable(labels=labels, rows=_keyed(raw, columns))


def read_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Every row of a .csv (UTF-8) or .xlsx file as cell texts, with the file's line number,
    read lazily; raises RosterFileError when the file cannot be read. The agency import
    (handlers/agency_import.py) reads its files with this too."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    raise RosterFileError(f"{path.name}: expected a .csv or .xlsx file")


def map_header(header: list[str], columns: dict[str, tuple[str, str, bool]]
               ) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field, by its English or Thai header (case, spaces and Thai
    digits aside); and the header's problems (a column twice, required ones missing). The
    roster and the agency list read their headers this way."""
    by_header = {clean(header).casefold(): field
                 for field, (en, th, _) in columns.items() for header in (en, th)}
    found: dict[str, int] = {}
    problems = []
    for index, title in enumerate(header):
        field = by_header.get(clean(title).casefold())
        if field is None:
            continue                       # a district's own extra column
        if field in found:
            problems.append(f"column '{clean(title)}' appears twice")
        found[field] = index
    missing = [f"{en} ({th})" for field, (en, th, required) in columns.items()
               if required and field not in found]
    if missing:
        problems.append("missing required column(s): " + ", ".join(missing))
    return found, problems


def _map_header(header: list[str]) -> dict[str, int]:
    columns, problems = map_header(header, COLUMNS)
    if problems:
        raise RosterRejected([RowError(1, problem) for problem in problems])
    return columns


def _keyed(raw: Iterator[tuple[int, list[str]]],
           columns: dict[str, int]) -> Iterator[tuple[int, dict[str, str]]]:
    for line, cells in raw:
        if not any(cell.strip() for cell in cells):
            continue                       # blank spreadsheet rows between blocks
        yield line, {field: cells[i] if i < len(cells) else "" for field, i in columns.items()}


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    # utf-8-sig drops the BOM Excel's "CSV UTF-8" writes, and reads files without one alike.
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise RosterFileError(f"cannot read {path.name}: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        line = 1
        try:
            for cells in reader:
                yield line, cells
                line = reader.line_num + 1   # a quoted cell may span lines
        except UnicodeDecodeError:
            raise RosterFileError(
                f"{path.name} is not UTF-8 text (near line {line}); save it as 'CSV UTF-8' "
                "or send the .xlsx file") from None
        except csv.Error as exc:
            raise RosterFileError(f"{path.name} line {line}: not valid CSV ({exc})") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise RosterFileError(f"cannot read {path.name} as an Excel workbook ({exc})") from None
    try:
        sheet = book.worksheets[0]
        # Some exporters write a wrong sheet size; read every cell actually present instead.
        sheet.reset_dimensions()
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(v) for v in values]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """Excel cells as the text a person typed: 42010000011.0 -> '42010000011'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time()
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
