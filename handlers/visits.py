"""Recording a confirmed visit: the visit, its problems, its cases, the next due date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import Household, OutboxMessage, OutboxStatus, Person, Visit, VisitPhoto, VisitProblem

from . import cards, cases
from .context import Context
from .replies import Push

DEFAULT_INTERVAL_DAYS = 30


@dataclass(frozen=True)
class ProblemDraft:
    dimension: str
    outside: bool
    agency: str | None = None
    note: str | None = None


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
                                   agency=p.agency, note=p.note) for p in draft.problems]
    session.add(visit)
    session.flush()
    if draft.photo_message_id:
        session.add(VisitPhoto(visit_id=visit.id, line_message_id=draft.photo_message_id,
                               created_at=ctx.now))
    _clear_pending_reminders(session, mentor, ctx)
    # A visit reported late (or out of order) never moves the record backwards.
    if household.last_visit_on is None or draft.visited_on >= household.last_visit_on:
        household.last_visit_on = draft.visited_on
        household.next_visit_due = draft.next_visit_due
    pushes = []
    for problem in visit.problems:
        if not problem.needs_outside_help:
            continue
        case = cases.raise_case(session, household=household, mentor=mentor,
                                dimension=problem.dimension, note=problem.note,
                                agency=problem.agency, problem_id=problem.id, ctx=ctx)
        push = cards.alert_coordinators(session, case, ctx)
        if push is not None:
            pushes.append(push)
    return visit, pushes


def _clear_pending_reminders(session: Session, mentor: Person, ctx: Context) -> None:
    """A reminder not sent yet may name this household: drop it. The clock's next tick queues
    a fresh one (same natural key) with only what is still due.

    Only one never tried and not being sent right now (leased): a reminder LINE may already
    have delivered (a timeout) stays, so nobody gets two in a day.
    """
    session.execute(delete(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.attempts == 0,
        OutboxMessage.next_attempt_at <= ctx.now,
        OutboxMessage.dedupe_key.like(f"reminder:{mentor.id}:%")))
