"""The clock's jobs. Each is idempotent, so a second clock process by mistake is harmless."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete

from bot.outbox_sender import OutboxSender
from bot.processing import EventProcessor
from bot.services import Services
from models import EventStatus, WebhookEvent

log = logging.getLogger(__name__)

# Processed webhook ids are kept long enough to recognise LINE's redeliveries (LINE retries for
# a while after failures), then dropped.
EVENT_RETENTION = timedelta(days=7)


def drain_outbox(svc: Services):
    sender = OutboxSender(svc.db, svc.line, svc.clock, batch=int(svc.config["OUTBOX_BATCH"]),
                          max_attempts=int(svc.config["OUTBOX_MAX_ATTEMPTS"]))
    return sender.drain()


def recover_events(svc: Services) -> int:
    """Handle webhook events a dead web worker left behind."""
    processor = EventProcessor(svc, mode="inline")
    return processor.recover_stalled()


def purge_webhook_events(svc: Services) -> int:
    cutoff = svc.clock() - EVENT_RETENTION
    with svc.db.transaction() as session:
        result = session.execute(delete(WebhookEvent).where(
            WebhookEvent.received_at < cutoff,
            WebhookEvent.status.in_([EventStatus.DONE, EventStatus.FAILED])))
    return result.rowcount or 0
