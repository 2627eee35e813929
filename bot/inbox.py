"""Storing webhook events once: the unique webhookEventId makes redeliveries harmless."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import EventStatus, WebhookEvent
from models.upsert import insert_ignoring_conflicts

from .events import is_handled, occurred_at

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
        "is_redelivery": bool((raw.get("deliveryContext") or {}).get("isRedelivery")),
        "status": EventStatus.PENDING,
        "attempts": 0,
        "payload": raw,
    } for raw in raw_events if is_handled(raw)]
    if not rows:
        return []
    stmt = (insert_ignoring_conflicts(session, WebhookEvent, ["webhook_event_id"])
            .returning(WebhookEvent.id, WebhookEvent.occurred_at))
    new = session.execute(stmt, rows).all()
    return [row.id for row in sorted(new, key=lambda r: (r.occurred_at, r.id))]


def claim(session: Session, event_id: int, now: datetime) -> bool:
    """Mark a pending event as being processed; False if another worker has it already."""
    result = session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_id, WebhookEvent.status == EventStatus.PENDING)
        .values(status=EventStatus.PROCESSING, claimed_at=now,
                attempts=WebhookEvent.attempts + 1))
    return result.rowcount == 1


def stalled(session: Session, older_than: datetime, limit: int = 100) -> list[int]:
    """Events stuck pending or processing (a worker died): candidates for another go."""
    return list(session.scalars(
        select(WebhookEvent.id)
        .where(WebhookEvent.status.in_([EventStatus.PENDING, EventStatus.PROCESSING]),
               WebhookEvent.received_at < older_than)
        .order_by(WebhookEvent.occurred_at).limit(limit)))
