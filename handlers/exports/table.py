"""What an export is, independent of its file format: named sheets of typed columns and rows
produced lazily (a national export is a million rows; nothing holds them all)."""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date


class Kind(str, enum.Enum):
    """How a column's values are written: XLSX gives each its own cell type and format."""

    TEXT = "text"
    DATE = "date"        # a datetime.date, shown in พ.ศ. (d mmm yyyy) but sortable
    DATETIME = "datetime"  # a datetime in the users' zone, shown in พ.ศ. with the time
    INT = "int"
    MONEY = "money"      # Decimal baht, two places
    NUMBER = "number"    # float or Decimal (e.g. a median of days)


@dataclass(frozen=True)
class Column:
    header: str           # Thai, as district staff read it
    kind: Kind = Kind.TEXT
    width: int = 14       # characters, for the XLSX column


# The household as the Logbook is keyed in: house code, address, head. Exports about
# households start with these, in this order.
HOUSEHOLD_COLUMNS = (
    Column("รหัสประจำบ้าน", width=14),
    Column("บ้านเลขที่", width=10),
    Column("หมู่ที่", width=7),
    Column("หมู่บ้าน", width=16),
    Column("ตำบล", width=14),
    Column("อำเภอ", width=14),
    Column("จังหวัด", width=12),
    Column("ชื่อหัวหน้าครัวเรือน", width=24),
)


@dataclass
class Sheet:
    title: str                        # the sheet's name (31 characters at most in XLSX)
    columns: tuple[Column, ...]
    rows: Iterable[tuple]             # each as long as columns; None is an empty cell
    empty_note: str = "ไม่มีข้อมูลในช่วงที่เลือก"   # written under the headers when no row came


@dataclass(frozen=True)
class Area:
    """What an export covers: one district, or a whole province."""

    province: str
    district: str | None = None

    @property
    def label(self) -> str:
        return f"อำเภอ{self.district} จังหวัด{self.province}" if self.district else (
            f"จังหวัด{self.province}")


@dataclass
class Export:
    kind: str                          # logbook / monthly / plans / mentors
    title: str                         # Thai, for the cover sheet
    area: Area
    start: date
    end: date                          # inclusive
    sheets: list[Sheet] = field(default_factory=list)
