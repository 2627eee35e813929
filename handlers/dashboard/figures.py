"""What the dashboard pages show, counted by the database: the shared conditions and counts,
and a district at a glance (its mentors are in mentors.py, the province in province.py, the
household page in household_detail.py, the records in records.py). No Flask here: the web
layer renders them and turns a None (a mentor or household outside the session's area) into a
404.

Rules every figure follows:

- Counts of what a household is now (households, overdue, open cases, levels, dimensions
  still failing, mentors' households) leave out households that left the programme, which
  ``left`` counts. Counts of what happened in a month (visits, help given, cases opened and
  closed) keep them: a household that left this month, often because it no longer needs the
  help, was still helped and visited, and the figures agree with the monthly export's.
- "This month" is the 1st of ``today``'s month to ``today``; "last month" the whole previous
  calendar month (and, for the like-for-like comparison, its 1st to the same day). Stored
  instants (a case's opening and closing) are put on the users' local calendar (``tz``).
- A household is overdue when its due date is before today. Its due date is the one its latest
  visit set; a household with none (never visited, or just handed to a new mentor) is due
  ``first_visit_days`` after its current assignment began (local day): the date the clock's
  scheduler fills in (scheduler/due_dates.py), so the page does not wait for the clock.
- A mentor belongs to an area by their own record (``Person.province``/``district``, role
  MENTOR), as in the mentors export; their figures count their current assignments to
  households in the programme and in the area (a coordinator never sees, even as a count,
  another district's households).

Every function runs a fixed number of aggregate queries, whatever the size of the area.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import (
    Assignment,
    AssistanceRecord,
    Case,
    CaseStatus,
    DimensionPass,
    GoalLevel,
    Household,
    HouseholdDimension,
    HouseholdPlan,
    HouseholdStatus,
    Person,
    Role,
    Visit,
)
from models.dimensions import DIMENSIONS

from .. import dimension_passes
from ..assistance import MENTOR_WORDS
from ..conversations.views.plan import LEVEL_WORDS
from ..exports.access import thai_order
from ..exports.days import as_date, local_day
from ..exports.monthly import NO_AGENCY
from ..exports.table import Area
from ..monthly_figures import Period, periods
from .records import (
    Count,
    DistrictOverview,
    HelpRow,
    MentorRef,
)

NO_LEVEL = "ยังไม่กำหนดระดับ"
NO_SUBDISTRICT = "ไม่ระบุตำบล"
PROVINCE_TOTAL = "รวมทั้งจังหวัด"
LEVEL_ORDER = (GoalLevel.SURVIVE, GoalLevel.SUFFICIENT, GoalLevel.SUSTAINABLE)
# Open cases by days since they were opened: (label, the oldest age in the bucket).
CASE_AGES: tuple[tuple[str, int | None], ...] = (
    ("ไม่เกิน 7 วัน", 7), ("8–30 วัน", 30), ("31–90 วัน", 90), ("เกิน 90 วัน", None))


@dataclass(frozen=True)
class _Months:
    this: Period          # the 1st to today
    last: Period          # the whole previous month
    last_same: Period     # the previous month's 1st to the same day (or its last)


def _months(today: date) -> _Months:
    this, last_same = periods(today)
    return _Months(this, Period(last_same.start, this.start - timedelta(days=1)), last_same)


def _midnight(day: date, tz: tzinfo) -> datetime:
    """The instant (UTC) a local calendar day begins."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def _within(column, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column <= period.end)


def households_in(area: Area) -> list[ColumnElement[bool]]:
    found = [Household.province == area.province]
    if area.district is not None:
        found.append(Household.district == area.district)
    return found


def _copied_area(model, area: Area) -> list[ColumnElement[bool]]:
    """The area copied onto cases and assistance records (indexed with their dates)."""
    found = [model.province == area.province]
    if area.district is not None:
        found.append(model.district == area.district)
    return found


def mentors_of(area: Area) -> list[ColumnElement[bool]]:
    """The mentors of an area: by their own record, as the mentors export has them."""
    found = [Person.role == Role.MENTOR, Person.province == area.province]
    if area.district is not None:
        found.append(Person.district == area.district)
    return found


def _active() -> ColumnElement[bool]:
    return Household.status == HouseholdStatus.ACTIVE


def _current_assignment() -> ColumnElement[bool]:
    return and_(Assignment.household_id == Household.id, Assignment.ended_at.is_(None))


def _overdue(today: date, tz: tzinfo, first_visit_days: int) -> ColumnElement[bool]:
    """SQL: the household (with its current assignment joined) is in the programme and its
    effective due date is before today. With no due date stored, it is due first_visit_days
    after the assignment's local day: before today when the assignment began before the
    midnight first_visit_days before today."""
    first_due_by = _midnight(today - timedelta(days=first_visit_days), tz)
    return and_(_active(), or_(
        Household.next_visit_due < today,
        and_(Household.next_visit_due.is_(None), Assignment.assigned_at < first_due_by)))


def effective_due(next_visit_due: Any, assigned_at: Any, tz: tzinfo,
                  first_visit_days: int) -> date | None:
    """The date a household is due: the stored one, else (never visited, or just handed on)
    first_visit_days after its current assignment's local day; None without either."""
    due = as_date(next_visit_due)
    if due is not None:
        return due
    assigned = local_day(assigned_at, tz)
    return assigned + timedelta(days=first_visit_days) if assigned is not None else None


def days_late(due: date | None, today: date) -> int:
    return max(0, (today - due).days) if due is not None else 0


def whole_baht(value: Any) -> int:
    """A sum of baht as whole baht, half up (SQLite may give a float, PostgreSQL a Decimal)."""
    return int(Decimal(str(value or 0)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def level_word(level: GoalLevel | None) -> str:
    return LEVEL_WORDS[level] if level is not None else NO_LEVEL


def village_words(village_no: str | None, village_name: str | None) -> str:
    """'หมู่ 3 บ้านนาดี', as the household and case cards show the village."""
    return " ".join(filter(None, [f"หมู่ {village_no}" if village_no else "",
                                  village_name or ""]))


def giver_words(by_mentor: bool, agency_name: str | None) -> str:
    """Who gave the help, as the monthly figures name it (handlers/assistance.giver)."""
    return MENTOR_WORDS if by_mentor else (agency_name or NO_AGENCY)


def _pass_of_row() -> ColumnElement[bool]:
    return and_(DimensionPass.household_id == HouseholdDimension.household_id,
                DimensionPass.dimension == HouseholdDimension.dimension)


# -- counts by district (one row per district of the area) -------------------------------------
def _roll(session: Session, area: Area, key, today: date, tz: tzinfo,
          first_visit_days: int) -> dict[Any, tuple[int, int, int]]:
    """key (a Household column) -> (households in the programme, left, overdue)."""
    rows = session.execute(
        select(key,
               func.sum(case((_active(), 1), else_=0)),
               func.sum(case((Household.status == HouseholdStatus.LEFT, 1), else_=0)),
               func.sum(case((_overdue(today, tz, first_visit_days), 1), else_=0)))
        .select_from(Household).outerjoin(Assignment, _current_assignment())
        .where(*households_in(area)).group_by(key))
    return {k: (int(n or 0), int(left or 0), int(late or 0)) for k, n, left, late in rows}


def _visited(session: Session, area: Area, months: _Months) -> dict[str, tuple[int, int, int]]:
    """district -> distinct households visited (this month, last month, its same days)."""
    def households(period: Period):
        return func.count(distinct(case((_within(Visit.visited_on, period), Visit.household_id))))

    rows = session.execute(
        select(Household.district, households(months.this), households(months.last),
               households(months.last_same))
        .select_from(Visit).join(Household, Household.id == Visit.household_id)
        .where(*households_in(area), Visit.visited_on >= months.last.start,
               Visit.visited_on <= months.this.end)
        .group_by(Household.district))
    return {d: (int(a), int(b), int(c)) for d, a, b, c in rows}


def _open_cases(session: Session, area: Area, today: date,
                tz: tzinfo) -> dict[str, tuple[int, ...]]:
    """district -> open cases in each CASE_AGES bucket (days since opened, local calendar)."""
    buckets = []
    newer_than = None    # the lower bound of the previous (younger) bucket
    for _, oldest in CASE_AGES:
        since = _midnight(today - timedelta(days=oldest), tz) if oldest is not None else None
        conditions = []
        if since is not None:
            conditions.append(Case.created_at >= since)
        if newer_than is not None:
            conditions.append(Case.created_at < newer_than)
        buckets.append(func.sum(case((and_(*conditions), 1), else_=0)))
        newer_than = since
    rows = session.execute(
        select(Case.district, *buckets)
        .join(Household, Household.id == Case.household_id)
        .where(*_copied_area(Case, area), Case.status != CaseStatus.CLOSED, _active())
        .group_by(Case.district))
    return {r[0]: tuple(int(v or 0) for v in r[1:]) for r in rows}


def _assistance(session: Session, area: Area, period: Period) -> dict[str, tuple[int, int]]:
    """district -> (assistance records, whole baht) in the period."""
    rows = session.execute(
        select(AssistanceRecord.district, func.count(), func.sum(AssistanceRecord.value_baht))
        .where(*_copied_area(AssistanceRecord, area),
               _within(AssistanceRecord.given_on, period))
        .group_by(AssistanceRecord.district))
    return {d: (int(n), whole_baht(baht)) for d, n, baht in rows}


def _failing(session: Session, area: Area) -> dict[str, int]:
    """district -> households in the programme with a roster dimension still failing."""
    rows = session.execute(
        select(Household.district, func.count(distinct(HouseholdDimension.household_id)))
        .select_from(HouseholdDimension)
        .join(Household, Household.id == HouseholdDimension.household_id)
        .outerjoin(DimensionPass, _pass_of_row())
        .where(*households_in(area), _active(), DimensionPass.household_id.is_(None))
        .group_by(Household.district))
    return {d: int(n) for d, n in rows}


def _unregistered(session: Session, area: Area) -> dict[str, int]:
    """district -> mentors of it with a current household of it and no LINE user id."""
    rows = session.execute(
        select(Person.district, func.count(distinct(Person.id)))
        .join(Assignment, and_(Assignment.mentor_id == Person.id, Assignment.ended_at.is_(None)))
        .join(Household, and_(Household.id == Assignment.household_id, _active(),
                              Household.district == Person.district, *households_in(area)))
        .where(*mentors_of(area), Person.line_user_id.is_(None))
        .group_by(Person.district))
    return {d: int(n) for d, n in rows}


# -- assistance by agency and by dimension ------------------------------------------------------
def _help_scope(area: Area, period: Period) -> list[ColumnElement[bool]]:
    return [*_copied_area(AssistanceRecord, area), _within(AssistanceRecord.given_on, period)]


def assistance_by_agency(session: Session, area: Area, period: Period) -> tuple[HelpRow, ...]:
    """Who gave the help in the period: a unit of the list (by its id, named as recorded), a
    name typed under อื่น ๆ (as typed), or the mentor themself; most records first."""
    typed = case((AssistanceRecord.agency_id.is_(None), AssistanceRecord.agency_name))
    rows = session.execute(
        select(AssistanceRecord.by_mentor, func.max(AssistanceRecord.agency_name), func.count(),
               func.count(distinct(AssistanceRecord.household_id)),
               func.sum(AssistanceRecord.value_baht))
        .where(*_help_scope(area, period))
        .group_by(AssistanceRecord.by_mentor, AssistanceRecord.agency_id, typed))
    found = [HelpRow(giver_words(by_mentor, name), int(n), int(helped), whole_baht(baht))
             for by_mentor, name, n, helped, baht in rows]
    return tuple(sorted(found, key=lambda r: (-r.records, -r.households, thai_order(r.label))))


def _assistance_by_dimension(session: Session, area: Area,
                             period: Period) -> tuple[HelpRow, ...]:
    rows = {dimension: (int(n), int(helped), whole_baht(baht))
            for dimension, n, helped, baht in session.execute(
                select(AssistanceRecord.dimension, func.count(),
                       func.count(distinct(AssistanceRecord.household_id)),
                       func.sum(AssistanceRecord.value_baht))
                .where(*_help_scope(area, period))
                .group_by(AssistanceRecord.dimension))}
    return tuple(HelpRow(name, *rows.get(code, (0, 0, 0))) for code, name in DIMENSIONS.items())


# -- the district overview ----------------------------------------------------------------------
def _by_level(session: Session, area: Area) -> tuple[Count, ...]:
    counted = dict(session.execute(
        select(HouseholdPlan.level, func.count())
        .select_from(Household)
        .outerjoin(HouseholdPlan, HouseholdPlan.household_id == Household.id)
        .where(*households_in(area), _active())
        .group_by(HouseholdPlan.level)).all())
    return (*(Count(LEVEL_WORDS[level], int(counted.get(level, 0))) for level in LEVEL_ORDER),
            Count(NO_LEVEL, int(counted.get(None, 0))))


def _failing_by_dimension(session: Session, area: Area) -> tuple[Count, ...]:
    counted = dict(session.execute(
        select(HouseholdDimension.dimension, func.count())
        .join(Household, Household.id == HouseholdDimension.household_id)
        .outerjoin(DimensionPass, _pass_of_row())
        .where(*households_in(area), _active(), DimensionPass.household_id.is_(None))
        .group_by(HouseholdDimension.dimension)).all())
    return tuple(Count(name, int(counted.get(code, 0))) for code, name in DIMENSIONS.items())


def _unregistered_mentors(session: Session, area: Area) -> tuple[MentorRef, ...]:
    rows = session.execute(
        select(Person.id, Person.name, Person.position, func.count(Household.id))
        .join(Assignment, and_(Assignment.mentor_id == Person.id, Assignment.ended_at.is_(None)))
        .join(Household, and_(Household.id == Assignment.household_id, _active(),
                              *households_in(area)))
        .where(*mentors_of(area), Person.line_user_id.is_(None))
        .group_by(Person.id, Person.name, Person.position))
    found = [MentorRef(pid, name, position, int(n)) for pid, name, position, n in rows]
    return tuple(sorted(found, key=lambda m: (thai_order(m.name), m.id)))


def _by_subdistrict(roll: dict[Any, tuple[int, int, int]]) -> tuple[Count, ...]:
    overdue: dict[str, int] = {}
    for subdistrict, (_, _, late) in roll.items():
        label = (subdistrict or "").strip() or NO_SUBDISTRICT
        overdue[label] = overdue.get(label, 0) + late
    return tuple(sorted((Count(label, n) for label, n in overdue.items() if n > 0),
                        key=lambda c: (-c.value, thai_order(c.label))))


def district_overview(session: Session, area: Area, today: date, *, tz: tzinfo,
                      first_visit_days: int) -> DistrictOverview:
    """The district at a glance, as of ``today`` (the local day). Nine aggregate queries."""
    if area.district is None:
        raise ValueError("district_overview needs a district")
    months = _months(today)
    roll = _roll(session, area, Household.subdistrict, today, tz, first_visit_days)
    visited = _visited(session, area, months).get(area.district, (0, 0, 0))
    ages = _open_cases(session, area, today, tz).get(area.district, (0,) * len(CASE_AGES))
    failing_households, _, _ = dimension_passes.failing_totals(
        session, *households_in(area), _active())
    return DistrictOverview(
        area=area, today=today,
        households=sum(r[0] for r in roll.values()), left=sum(r[1] for r in roll.values()),
        visited_this_month=visited[0], visited_last_month=visited[1],
        visited_last_month_same_days=visited[2],
        overdue=sum(r[2] for r in roll.values()), overdue_by_subdistrict=_by_subdistrict(roll),
        open_cases=sum(ages),
        open_cases_by_age=tuple(Count(label, n) for (label, _), n in zip(CASE_AGES, ages,
                                                                         strict=True)),
        assistance_by_agency=assistance_by_agency(session, area, months.this),
        assistance_by_dimension=_assistance_by_dimension(session, area, months.this),
        households_by_level=_by_level(session, area),
        failing_by_dimension=_failing_by_dimension(session, area),
        failing_households=failing_households,
        unregistered_mentors=_unregistered_mentors(session, area))
