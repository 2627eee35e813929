"""Dates as Thai users read them: Buddhist Era years and Thai month abbreviations."""
from __future__ import annotations

from datetime import date, datetime, tzinfo

THAI_MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                     "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
BUDDHIST_ERA_OFFSET = 543


def format_thai_date(day: date) -> str:
    """date(2026, 5, 7) -> '7 พ.ค. 2569'."""
    return f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"


def to_local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar day a UTC instant falls on where the user is (Asia/Bangkok is UTC+7,
    so 20:00 UTC is already the next day there)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: expected timezone-aware UTC")
    return moment.astimezone(tz).date()
