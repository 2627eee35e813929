"""Queueing messages in the outbox (the sender in bot/outbox_sender.py delivers them)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from handlers.replies import Push
from models import OutboxKind, OutboxMessage, OutboxStatus
from models.upsert import insert_ignoring_conflicts

from .render import Renderer

MULTICAST_MAX = 500   # LINE's limit of recipients per multicast


def enqueue(session: Session, renderer: Renderer, push: Push, now: datetime) -> int:
    """Queue a push (one recipient) or multicasts (batches of 500); return the rows queued.

    With a ``dedupe_key`` a second enqueue of the same key is a no-op (unique constraint): that
    is what makes jobs and event handlers safe to run twice. Rows without a key never clash.
    """
    return enqueue_messages(session, push.to, renderer.messages(list(push.replies)), now,
                            dedupe_key=push.dedupe_key, silent=push.silent)


def enqueue_messages(session: Session, to, messages: list[dict], now: datetime, *,
                     dedupe_key: str | None = None, silent: bool = False) -> int:
    """Queue already-rendered LINE messages for ``to`` (LINE user ids)."""
    recipients = list(dict.fromkeys(to))   # de-duplicated, order kept
    if not recipients:
        return 0
    batches = [recipients[i:i + MULTICAST_MAX] for i in range(0, len(recipients), MULTICAST_MAX)]
    rows = [{
        "kind": OutboxKind.PUSH if len(batch) == 1 else OutboxKind.MULTICAST,
        "recipients": batch,
        "messages": messages,
        "notification_disabled": silent,
        "dedupe_key": _batch_key(dedupe_key, n, len(batches)),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "retry_key": str(uuid.uuid4()),
    } for n, batch in enumerate(batches)]
    stmt = insert_ignoring_conflicts(session, OutboxMessage, rows, ["dedupe_key"])
    # Counted through RETURNING: drivers disagree on rowcount for multi-row inserts.
    return len(session.execute(stmt.returning(OutboxMessage.id)).all())


def _batch_key(key: str | None, n: int, total: int) -> str | None:
    if key is None or total == 1:
        return key
    return f"{key}#{n}"
