"""Writing the audit trail: who saw, changed, exported or erased which household's data.

One function for every caller, so what a record holds is decided here: ids, the area, a short
subject code and a detail of ids, filters and counts. Never a name, a phone number, a house code
or typed text: the trail outlives an erasure and may be handed over after a breach.

Records are added to the caller's session, so they commit (or roll back) with the work they
describe: a view that failed leaves no trace, a change that committed always does.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models import AuditAction, AuditChannel, AuditEvent, Household, Person

SUBJECT_MAX = 40   # audit_events.subject


@dataclass(frozen=True)
class Actor:
    """Who acted and from where. ``person`` None: the operator (CLI) or the system (clock)."""
    channel: AuditChannel
    person_id: int | None = None
    role: str | None = None

    @classmethod
    def of(cls, person: Person | None, channel: AuditChannel) -> Actor:
        if person is None:
            return cls(channel)
        return cls(channel, person.id, person.role.value)


OPERATOR = Actor(AuditChannel.OPERATOR)
SYSTEM = Actor(AuditChannel.SYSTEM)


@dataclass(frozen=True)
class Area:
    """The area a record belongs to, when no household is named (an export of a district)."""
    province: str | None
    district: str | None = None


def record(session: Session, actor: Actor, action: AuditAction, subject: str, now: datetime,
           household: Household | None = None, area: Area | None = None,
           detail: dict | None = None) -> None:
    """One audit record, added to ``session``. ``household`` gives the record its household
    and area; without it, ``area`` (or none, for the whole programme)."""
    session.add(AuditEvent(**_row(actor, action, subject, now, household, area, detail)))


def record_many(session: Session, actor: Actor, action: AuditAction, subject: str,
                now: datetime, households: Iterable[tuple[int, str, str]],
                detail: dict | None = None) -> int:
    """One record per household, in one statement: ``households`` as (id, province, district)
    tuples (a list seen at once, a purge). Returns how many were written."""
    rows = [{**_row(actor, action, subject, now, None, Area(province, district), detail),
             "household_id": household_id}
            for household_id, province, district in households]
    if rows:
        session.execute(insert(AuditEvent), rows)
    return len(rows)


def row(actor: Actor, action: AuditAction, subject: str, now: datetime, *,
        household_id: int | None = None, area: Area | None = None,
        detail: dict | None = None) -> dict:
    """One record as its columns' values, for a caller that writes many in one statement
    (handlers/audit_session.py). ``area`` None with a ``household_id``: the area is looked up
    when the records are written."""
    return {**_row(actor, action, subject, now, None, area, detail),
            "household_id": household_id}


def _row(actor: Actor, action: AuditAction, subject: str, now: datetime,
         household: Household | None, area: Area | None, detail: dict | None) -> dict:
    if household is not None:
        area = Area(household.province, household.district)
    return {"at": now, "actor_id": actor.person_id, "actor_role": actor.role,
            "channel": actor.channel, "action": action, "subject": subject[:SUBJECT_MAX],
            "household_id": household.id if household is not None else None,
            "province": area.province if area else None,
            "district": area.district if area else None, "detail": detail}
