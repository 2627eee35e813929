"""Shared set-up of the export tests: a district's month of activity played at set times (the
clock is moved before each action, nothing sleeps), with the domain functions for speed."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers import assistance, cases, household_exits, plans, visits
from handlers.assistance import AssistanceDraft
from handlers.context import Context
from handlers.visits import FollowUpDraft, ProblemDraft, VisitDraft
from models import (
    Agency,
    Case,
    CaseClosure,
    ExitReason,
    GoalLevel,
    Household,
    HouseholdExit,
    Person,
    Role,
)

from . import factories

BANGKOK = ZoneInfo("Asia/Bangkok")
MAY_FIRST, MAY_LAST = date(2026, 5, 1), date(2026, 5, 31)
HERE, ELSEWHERE = "เมืองเลย", "วังสะพุง"


def at(day: date, hh: int = 10, mm: int = 0) -> datetime:
    """That Bangkok wall-clock time, as the UTC instant the database keeps."""
    return datetime.combine(day, time(hh, mm), BANGKOK).astimezone(UTC)


def move(clock, day: date, hh: int = 10, mm: int = 0) -> None:
    """Set the shared clock to that Bangkok time (before a LINE user acts)."""
    clock.now = at(day, hh, mm)


class Script:
    """Plays the domain at set times: each action moves the shared clock first."""

    def __init__(self, session, clock):
        self.s, self.clock = session, clock

    def ctx(self, day: date, hh: int = 10, mm: int = 0) -> Context:
        move(self.clock, day, hh, mm)
        return Context(now=self.clock.now, tz=BANGKOK)

    def person(self, name: str, *, phone: str | None, role=Role.MENTOR, district=HERE,
               line_user_id=None, position="นักวิชาการ", agency="อำเภอเมืองเลย") -> Person:
        p = factories.person(self.s, name=name, role=role, phone=phone, district=district,
                             line_user_id=line_user_id)
        p.position, p.agency = position, agency
        return p

    def household(self, mentor: Person, house_id: str, head: str, dims=("income",), *,
                  created: date = date(2026, 4, 1)) -> Household:
        """On the roll and assigned on ``created``; its first visit due 14 days later (what
        the clock process sets)."""
        h = factories.household(self.s, mentor, house_id=house_id, head=head, dims=dims,
                                now=at(created))
        h.created_at = at(created)
        h.next_visit_due = created + timedelta(days=14)
        self.s.flush()
        return h

    def visit(self, household: Household, mentor: Person, day: date, *, next_due: date,
              four_t=(None, None, None, None), problems=(), follow_ups=()):
        draft = VisitDraft(visited_on=day, attitude=four_t[0], skills=four_t[1],
                           resources=four_t[2], way_out=four_t[3], problems=tuple(problems),
                           next_visit_due=next_due, follow_ups=tuple(follow_ups))
        visit = visits.record_visit(self.s, household, mentor, draft, self.ctx(day)).visit
        return visit

    def agency_id(self, short_name: str) -> int:
        return self.s.scalar(select(Agency.id).where(Agency.short_name == short_name,
                                                     Agency.district == ""))

    def help(self, household: Household, person: Person, day: date, *, kind="training",
             dimension="income", agency: str | None = None, typed: str | None = None,
             by_mentor=False, value: str | None = None, note: str | None = None,
             case_id: int | None = None):
        draft = AssistanceDraft(
            dimension=dimension, kind=kind, given_on=day,
            agency_id=self.agency_id(agency) if agency else None, agency_name=typed,
            by_mentor=by_mentor, value_baht=Decimal(value) if value else None, note=note,
            case_id=case_id)
        return assistance.record(self.s, household, person, draft, self.ctx(day))

    def raise_case(self, household: Household, mentor: Person, day: date, hh: int = 10, *,
                   agency="พช.อ.", dimension="income") -> Case:
        return cases.raise_case(self.s, household=household, mentor=mentor,
                                dimension=dimension, note="ขอความช่วยเหลือ", agency=agency,
                                problem_id=None, ctx=self.ctx(day, hh))

    def acknowledge(self, case: Case, coordinator: Person, day: date, hh: int = 10, mm=0):
        cases.acknowledge(self.s, case, coordinator, self.ctx(day, hh, mm))

    def refer(self, case: Case, coordinator: Person, agency: str, day: date):
        cases.refer(self.s, case, coordinator, agency, self.ctx(day))

    def close(self, case: Case, coordinator: Person, day: date, hh: int = 10, *,
              closure=CaseClosure.OTHER):
        cases.close(self.s, case, coordinator, "ดำเนินการแล้ว", self.ctx(day, hh),
                    closure=closure)

    def goal(self, household: Household, person: Person, level: GoalLevel, day: date,
             hh: int = 10):
        plans.set_goal(self.s, household, person, "มีรายได้พอใช้จ่าย", level, self.ctx(day, hh))

    def leave(self, household: Household, mentor: Person, coordinator: Person,
              reason: ExitReason, day: date) -> HouseholdExit:
        request, _ = household_exits.request_exit(self.s, household, mentor, reason,
                                                  "ย้ายไปอยู่กับลูก", self.ctx(day, 9))
        assert request is not None
        household_exits.decide(self.s, request, coordinator, True, self.ctx(day, 11))
        return request


def problem(dimension: str, *, indicator: int | None = None, agency: str | None = None,
            note: str | None = None) -> ProblemDraft:
    return ProblemDraft(dimension=dimension, outside=agency is not None, agency=agency,
                        note=note, indicator_no=indicator)


def item_done(item_id: int) -> FollowUpDraft:
    return FollowUpDraft(answer="done", plan_item_id=item_id)


def sheets_of(db, module, area, start: date, end: date, **options) -> dict[str, list[tuple]]:
    """Every sheet's rows, read as a writer reads them: inside one transaction."""
    with db.transaction() as s:
        export = module.build(s, area, start, end, **options)
        return {sheet.title: list(sheet.rows) for sheet in export.sheets}
