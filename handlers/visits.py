"""Recording a confirmed visit: the visit, its problems, its cases, the next due date."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Case,
    CaseStatus,
    Household,
    ItemStatus,
    Person,
    PlanItem,
    Visit,
    VisitFollowUp,
    VisitPhoto,
    VisitProblem,
)

from . import assistance, cards, cases, plans
from .assistance import AssistanceDraft
from .context import Context
from .reminders import drop_unsent_reminders
from .replies import Push

DEFAULT_INTERVAL_DAYS = 30


@dataclass(frozen=True)
class ProblemDraft:
    dimension: str
    outside: bool
    agency: str | None = None
    note: str | None = None
    indicator_no: int | None = None
    help: AssistanceDraft | None = None    # what the mentor did, when they solved it


# A follow-up answer that changes nothing: the entry keeps its status.
UNCHANGED = "same"
WAITING, HELPED = "waiting", "helped"


@dataclass(frozen=True)
class FollowUpDraft:
    """The answer about one open plan item (an ItemStatus value, or UNCHANGED) or one open
    case (WAITING, HELPED with ``help``, or UNCHANGED)."""

    answer: str
    plan_item_id: int | None = None
    case_id: int | None = None
    help: AssistanceDraft | None = None


@dataclass(frozen=True)
class VisitDraft:
    visited_on: date
    attitude: str | None
    skills: str | None
    resources: str | None
    way_out: str | None
    problems: tuple[ProblemDraft, ...]
    next_visit_due: date
    photo_message_id: str | None = None
    follow_ups: tuple[FollowUpDraft, ...] = ()


def record_visit(session: Session, household: Household, mentor: Person, draft: VisitDraft,
                 ctx: Context) -> tuple[Visit, list[Push]]:
    """Store the visit; return it and the alerts for the district's coordinators."""
    was_overdue = (household.next_visit_due is not None
                   and draft.visited_on > household.next_visit_due)
    visit = Visit(household_id=household.id, mentor_id=mentor.id, visited_on=draft.visited_on,
                  attitude=draft.attitude, skills=draft.skills, resources=draft.resources,
                  way_out=draft.way_out, no_new_problem=not draft.problems,
                  next_visit_due=draft.next_visit_due, was_overdue=was_overdue,
                  created_at=ctx.now)
    visit.problems = [VisitProblem(dimension=p.dimension, needs_outside_help=p.outside,
                                   agency=p.agency, note=p.note, indicator_no=p.indicator_no)
                      for p in draft.problems]
    session.add(visit)
    session.flush()
    if draft.photo_message_id:
        session.add(VisitPhoto(visit_id=visit.id, line_message_id=draft.photo_message_id,
                               created_at=ctx.now))
    drop_unsent_reminders(session, mentor.id, ctx)
    # A visit reported late (or out of order) never moves the record backwards.
    if household.last_visit_on is None or draft.visited_on >= household.last_visit_on:
        household.last_visit_on = draft.visited_on
        household.next_visit_due = draft.next_visit_due
    pushes = _follow_up(session, household, mentor, visit, draft.follow_ups, ctx)
    for problem, problem_draft in zip(visit.problems, draft.problems, strict=True):
        if not problem.needs_outside_help:
            if problem_draft.help is not None:
                assistance.record(session, household, mentor,
                                  replace(problem_draft.help, visit_id=visit.id), ctx)
            continue
        case = cases.raise_case(session, household=household, mentor=mentor,
                                dimension=problem.dimension, note=problem.note,
                                agency=problem.agency, problem_id=problem.id, ctx=ctx,
                                indicator_no=problem.indicator_no)
        push = cards.alert_coordinators(session, case, ctx)
        if push is not None:
            pushes.append(push)
    return visit, pushes


def _follow_up(session: Session, household: Household, mentor: Person, visit: Visit,
               answers: tuple[FollowUpDraft, ...], ctx: Context) -> list[Push]:
    """Apply the visit's follow-up answers and record each one. An entry gone meanwhile (an
    item removed, a case closed or moved to another household) is left alone."""
    item_ids = [a.plan_item_id for a in answers if a.plan_item_id is not None]
    case_ids = [a.case_id for a in answers if a.case_id is not None]
    items = {i.id: i for i in session.scalars(
        _of_household(PlanItem, household, item_ids)
        .where(PlanItem.removed_at.is_(None)))} if item_ids else {}
    open_cases = {c.id: c for c in session.scalars(
        _of_household(Case, household, case_ids).with_for_update(of=Case)
        .execution_options(populate_existing=True))} if case_ids else {}
    pushes: list[Push] = []
    for answer in answers:
        item = items.get(answer.plan_item_id) if answer.plan_item_id is not None else None
        case = open_cases.get(answer.case_id) if answer.case_id is not None else None
        if item is None and case is None:
            continue
        recorded = answer.answer
        if item is not None:
            if answer.answer == UNCHANGED:
                recorded = item.status.value
            else:
                plans.change_status(session, item, mentor, ItemStatus(answer.answer), ctx)
        elif case is not None:
            if case.status is CaseStatus.CLOSED:
                continue   # closed by a coordinator meanwhile: their record stands
            if answer.answer == HELPED and answer.help is not None:
                assistance.record(session, household, mentor,
                                  replace(answer.help, case_id=case.id, visit_id=visit.id), ctx)
                pushes.extend(cases.help_reported(session, case, mentor, ctx))
            else:
                recorded = WAITING
        session.add(VisitFollowUp(visit_id=visit.id, plan_item_id=item.id if item else None,
                                  case_id=case.id if case else None, answer=recorded))
    return pushes


def _of_household(model, household: Household, ids: list[int]):
    return select(model).where(model.id.in_(ids), model.household_id == household.id)
