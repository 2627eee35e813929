"""The month's figures of an area (สรุปรายเดือน): this month so far against the same days of last
month. Assistance (records, households helped, value; by dimension; by agency), cases opened
and closed, visits and households visited. Five aggregate queries whatever the size of the area,
each an index range on the area and the dates (assistance_records carries its household's area;
cases too; visits are reached through the district's households)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from models import AssistanceRecord, Case, Household, Visit
from models.dimensions import DIMENSIONS

from .assistance import MENTOR_WORDS

TOP_AGENCIES = 5
N = TypeVar("N", int, Decimal)


@dataclass(frozen=True)
class Period:
    """Calendar days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Pair(Generic[N]):
    """A figure this month, and over the same days of last month."""

    this: N
    last: N


@dataclass(frozen=True)
class AgencyFigures:
    name: str           # the unit's short name, a name typed under อื่น ๆ, or MENTOR_WORDS
    records: Pair[int]


@dataclass(frozen=True)
class MonthlyFigures:
    this: Period        # the 1st of this month to today
    last: Period        # the same days of last month (to its last day if it is shorter)
    records: Pair[int]
    households_helped: Pair[int]
    value_baht: Pair[Decimal]
    by_dimension: tuple[tuple[str, Pair[int]], ...]   # every dimension, in DIMENSIONS order
    top_agencies: tuple[AgencyFigures, ...]           # most records this month first, at most 5
    cases_opened: Pair[int]
    cases_closed: Pair[int]
    visits: Pair[int]
    households_visited: Pair[int]


def periods(today: date) -> tuple[Period, Period]:
    """This month so far, and the same days of last month: on 7 May, 1-7 May and 1-7 April;
    on 31 May, 1-31 May and 1-30 April (April has no 31st)."""
    this = Period(today.replace(day=1), today)
    last_end_of_month = this.start - timedelta(days=1)
    last_start = last_end_of_month.replace(day=1)
    return this, Period(last_start, min(last_start + timedelta(days=today.day - 1),
                                        last_end_of_month))


def monthly_figures(session: Session, province: str, district: str | None, today: date,
                    tz: ZoneInfo) -> MonthlyFigures:
    """The figures of a district (or of the whole province when ``district`` is None); ``today``
    is the local day, and ``tz`` the zone whose midnights bound the days of the cases (their
    times are stored in UTC)."""
    this, last = periods(today)
    return MonthlyFigures(
        this=this, last=last,
        **_assistance_totals(session, province, district, this, last),
        by_dimension=_by_dimension(session, province, district, this, last),
        top_agencies=_top_agencies(session, province, district, this, last),
        **_cases(session, province, district, this, last, tz),
        **_visits(session, province, district, this, last))


def _area(model, province: str, district: str | None) -> list:
    conditions = [model.province == province]
    if district is not None:
        conditions.append(model.district == district)
    return conditions


def _within(column, period: Period):
    return and_(column >= period.start, column <= period.end)


def _count_in(column, period: Period):
    return func.coalesce(func.sum(case((_within(column, period), 1), else_=0)), 0)


def _assistance_scope(province: str, district: str | None, this: Period, last: Period) -> list:
    # One index range (ix_assistance_records_area_date) from last month's 1st to today.
    return [*_area(AssistanceRecord, province, district),
            AssistanceRecord.given_on >= last.start, AssistanceRecord.given_on <= this.end]


def _assistance_totals(session: Session, province: str, district: str | None, this: Period,
                       last: Period) -> dict:
    given_on, household = AssistanceRecord.given_on, AssistanceRecord.household_id

    def households(period: Period):
        return func.count(distinct(case((_within(given_on, period), household))))

    def value(period: Period):
        return func.sum(case((_within(given_on, period), AssistanceRecord.value_baht)))

    row = session.execute(
        select(_count_in(given_on, this), _count_in(given_on, last), households(this),
               households(last), value(this), value(last))
        .where(*_assistance_scope(province, district, this, last))).one()
    return {"records": Pair(int(row[0]), int(row[1])),
            "households_helped": Pair(int(row[2]), int(row[3])),
            "value_baht": Pair(Decimal(row[4] or 0), Decimal(row[5] or 0))}


def _by_dimension(session: Session, province: str, district: str | None, this: Period,
                  last: Period) -> tuple[tuple[str, Pair[int]], ...]:
    given_on = AssistanceRecord.given_on
    counted = {dimension: Pair(int(now), int(before)) for dimension, now, before in session.execute(
        select(AssistanceRecord.dimension, _count_in(given_on, this), _count_in(given_on, last))
        .where(*_assistance_scope(province, district, this, last))
        .group_by(AssistanceRecord.dimension))}
    return tuple((code, counted.get(code, Pair(0, 0))) for code in DIMENSIONS)


def _top_agencies(session: Session, province: str, district: str | None, this: Period,
                  last: Period) -> tuple[AgencyFigures, ...]:
    """Who gave the help: a unit of the list (by its id, whatever its name became), a name typed
    under อื่น ๆ (as typed), or the mentor themself."""
    given_on = AssistanceRecord.given_on
    typed = case((AssistanceRecord.agency_id.is_(None), AssistanceRecord.agency_name))
    now, before = _count_in(given_on, this), _count_in(given_on, last)
    rows = session.execute(
        select(AssistanceRecord.by_mentor, func.max(AssistanceRecord.agency_name), now, before)
        .where(*_assistance_scope(province, district, this, last))
        .group_by(AssistanceRecord.by_mentor, AssistanceRecord.agency_id, typed)
        .having(now > 0)
        .order_by(now.desc(), before.desc(), func.max(AssistanceRecord.agency_name))
        .limit(TOP_AGENCIES)).all()
    return tuple(AgencyFigures(MENTOR_WORDS if by_mentor else (name or "-"),
                               Pair(int(count_now), int(count_before)))
                 for by_mentor, name, count_now, count_before in rows)


def _bounds_utc(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's first local midnight and the midnight after its last day, in UTC."""
    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    return midnight(period.start), midnight(period.end + timedelta(days=1))


def _cases(session: Session, province: str, district: str | None, this: Period, last: Period,
           tz: ZoneInfo) -> dict:
    (this_from, this_to), (last_from, last_to) = _bounds_utc(this, tz), _bounds_utc(last, tz)

    def counted(column, start: datetime, end: datetime):
        return func.coalesce(func.sum(case(((column >= start) & (column < end), 1), else_=0)), 0)

    row = session.execute(
        select(counted(Case.created_at, this_from, this_to),
               counted(Case.created_at, last_from, last_to),
               counted(Case.closed_at, this_from, this_to),
               counted(Case.closed_at, last_from, last_to))
        .where(*_area(Case, province, district),
               or_(Case.created_at >= last_from, Case.closed_at >= last_from))).one()
    return {"cases_opened": Pair(int(row[0]), int(row[1])),
            "cases_closed": Pair(int(row[2]), int(row[3]))}


def _visits(session: Session, province: str, district: str | None, this: Period,
            last: Period) -> dict:
    visited_on, household = Visit.visited_on, Visit.household_id

    def households(period: Period):
        return func.count(distinct(case((_within(visited_on, period), household))))

    # Every visit made in the period, whether or not the household is still in the programme.
    row = session.execute(
        select(_count_in(visited_on, this), _count_in(visited_on, last), households(this),
               households(last))
        .select_from(Visit).join(Household, Household.id == Visit.household_id)
        .where(*_area(Household, province, district),
               visited_on >= last.start, visited_on <= this.end)).one()
    return {"visits": Pair(int(row[0]), int(row[1])),
            "households_visited": Pair(int(row[2]), int(row[3]))}
