"""Dates and months as people type them (plain functions, no database)."""
from __future__ import annotations

from datetime import date

import pytest

from handlers.plans import parse_typed_month
from handlers.thai_dates import (
    THAI_MONTHS_FULL,
    THAI_MONTHS_SHORT,
    format_thai_date,
    month_number,
    parse_typed_date,
)

TODAY = date(2026, 5, 7)


@pytest.mark.parametrize("typed", [
    "7/5/2569", "๗/๕/๒๕๖๙", "7-5-2026", "7.5.2569", "7/5/69", "07/05/2569",
    "7 พ.ค. 2569", "7 พ.ค. 69", "7 พค 2569", "7 พค 69", "7 พฤษภาคม 2569", "๗ พฤษภาคม ๒๕๖๙",
    "7พ.ค.2569", "  7   พ. ค.   2569  ", " 7 / 5 / 2569 ",
])
def test_dates_with_a_year(typed):
    assert parse_typed_date(typed) == date(2026, 5, 7)
    assert parse_typed_date(typed, today=date(2030, 1, 1)) == date(2026, 5, 7)


@pytest.mark.parametrize("typed, expected", [
    ("1 ธ.ค. 69", date(2026, 12, 1)),
    ("1 ธค 2569", date(2026, 12, 1)),
    ("1 ธันวาคม 2569", date(2026, 12, 1)),
    ("1 ธ.ค. 2026", date(2026, 12, 1)),
    ("29 ก.พ. 2567", date(2024, 2, 29)),
    ("15 มีค 68", date(2025, 3, 15)),
])
def test_month_words(typed, expected):
    assert parse_typed_date(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("1 ธ.ค.", date(2026, 12, 1)),
    ("1 ธค", date(2026, 12, 1)),
    ("1 ธันวาคม", date(2026, 12, 1)),
    ("๑ ธันวาคม", date(2026, 12, 1)),
    ("1/12", date(2026, 12, 1)),
    ("๑/๑๒", date(2026, 12, 1)),
    ("3-1", date(2026, 1, 3)),
    (" 7 / 5 ", date(2026, 5, 7)),
])
def test_no_year_means_this_year(typed, expected):
    assert parse_typed_date(typed, today=TODAY) == expected


@pytest.mark.parametrize("typed", ["1 ธ.ค.", "1/12", "1 ธันวาคม"])
def test_no_year_and_no_today_is_not_a_date(typed):
    assert parse_typed_date(typed) is None


@pytest.mark.parametrize("typed", [
    "31/2/2569", "30 ก.พ. 2569", "29/2/2569", "31 เม.ย.", "0/5/2569", "7/13/2569",
    "7/5/256", "7 พ.ค. 256", "7 มีนา 2569", "7 ธ.ค.ค. 2569", "พ.ค. 2569", "2569",
    "", "   ", "เมื่อวาน", "abc", "7//5/2569", "7/5/2569/1",
])
def test_not_dates(typed):
    assert parse_typed_date(typed, today=TODAY) is None


def test_two_digit_years_are_buddhist_era():
    assert parse_typed_date("1/1/00") == date(1957, 1, 1)      # 2500
    assert parse_typed_date("1/1/99") == date(2056, 1, 1)      # 2599


def test_every_month_in_every_spelling():
    for number, (short, full) in enumerate(zip(THAI_MONTHS_SHORT, THAI_MONTHS_FULL,
                                               strict=True), start=1):
        for word in (short, short.replace(".", ""), full):
            assert month_number(word) == number
            assert parse_typed_date(f"1 {word} 2569") == date(2026, number, 1)
    assert month_number("ธันวา") is None


def test_typed_dates_read_back_as_formatted():
    for day in (date(2026, 1, 1), date(2026, 12, 31), date(2024, 2, 29)):
        assert parse_typed_date(format_thai_date(day)) == day


@pytest.mark.parametrize("typed", [
    "พ.ค. 2569", "พค 2569", "พฤษภาคม 2569", "พ. ค. 69", "5/2569", "๕/๒๕๖๙", "5/69", "5/2026",
    "7/5/2569", "7 พค 2569",
])
def test_months(typed):
    assert parse_typed_month(typed) == date(2026, 5, 1)


@pytest.mark.parametrize("typed", ["13/2569", "พ.ค.", "มีนา 2569", "5/256", "abc"])
def test_not_months(typed):
    assert parse_typed_month(typed) is None


# -- due dates as cards show them (handlers/conversations/views/households.due_field) ----------
@pytest.mark.parametrize("due, visited, shown", [
    (date(2026, 5, 7), True, "7 พ.ค. 2569 (วันนี้)"),
    (date(2026, 5, 9), True, "9 พ.ค. 2569 (อีก 2 วัน)"),
    (date(2026, 5, 1), True, "1 พ.ค. 2569 (เลยกำหนด 6 วัน)"),
    (date(2026, 6, 1), True, "1 มิ.ย. 2569"),
    (date(2026, 5, 7), False, "ควรเยี่ยมครั้งแรกภายใน 7 พ.ค. 2569 (วันนี้)"),
    (date(2026, 5, 21), False, "ควรเยี่ยมครั้งแรกภายใน 21 พ.ค. 2569"),
    (date(2026, 4, 21), False, "ควรเยี่ยมครั้งแรกภายใน 21 เม.ย. 2569 (เลยกำหนด 16 วัน)"),
])
def test_due_field(due, visited, shown):
    from types import SimpleNamespace

    from handlers.conversations.views.households import due_field
    household = SimpleNamespace(next_visit_due=due,
                                last_visit_on=date(2026, 4, 1) if visited else None)
    assert due_field(household, TODAY).value == shown
