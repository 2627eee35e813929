"""Writing an Export to a file: XLSX for people (real dates shown in พ.ศ., numbers as numbers,
the header row frozen and filtered, a sheet saying what the file holds) and CSV for machines.

Both stream: rows are written as the export's generators yield them, and nothing holds a sheet
in memory (XlsxWriter's ``constant_memory`` mode flushes each row to a temporary file as the next
one starts), so a national export of a million rows runs in constant memory.

No cell of either format can become a live formula or link (OWASP's CSV-injection rule): a text
starting with ``=``, ``+``, ``-``, ``@``, a tab, a CR or a NUL gets a leading apostrophe, and
XLSX text cells are always written as strings, never parsed.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from ..thai_dates import THAI_MONTHS_SHORT, format_thai_date
from .table import Column, Export, Kind, Sheet

Progress = Callable[[int], None]

META_SHEET = "ข้อมูลการส่งออก"
PROGRESS_EVERY = 1000          # rows between two calls of ``progress``
MAX_SHEET_TITLE = 31           # Excel's limit
# Excel's rows per worksheet (the header included). A sheet with more rows goes on in
# continuation worksheets, "TITLE (2)", "TITLE (3)", each with the header row again.
XLSX_MAX_ROWS = 1_048_576
# The Thai Buddhist calendar in a number format: LCID 041E (Thai) with calendar type 07 (Thai
# Buddhist) and 01 in front (Western digits). The cell holds a real date, so the column sorts
# and filters as dates; Excel and LibreOffice both show it as '7 พ.ค. 2569'.
DATE_FORMAT = "[$-107041E]d mmm yyyy"
DATETIME_FORMAT = "[$-107041E]d mmm yyyy hh:mm:ss"
MONEY_FORMAT = "#,##0.00"
INT_FORMAT = "#,##0"
# Characters a spreadsheet may read as the start of a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')
_UNSAFE_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def safe_text(value: str) -> str:
    """The text as a spreadsheet must show it: a leading apostrophe before anything that could
    start a formula, so '=HYPERLINK(...)' stays the characters typed."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _checked(sheet: Sheet, rows: Iterator[tuple]) -> Iterator[tuple]:
    width = len(sheet.columns)
    for row in rows:
        if len(row) != width:
            raise ValueError(f"sheet {sheet.title!r}: a row of {len(row)} values for "
                             f"{width} columns")
        yield row


class _Counter:
    """Rows written so far, across sheets, reported to ``progress`` every PROGRESS_EVERY."""

    def __init__(self, progress: Progress | None):
        self.progress, self.rows = progress, 0

    def tick(self) -> None:
        self.rows += 1
        if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
            self.progress(self.rows)

    def done(self) -> int:
        if self.progress is not None:
            self.progress(self.rows)
        return self.rows


# -- XLSX -----------------------------------------------------------------------------------
def write_xlsx(export: Export, path: str | Path, *, made_by: str, made_at: datetime,
               progress: Progress | None = None) -> int:
    """Write the export's sheets, then the ``ข้อมูลการส่งออก`` sheet; return the data rows
    written (all sheets). ``made_at`` is shown as given: pass it in the users' time zone."""
    counter = _Counter(progress)
    workbook = xlsxwriter.Workbook(str(path), {
        "constant_memory": True,
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "default_date_format": DATE_FORMAT,
    })
    try:
        workbook.set_properties({"title": export.title, "created": made_at.replace(tzinfo=None)})
        formats = _Formats(workbook)
        per_sheet: list[tuple[str, int]] = []
        for sheet in export.sheets:
            before = counter.rows
            _write_sheet(workbook, formats, sheet, counter)
            per_sheet.append((sheet.title, counter.rows - before))
        _write_meta(workbook, formats, export, made_by, made_at, per_sheet)
    finally:
        workbook.close()
    return counter.done()


class _Formats:
    def __init__(self, workbook: Any):
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                           "text_wrap": True, "valign": "top"})
        self.text = workbook.add_format({"valign": "top"})
        self.wrap = workbook.add_format({"valign": "top", "text_wrap": True})
        self.date = workbook.add_format({"num_format": DATE_FORMAT, "valign": "top",
                                         "align": "left"})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT, "valign": "top",
                                             "align": "left"})
        self.int = workbook.add_format({"num_format": INT_FORMAT, "valign": "top"})
        self.money = workbook.add_format({"num_format": MONEY_FORMAT, "valign": "top"})
        self.number = workbook.add_format({"valign": "top"})
        self.note = workbook.add_format({"italic": True, "font_color": "#757575"})
        self.label = workbook.add_format({"bold": True, "valign": "top"})


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: no []:*?/\\, 31 characters at most."""
    return _UNSAFE_SHEET_CHARS.sub("-", title)[:MAX_SHEET_TITLE] or "Sheet"


def _start_part(workbook: Any, formats: _Formats, sheet: Sheet,
                part: int) -> tuple[Any, list[Callable[[int, int, Any], None]]]:
    """A worksheet with the sheet's headers, widths and frozen header row."""
    title = sheet_title(sheet.title)
    if part > 1:
        suffix = f" ({part})"
        title = title[:MAX_SHEET_TITLE - len(suffix)] + suffix
    ws = workbook.add_worksheet(title)
    for index, column in enumerate(sheet.columns):
        ws.set_column(index, index, column.width)
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, [c.header for c in sheet.columns], formats.header)
    return ws, [_cell_writer(ws, column, formats) for column in sheet.columns]


def _write_sheet(workbook: Any, formats: _Formats, sheet: Sheet, counter: _Counter) -> None:
    last_column = len(sheet.columns) - 1
    part = 1
    ws, writers = _start_part(workbook, formats, sheet, part)
    row_index = 0
    for row in _checked(sheet, iter(sheet.rows)):
        if row_index == XLSX_MAX_ROWS - 1:   # this worksheet is full: go on in the next
            ws.autofilter(0, 0, row_index, last_column)
            part += 1
            ws, writers = _start_part(workbook, formats, sheet, part)
            row_index = 0
        row_index += 1
        for index, value in enumerate(row):
            if value is not None:
                writers[index](row_index, index, value)
        counter.tick()
    if row_index == 0:
        ws.write_string(1, 0, sheet.empty_note, formats.note)
    # The filter covers the header and every row written; with constant_memory the last row is
    # known only now, and XlsxWriter takes the filter at any time before close().
    ws.autofilter(0, 0, max(row_index, 1), last_column)


def _cell_writer(ws: Any, column: Column, formats: _Formats) -> Callable[[int, int, Any], None]:
    if column.kind in (Kind.DATE, Kind.DATETIME):
        style = formats.date if column.kind is Kind.DATE else formats.datetime

        def write_date(r: int, c: int, value: Any) -> None:
            if isinstance(value, datetime):   # shown as given: already in the users' zone
                value = value.replace(tzinfo=None)
            ws.write_datetime(r, c, value, style)
        return write_date
    if column.kind in (Kind.INT, Kind.MONEY, Kind.NUMBER):
        style = {Kind.INT: formats.int, Kind.MONEY: formats.money}.get(column.kind,
                                                                      formats.number)

        def write_number(r: int, c: int, value: Any) -> None:
            ws.write_number(r, c, float(value) if isinstance(value, Decimal) else value, style)
        return write_number
    style = formats.wrap if column.width >= 30 else formats.text

    def write_text(r: int, c: int, value: Any) -> None:
        # Always a string cell (never a formula, a number or a link), apostrophe included.
        ws.write_string(r, c, safe_text(str(value)), style)
    return write_text


def range_text(start: date, end: date) -> str:
    """'1 พ.ค. 2569 – 31 พ.ค. 2569'."""
    return f"{format_thai_date(start)} – {format_thai_date(end)}"


def moment_text(moment: datetime) -> str:
    """'7 พ.ค. 2569 เวลา 10:00 น.'."""
    return f"{format_thai_date(moment.date())} เวลา {moment:%H:%M} น."


def meta_rows(export: Export, made_by: str, made_at: datetime,
              per_sheet: list[tuple[str, int]]) -> list[tuple[str, str | int]]:
    """What the file holds, as (label, value): the cover of the export."""
    rows: list[tuple[str, str | int]] = [
        ("ข้อมูลที่ส่งออก", export.title),
        ("ชนิด", export.kind),
        ("พื้นที่", export.area.label),
        ("ช่วงวันที่", range_text(export.start, export.end)),
        ("ส่งออกเมื่อ", moment_text(made_at)),
        ("ส่งออกโดย", made_by),
        ("จำนวนแถว", sum(count for _, count in per_sheet)),
    ]
    if len(per_sheet) > 1:
        rows.extend((f"จำนวนแถว: {title}", count) for title, count in per_sheet)
    rows.append(("หมายเหตุ", "วันที่ในไฟล์เป็นวันที่จริงของ Excel แสดงเป็น พ.ศ. "
                             f"(เช่น 7 {THAI_MONTHS_SHORT[4]} 2569) จึงเรียงและกรองได้"))
    return rows


def _write_meta(workbook: Any, formats: _Formats, export: Export, made_by: str,
                made_at: datetime, per_sheet: list[tuple[str, int]]) -> None:
    ws = workbook.add_worksheet(META_SHEET)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 60)
    for index, (label, value) in enumerate(meta_rows(export, made_by, made_at, per_sheet)):
        ws.write_string(index, 0, label, formats.label)
        if isinstance(value, int):
            ws.write_number(index, 1, value, formats.int)
        else:
            ws.write_string(index, 1, safe_text(value), formats.wrap)


# -- CSV ------------------------------------------------------------------------------------
def csv_paths(export: Export, path: str | Path) -> list[Path]:
    """Where each sheet goes: the first (main) sheet to ``path`` itself, each further sheet to
    ``STEM-<sheet title>.csv`` beside it (CSV has one table per file)."""
    target = Path(path)
    paths = [target]
    for sheet in export.sheets[1:]:
        name = _UNSAFE_FILE_CHARS.sub("_", sheet.title).strip("_") or "sheet"
        paths.append(target.with_name(f"{target.stem}-{name}{target.suffix or '.csv'}"))
    if len(set(paths)) != len(paths):
        raise ValueError("two sheets of the export would go to the same CSV file")
    return paths


def csv_value(column: Column, value: Any) -> str:
    """A cell as CSV text: dates ISO 8601 (yyyy-mm-dd, which every spreadsheet reads as a real
    date in any locale; a date-time with its offset, 2026-05-07T10:00:00+07:00), numbers plain
    (dot decimal, no thousands separator), text made safe."""
    if value is None:
        return ""
    if column.kind is Kind.DATETIME:
        return value.isoformat(timespec="seconds")
    if column.kind is Kind.DATE:
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if column.kind is Kind.MONEY:
        return f"{Decimal(value):.2f}"
    if column.kind in (Kind.INT, Kind.NUMBER):
        return str(value)
    return safe_text(str(value))


def write_csv(export: Export, path: str | Path, *, made_by: str, made_at: datetime,
              progress: Progress | None = None) -> int:
    """Write the export as CSV (UTF-8 with a BOM, so Excel reads the Thai; one header row per
    file; see csv_paths for an export of several sheets); return the data rows written.

    An empty sheet is its header row alone: a note under it would be read as a data row by
    any program that loads the file. ``made_by``/``made_at`` are not in a CSV (it has no place
    for them; the audit trail keeps them)."""
    del made_by, made_at
    counter = _Counter(progress)
    for sheet, target in zip(export.sheets, csv_paths(export, path), strict=True):
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([safe_text(c.header) for c in sheet.columns])
            columns = sheet.columns
            for row in _checked(sheet, iter(sheet.rows)):
                writer.writerow([csv_value(c, v) for c, v in zip(columns, row, strict=True)])
                counter.tick()
    return counter.done()


WRITERS: dict[str, Callable[..., int]] = {"xlsx": write_xlsx, "csv": write_csv}
