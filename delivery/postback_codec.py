"""Signed postback data: a button can only send back what the bot put in it.

LINE returns postback data verbatim, and anyone can craft a postback event with any data, so
every payload carries an HMAC made with a key only the server knows. The handlers additionally
check payloads against the user's own conversation state (stale taps, other people's records).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

PREFIX = "m1"
MAX_DATA = 300   # LINE's limit on postback data


class PostbackTooLong(ValueError):
    pass


class PostbackCodec:
    def __init__(self, secret: str):
        # Derive a separate key: the channel secret itself is LINE's, used for webhook signatures.
        self._key = hashlib.sha256(b"mentorbot-postback:" + secret.encode()).digest()

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def encode(self, payload: dict) -> str:
        body = base64.urlsafe_b64encode(
            json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        ).decode().rstrip("=")
        data = f"{PREFIX}.{body}.{self._mac(body)}"
        if len(data) > MAX_DATA:
            raise PostbackTooLong(
                f"postback data is {len(data)} characters (LINE allows {MAX_DATA})"
            )
        return data

    def decode(self, data: str) -> dict | None:
        """The payload, or None when the data is not ours or was altered."""
        try:
            prefix, body, mac = data.split(".")
        except (ValueError, AttributeError):
            return None
        if prefix != PREFIX or not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None
