"""Dates as Thai users read them: Buddhist Era years and Thai month abbreviations."""
from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from .thai_text import clean

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


def format_thai_month(day: date) -> str:
    """date(2026, 4, 1) -> 'เม.ย. 2569'."""
    return f"{THAI_MONTHS_SHORT[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"


def parse_typed_date(text: str) -> date | None:
    """'7/5/2569', '๗/๕/๒๕๖๙', '7-5-2026' or '7 พ.ค. 2569' -> date; None if not a date.

    Years above 2400 are Buddhist Era. Two-digit years are BE (69 -> 2569), as Thai people
    write them.
    """
    typed = clean(text)
    match = re.fullmatch(r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{2,4})", typed)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})\s*(\S+?)\s*(\d{2,4})", typed)
        if not match or match.group(2) not in THAI_MONTHS_SHORT:
            return None
        day, month, year = (int(match.group(1)), THAI_MONTHS_SHORT.index(match.group(2)) + 1,
                            int(match.group(3)))
    if year < 100:
        year += 2500
    if year > 2400:
        year -= BUDDHIST_ERA_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        return None
