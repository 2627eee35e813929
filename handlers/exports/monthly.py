"""`monthly`: the figures the province and NESDC read, for each month of the range (a month only
partly inside the range counts only its days within it: the ``ช่วงที่นับ`` column says which).

1. ``ความช่วยเหลือรายหน่วยงาน``: by month, district and the agency that gave the help (its short
   name as recorded; ``พี่เลี้ยง (ช่วยเอง)`` for the mentor; a typed name as typed): households
   helped (distinct), assistance records, total value. A record counts in the month of its
   given_on; its district is the one copied onto it when recorded.
2. ``เรื่องส่งต่อรายหน่วยงาน``: by month, district and the case's agency (the agency it was
   last referred to, else the one the mentor suggested): cases opened, acknowledged, referred,
   closed (and closed as helped) in the month, each case once per column, from the case trail
   (case_events, local time); the median of calendar days from opened to closed over the cases
   closed in the month.
3. ``สรุปรายอำเภอ``: by month and district: households in the programme (on the roll before
   the period's last day ended, not left before its first day), households visited and visits
   (visit dates in the period), households overdue on the period's last day D (still in the
   programme then, and the visit date due at D was before D: the one set by the latest visit
   on or before D; before any visit, the first-visit date, ``first_visit_days`` after the
   assignment in force at D), households that left the programme in the period (confirmed by
   the district) by reason, and level moves up or down the ladder อยู่รอด < พอเพียง < ยั่งยืน
   (the first level set is no move).

Every figure is a GROUP BY in the database, the same SQL on SQLite and PostgreSQL: months are
computed in Python and a row's month is a CASE over their bounds (handlers/exports/periods.py);
the overdue count is one query per month (a correlated look-up of each household's latest
visit, from the (household, date) index). Medians are computed in Python over a stream of the
closed cases ordered by group, one group in memory at a time.
"""
from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy import and_, case, distinct, exists, func, or_, select
from sqlalchemy.orm import Session

from models import (
    Assignment,
    AssistanceRecord,
    Case,
    CaseClosure,
    CaseEvent,
    CaseStatus,
    ExitReason,
    GoalLevel,
    GoalLevelChange,
    Household,
    HouseholdExit,
    Visit,
)

from ..assistance import MENTOR_WORDS
from ..household_exits import REASON_WORDS
from .days import BANGKOK, local_day
from .periods import (
    Period,
    day_bucket,
    midnight,
    moment_bucket,
    moment_range,
    periods,
)
from .table import Area, Column, Export, Kind, Sheet

YIELD_PER = 2000
FIRST_VISIT_DAYS = 14     # the default of the FIRST_VISIT_DAYS setting
NO_AGENCY = "ไม่ระบุหน่วยงาน"
LADDER = {GoalLevel.SURVIVE: 1, GoalLevel.SUFFICIENT: 2, GoalLevel.SUSTAINABLE: 3}
EXIT_ORDER = (ExitReason.GRADUATED, ExitReason.MOVED, ExitReason.DIED, ExitReason.OTHER)

ASSISTANCE_TITLE = "ความช่วยเหลือรายหน่วยงาน"
CASES_TITLE = "เรื่องส่งต่อรายหน่วยงาน"
DISTRICTS_TITLE = "สรุปรายอำเภอ"

_MONTH_COLUMNS = (Column("เดือน", Kind.DATE, width=13), Column("ช่วงที่นับ", width=16),
                  Column("อำเภอ", width=14))
ASSISTANCE_COLUMNS = (
    *_MONTH_COLUMNS,
    Column("หน่วยงาน", width=28),
    Column("ครัวเรือนที่ได้รับความช่วยเหลือ", Kind.INT, width=16),
    Column("จำนวนครั้งที่ช่วยเหลือ", Kind.INT, width=14),
    Column("มูลค่ารวม (บาท)", Kind.MONEY, width=16),
)
CASE_COLUMNS = (
    *_MONTH_COLUMNS,
    Column("หน่วยงาน", width=28),
    Column("เรื่องใหม่", Kind.INT, width=10),
    Column("รับเรื่อง", Kind.INT, width=10),
    Column("ส่งต่อหน่วยงาน", Kind.INT, width=12),
    Column("ปิดเรื่อง", Kind.INT, width=10),
    Column("ปิดเรื่อง: ได้รับความช่วยเหลือ", Kind.INT, width=14),
    Column("มัธยฐานจำนวนวันจนปิดเรื่อง", Kind.NUMBER, width=14),
)
DISTRICT_COLUMNS = (
    *_MONTH_COLUMNS,
    Column("ครัวเรือนในโครงการ", Kind.INT, width=12),
    Column("ครัวเรือนที่ได้รับการเยี่ยม", Kind.INT, width=12),
    Column("จำนวนการเยี่ยม", Kind.INT, width=10),
    Column("เลยกำหนดเยี่ยม ณ วันสุดท้าย", Kind.INT, width=14),
    *(Column(f"ออกจากโครงการ: {REASON_WORDS[reason]}", Kind.INT, width=14)
      for reason in EXIT_ORDER),
    Column("ระดับสูงขึ้น", Kind.INT, width=10),
    Column("ระดับลดลง", Kind.INT, width=10),
)
def _month(spans: Sequence[Period], index: int) -> tuple[date, str]:
    period = spans[index]
    return period.month, period.label


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# -- 1. assistance by agency -----------------------------------------------------------------
def _assistance_query(area: Area, spans: Sequence[Period]):
    scope = [AssistanceRecord.province == area.province,
             AssistanceRecord.given_on >= spans[0].first,
             AssistanceRecord.given_on <= spans[-1].last]
    if area.district is not None:
        scope.append(AssistanceRecord.district == area.district)
    giver = case((AssistanceRecord.by_mentor.is_(True), MENTOR_WORDS),
                 else_=func.coalesce(AssistanceRecord.agency_name, NO_AGENCY))
    given = (select(day_bucket(AssistanceRecord.given_on, spans).label("bucket"),
                    AssistanceRecord.district, giver.label("agency"),
                    AssistanceRecord.household_id, AssistanceRecord.value_baht)
             .where(*scope).subquery("given"))
    return (select(given.c.bucket, given.c.district, given.c.agency,
                   func.count(distinct(given.c.household_id)).label("households"),
                   func.count().label("records"), func.sum(given.c.value_baht).label("value"))
            .group_by(given.c.bucket, given.c.district, given.c.agency)
            .order_by(given.c.bucket, given.c.district, given.c.agency)
            .execution_options(yield_per=YIELD_PER))


def assistance_rows(session: Session, area: Area, spans: Sequence[Period]) -> Iterator[tuple]:
    if not spans:
        return
    for r in session.execute(_assistance_query(area, spans)):
        yield (*_month(spans, r.bucket), r.district, r.agency, int(r.households),
               int(r.records), _money(r.value))


# -- 2. cases by agency ----------------------------------------------------------------------
def _case_events(area: Area, spans: Sequence[Period], tz: tzinfo, *columns, where=()):
    """The case trail's events of the range, with their month, district and agency."""
    lo, hi = moment_range(spans, tz)
    scope = [Case.province == area.province, CaseEvent.at >= lo, CaseEvent.at < hi, *where]
    if area.district is not None:
        scope.append(Case.district == area.district)
    agency = func.coalesce(Case.referred_agency, Case.suggested_agency, NO_AGENCY)
    return (select(moment_bucket(CaseEvent.at, spans, tz).label("bucket"), Case.district,
                   agency.label("agency"), *columns)
            .select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
            .where(*scope).subquery("trail"))


def _cases_query(area: Area, spans: Sequence[Period], tz: tzinfo):
    trail = _case_events(area, spans, tz, CaseEvent.case_id, CaseEvent.action, Case.closure)

    def cases(*when):
        return func.count(distinct(case((and_(*when), trail.c.case_id))))

    closed = trail.c.action == CaseStatus.CLOSED
    return (select(trail.c.bucket, trail.c.district, trail.c.agency,
                   cases(trail.c.action == CaseStatus.OPEN).label("opened"),
                   cases(trail.c.action == CaseStatus.ACKNOWLEDGED).label("acknowledged"),
                   cases(trail.c.action == CaseStatus.REFERRED).label("referred"),
                   cases(closed).label("closed"),
                   cases(closed, trail.c.closure == CaseClosure.HELPED).label("helped"))
            .group_by(trail.c.bucket, trail.c.district, trail.c.agency)
            .order_by(trail.c.bucket, trail.c.district, trail.c.agency)
            .execution_options(yield_per=YIELD_PER))


def _closings_query(area: Area, spans: Sequence[Period], tz: tzinfo):
    """Each case closing of the range with when its case was opened, in the order of
    _cases_query's groups (the same expressions, ordered the same way)."""
    trail = _case_events(area, spans, tz, Case.created_at.label("opened_at"),
                         CaseEvent.at.label("closed_at"),
                         where=(CaseEvent.action == CaseStatus.CLOSED,))
    return (select(trail.c.bucket, trail.c.district, trail.c.agency, trail.c.opened_at,
                   trail.c.closed_at)
            .order_by(trail.c.bucket, trail.c.district, trail.c.agency)
            .execution_options(yield_per=YIELD_PER))


def median_days(days: list[int]) -> float:
    return round(float(statistics.median(days)), 1)


def case_rows(session: Session, area: Area, spans: Sequence[Period],
              tz: tzinfo) -> Iterator[tuple]:
    """The counts per group, each with the median of its closings. The closings come grouped
    in the same order as the groups that have any, so they are taken in step: one group's
    days in memory at a time."""
    if not spans:
        return
    closings = groupby(session.execute(_closings_query(area, spans, tz)),
                       key=lambda r: (r.bucket, r.district, r.agency))
    for r in session.execute(_cases_query(area, spans, tz)):
        median = None
        if r.closed:
            key, group = next(closings, (None, iter(())))
            if key != (r.bucket, r.district, r.agency):
                raise RuntimeError("monthly: the closings came out of the groups' order")
            days = []
            for c in group:
                opened, closed = local_day(c.opened_at, tz), local_day(c.closed_at, tz)
                if opened is not None and closed is not None:
                    days.append((closed - opened).days)
            median = median_days(days) if days else None
        yield (*_month(spans, r.bucket), r.district, r.agency, int(r.opened),
               int(r.acknowledged), int(r.referred), int(r.closed), int(r.helped), median)


# -- 3. districts ----------------------------------------------------------------------------
HOUSEHOLDS, VISITED, VISITS, OVERDUE = 0, 1, 2, 3
EXITS = {reason: 4 + i for i, reason in enumerate(EXIT_ORDER)}
UP, DOWN = 8, 9
_FIGURES = 10


def _area_filter(area: Area) -> list:
    found = [Household.province == area.province]
    if area.district is not None:
        found.append(Household.district == area.district)
    return found


def _roll_query(area: Area, period: Period, tz: tzinfo, first_visit_days: int):
    """Per district: households in the programme in the period, and overdue on its last day."""
    day = period.last
    day_over = midnight(day + timedelta(days=1), tz)
    on_roll = Household.created_at < day_over
    in_programme = and_(on_roll, or_(Household.left_on.is_(None),
                                     Household.left_on >= period.first))
    still_in = and_(on_roll, or_(Household.left_on.is_(None), Household.left_on > day))
    latest_due = (select(Visit.next_visit_due)
                  .where(Visit.household_id == Household.id, Visit.visited_on <= day)
                  .order_by(Visit.visited_on.desc(), Visit.id.desc())
                  .limit(1).correlate(Household).scalar_subquery())
    # No visit by D, visited since: the first visit was due first_visit_days after the
    # assignment in force at D.
    first_due_passed = exists(
        select(Assignment.id)
        .where(Assignment.household_id == Household.id,
               Assignment.assigned_at < midnight(day - timedelta(days=first_visit_days), tz),
               or_(Assignment.ended_at.is_(None), Assignment.ended_at >= day_over))
        .correlate(Household))
    due_passed = func.coalesce(
        latest_due < day,
        case((Household.last_visit_on.is_(None), Household.next_visit_due < day),
             else_=first_due_passed))
    return (select(Household.district,
                   func.sum(case((in_programme, 1), else_=0)).label("households"),
                   func.sum(case((and_(still_in, due_passed), 1), else_=0)).label("overdue"))
            .where(*_area_filter(area))
            .group_by(Household.district))


def _visits_query(area: Area, spans: Sequence[Period]):
    visits = (select(day_bucket(Visit.visited_on, spans).label("bucket"), Household.district,
                     Visit.household_id)
              .join(Household, Household.id == Visit.household_id)
              .where(*_area_filter(area), Visit.visited_on >= spans[0].first,
                     Visit.visited_on <= spans[-1].last)
              .subquery("visits_in_range"))
    return (select(visits.c.bucket, visits.c.district,
                   func.count(distinct(visits.c.household_id)).label("households"),
                   func.count().label("visits"))
            .group_by(visits.c.bucket, visits.c.district))


def _exits_query(area: Area, spans: Sequence[Period], tz: tzinfo):
    lo, hi = moment_range(spans, tz)
    left = (select(moment_bucket(HouseholdExit.decided_at, spans, tz).label("bucket"),
                   Household.district, HouseholdExit.reason)
            .join(Household, Household.id == HouseholdExit.household_id)
            .where(*_area_filter(area), HouseholdExit.confirmed.is_(True),
                   HouseholdExit.decided_at >= lo, HouseholdExit.decided_at < hi)
            .subquery("left_programme"))
    return (select(left.c.bucket, left.c.district, left.c.reason, func.count().label("n"))
            .group_by(left.c.bucket, left.c.district, left.c.reason))


def _ladder(level):
    return case({value: rank for value, rank in LADDER.items()}, value=level, else_=0)


def _levels_query(area: Area, spans: Sequence[Period], tz: tzinfo):
    lo, hi = moment_range(spans, tz)
    moved = (select(moment_bucket(GoalLevelChange.changed_at, spans, tz).label("bucket"),
                    Household.district, _ladder(GoalLevelChange.from_level).label("before"),
                    _ladder(GoalLevelChange.to_level).label("after"))
             .join(Household, Household.id == GoalLevelChange.household_id)
             .where(*_area_filter(area), GoalLevelChange.from_level.is_not(None),
                    GoalLevelChange.changed_at >= lo, GoalLevelChange.changed_at < hi)
             .subquery("level_moves"))
    return (select(moved.c.bucket, moved.c.district,
                   func.sum(case((moved.c.after > moved.c.before, 1), else_=0)).label("up"),
                   func.sum(case((moved.c.after < moved.c.before, 1), else_=0)).label("down"))
            .group_by(moved.c.bucket, moved.c.district))


def district_figures(session: Session, area: Area, spans: Sequence[Period], tz: tzinfo,
                     first_visit_days: int) -> dict[tuple[int, str], list[int]]:
    """(period index, district) -> the sheet's figures. As many entries as months times the
    area's districts, whatever the number of households."""
    figures: dict[tuple[int, str], list[int]] = {}

    def add(index: int, district: str, position: int, value: Any) -> None:
        figures.setdefault((index, district), [0] * _FIGURES)[position] += int(value or 0)

    for index, period in enumerate(spans):
        for r in session.execute(_roll_query(area, period, tz, first_visit_days)):
            add(index, r.district, HOUSEHOLDS, r.households)
            add(index, r.district, OVERDUE, r.overdue)
    for r in session.execute(_visits_query(area, spans)):
        add(r.bucket, r.district, VISITED, r.households)
        add(r.bucket, r.district, VISITS, r.visits)
    for r in session.execute(_exits_query(area, spans, tz)):
        add(r.bucket, r.district, EXITS[r.reason], r.n)
    for r in session.execute(_levels_query(area, spans, tz)):
        add(r.bucket, r.district, UP, r.up)
        add(r.bucket, r.district, DOWN, r.down)
    return figures


def district_rows(session: Session, area: Area, spans: Sequence[Period], tz: tzinfo,
                  first_visit_days: int) -> Iterator[tuple]:
    if not spans:
        return
    figures = district_figures(session, area, spans, tz, first_visit_days)
    for (index, district), values in sorted(figures.items()):
        if any(values):
            yield (*_month(spans, index), district, *values)


# -- the export ------------------------------------------------------------------------------
def build(session: Session, area: Area, start: date, end: date, *, tz: tzinfo = BANGKOK,
          first_visit_days: int = FIRST_VISIT_DAYS) -> Export:
    spans = periods(start, end)
    note = "ไม่มีข้อมูลในช่วงที่เลือก"
    return Export(
        kind="monthly", title="สถิติรายเดือน: ความช่วยเหลือและเรื่องส่งต่อรายหน่วยงาน "
                              "และความก้าวหน้ารายอำเภอ",
        area=area, start=start, end=end,
        sheets=[
            Sheet(ASSISTANCE_TITLE, ASSISTANCE_COLUMNS,
                  assistance_rows(session, area, spans), empty_note=note),
            Sheet(CASES_TITLE, CASE_COLUMNS, case_rows(session, area, spans, tz),
                  empty_note=note),
            Sheet(DISTRICTS_TITLE, DISTRICT_COLUMNS,
                  district_rows(session, area, spans, tz, first_visit_days), empty_note=note),
        ])
