"""The TPMAP dimensions a household failed (from the roster) that it has since passed.

A pass is kept in dimension_passes, apart from household_dimensions (which the roster import
rewrites), and every pass and reopening is recorded in dimension_changes. What still fails is
the roster's dimensions less the passed ones, counted by the database for many households at
once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, delete, distinct, func, select
from sqlalchemy.orm import Session

from models import DimensionChange, DimensionPass, Household, HouseholdDimension, Person
from models.dimensions import DIMENSIONS
from models.upsert import insert_ignoring_conflicts

from .context import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DimensionState:
    code: str
    passed_on: date | None    # None: still failing


def in_template_order(codes) -> list[str]:
    return sorted(codes, key=lambda code: list(DIMENSIONS).index(code)
                  if code in DIMENSIONS else len(DIMENSIONS))


def states_of(session: Session, household: Household) -> list[DimensionState]:
    """The household's failing roster dimensions, in the template's order, each with the day
    it was passed (None while it still fails)."""
    passed = {row.dimension: row.passed_on for row in session.scalars(
        select(DimensionPass).where(DimensionPass.household_id == household.id))}
    return [DimensionState(code, passed.get(code))
            for code in in_template_order(household.dimensions)]


def passed_of(session: Session, household_ids: list[int]) -> dict[int, set[str]]:
    """household id -> the dimensions passed, for many households in one query."""
    if not household_ids:
        return {}
    found: dict[int, set[str]] = {}
    for household_id, dimension in session.execute(
            select(DimensionPass.household_id, DimensionPass.dimension)
            .where(DimensionPass.household_id.in_(household_ids))):
        found.setdefault(household_id, set()).add(dimension)
    return found


def _pass_of_row():
    """Joins a household_dimensions row to its pass, if any: a row with no pass still fails."""
    return and_(DimensionPass.household_id == HouseholdDimension.household_id,
                DimensionPass.dimension == HouseholdDimension.dimension)


def failing_totals(session: Session, *where) -> tuple[int, int, int]:
    """Over the households matching ``where`` (conditions on Household), in one aggregate
    query: (households with a dimension still failing, dimensions still failing, passed)."""
    failing = DimensionPass.household_id.is_(None)
    households, still, passed = session.execute(
        select(func.count(distinct(case((failing, HouseholdDimension.household_id)))),
               func.sum(case((failing, 1), else_=0)), func.count(DimensionPass.household_id))
        .select_from(HouseholdDimension)
        .join(Household, Household.id == HouseholdDimension.household_id)
        .outerjoin(DimensionPass, _pass_of_row())
        .where(*where)).one()
    return int(households or 0), int(still or 0), int(passed or 0)


def pass_dimension(session: Session, household: Household, person: Person, dimension: str,
                   on: date, ctx: Context) -> bool:
    """Mark a failing roster dimension as passed on ``on``. False (nothing recorded) when it
    is not one of the household's failing dimensions or is passed already (a repeated tap)."""
    if dimension not in household.dimensions:
        return False
    inserted = session.execute(
        insert_ignoring_conflicts(session, DimensionPass, ["household_id", "dimension"])
        .returning(DimensionPass.household_id),
        [{"household_id": household.id, "dimension": dimension, "passed_on": on,
          "passed_by_id": person.id}]).first()
    if inserted is None:
        return False
    session.add(DimensionChange(household_id=household.id, dimension=dimension, passed=True,
                                on=on, changed_by_id=person.id, changed_at=ctx.now))
    log.info("dimension passed: household=%s", household.id)
    return True


def reopen_dimension(session: Session, household: Household, person: Person, dimension: str,
                     ctx: Context) -> bool:
    """The household fails the dimension again (today). False when it was not passed."""
    removed = session.execute(
        delete(DimensionPass).where(DimensionPass.household_id == household.id,
                                    DimensionPass.dimension == dimension)
        .returning(DimensionPass.household_id)).first()
    if removed is None:
        return False
    session.add(DimensionChange(household_id=household.id, dimension=dimension, passed=False,
                                on=ctx.today, changed_by_id=person.id, changed_at=ctx.now))
    log.info("dimension reopened: household=%s", household.id)
    return True
