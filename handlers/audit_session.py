"""The audit trail of one transaction: who acts in it, and the records it commits.

The chat router (for the person whose event it is) and the dashboard (for the signed-in person)
put an actor on their session with ``act_as``. From then on:

- every household-linked row the session's flushes insert, update or delete becomes a CHANGE
  record (handlers/audit_changes.py decides which rows and whose household);
- ``viewed`` queues a VIEW record of what the person was shown;

and all of them are written in ONE INSERT when the transaction (or the savepoint the event is
handled in) commits, however many flushes it took. A rolled-back savepoint drops the records
queued inside it, so the trail never tells of work that did not happen. A session without an
actor records nothing here: system jobs and imports write their own summary rows
(handlers/audit.py).

A read-only transaction never commits: its owner takes the queued records (``take``) and
writes them in a short transaction of their own (``write``), as the dashboard does for pages.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event, insert, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from models import AuditAction, AuditEvent, Household

from . import audit_changes
from .audit import Actor, Area, row

KEY = "audit_trail"

# What ``viewed`` takes: a household loaded, or its (id, province, district).
Seen = Household | tuple[int, str, str]


@dataclass
class Trail:
    actor: Actor
    now: datetime
    # (the transaction a record was queued in, the record's values): a rollback of that
    # transaction (or of one around it) drops the record.
    pending: list[tuple[SessionTransaction | None, dict]] = field(default_factory=list)


def act_as(session: Session, actor: Actor, now: datetime) -> None:
    """What this session does from now on is done by ``actor``, at ``now``."""
    session.info[KEY] = Trail(actor, now)


def trail_of(session: Session) -> Trail | None:
    return session.info.get(KEY)


def queue(session: Session, rows: Iterable[dict]) -> None:
    trail = trail_of(session)
    if trail is None:
        return
    # None: nothing has begun yet; the records go with the next commit.
    where = session.get_nested_transaction() or session.get_transaction()
    trail.pending.extend((where, r) for r in rows)


def viewed(session: Session, subject: str, seen: Iterable[tuple[Seen, dict | None]]) -> None:
    """VIEW records of what the acting person was shown: one per (household, detail). The
    detail holds ids only (a case's, a request's)."""
    trail = trail_of(session)
    if trail is None:
        return
    queue(session, [row(trail.actor, AuditAction.VIEW, subject, trail.now,
                        household_id=household_id, area=area, detail=detail)
                    for (household_id, area), detail in
                    ((_where(household), detail) for household, detail in seen)])


def viewed_one(session: Session, subject: str, household: Seen,
               detail: dict | None = None) -> None:
    viewed(session, subject, [(household, detail)])


def viewed_ids(session: Session, subject: str, household_ids: Iterable[int],
               detail: dict | None = None) -> None:
    """VIEW records of households known by id only (a list's rows): their areas are looked
    up, in one query, when the records are written."""
    trail = trail_of(session)
    if trail is None:
        return
    queue(session, [row(trail.actor, AuditAction.VIEW, subject, trail.now,
                        household_id=household_id, detail=detail)
                    for household_id in household_ids])


def _where(household: Seen) -> tuple[int, Area]:
    if isinstance(household, Household):
        return household.id, Area(household.province, household.district)
    household_id, province, district = household
    return household_id, Area(province, district)


def take(session: Session) -> list[dict]:
    """The records queued and not written yet, taken off the session (a read-only
    transaction's, to be written by ``write`` in a transaction of its own)."""
    trail = trail_of(session)
    if trail is None:
        return []
    rows = [r for _, r in trail.pending]
    trail.pending.clear()
    return rows


def write(session: Session, rows: list[dict]) -> int:
    """Write records in one INSERT (their missing areas looked up in one query first)."""
    if not rows:
        return 0
    _fill_areas(session, rows)
    # Through the connection, not the ORM: nothing in the session's flush bookkeeping (or
    # the delivery's change watch) mistakes the trail for a change the person made.
    session.connection().execute(insert(AuditEvent), rows)
    return len(rows)


def _fill_areas(session: Session, rows: list[dict]) -> None:
    missing = {r["household_id"] for r in rows
               if r["household_id"] is not None and r["province"] is None}
    if not missing:
        return
    areas = {hid: (province, district) for hid, province, district in session.connection()
             .execute(select(Household.id, Household.province, Household.district)
                      .where(Household.id.in_(missing)))}
    for r in rows:
        if r["household_id"] in areas and r["province"] is None:
            r["province"], r["district"] = areas[r["household_id"]]


# -- the session's events -------------------------------------------------------------------
@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    trail = trail_of(session)
    if trail is not None:
        queue(session, audit_changes.flushed(session, trail.actor, trail.now))


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    trail = trail_of(state.session)
    if trail is not None and state.is_insert:
        queue(state.session, audit_changes.inserted(state, trail.actor, trail.now))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    trail = trail_of(session)
    if trail is None:
        return
    # The commit's own flush would come after this hook: flush first, so its changes are in
    # the same single INSERT.
    session.flush()
    write(session, take(session))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    trail = trail_of(session)
    if trail is None or not trail.pending:
        return
    undone = previous
    while undone.parent is not None and not undone.nested:   # the savepoint or the whole
        undone = undone.parent
    trail.pending[:] = [(where, r) for where, r in trail.pending
                        if not _within(where, undone)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False
