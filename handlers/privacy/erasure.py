"""Erasing a household: what identifies the family, and everything typed about it, goes; the
rows, dates, dimensions, statuses, amounts, agencies and the area stay, so every count and
monthly figure is what it was.

Gone: the head's name and the house number, the house code (replaced by a placeholder made
from the row's id: unique, meaningless outside the database), the typed text of its visits
(the 4 ท), problems, cases and their events, assistance records, exit requests, plan goal, plan
items and their earlier wordings, its visit photos, the conversations holding it half-way, the
outbox rows naming it (``erase_household`` only, see outbox_scrub), and its mentor's current
assignment (no reminder, list or button names a family whose identity is gone).

Kept: the village, subdistrict, district and province (the area the statistics are by), the
member count, the agencies named (statistics by agency), every date, status and amount. The
audit trail names the household by its id only.

One household (the operator's ``mentorbot erase household``) and a batch of households (the
retention rule for households that left) run the same statements: a fixed number per batch,
whatever its size. Running it again changes nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from functools import partial

from sqlalchemy import String, Text, and_, delete, func, literal, or_, select, tuple_, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import (
    Assignment,
    AssistanceRecord,
    AuditAction,
    Case,
    CaseEvent,
    Household,
    HouseholdExit,
    HouseholdPlan,
    PlanItem,
    PlanItemRevision,
    Visit,
    VisitPhoto,
    VisitProblem,
)

from ..audit import Actor, record_many
from ..roster.cells import CellError
from ..roster.cells import house_id as normalise_house_id
from ..thai_text import clean
from . import bulk
from .conversation_scrub import reset_states_about
from .outbox_scrub import withdraw_mentions

# What users and exports see where a name or a typed text was (NOT NULL text columns; the
# others become NULL).
ERASED = "(ลบข้อมูลแล้ว)"
PLACEHOLDER_PREFIX = "X"    # real house codes are 11 digits: a placeholder never clashes
SUBJECT = "household"

# (household id, province, district): what a batch is given, and what the audit trail needs.
HouseholdRef = tuple[int, str, str]


@dataclass
class ErasureCounts:
    """Rows changed, by what they were (a second run counts zeros)."""

    households: int = 0
    visit_notes: int = 0
    problem_notes: int = 0
    photos: int = 0
    case_notes: int = 0
    case_event_notes: int = 0
    assistance_notes: int = 0
    exit_notes: int = 0
    plan_goals: int = 0
    plan_items: int = 0
    plan_item_revisions: int = 0
    assignments_ended: int = 0
    conversations_reset: int = 0
    outbox_rows: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())

    def add(self, other: ErasureCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def lines(self) -> list[str]:
        """For the operator: one "what: count" line each."""
        return [f"{f.name.replace('_', ' ')}: {getattr(self, f.name)}" for f in fields(self)]


def placeholder(household_id: int) -> str:
    """The house code an erased household gets: X and its id in 10 digits (11 characters)."""
    return f"{PLACEHOLDER_PREFIX}{household_id:010d}"


def find_household(session: Session, code: str) -> Household | None:
    """A household by its house code as typed (dashes and spaces allowed), or an erased one by
    its placeholder."""
    typed = clean(code).upper()
    try:
        typed = normalise_house_id(typed)
    except CellError:
        if not typed.startswith(PLACEHOLDER_PREFIX):
            return None
    return session.scalar(select(Household).where(Household.house_id == typed))


def erase_household(session: Session, household: Household, now: datetime, actor: Actor,
                    action: AuditAction = AuditAction.ERASE) -> ErasureCounts:
    """One household, and the outbox rows that name it (by its house code or its head's name,
    both still there unless it was erased before)."""
    counts = ErasureCounts()
    if household.erased_at is None:
        counts.outbox_rows = withdraw_mentions(
            session, [household.house_id, household.head_name], now)
    counts.add(erase_households(session, [(household.id, household.province,
                                           household.district)], now, actor, action))
    session.expire(household)
    return counts


def erase_households(session: Session, households: Sequence[HouseholdRef], now: datetime,
                     actor: Actor, action: AuditAction) -> ErasureCounts:
    """A batch of households (a few hundred at a time): a fixed number of statements. Each
    household that changed gets an audit record (``action``: erase or purge)."""
    counts = ErasureCounts()
    if not households:
        return counts
    ids = [household_id for household_id, _, _ in households]
    areas = sorted({(province, district) for _, province, district in households})
    visits = select(Visit.id).where(Visit.household_id.in_(ids))
    # Cases are indexed by their (copied) area, not by household: the area narrows the scan
    # to the batch's districts (a batch is a run of ids, so of one or a few districts).
    in_cases = and_(Case.household_id.in_(ids),
                    tuple_(Case.province, Case.district).in_(areas))
    case_ids = set(session.scalars(select(Case.id).where(in_cases)))
    item_ids = set(session.scalars(select(PlanItem.id).where(PlanItem.household_id.in_(ids))))
    run = partial(bulk.run, session)

    counts.conversations_reset = reset_states_about(session, households, case_ids, item_ids,
                                                    now)
    counts.visit_notes = run(update(Visit).where(
        Visit.household_id.in_(ids), _any_set(Visit.attitude, Visit.skills, Visit.resources,
                                              Visit.way_out))
        .values(attitude=None, skills=None, resources=None, way_out=None))
    counts.problem_notes = run(update(VisitProblem).where(
        VisitProblem.visit_id.in_(visits), VisitProblem.note.is_not(None)).values(note=None))
    counts.photos = run(delete(VisitPhoto).where(VisitPhoto.visit_id.in_(visits)))
    if case_ids:
        counts.case_notes = run(update(Case).where(
            in_cases, _any_set(Case.note, Case.outcome))
            .values(note=None, outcome=None, updated_at=now))
        counts.case_event_notes = run(update(CaseEvent).where(
            CaseEvent.case_id.in_(case_ids), CaseEvent.note.is_not(None)).values(note=None))
    counts.assistance_notes = run(update(AssistanceRecord).where(
        AssistanceRecord.household_id.in_(ids), AssistanceRecord.note.is_not(None))
        .values(note=None))
    counts.exit_notes = run(update(HouseholdExit).where(
        HouseholdExit.household_id.in_(ids), HouseholdExit.note.is_not(None)).values(note=None))
    counts.plan_goals = run(update(HouseholdPlan).where(
        HouseholdPlan.household_id.in_(ids), HouseholdPlan.goal.is_not(None)).values(goal=None))
    if item_ids:
        counts.plan_items = run(update(PlanItem).where(
            PlanItem.id.in_(item_ids), or_(PlanItem.household_action != ERASED,
                                           PlanItem.support_action.is_not(None)))
            .values(household_action=ERASED, support_action=None, updated_at=now))
        counts.plan_item_revisions = run(update(PlanItemRevision).where(
            PlanItemRevision.item_id.in_(item_ids),
            or_(PlanItemRevision.household_action != ERASED,
                PlanItemRevision.support_action.is_not(None)))
            .values(household_action=ERASED, support_action=None))
    counts.assignments_ended = run(update(Assignment).where(
        Assignment.household_id.in_(ids), Assignment.ended_at.is_(None)).values(ended_at=now))
    erased = list(session.scalars(
        update(Household).where(Household.id.in_(ids), Household.erased_at.is_(None))
        .values(head_name=ERASED, house_no=None, house_id=_placeholder_sql(session),
                erased_at=now, updated_at=now)
        .returning(Household.id).execution_options(synchronize_session=False)))
    counts.households = len(erased)
    _audit(session, households, set(erased), counts, now, actor, action)
    return counts


def _audit(session: Session, households: Sequence[HouseholdRef], erased: set[int],
           counts: ErasureCounts, now: datetime, actor: Actor, action: AuditAction) -> None:
    """A record per household erased now; for a lone household that was erased before, one
    only if something was still left to remove (a second run changes nothing, the trail
    included)."""
    if len(households) == 1:
        if counts.total:
            detail = {k: v for k, v in asdict(counts).items() if v}
            record_many(session, actor, action, SUBJECT, now, households, detail)
        return
    record_many(session, actor, action, SUBJECT, now,
                [h for h in households if h[0] in erased], {"batch": len(households)})


def _any_set(*columns) -> ColumnElement[bool]:
    return or_(*(column.is_not(None) for column in columns))


def _placeholder_sql(session: Session):
    """SQL for ``placeholder(households.id)``, so a batch is one UPDATE."""
    if session.get_bind().dialect.name == "postgresql":
        return literal(PLACEHOLDER_PREFIX, String) + func.lpad(
            sql_cast(Household.id, Text), 10, "0")
    return func.printf(f"{PLACEHOLDER_PREFIX}%010d", Household.id)
