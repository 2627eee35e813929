"""The months of an export's range and how queries put rows in them, the same on SQLite and
PostgreSQL: month boundaries are computed here, in Python, and a row's month is a CASE over
them (an index 0..n-1 into ``periods(start, end)``), so no date function of either database is
needed. Stored instants (UTC) are bucketed by the users' local calendar (Asia/Bangkok): a case
closed at 20:00 UTC on 31 May is a June case.

A month only partly inside the range counts only its days within the range (a ``Period``'s
``first`` and ``last``); the sheets say so beside each month (``Period.label``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import case
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..thai_dates import BUDDHIST_ERA_OFFSET, THAI_MONTHS_SHORT

WHOLE_MONTH = "ทั้งเดือน"


@dataclass(frozen=True)
class Period:
    month: date    # the calendar month, as its first day
    first: date    # the first day counted: the month's first, or the range's start
    last: date     # the last day counted: the month's last, or the range's end

    @property
    def whole(self) -> bool:
        return self.first == self.month and self.last == month_end(self.month)

    @property
    def label(self) -> str:
        """'ทั้งเดือน', or the days counted: '7–31 พ.ค. 2569' (one day: '7 พ.ค. 2569')."""
        if self.whole:
            return WHOLE_MONTH
        month = f"{THAI_MONTHS_SHORT[self.month.month - 1]} {self.month.year + BUDDHIST_ERA_OFFSET}"
        days = (str(self.first.day) if self.first == self.last
                else f"{self.first.day}–{self.last.day}")
        return f"{days} {month}"


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def periods(start: date, end: date) -> list[Period]:
    """Every month overlapping [start, end] (inclusive), oldest first; none when end < start."""
    found: list[Period] = []
    if end < start:
        return found
    month = start.replace(day=1)
    while month <= end:
        last = month_end(month)
        found.append(Period(month=month, first=max(start, month), last=min(end, last)))
        month = last + timedelta(days=1)
    return found


def midnight(day: date, tz: tzinfo) -> datetime:
    """The instant (UTC) a local calendar day begins."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def day_bucket(column, spans: Sequence[Period]) -> ColumnElement[int]:
    """The index of the period a date column falls in. Rows outside [first of the first period,
    last of the last] must be filtered out by the query (they would get the last index or
    NULL)."""
    return case(*[(column <= p.last, index) for index, p in enumerate(spans)])


def moment_bucket(column, spans: Sequence[Period], tz: tzinfo) -> ColumnElement[int]:
    """The index of the period a stored instant falls in, by the local calendar. The bounds are
    compared through the column's own type (UTCDateTime stores naive UTC on SQLite)."""
    return case(*[(column < midnight(p.last + timedelta(days=1), tz), index)
                  for index, p in enumerate(spans)])


def moment_range(spans: Sequence[Period], tz: tzinfo) -> tuple[datetime, datetime]:
    """[from, to) in UTC covering the periods' local days."""
    return midnight(spans[0].first, tz), midnight(spans[-1].last + timedelta(days=1), tz)


def code_order(session: Session, column):
    """The column for ORDER BY in code-point order, the order Python compares strings in (two
    ordered streams are merged in Python): PostgreSQL's "C" collation; SQLite's default
    (BINARY) already is."""
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column
