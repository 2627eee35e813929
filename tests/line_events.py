"""LINE-shaped webhook payloads, signed like LINE signs them (shapes from LINE's fixtures)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
from datetime import UTC, datetime

_counter = itertools.count(1)


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def new_event_id() -> str:
    # LINE's ids are ULIDs: 26 characters of Crockford base32.
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "01" + "".join(secrets.choice(alphabet) for _ in range(24))


def base_event(
    event_type: str,
    user_id: str,
    *,
    at: datetime | None = None,
    reply_token: str | None = None,
    mode: str = "active",
    redelivery: bool = False,
    event_id: str | None = None,
) -> dict:
    at = at or datetime.now(UTC)
    event = {
        "type": event_type,
        "mode": mode,
        "timestamp": int(at.timestamp() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id or new_event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if mode == "active" and event_type not in ("unfollow",):
        event["replyToken"] = reply_token or secrets.token_hex(16)
    return event


def text_event(user_id: str, text: str, **kw) -> dict:
    event = base_event("message", user_id, **kw)
    event["message"] = {
        "id": str(next(_counter)),
        "type": "text",
        "text": text,
        "quoteToken": secrets.token_urlsafe(12),
    }
    return event


def postback_event(user_id: str, data: str, params: dict | None = None, **kw) -> dict:
    event = base_event("postback", user_id, **kw)
    event["postback"] = {"data": data}
    if params:
        event["postback"]["params"] = params
    return event


def follow_event(user_id: str, **kw) -> dict:
    event = base_event("follow", user_id, **kw)
    event["follow"] = {"isUnblocked": False}
    return event


def sticker_event(user_id: str, **kw) -> dict:
    event = base_event("message", user_id, **kw)
    event["message"] = {
        "id": str(next(_counter)),
        "type": "sticker",
        "packageId": "1",
        "stickerId": "1",
        "stickerResourceType": "STATIC",
        "quoteToken": secrets.token_urlsafe(12),
    }
    return event


def image_event(user_id: str, **kw) -> dict:
    event = base_event("message", user_id, **kw)
    event["message"] = {
        "id": str(next(_counter)),
        "type": "image",
        "contentProvider": {"type": "line"},
        "quoteToken": secrets.token_urlsafe(12),
    }
    return event


def location_event(user_id: str, **kw) -> dict:
    event = base_event("message", user_id, **kw)
    event["message"] = {
        "id": str(next(_counter)),
        "type": "location",
        "title": "บ้าน",
        "address": "เลย",
        "latitude": 17.48,
        "longitude": 101.72,
    }
    return event


def payload(*events: dict, destination: str = "U" + "0" * 32) -> bytes:
    return json.dumps(
        {"destination": destination, "events": list(events)}, ensure_ascii=False
    ).encode("utf-8")
