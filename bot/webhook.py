"""POST /callback: LINE's webhook. Thin on purpose: check, store, hand over, answer 200."""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy.exc import OperationalError

from delivery import inbox
from delivery.events import Triage, triage
from delivery.webhook_body import UnreadableBody, read_body

from .services import services

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


def signature_ok(secret: str, body: bytes, signature: str | None) -> bool:
    """LINE signs the raw body: base64(HMAC-SHA256(channel secret, body))."""
    if not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode())


def _read_capped(limit: int) -> bytes | None:
    """The raw body, or None when it is over ``limit`` bytes. LINE's payloads are small, so a
    bigger one is refused after reading at most ``limit`` + 1 bytes, whether it announced its
    length or came chunked."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks, size = [], 0
    while size <= limit:
        chunk = request.stream.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)


@bp.post("/callback")
def callback():
    secret = current_app.config.get("LINE_CHANNEL_SECRET")
    if not secret:
        log.error("webhook called but LINE_CHANNEL_SECRET is not set")
        return jsonify(message="not configured"), 503
    body = _read_capped(int(current_app.config["WEBHOOK_MAX_BYTES"]))
    if body is None:
        log.warning("webhook: body over the size limit; refused unread")
        return jsonify(message="body too large"), 413
    # The signature is checked on the raw bytes before anything else is looked at.
    if not signature_ok(secret, body, request.headers.get("X-Line-Signature")):
        log.warning("webhook: missing or wrong signature")
        return jsonify(message="invalid signature"), 400
    try:
        read = read_body(body)
    except UnreadableBody as exc:
        log.warning("webhook: body is not a LINE webhook payload (%s)", exc)
        return jsonify(message="invalid body"), 400

    svc = services()
    try:
        new = _store(svc, read.events)
    except OperationalError as exc:
        # The database is locked (SQLite) or unreachable: nothing was stored, so let LINE
        # redeliver (webhook redelivery on) rather than hang past its timeout.
        log.error("webhook: database unavailable (%s); answered 503",
                  type(exc.orig).__name__ if exc.orig else type(exc).__name__)
        return jsonify(message="busy, try again"), 503
    if read.skipped or len(new) < len(read.events):
        # Counts only (never content): unreadable = entries that are no event at all, plus
        # events meant for the bot whose id or timestamp cannot be read.
        unreadable = read.skipped + sum(triage(e) is Triage.UNREADABLE for e in read.events)
        log.info("webhook: %d event(s) read, %d new, %d unreadable skipped",
                 len(read.events), len(new), unreadable)
    svc.processor.submit(new)
    return jsonify({})


def _store(svc, events: list[dict]) -> list[inbox.Stored]:
    """Store the events; a pooled connection found dead (the database restarted) is retried
    once on a fresh one (the engine has no pre-ping: it would cost every request a round
    trip to spare the rare one after a restart)."""
    try:
        with svc.db.transaction() as session:
            return inbox.record(session, events, svc.clock())
    except OperationalError as exc:
        if not exc.connection_invalidated:
            raise
    with svc.db.transaction() as session:
        return inbox.record(session, events, svc.clock())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
