"""Recording a confirmed visit: the visit, its problems, its cases, the next due date."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, lazyload

from models import (
    Case,
    CaseClosure,
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
    case (WAITING, HELPED with ``help``, or UNCHANGED). ``seen`` is the item's status when the
    mentor answered: if it has changed since (a tap on the plan card meanwhile, a draft resumed
    later), the newer status stands."""

    answer: str
    plan_item_id: int | None = None
    case_id: int | None = None
    help: AssistanceDraft | None = None
    seen: str | None = None


@dataclass
class RecordedVisit:
    visit: Visit
    pushes: list[Push]                    # alerts and notices for other people
    notes: list[str] = field(default_factory=list)   # what the mentor is told besides


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
                 ctx: Context) -> RecordedVisit:
    """Store the visit; return it, the alerts for the district's coordinators, and what the
    mentor should be told about follow-ups that did not go as answered."""
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
    result = RecordedVisit(visit, [])
    _follow_up(session, household, mentor, visit, draft.follow_ups, ctx, result)
    pushes = result.pushes
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
    return result


def _follow_up(session: Session, household: Household, mentor: Person, visit: Visit,
               answers: tuple[FollowUpDraft, ...], ctx: Context, result: RecordedVisit) -> None:
    """Apply the visit's follow-up answers and record each one. An item removed or a case moved
    to another household meanwhile is left alone; an item whose status changed since the answer
    keeps its newer status."""
    item_ids = [a.plan_item_id for a in answers if a.plan_item_id is not None]
    case_ids = [a.case_id for a in answers if a.case_id is not None]
    items = {i.id: i for i in session.scalars(
        _locked(PlanItem, household, item_ids).where(PlanItem.removed_at.is_(None)))}
    open_cases = {c.id: c for c in session.scalars(_locked(Case, household, case_ids))}
    closed_by_visit = 0
    recorded_rows: list[dict] = []
    for answer in answers:
        item = items.get(answer.plan_item_id) if answer.plan_item_id is not None else None
        case = open_cases.get(answer.case_id) if answer.case_id is not None else None
        if item is not None:
            recorded = _item_answer(session, item, mentor, answer, ctx)
        elif case is not None:
            recorded = answer.answer if answer.answer == HELPED and answer.help else WAITING
            if recorded == HELPED and answer.help is not None:
                closed_by_visit += _case_helped(session, household, mentor, visit, case,
                                                answer.help, ctx, result)
        else:
            continue
        recorded_rows.append({"visit_id": visit.id, "plan_item_id": item.id if item else None,
                              "case_id": case.id if case else None, "answer": recorded})
    if recorded_rows:
        # One executemany, however many entries (nothing reads the rows back in this event).
        session.execute(insert(VisitFollowUp), recorded_rows)
    if closed_by_visit:
        result.notes.append(f"บันทึกความช่วยเหลือที่ได้รับ {closed_by_visit} เรื่อง "
                            "ปิดเรื่องและแจ้ง ศจพ.อ. แล้วค่ะ")


def _item_answer(session: Session, item: PlanItem, mentor: Person, answer: FollowUpDraft,
                 ctx: Context) -> str:
    """The status recorded for the item at this visit (changing it when the answer says so)."""
    if answer.answer == UNCHANGED or (answer.seen is not None
                                      and item.status.value != answer.seen):
        return item.status.value
    plans.change_status(session, item, mentor, ItemStatus(answer.answer), ctx, locked=True)
    return answer.answer


def _case_helped(session: Session, household: Household, mentor: Person, visit: Visit,
                 case: Case, help_draft: AssistanceDraft, ctx: Context,
                 result: RecordedVisit) -> int:
    """The help the mentor saw arrive for a case: 1 when the visit closed the case.

    A case a coordinator closed meanwhile keeps its closing: help they recorded with it is not
    recorded twice; otherwise (closed for another reason) the help is still recorded, linked to
    the case, since it did reach the household."""
    if case.status is not CaseStatus.CLOSED:
        assistance.record(session, household, mentor,
                          replace(help_draft, case_id=case.id, visit_id=visit.id), ctx)
        result.pushes.extend(cases.help_reported(session, case, mentor, ctx))
        return 1
    if case.closure is CaseClosure.HELPED:
        result.notes.append(f"เรื่อง #{case.id} ศจพ.อ. บันทึกความช่วยเหลือและปิดเรื่องไว้แล้ว "
                            "จึงไม่บันทึกซ้ำค่ะ")
        return 0
    assistance.record(session, household, mentor,
                      replace(help_draft, case_id=case.id, visit_id=visit.id), ctx)
    result.notes.append(f"เรื่อง #{case.id} ศจพ.อ. ปิดเรื่องไปแล้ว "
                        "บันทึกความช่วยเหลือที่ท่านแจ้งไว้กับเรื่องนั้นแล้วค่ะ")
    return 0


def _locked(model, household: Household, ids: list[int]):
    """The household's rows of ``model`` among ``ids``, row-locked and read as they are now
    (their own columns only: a case's household is the one given, loaded already)."""
    return (select(model).where(model.id.in_(ids), model.household_id == household.id)
            .options(lazyload("*"))
            .with_for_update(of=model).execution_options(populate_existing=True))
