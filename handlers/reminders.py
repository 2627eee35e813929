"""Reminders queued but not sent yet, dropped when what they say stops being true."""
from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import OutboxMessage, OutboxStatus

from .context import Context


def drop_unsent_reminders(session: Session, mentor_id: int, ctx: Context) -> None:
    """A reminder not sent yet may name a household just visited (or one that just left the
    programme): drop it. The clock's next tick queues a fresh one (same natural key) with only
    what is still due.

    Only one never tried and not being sent right now (leased): a reminder LINE may already
    have delivered (a timeout) stays, so nobody gets two in a day.
    """
    session.execute(delete(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.attempts == 0,
        OutboxMessage.next_attempt_at <= ctx.now,
        OutboxMessage.dedupe_key.like(f"reminder:{mentor_id}:%")))
