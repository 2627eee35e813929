"""The clock's jobs. Each is idempotent, so a second clock process by mistake is harmless."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import cast

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult

from delivery.line_gateway import SendError
from delivery.services import Services
from handlers.audit import SYSTEM, Actor
from handlers.privacy.retention import PurgeReport, Retention, purge
from models import EventStatus, VisitPhoto, WebhookEvent

from .tick import run_tick

log = logging.getLogger(__name__)

# Processed webhook ids are kept long enough to recognise LINE's redeliveries (LINE retries for
# a while after failures), then dropped.
EVENT_RETENTION = timedelta(days=7)


def drain_outbox(svc: Services):
    return svc.outbox_sender().drain()


def tick(svc: Services):
    """Reminders, digests, re-raises and broadcasts that are due now (then the outbox)."""
    # Queue only: the outbox job (every few seconds) sends, with the real clock.
    return run_tick(svc, svc.clock(), send=False)


def recover_events(svc: Services) -> int:
    """Handle webhook events a dead web worker left behind."""
    if svc.processor is None:
        raise RuntimeError("services built without an event processor")
    return svc.processor.recover_stalled()


def purge_webhook_events(svc: Services) -> int:
    cutoff = svc.clock() - EVENT_RETENTION
    with svc.db.transaction() as session:
        result = cast(CursorResult, session.execute(delete(WebhookEvent).where(
            WebhookEvent.received_at < cutoff,
            WebhookEvent.status.in_([EventStatus.DONE, EventStatus.FAILED]))))
    return result.rowcount or 0


PHOTO_BATCH = 20
PHOTO_MAX_ATTEMPTS = 5
PHOTO_MAX_BYTES = 10 * 1024 * 1024


def fetch_visit_photos(svc: Services) -> int:
    """Copy visit photos from LINE while LINE still has them (it keeps content for a while)."""
    with svc.db.transaction() as session:
        pending = session.execute(
            select(VisitPhoto.id, VisitPhoto.line_message_id)
            .where(VisitPhoto.fetched_at.is_(None), VisitPhoto.fetch_attempts < PHOTO_MAX_ATTEMPTS)
            .order_by(VisitPhoto.id).limit(PHOTO_BATCH)).all()
    fetched = 0
    for photo_id, message_id in pending:
        changes: dict = {}
        try:
            data, content_type = svc.line.message_content(message_id)
        except SendError as err:
            log.warning("visit photo %s: fetch failed (%s)", photo_id, err.status or "transport")
        else:
            if len(data) <= PHOTO_MAX_BYTES:
                changes = {"data": data, "content_type": content_type, "fetched_at": svc.clock()}
                fetched += 1
            else:
                log.warning("visit photo %s: %d bytes, too large; not kept", photo_id, len(data))
        with svc.db.transaction() as session:
            photo = session.get(VisitPhoto, photo_id)
            if photo is None:       # its household was erased meanwhile: nothing to keep
                log.info("visit photo %s: erased while it was fetched; not kept", photo_id)
                continue
            photo.fetch_attempts += 1
            for key, value in changes.items():
                setattr(photo, key, value)
    return fetched


def purge_visit_photos(svc: Services) -> int:
    """Erase visit photos whose retention period (PHOTO_RETENTION_DAYS) has ended."""
    cutoff = svc.clock() - timedelta(days=int(svc.config["PHOTO_RETENTION_DAYS"]))
    with svc.db.transaction() as session:
        result = cast(CursorResult,
                      session.execute(delete(VisitPhoto).where(VisitPhoto.created_at < cutoff)))
    if result.rowcount:
        log.info("visit photos erased after their retention period: %d", result.rowcount)
    return result.rowcount or 0


def purge_retention(svc: Services, actor: Actor = SYSTEM) -> PurgeReport:
    """The retention rules (handlers/privacy/retention.py): households that left long ago
    erased, old outbox content emptied, old registration attempts deleted."""
    report = purge(svc.db.transaction, Retention.from_config(svc.config), svc.clock(), svc.tz,
                   actor)
    if report.households or report.outbox_rows or report.registration_attempts:
        log.info("retention: %d household(s) erased, %d outbox row(s) emptied, "
                 "%d registration attempt(s) deleted", report.households, report.outbox_rows,
                 report.registration_attempts)
    return report
