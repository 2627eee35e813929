"""LINE Login and LIFF stand-ins: the ID token verify endpoint, ID tokens minted as the LINE app
mints them for a LIFF app, and a small LIFF SDK script (``static/liff-sdk.js``).

These are not Messaging API endpoints: LINE Login has its own API reference
(https://developers.line.biz/en/reference/line-login/#verify-id-token) and no copy of it lives
here, so these requests are *not* checked against ``messaging-api.yml``. What LINE documents is
modelled by hand:

- ``POST /oauth2/v2.1/verify``, form-encoded ``id_token``, ``client_id`` and optional ``nonce``
  and ``user_id``: 200 with the token's claims, or 400 ``{"error": "invalid_request",
  "error_description": ...}`` with LINE's descriptions.
- ID tokens are JWTs (header.payload.signature, base64url). LINE signs LIFF tokens with ES256;
  the fake signs with HS256 and a secret only it holds, which is all a test needs: a token the
  fake did not mint, or one whose payload was changed, fails the signature check.

Refusals of a genuine request (a forged, expired or other channel's token) are LINE's answer,
not the bot's mistake, so they are not recorded as violations; a request LINE could not read at
all (no ``id_token`` / ``client_id``, not a form, not POST) is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

ISSUER = "https://access.line.me"
VERIFY_PATH = "/oauth2/v2.1/verify"
OPERATION = "verifyIdToken"  # the name `calls()` / `fail_next(endpoint=...)` know it by
FORM = "application/x-www-form-urlencoded"
DEFAULT_TTL = timedelta(hours=1)  # LINE's ID tokens live an hour
AMR = ["linesso"]  # opened from the LINE app: single sign-on

# error_description of LINE's 400 answers (LINE Login API reference, "Verify ID token").
INVALID = "Invalid IdToken."
INVALID_ISSUER = "Invalid IdToken Issuer."
EXPIRED = "IdToken expired."
INVALID_AUDIENCE = "Invalid IdToken Audience."
INVALID_NONCE = "Invalid IdToken Nonce."
INVALID_SUBJECT = "Invalid IdToken Subject Identifier."
_HEADER = {"typ": "JWT", "alg": "HS256"}


def error(description: str) -> dict[str, str]:
    return {"error": "invalid_request", "error_description": description}


def missing(name: str) -> dict[str, str]:
    return error(f"Required parameter is missing: {name}")


# ---- JWT, HS256 --------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(signing_input: str, secret: bytes) -> str:
    return _b64(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())


def encode(claims: dict[str, Any], secret: bytes) -> str:
    head = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return f"{head}.{body}.{_sign(f'{head}.{body}', secret)}"


def decode(token: str, secret: bytes) -> dict[str, Any] | None:
    """The claims of a token signed with ``secret``; None for anything else (garbage, another
    signer, a changed header or payload)."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    head, body, signature = parts
    try:
        expected = _sign(f"{head}.{body}", secret)
    except UnicodeEncodeError:
        return None
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        header = json.loads(_unb64(head))
        claims = json.loads(_unb64(body).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return None
    return claims if isinstance(claims, dict) else None


def claims_for(
    user_id: str,
    channel_id: str,
    now: datetime,
    *,
    nonce: str | None,
    ttl: timedelta,
    name: str,
    picture: str | None,
) -> dict[str, Any]:
    iat = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": user_id,
        "aud": str(channel_id),
        "exp": iat + int(ttl.total_seconds()),
        "iat": iat,
    }
    if nonce is not None:
        claims["nonce"] = nonce
    claims["amr"] = list(AMR)
    claims["name"] = name
    if picture:
        claims["picture"] = picture
    return claims


def verify(form: dict[str, str], secret: bytes, now: datetime) -> tuple[int, dict[str, Any]]:
    """LINE's answer to a verify request whose ``id_token`` and ``client_id`` are present."""
    claims = decode(form["id_token"], secret)
    if claims is None:
        return 400, error(INVALID)
    if claims.get("iss") != ISSUER:
        return 400, error(INVALID_ISSUER)
    exp = claims.get("exp")
    if not isinstance(exp, int) or now.timestamp() >= exp:
        return 400, error(EXPIRED)
    if str(claims.get("aud")) != form["client_id"]:
        return 400, error(INVALID_AUDIENCE)
    nonce = form.get("nonce")
    if nonce and claims.get("nonce") != nonce:
        return 400, error(INVALID_NONCE)
    user_id = form.get("user_id")
    if user_id and claims.get("sub") != user_id:
        return 400, error(INVALID_SUBJECT)
    return 200, claims


# ---- the LIFF SDK stand-in ---------------------------------------------------------------
@lru_cache(maxsize=1)
def sdk_script() -> bytes:
    return (Path(__file__).parent / "static" / "liff-sdk.js").read_bytes()
