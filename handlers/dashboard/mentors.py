"""The mentors' list and one mentor's page of the dashboard, counted by the database (the rules
the figures follow are in figures.py)."""
from __future__ import annotations

from datetime import date, tzinfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from models import (
    Assignment,
    Case,
    CaseStatus,
    DimensionPass,
    Household,
    HouseholdDimension,
    HouseholdPlan,
    Person,
    Visit,
)

from .. import audit_session
from ..exports.access import thai_order
from ..exports.days import BANGKOK, as_date
from ..exports.table import Area
from .figures import (
    _active,
    _overdue,
    _pass_of_row,
    days_late,
    effective_due,
    households_in,
    level_word,
    mentors_of,
    village_words,
)
from .records import (
    HouseholdRow,
    MentorPage,
    MentorRow,
)


def _mentor_rows(session: Session, area: Area, today: date, tz: tzinfo, first_visit_days: int,
                 mentor_id: int | None = None) -> list[MentorRow]:
    """The mentors of the area (or the one asked for), in three aggregate queries: their
    households and overdue ones; their latest visits to those households; their open cases."""
    scope = mentors_of(area) + ([Person.id == mentor_id] if mentor_id is not None else [])
    held = and_(Household.id == Assignment.household_id, _active(), *households_in(area))
    overdue = _overdue(today, tz, first_visit_days)
    rows = session.execute(
        select(Person.id, Person.name, Person.position, Person.agency, Person.line_user_id,
               func.count(Household.id).label("households"),
               func.count(case((overdue, Household.id))).label("overdue"),
               func.min(case((and_(overdue, Household.next_visit_due.is_not(None)),
                              Household.next_visit_due))).label("oldest_due"),
               func.min(case((and_(overdue, Household.next_visit_due.is_(None)),
                              Assignment.assigned_at))).label("oldest_assigned"))
        .select_from(Person)
        .outerjoin(Assignment, and_(Assignment.mentor_id == Person.id,
                                    Assignment.ended_at.is_(None)))
        .outerjoin(Household, held)
        .where(*scope)
        .group_by(Person.id, Person.name, Person.position, Person.agency, Person.line_user_id)
    ).all()
    if not rows:
        return []
    current = and_(Assignment.household_id == Household.id, Assignment.ended_at.is_(None))
    last_visits = dict(session.execute(
        select(Visit.mentor_id, func.max(Visit.visited_on))
        .join(Household, Household.id == Visit.household_id)
        .join(Assignment, and_(current, Assignment.mentor_id == Visit.mentor_id))
        .join(Person, Person.id == Visit.mentor_id)
        .where(*scope, *households_in(area), _active())
        .group_by(Visit.mentor_id)).all())
    open_cases = dict(session.execute(
        select(Assignment.mentor_id, func.count(Case.id))
        .select_from(Case)
        .join(Household, Household.id == Case.household_id)
        .join(Assignment, current)
        .join(Person, Person.id == Assignment.mentor_id)
        .where(*scope, *households_in(area), _active(), Case.status != CaseStatus.CLOSED)
        .group_by(Assignment.mentor_id)).all())
    found = []
    for r in rows:
        oldest = [d for d in (as_date(r.oldest_due),
                              effective_due(None, r.oldest_assigned, tz, first_visit_days))
                  if d is not None]
        found.append(MentorRow(
            id=r.id, name=r.name, position=r.position, agency=r.agency,
            households=int(r.households), last_visit=as_date(last_visits.get(r.id)),
            days_overdue=days_late(min(oldest), today) if oldest else 0,
            overdue_households=int(r.overdue), open_cases=int(open_cases.get(r.id, 0)),
            registered=r.line_user_id is not None))
    return sorted(found, key=lambda m: (thai_order(m.name), m.id))


def mentor_rows(session: Session, area: Area, today: date, *, first_visit_days: int,
                tz: tzinfo = BANGKOK) -> tuple[MentorRow, ...]:
    """Every mentor of the area (a district, or a whole province when ``area.district`` is
    None), by name in Thai order. Three aggregate queries."""
    return tuple(_mentor_rows(session, area, today, tz, first_visit_days))


def mentor_page(session: Session, area: Area, mentor_id: int, today: date, *,
                first_visit_days: int, tz: tzinfo = BANGKOK) -> MentorPage | None:
    """One mentor and the households they look after now (in the area, in the programme),
    the most overdue first. None when the id is not a mentor of the area. Four queries."""
    if not isinstance(mentor_id, int):
        return None
    found = _mentor_rows(session, area, today, tz, first_visit_days, mentor_id)
    if not found:
        return None
    open_cases = (select(func.count(Case.id))
                  .where(Case.household_id == Household.id, Case.status != CaseStatus.CLOSED)
                  .correlate(Household).scalar_subquery())
    failing = (select(func.count())
               .select_from(HouseholdDimension)
               .outerjoin(DimensionPass, _pass_of_row())
               .where(HouseholdDimension.household_id == Household.id,
                      DimensionPass.household_id.is_(None))
               .correlate(Household).scalar_subquery())
    rows = session.execute(
        select(Household.id, Household.house_id, Household.head_name, Household.village_no,
               Household.village_name, Household.subdistrict, Household.last_visit_on,
               Household.next_visit_due, Assignment.assigned_at, HouseholdPlan.level,
               open_cases.label("open_cases"), failing.label("failing"))
        .select_from(Assignment)
        .join(Household, and_(Household.id == Assignment.household_id, _active(),
                              *households_in(area)))
        .outerjoin(HouseholdPlan, HouseholdPlan.household_id == Household.id)
        .where(Assignment.mentor_id == mentor_id, Assignment.ended_at.is_(None)))
    households = []
    for r in rows:
        due = effective_due(r.next_visit_due, r.assigned_at, tz, first_visit_days)
        households.append(HouseholdRow(
            id=r.id, house_id=r.house_id, head_name=r.head_name,
            village=village_words(r.village_no, r.village_name), subdistrict=r.subdistrict,
            last_visit=as_date(r.last_visit_on), next_due=due, days_overdue=days_late(due, today),
            open_cases=int(r.open_cases or 0), level=level_word(r.level),
            failing_dimensions=int(r.failing or 0)))
    households.sort(key=lambda h: (-h.days_overdue, h.house_id, h.id))
    # A row per household (its house code and head named): a record per household listed.
    audit_session.viewed_ids(session, "household_list", (h.id for h in households),
                             {"mentor_id": mentor_id})
    return MentorPage(mentor=found[0], households=tuple(households))


