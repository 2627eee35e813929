"""The household page: what a coordinator of its district (or the province) may see of one
household: who and where it is, its mentor, its dimensions, goal and level, and its visits,
plan, assistance, cases and level history. A fixed dozen small queries, whatever its history.

The records are the ones in figures.py; the wording is the bot's own (the case cards' status
words, the plan card's numbering and months, the Logbook export's problem lines).
"""
from __future__ import annotations

from datetime import date, tzinfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from models import (
    Assignment,
    AssistanceKind,
    AssistanceRecord,
    Case,
    Household,
    HouseholdExit,
    HouseholdStatus,
    Person,
    Visit,
    VisitProblem,
)
from models.dimensions import DIMENSIONS

from .. import audit_session, dimension_passes, plans
from ..cards import STATUS_WORDS as CASE_STATUS_WORDS
from ..conversations.views.plan import LEVEL_WORDS, month_range
from ..conversations.views.plan import STATUS_WORDS as ITEM_STATUS_WORDS
from ..exports.logbook import problem_text
from ..exports.monthly import FIRST_VISIT_DAYS
from ..exports.table import Area
from ..household_exits import REASON_WORDS
from ..thai_dates import to_local_date
from .figures import (
    days_late,
    effective_due,
    giver_words,
    households_in,
    level_word,
    village_words,
    whole_baht,
)
from .records import (
    AssistanceRow,
    CaseRow,
    HouseholdPage,
    LevelChangeRow,
    MentorRef,
    PlanItemRow,
    VisitRow,
)

IN_PROGRAMME = "อยู่ในโครงการ"
LEFT_PROGRAMME = "ออกจากโครงการแล้ว"
FOUR_T = (("ทัศนคติ", "attitude"), ("ทักษะ", "skills"), ("ทรัพยากร", "resources"),
          ("ทางออก", "way_out"))


def address_of(household: Household) -> str:
    """'บ้านเลขที่ 12 หมู่ 3 บ้านนาโป่ง ต.นาโป่ง', as the household and case cards put it."""
    return " ".join(filter(None, [
        f"บ้านเลขที่ {household.house_no}" if household.house_no else "",
        village_words(household.village_no, household.village_name),
        f"ต.{household.subdistrict}" if household.subdistrict else ""])) or "-"


def _dimension(code: str) -> str:
    return DIMENSIONS.get(code, code)


def _mentor(session: Session, area: Area, household_id: int):
    """The current mentor (if any) with when they took the household on and how many
    households of the area in the programme they look after."""
    held, theirs = aliased(Assignment), aliased(Household)
    in_area = [theirs.province == area.province]
    if area.district is not None:
        in_area.append(theirs.district == area.district)
    households = (select(func.count(held.id))
                  .join(theirs, and_(theirs.id == held.household_id,
                                     theirs.status == HouseholdStatus.ACTIVE, *in_area))
                  .where(held.mentor_id == Person.id, held.ended_at.is_(None))
                  .correlate(Person).scalar_subquery())
    return session.execute(
        select(Person.id, Person.name, Person.position, Assignment.assigned_at,
               households.label("households"))
        .join(Assignment, Assignment.mentor_id == Person.id)
        .where(Assignment.household_id == household_id, Assignment.ended_at.is_(None))).first()


def _status(session: Session, household: Household) -> str:
    if household.status is not HouseholdStatus.LEFT:
        return IN_PROGRAMME
    reason = session.scalar(
        select(HouseholdExit.reason)
        .where(HouseholdExit.household_id == household.id, HouseholdExit.confirmed.is_(True))
        .order_by(HouseholdExit.decided_at.desc(), HouseholdExit.id.desc()).limit(1))
    return f"{LEFT_PROGRAMME} ({REASON_WORDS[reason]})" if reason else LEFT_PROGRAMME


def _visits(session: Session, household_id: int) -> tuple[VisitRow, ...]:
    problems: dict[int, list[str]] = {}
    for p in session.execute(
            select(VisitProblem.visit_id, VisitProblem.dimension, VisitProblem.indicator_no,
                   VisitProblem.needs_outside_help, VisitProblem.agency, VisitProblem.note,
                   Case.id.label("case_id"), Case.status.label("case_status"))
            .join(Visit, Visit.id == VisitProblem.visit_id)
            .outerjoin(Case, Case.visit_problem_id == VisitProblem.id)
            .where(Visit.household_id == household_id)
            .order_by(VisitProblem.id, Case.id)):
        problems.setdefault(p.visit_id, []).append(problem_text(p))
    rows = session.execute(
        select(Visit.id, Visit.visited_on, Person.name, Visit.attitude, Visit.skills,
               Visit.resources, Visit.way_out, Visit.no_new_problem, Visit.next_visit_due)
        .join(Person, Person.id == Visit.mentor_id)
        .where(Visit.household_id == household_id)
        .order_by(Visit.visited_on.desc(), Visit.id.desc()))
    return tuple(
        VisitRow(visited_on=r.visited_on, mentor=r.name,
                 four_t=tuple((word, text.strip()) for word, column in FOUR_T
                              if (text := getattr(r, column)) and text.strip()),
                 problems=tuple(problems.get(r.id, ())), next_due=r.next_visit_due,
                 no_new_problem=bool(r.no_new_problem))
        for r in rows)


def _plan_items(session: Session, household_id: int) -> tuple[PlanItemRow, ...]:
    return tuple(
        PlanItemRow(number=number, dimension=_dimension(item.dimension),
                    activity=item.household_action, support=item.support_action,
                    months=month_range(item.start_month, item.end_month),
                    status=ITEM_STATUS_WORDS[item.status])
        for number, item in enumerate(plans.items_of(session, household_id), start=1))


def _assistance(session: Session, household_id: int) -> tuple[AssistanceRow, ...]:
    rows = session.execute(
        select(AssistanceRecord.given_on, AssistanceRecord.dimension, AssistanceKind.label_th,
               AssistanceRecord.by_mentor, AssistanceRecord.agency_name,
               AssistanceRecord.value_baht, AssistanceRecord.note)
        .join(AssistanceKind, AssistanceKind.code == AssistanceRecord.kind)
        .where(AssistanceRecord.household_id == household_id)
        .order_by(AssistanceRecord.given_on.desc(), AssistanceRecord.id.desc()))
    return tuple(
        AssistanceRow(given_on=r.given_on, dimension=_dimension(r.dimension), kind=r.label_th,
                      agency=giver_words(r.by_mentor, r.agency_name),
                      baht=whole_baht(r.value_baht) if r.value_baht is not None else None,
                      note=r.note)
        for r in rows)


def _cases(session: Session, household_id: int, tz: tzinfo) -> tuple[CaseRow, ...]:
    rows = session.execute(
        select(Case.id, Case.dimension, Case.status, Case.created_at, Case.closed_at,
               Case.referred_agency, Case.suggested_agency, Case.note, Case.outcome)
        .where(Case.household_id == household_id)
        .order_by(Case.created_at.desc(), Case.id.desc()))
    return tuple(
        CaseRow(id=r.id, dimension=_dimension(r.dimension), status=CASE_STATUS_WORDS[r.status],
                opened_on=to_local_date(r.created_at, tz),
                closed_on=to_local_date(r.closed_at, tz) if r.closed_at else None,
                agency=r.referred_agency or r.suggested_agency, note=r.note, outcome=r.outcome)
        for r in rows)


def _level_history(session: Session, household_id: int,
                   tz: tzinfo) -> tuple[LevelChangeRow, ...]:
    return tuple(
        LevelChangeRow(changed_on=to_local_date(change.changed_at, tz),
                       from_level=LEVEL_WORDS[change.from_level] if change.from_level else None,
                       to_level=LEVEL_WORDS[change.to_level])
        for change in plans.level_history(session, household_id))


def household_page(session: Session, area: Area, household_id: int, *, tz: tzinfo,
                   today: date | None = None,
                   first_visit_days: int = FIRST_VISIT_DAYS) -> HouseholdPage | None:
    """The household, or None when it is not in the area (in the programme or not: a
    district's record keeps those that left). ``today`` (the local day) gives days_overdue;
    without it that stays 0."""
    if not isinstance(household_id, int):
        return None
    household = session.scalar(
        select(Household).where(Household.id == household_id, *households_in(area)))
    if household is None:
        return None
    audit_session.viewed_one(session, "household", household)
    mentor = _mentor(session, area, household.id)
    states = dimension_passes.states_of(session, household)
    plan = plans.plan_of(session, household.id)
    active = household.status is HouseholdStatus.ACTIVE
    due = effective_due(household.next_visit_due, mentor.assigned_at if mentor else None, tz,
                        first_visit_days) if active else None
    return HouseholdPage(
        id=household.id, house_id=household.house_id, head_name=household.head_name,
        address=address_of(household), members=household.members,
        status=_status(session, household),
        mentor=MentorRef(mentor.id, mentor.name, mentor.position, int(mentor.households or 0))
        if mentor else None,
        district=household.district,
        failing=tuple(_dimension(s.code) for s in states if s.passed_on is None),
        passed=tuple(_dimension(s.code) for s in states if s.passed_on is not None),
        goal=plan.goal if plan else None, level=level_word(plan.level if plan else None),
        visits=_visits(session, household.id),
        plan_items=_plan_items(session, household.id),
        assistance=_assistance(session, household.id),
        cases=_cases(session, household.id, tz),
        level_history=_level_history(session, household.id, tz),
        province=household.province, last_visit=household.last_visit_on, next_due=due,
        days_overdue=days_late(due, today) if today is not None and due is not None else 0)
