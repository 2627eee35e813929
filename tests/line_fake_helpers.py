"""Shared set-up of the fake LINE API tests: the fake, an SDK client, raw HTTP helpers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

# LINE's reference bodies live in shared/: beside the checkout (where CI lays a copy) or at the
# workplace's fixed place.
_CANDIDATES = [Path(__file__).resolve().parents[2] / "shared", Path("/work/shared")]
FIXTURES = (
    next((c for c in _CANDIDATES if c.is_dir()), _CANDIDATES[0]) / "line-fixtures" / "api-responses"
)
USER = "U" + "1" * 32
OTHER = "U" + "2" * 32
TIMEOUT = 5  # every SDK call gets one: the client has no default timeout
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def fixture_body(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())["body"]


def raw_post(fake, path, body, headers=None, token="t"):
    """POST JSON without the SDK; returns (status, parsed body, headers)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    hdrs = {
        "Content-Type": "application/json",
        **({"Authorization": f"Bearer {token}"} if token else {}),
        **(headers or {}),
    }
    req = urllib.request.Request(fake.base_url + path, data=data, headers=hdrs, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.status, json.loads(resp.read() or b"null"), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), e.headers


def reply_body(*messages, token="rt-1"):
    return {"replyToken": token, "messages": list(messages)}


def qr(*actions):
    return {"items": [{"type": "action", "action": a} for a in actions]}


def bubble(*components):
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": list(components)},
    }
