"""Household development plans (programme steps 2 and 3): the household's highest goal, the
action-plan items and every change of an item's status, kept as history.

Plan items are planned by the month: a month is stored as the first day of that month.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    GoalLevel,
    GoalLevelChange,
    Household,
    HouseholdPlan,
    ItemStatus,
    Person,
    PlanItem,
    PlanItemRevision,
    PlanItemStatusChange,
)
from models.dimensions import DIMENSIONS
from models.upsert import insert_ignoring_conflicts

from .context import Context
from .thai_dates import month_number, parse_typed_date, typed_year
from .thai_text import clean

log = logging.getLogger(__name__)

GOAL_MAX = 500      # characters of the household's highest goal
ACTION_MAX = 300    # characters of what the household does / what is supported


@dataclass(frozen=True)
class ItemDraft:
    dimension: str
    household_action: str
    support_action: str | None
    start_month: date
    end_month: date


# -- reading -------------------------------------------------------------------------------
def plan_of(session: Session, household_id: int) -> HouseholdPlan | None:
    return session.get(HouseholdPlan, household_id)


TEMPLATE_ORDER = {code: position for position, code in enumerate(DIMENSIONS)}


def items_of(session: Session, household_id: int) -> list[PlanItem]:
    """The items of the household's plan (removed ones left out), in one query, in the
    provincial template's row order: by dimension (models.dimensions.DIMENSIONS), oldest first
    within each. An item's place in this list is its number on the card."""
    found = session.scalars(select(PlanItem).where(PlanItem.household_id == household_id,
                                                   PlanItem.removed_at.is_(None)))
    return sorted(found, key=lambda item: (TEMPLATE_ORDER.get(item.dimension, len(DIMENSIONS)),
                                           item.id))


def level_history(session: Session, household_id: int) -> list[GoalLevelChange]:
    """Every move of the household's goal level, oldest first."""
    return list(session.scalars(select(GoalLevelChange)
                                .where(GoalLevelChange.household_id == household_id)
                                .order_by(GoalLevelChange.changed_at, GoalLevelChange.id)))


# -- changing ------------------------------------------------------------------------------
def set_goal(session: Session, household: Household, person: Person, goal: str,
             level: GoalLevel, ctx: Context) -> HouseholdPlan:
    """Create or replace the household's goal (one plan row per household)."""
    goal = goal.strip()
    if not goal or len(goal) > GOAL_MAX:
        raise ValueError("goal must be 1..500 characters")
    # Upsert that two mentors' taps at once cannot turn into a primary-key clash.
    session.execute(insert_ignoring_conflicts(session, HouseholdPlan, ["household_id"]),
                    [{"household_id": household.id, "updated_at": ctx.now}])
    plan = session.scalar(select(HouseholdPlan).where(HouseholdPlan.household_id == household.id)
                          .with_for_update().execution_options(populate_existing=True))
    if plan is None:   # the insert above made sure of it
        raise LookupError(f"household {household.id}: no plan row after the upsert")
    if plan.level is not level:   # the level moved (or was set for the first time)
        session.add(GoalLevelChange(household_id=household.id, from_level=plan.level,
                                    to_level=level, changed_by_id=person.id,
                                    changed_at=ctx.now))
        log.info("plan level: household=%s %s -> %s", household.id,
                 plan.level.value if plan.level else None, level.value)
    plan.goal, plan.level = goal, level
    plan.updated_by_id, plan.updated_at = person.id, ctx.now
    log.info("plan goal set: household=%s level=%s", household.id, level.value)
    return plan


def _checked(draft: ItemDraft) -> ItemDraft:
    """The draft as stored (months as their first days, texts trimmed), or ValueError."""
    if draft.dimension not in DIMENSIONS:
        raise ValueError("unknown dimension")
    start, end = first_of_month(draft.start_month), first_of_month(draft.end_month)
    if end < start:
        raise ValueError("the end month is before the start month")
    if not draft.household_action.strip():
        raise ValueError("the household's action is empty")
    return ItemDraft(dimension=draft.dimension, household_action=draft.household_action.strip(),
                     support_action=(draft.support_action or "").strip() or None,
                     start_month=start, end_month=end)


def add_item(session: Session, household: Household, person: Person, draft: ItemDraft,
             ctx: Context) -> PlanItem:
    """A new action-plan row, not started yet; its first history row is 'from nothing'."""
    draft = _checked(draft)
    item = PlanItem(household_id=household.id, dimension=draft.dimension,
                    household_action=draft.household_action,
                    support_action=draft.support_action,
                    start_month=draft.start_month, end_month=draft.end_month,
                    status=ItemStatus.NOT_STARTED,
                    created_by_id=person.id, created_at=ctx.now, updated_at=ctx.now)
    session.add(item)
    session.flush()
    session.add(PlanItemStatusChange(item_id=item.id, from_status=None,
                                     to_status=ItemStatus.NOT_STARTED, changed_by_id=person.id,
                                     changed_at=ctx.now))
    log.info("plan item added: household=%s item=%s", household.id, item.id)
    return item


def change_status(session: Session, item: PlanItem, person: Person, status: ItemStatus,
                  ctx: Context, *, locked: bool = False) -> bool:
    """Set the item's status and record the change. False (and nothing recorded) when the
    item already has that status: a repeated or stale tap is not a change. ``locked``: the
    caller read the row FOR UPDATE in this transaction already, as it is now."""
    if not locked:
        session.refresh(item, with_for_update=True)   # the status as it is now, held until commit
    if item.status is status:
        return False
    session.add(PlanItemStatusChange(item_id=item.id, from_status=item.status, to_status=status,
                                     changed_by_id=person.id, changed_at=ctx.now))
    log.info("plan item status: item=%s %s -> %s", item.id, item.status.value, status.value)
    item.status, item.updated_at = status, ctx.now
    return True


class Revision(str, Enum):
    EDIT = "edit"
    REMOVE = "remove"


def draft_of(item: PlanItem) -> ItemDraft:
    """The item's texts, dimension and months as they are now."""
    return ItemDraft(dimension=item.dimension, household_action=item.household_action,
                     support_action=item.support_action, start_month=item.start_month,
                     end_month=item.end_month)


def _keep_revision(session: Session, item: PlanItem, person: Person, change: Revision,
                   ctx: Context) -> None:
    """The item as it was, before this edit or its removal."""
    session.add(PlanItemRevision(item_id=item.id, change=change.value, dimension=item.dimension,
                                 household_action=item.household_action,
                                 support_action=item.support_action,
                                 start_month=item.start_month, end_month=item.end_month,
                                 changed_by_id=person.id, changed_at=ctx.now))


def edit_item(session: Session, item: PlanItem, person: Person, draft: ItemDraft,
              ctx: Context) -> bool:
    """Replace the item's texts, dimension and months, keeping the old ones as a revision.
    False (nothing recorded) when nothing changes, or the item was removed meanwhile."""
    draft = _checked(draft)
    session.refresh(item, with_for_update=True)   # as it is now, held until commit
    if item.removed_at is not None or draft_of(item) == draft:
        return False
    _keep_revision(session, item, person, Revision.EDIT, ctx)
    item.dimension, item.household_action = draft.dimension, draft.household_action
    item.support_action = draft.support_action
    item.start_month, item.end_month = draft.start_month, draft.end_month
    item.updated_at = ctx.now
    log.info("plan item edited: item=%s", item.id)
    return True


def remove_item(session: Session, item: PlanItem, person: Person, ctx: Context) -> bool:
    """Take the item out of the plan: it stays in the database (with its history and a last
    revision) but leaves the card and the counts. False when it was removed already."""
    session.refresh(item, with_for_update=True)
    if item.removed_at is not None:
        return False
    _keep_revision(session, item, person, Revision.REMOVE, ctx)
    item.removed_at, item.removed_by_id, item.updated_at = ctx.now, person.id, ctx.now
    log.info("plan item removed: item=%s", item.id)
    return True


# -- months --------------------------------------------------------------------------------
_NUMERIC = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{2,4})")
_WORDED = re.compile(r"(\D+?)\s*(\d{2,4})")     # month words: thai_dates.month_number


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def parse_typed_month(text: str) -> date | None:
    """'พ.ค. 2569', 'พค 2569', 'พฤษภาคม 2569', '5/2569', '๕/๒๕๖๙', '5/69', '5/2026' (or a whole
    date such as '7/5/2569') -> the first day of that month; None if it is not a month."""
    typed = clean(text)
    numeric, worded = _NUMERIC.fullmatch(typed), _WORDED.fullmatch(typed)
    if numeric:
        month, year = int(numeric.group(1)), typed_year(numeric.group(2))
    elif worded and (number := month_number(worded.group(1))):
        month, year = number, typed_year(worded.group(2))
    else:
        day = parse_typed_date(typed)
        return first_of_month(day) if day else None
    if not 1 <= month <= 12 or not 1900 <= year <= 2400:
        return None
    return date(year, month, 1)
