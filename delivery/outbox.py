"""Queueing messages in the outbox (the sender in delivery/outbox_sender.py delivers them)."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.replies import Push
from models import OutboxCategory, OutboxKind, OutboxMessage, OutboxStatus
from models.upsert import insert_ignoring_conflicts

from .render import Renderer

MULTICAST_MAX = 500   # LINE's limit of recipients per multicast
_KEY_CHUNK = 1000


def enqueue(session: Session, renderer: Renderer, push: Push, now: datetime) -> int:
    """Queue one push; see ``enqueue_all``."""
    return enqueue_all(session, renderer, [push], now)


def enqueue_all(session: Session, renderer: Renderer, pushes: Iterable[Push],
                now: datetime) -> int:
    """Queue pushes (one recipient: a push; more: multicasts of at most 500); return the
    number of outbox rows written.

    A push whose ``dedupe_key`` is already in the outbox is skipped before it is even rendered
    (a job run twice costs one look-up), and the unique constraint settles any race. All rows
    go in one batched statement.
    """
    pushes = list(pushes)
    taken = _existing_keys(session, [p.dedupe_key for p in pushes if p.dedupe_key])
    rows: list[dict] = []
    for push in pushes:
        if push.dedupe_key and push.dedupe_key in taken:
            continue
        rows += _rows(push.to, renderer.messages(list(push.replies)), now,
                      dedupe_key=push.dedupe_key, silent=push.silent,
                      category=OutboxCategory(push.category), urgent=push.urgent,
                      expires_at=push.expires_at)
    return _insert(session, rows)


def enqueue_messages(session: Session, to, messages: list[dict], now: datetime, *,
                     dedupe_key: str | None = None, silent: bool = False,
                     category: OutboxCategory = OutboxCategory.ALERT, urgent: bool = False) -> int:
    """Queue already-rendered LINE messages for ``to`` (LINE user ids)."""
    return _insert(session, _rows(to, messages, now, dedupe_key=dedupe_key, silent=silent,
                                  category=category, urgent=urgent))


def _rows(to, messages: list[dict], now: datetime, *, dedupe_key: str | None, silent: bool,
          category: OutboxCategory, urgent: bool,
          expires_at: datetime | None = None) -> list[dict]:
    recipients = list(dict.fromkeys(to))   # de-duplicated, order kept
    batches = [recipients[i:i + MULTICAST_MAX] for i in range(0, len(recipients), MULTICAST_MAX)]
    return [{
        "kind": OutboxKind.PUSH if len(batch) == 1 else OutboxKind.MULTICAST,
        "recipients": batch,
        "messages": messages,
        "notification_disabled": silent,
        "category": category,
        "urgent": urgent,
        "expires_at": expires_at,
        # The first batch carries the key itself, so "already queued?" is one look-up.
        "dedupe_key": dedupe_key if dedupe_key is None or n == 0 else f"{dedupe_key}#{n}",
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "retry_key": str(uuid.uuid4()),
    } for n, batch in enumerate(batches)]


def _insert(session: Session, rows: list[dict]) -> int:
    if not rows:
        return 0
    stmt = insert_ignoring_conflicts(session, OutboxMessage, ["dedupe_key"])
    # Counted through RETURNING: drivers disagree on rowcount for batched inserts.
    return len(session.execute(stmt.returning(OutboxMessage.id), rows).all())


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), _KEY_CHUNK):
        found.update(session.scalars(select(OutboxMessage.dedupe_key)
                                     .where(OutboxMessage.dedupe_key.in_(keys[i:i + _KEY_CHUNK]))))
    return found
