"""Dates as Thai users read them: Buddhist Era years and Thai month abbreviations."""
from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from .thai_text import clean

THAI_MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                     "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
THAI_MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
                    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
BUDDHIST_ERA_OFFSET = 543

# Every way a month is written -> its number, keyed without dots or spaces, so 'ธ.ค.', 'ธค',
# 'ธ. ค.' and 'ธันวาคม' all find December.
_MONTH_WORDS = {name.replace(".", ""): number
                for names in (THAI_MONTHS_SHORT, THAI_MONTHS_FULL)
                for number, name in enumerate(names, start=1)}
_MONTH_WORD_NOISE = str.maketrans("", "", ". ")
# '7/5/2569', '7-5-69', '7.5.2026', or '1/12' (this year).
_NUMERIC_DATE = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{4}|\d{2}))?")
# '7 พ.ค. 2569', '1 ธค 69', '1 ธันวาคม 2569', or '1 ธ.ค.' (this year).
_WORDED_DATE = re.compile(r"(\d{1,2})\s*(\D+?)\s*(\d{4}|\d{2})?")


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


def month_number(word: str) -> int | None:
    """'ธ.ค.', 'ธค', 'ธันวาคม' -> 12; None if it is not a Thai month."""
    return _MONTH_WORDS.get(word.translate(_MONTH_WORD_NOISE))


def typed_year(typed: str) -> int:
    """A typed year as CE: above 2400 is Buddhist Era, two digits are Buddhist Era too
    (69 -> 2569 -> 2026), as Thai people write them; anything else is CE."""
    year = int(typed)
    if year < 100:
        year += 2500
    if year > 2400:
        year -= BUDDHIST_ERA_OFFSET
    return year


def parse_typed_date(text: str, *, today: date | None = None) -> date | None:
    """A date as people type it -> date; None if it is not a date.

    '7/5/2569', '๗/๕/๒๕๖๙', '7-5-2026', '7 พ.ค. 2569', '1 ธ.ค. 69', '1 ธค 2569',
    '1 ธันวาคม 2569'. Without a year ('1/12', '1 ธ.ค.', '1 ธันวาคม') it is a day of today's
    year, so `today` (the caller's clock) is needed; without it such text is not a date.
    """
    typed = clean(text)
    numeric, worded = _NUMERIC_DATE.fullmatch(typed), _WORDED_DATE.fullmatch(typed)
    month: int | None
    if numeric:
        day, month, year_text = int(numeric.group(1)), int(numeric.group(2)), numeric.group(3)
    elif worded:
        day, month, year_text = int(worded.group(1)), month_number(worded.group(2)), worded.group(3)
    else:
        return None
    year = typed_year(year_text) if year_text else (today.year if today else None)
    if month is None or year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
