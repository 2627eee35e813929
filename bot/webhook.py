"""POST /callback: LINE's webhook. Thin on purpose: check, store, hand over, answer 200."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from flask import Blueprint, Flask, current_app, jsonify, request

from . import inbox
from .processing import EventProcessor
from .services import services

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


def signature_ok(secret: str, body: bytes, signature: str | None) -> bool:
    """LINE signs the raw body: base64(HMAC-SHA256(channel secret, body))."""
    if not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode())


@bp.post("/callback")
def callback():
    secret = current_app.config.get("LINE_CHANNEL_SECRET")
    if not secret:
        log.error("webhook called but LINE_CHANNEL_SECRET is not set")
        return jsonify(message="not configured"), 503
    body = request.get_data(cache=False)
    # The signature is checked on the raw bytes before anything else is looked at.
    if not signature_ok(secret, body, request.headers.get("X-Line-Signature")):
        log.warning("webhook: missing or wrong signature")
        return jsonify(message="invalid signature"), 400
    try:
        events = json.loads(body)["events"]
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            raise TypeError("events is not a list of objects")
    except (ValueError, KeyError, TypeError):
        log.warning("webhook: body is not a LINE webhook payload")
        return jsonify(message="invalid body"), 400

    svc = services()
    with svc.db.transaction() as session:
        new_ids = inbox.record(session, events, svc.clock())
    if len(new_ids) < len(events):
        log.info("webhook: %d event(s), %d new", len(events), len(new_ids))
    svc.processor.submit(new_ids)
    return jsonify({})


def init_app(app: Flask) -> None:
    svc = services(app)
    svc.processor = EventProcessor(svc, mode=app.config["EVENT_PROCESSING"],
                                   workers=int(app.config["EVENT_WORKERS"]))
    app.register_blueprint(bp)
