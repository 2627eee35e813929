"""Storing webhook events once: the unique webhookEventId makes redeliveries harmless."""
from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from models import EventStatus, WebhookEvent
from models.upsert import insert_ignoring_conflicts

from .events import Triage, is_redelivery, occurred_at, triage


def record(session: Session, raw_events: list[dict], now: datetime) -> list[int]:
    """Store the events this bot acts on; return the ids of the new ones, oldest event first.

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
        "payload": raw,
    } for raw in raw_events if triage(raw) is Triage.STORE]
    if not rows:
        return []
    stmt = (insert_ignoring_conflicts(session, WebhookEvent, ["webhook_event_id"])
            .returning(WebhookEvent.id, WebhookEvent.occurred_at))
    new = session.execute(stmt, rows).all()
    return [row.id for row in sorted(new, key=lambda r: (r.occurred_at, r.id))]


def claim(session: Session, event_id: int, now: datetime) -> bool:
    """Mark a pending event as being processed; False if another worker has it already."""
    result = cast(CursorResult, session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_id, WebhookEvent.status == EventStatus.PENDING)
        .values(status=EventStatus.PROCESSING, claimed_at=now,
                attempts=WebhookEvent.attempts + 1)))
    return result.rowcount == 1


def next_for_user(session: Session, line_user_id: str, busy_since: datetime) -> int | None:
    """The user's oldest pending event, or None when there is none or one of theirs is being
    processed right now (claimed after ``busy_since``): that worker takes the rest in turn.
    Called with the user's lock held, so the answer cannot change under the caller."""
    mine = WebhookEvent.line_user_id == line_user_id
    busy = session.scalar(select(WebhookEvent.id).where(
        mine, WebhookEvent.status == EventStatus.PROCESSING,
        WebhookEvent.claimed_at >= busy_since).limit(1))
    if busy is not None:
        return None
    return session.scalar(
        select(WebhookEvent.id).where(mine, WebhookEvent.status == EventStatus.PENDING)
        .order_by(WebhookEvent.occurred_at, WebhookEvent.id).limit(1))


def has_pending(session: Session, line_user_id: str) -> bool:
    """Whether the user has an event still waiting (one indexed lookup)."""
    return session.scalar(select(WebhookEvent.id).where(
        WebhookEvent.line_user_id == line_user_id,
        WebhookEvent.status == EventStatus.PENDING).limit(1)) is not None


def stalled(session: Session, pending_before: datetime, claimed_before: datetime,
            limit: int = 100) -> list[int]:
    """Events a dead worker left behind: pending since before ``pending_before``, or claimed
    before ``claimed_before`` (a limit longer than any transaction, so an event still being
    worked on is never taken twice)."""
    return list(session.scalars(
        select(WebhookEvent.id)
        .where(or_(and_(WebhookEvent.status == EventStatus.PENDING,
                        WebhookEvent.received_at < pending_before),
                   and_(WebhookEvent.status == EventStatus.PROCESSING,
                        func.coalesce(WebhookEvent.claimed_at, WebhookEvent.received_at)
                        < claimed_before)))
        .order_by(WebhookEvent.occurred_at, WebhookEvent.id).limit(limit)))
