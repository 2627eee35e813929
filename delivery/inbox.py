"""Storing webhook events once: the unique webhookEventId makes redeliveries harmless."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from models import EventStatus, WebhookEvent
from models.upsert import insert_ignoring_conflicts

from .events import Triage, for_storage, is_redelivery, occurred_at, triage


class Stored(NamedTuple):
    """A stored event as the processor is handed it: its row and whose lock it needs."""
    id: int
    line_user_id: str | None


def record(session: Session, raw_events: list[dict], now: datetime) -> list[Stored]:
    """Store the events this bot acts on; return the new ones, oldest event first.

    An event already stored (a redelivery, or the same delivery racing in another worker) is
    skipped by the database itself (ON CONFLICT DO NOTHING), so exactly one worker gets its id.
    """
    rows = [{
        "webhook_event_id": raw["webhookEventId"],
        "event_type": raw["type"],
        "line_user_id": raw["source"].get("userId"),
        "occurred_at": occurred_at(raw),
        "received_at": now,
        "is_redelivery": is_redelivery(raw),
        "status": EventStatus.PENDING,
        "attempts": 0,
        "payload": for_storage(raw),   # a national ID typed in the text is masked already
    } for raw in raw_events if triage(raw) is Triage.STORE]
    if not rows:
        return []
    # A Core insert: no ORM bulk-insert machinery per request.
    table = cast(Table, WebhookEvent.__table__)
    stmt = (insert_ignoring_conflicts(session, table, ["webhook_event_id"])
            .returning(table.c.id, table.c.line_user_id, table.c.occurred_at))
    new = session.execute(stmt, rows).all()
    return [Stored(row.id, row.line_user_id)
            for row in sorted(new, key=lambda r: (r.occurred_at, r.id))]


def claim(session: Session, event_id: int, now: datetime) -> bool:
    """Mark a pending event as being processed; False if another worker has it already."""
    result = cast(CursorResult, session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_id, WebhookEvent.status == EventStatus.PENDING)
        .values(status=EventStatus.PROCESSING, claimed_at=now,
                attempts=WebhookEvent.attempts + 1)))
    return result.rowcount == 1


def next_for_user(session: Session, line_user_id: str) -> tuple[WebhookEvent | None, bool]:
    """The user's oldest pending event, and whether another is waiting behind it, in one
    query. Called with the user's lock held: events are claimed, handled and marked done in
    one transaction under that lock, so no other worker can take these rows meanwhile and an
    event being handled is never seen as pending by anyone else."""
    first_two = list(session.scalars(
        select(WebhookEvent)
        .where(WebhookEvent.line_user_id == line_user_id,
               WebhookEvent.status == EventStatus.PENDING)
        .order_by(WebhookEvent.occurred_at, WebhookEvent.id).limit(2)))
    if not first_two:
        return None, False
    return first_two[0], len(first_two) > 1


def stalled(session: Session, pending_before: datetime, claimed_before: datetime,
            limit: int = 100) -> list[Stored]:
    """Events a dead worker left behind: pending since before ``pending_before``, or claimed
    before ``claimed_before`` (a limit longer than any transaction, so an event still being
    worked on is never taken twice)."""
    return [Stored(row.id, row.line_user_id) for row in session.execute(
        select(WebhookEvent.id, WebhookEvent.line_user_id)
        .where(or_(and_(WebhookEvent.status == EventStatus.PENDING,
                        WebhookEvent.received_at < pending_before),
                   and_(WebhookEvent.status == EventStatus.PROCESSING,
                        func.coalesce(WebhookEvent.claimed_at, WebhookEvent.received_at)
                        < claimed_before)))
        .order_by(WebhookEvent.occurred_at, WebhookEvent.id).limit(limit))]
