"""First-visit due dates: a household is due N days after it was assigned to its mentor, until
that mentor's first visit sets the next date."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Assignment, Household, HouseholdStatus

from .policy import Policy

BATCH = 5000


def schedule_first_visits(session: Session, policy: Policy) -> int:
    """Give every assigned household without a due date (never visited, or just moved to a new
    mentor) its first one: FIRST_VISIT_DAYS after the assignment.

    Done here (not at import) so it also covers households assigned any other way, and it is
    idempotent: a household that has a due date is never touched again.
    """
    rows = session.execute(
        select(Household.id, Assignment.assigned_at)
        .join(Assignment, Assignment.household_id == Household.id)
        .where(Assignment.ended_at.is_(None), Household.next_visit_due.is_(None),
               Household.status == HouseholdStatus.ACTIVE)
        .limit(BATCH)).all()
    if not rows:
        return 0
    session.execute(update(Household), [
        {"id": household_id, "next_visit_due": _first_due(assigned_at, policy)}
        for household_id, assigned_at in rows])
    return len(rows)


def _first_due(assigned_at: datetime, policy: Policy):
    return policy.local(assigned_at).date() + timedelta(days=policy.first_visit_days)
