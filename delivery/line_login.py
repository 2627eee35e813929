"""LINE Login's ID token check, for the dashboard's LIFF sign-in.

The LIFF page sends the ID token LINE gave it; LINE's verify endpoint
(``POST /oauth2/v2.1/verify``) says whether the token is genuine, unexpired and issued for our
LINE Login channel, and returns its claims. We check the audience and expiry of the answer
again, so a misconfigured base URL or a proxy cannot hand us another channel's user. The
line-bot-sdk covers the Messaging API only, hence this small client on urllib3 (which the SDK
already brings).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import urllib3

log = logging.getLogger(__name__)


class IdTokenRefused(Exception):
    """The token is not one we accept; the message is for the log (no token, no user id)."""


@dataclass(frozen=True)
class VerifiedUser:
    line_user_id: str
    expires_at: datetime


class LineLogin:
    def __init__(self, base_url: str, channel_id: str, timeout: float = 10.0):
        self.url = base_url.rstrip("/") + "/oauth2/v2.1/verify"
        self.channel_id = channel_id
        self.http = urllib3.PoolManager(num_pools=1, maxsize=4,
                                        timeout=urllib3.Timeout(total=timeout), retries=False)

    def verify(self, id_token: str, now: datetime) -> VerifiedUser:
        try:
            answer = self.http.request("POST", self.url, encode_multipart=False,
                                       fields={"id_token": id_token,
                                               "client_id": self.channel_id})
        except urllib3.exceptions.HTTPError as exc:
            raise IdTokenRefused(f"verify endpoint unreachable ({type(exc).__name__})") from exc
        try:
            claims = json.loads(answer.data or b"{}")
        except ValueError as exc:
            raise IdTokenRefused(f"verify answered {answer.status}, not JSON") from exc
        if answer.status != 200:
            # LINE's error_description names the reason (expired, audience, ...): no data.
            raise IdTokenRefused(f"verify answered {answer.status}: "
                                 f"{str(claims.get('error_description'))[:80]}")
        if str(claims.get("aud")) != self.channel_id:
            raise IdTokenRefused("token issued for another channel")
        try:
            expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
            user = str(claims["sub"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IdTokenRefused("verify answer without exp or sub") from exc
        if expires <= now:
            raise IdTokenRefused("token expired")
        if not user.startswith("U"):
            raise IdTokenRefused("token without a LINE user id")
        return VerifiedUser(line_user_id=user, expires_at=expires)

    def close(self) -> None:
        self.http.clear()


def channel_id_of(config: dict) -> str | None:
    """LIFF_CHANNEL_ID, or the LINE Login channel id every LIFF id starts with."""
    if config.get("LIFF_CHANNEL_ID"):
        return str(config["LIFF_CHANNEL_ID"])
    liff_id = config.get("LIFF_ID")
    return str(liff_id).split("-", 1)[0] if liff_id else None
