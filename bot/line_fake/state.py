"""What the fake remembers: recorded requests, deliveries per user, tokens, quota, rich menus.

All mutation happens under one lock because the WSGI server answers on several threads and
the test (or the demo page) reads the same lists concurrently.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass
class RecordedRequest:
    seq: int
    at: str
    method: str
    path: str
    endpoint: str | None  # spec operationId, e.g. "pushMessage"; None if unknown path
    headers: dict[str, str]  # lower-case keys
    query: dict[str, str]
    json: Any  # parsed body, None if not JSON
    raw: bytes
    status: int = 0
    response: Any = None  # JSON body returned (None for binary answers)
    errors: list[str] = field(default_factory=list)  # what LINE would have rejected
    injected: bool = False  # answered by fail_next(), not by the fake's own logic
    form: dict[str, str] = field(default_factory=dict)  # form-encoded body (LINE Login calls)

    def matches(self, name: str) -> bool:
        """True for an operationId ("pushMessage"), SDK method ("push_message") or path suffix."""
        ep = self.endpoint or ""
        return name in (ep, _snake(ep)) or self.path.endswith(name)

    def as_json(self) -> dict[str, Any]:
        headers = dict(self.headers)
        if "authorization" in headers:  # never echo tokens into a debug page
            headers["authorization"] = headers["authorization"].split(" ")[0] + " ***"
        form = {k: "***" if k == "id_token" else v for k, v in self.form.items()}
        return {
            "seq": self.seq,
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "endpoint": self.endpoint,
            "headers": headers,
            "query": self.query,
            "json": self.json,
            "status": self.status,
            "response": self.response,
            "errors": list(self.errors),
            "injected": self.injected,
            **({"form": form} if form else {}),
        }


@dataclass(frozen=True)
class Delivery:
    seq: int
    via: str  # reply | push | multicast | broadcast
    at: str
    user_id: str | None  # None: reply with a token nobody registered
    message: dict
    request_seq: int

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "via": self.via,
            "at": self.at,
            "to": self.user_id,
            "message": self.message,
        }


@dataclass
class Fault:
    remaining: int
    status: int | None
    body: Any
    endpoint: str | None
    timeout: float | None


class FakeState:
    def __init__(self, strict_reply_tokens: bool = False, quota_limit: int | None = None) -> None:
        self.strict_reply_tokens = strict_reply_tokens
        self._initial_quota_limit = quota_limit
        self._lock = threading.RLock()
        # Sequence numbers survive clear(): a page polling with ?since= keeps working.
        self._seq = 0
        self._message_id = 600_000_000_000_000_000
        self.clear()

    def clear(self) -> None:
        """Back to the state after construction: forget requests, deliveries, tokens, retry
        keys, rich menus, profiles, faults and quota use (a session-wide fake can be shared)."""
        with self._lock:
            self._requests: list[RecordedRequest] = []
            self._deliveries: list[Delivery] = []
            self._reply_tokens: dict[str, str | None] = {}
            self._used_tokens: set[str] = set()
            self._retry_keys: dict[str, tuple[str, Any]] = {}  # key -> (request id, sentMessages)
            self._faults: list[Fault] = []
            self._profiles: dict[str, dict | None] = {}
            self._users: dict[str, None] = {}  # insertion-ordered set
            self._content: dict[str, tuple[bytes, str]] = {}
            self.rich_menus: dict[str, dict] = {}
            self.rich_menu_images: dict[str, tuple[bytes, str]] = {}
            self.user_rich_menus: dict[str, str] = {}
            self.default_rich_menu_id: str | None = None
            self.quota_limit: int | None = self._initial_quota_limit
            self.quota_used = 0

    # ---- setup helpers for tests and the demo ----------------------------------------------
    def register_reply_token(self, token: str, user_id: str) -> None:
        """Say which user a webhook reply token belongs to, so replies land under that user."""
        with self._lock:
            self._reply_tokens[token] = user_id
            self._users.setdefault(user_id)

    def add_users(self, *user_ids: str) -> None:
        """Users who follow the bot: broadcast delivers to them."""
        with self._lock:
            for u in user_ids:
                self._users.setdefault(u)

    def set_profile(self, user_id: str, display_name: str | None, **fields: Any) -> None:
        """display_name=None makes get_profile answer 404 (user unknown / blocked the bot)."""
        with self._lock:
            self._profiles[user_id] = (
                None
                if display_name is None
                else {"userId": user_id, "displayName": display_name, **fields}
            )

    def set_message_content(
        self, message_id: str, data: bytes, content_type: str = "image/jpeg"
    ) -> None:
        with self._lock:
            self._content[message_id] = (data, content_type)

    def set_quota(self, limit: int | None, used: int = 0) -> None:
        """limit=None means "none" (unlimited). Sends beyond the limit answer 429 with LINE's
        monthly-limit body. clear() restores the constructor's limit."""
        with self._lock:
            self.quota_limit, self.quota_used = limit, used

    def fail_next(
        self,
        n: int = 1,
        status: int | None = None,
        body: Any = None,
        endpoint: str | None = None,
        timeout: float | None = None,
    ) -> None:
        """Make the next `n` matching LINE calls fail.

        status: answer with it (default 500; 429 gets LINE's monthly-limit body) and do nothing.
        timeout: wait that many seconds before answering so the client's `_request_timeout`
          trips. Without `status` the request IS processed (delivered, retry key accepted) and
          only the answer is late: LINE's ambiguous case that retry keys exist for.
        endpoint: operationId, SDK method name or path suffix; None matches any call.
        """
        if status is None and timeout is None:
            status = 500
        with self._lock:
            self._faults.append(Fault(n, status, body, endpoint, timeout))

    # ---- reading what happened -------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def calls(self, name: str) -> list[RecordedRequest]:
        """Recorded calls to an operationId, SDK method name or path suffix."""
        return [r for r in self.requests if r.matches(name)]

    def deliveries(self, user_id: str | None = None, since: int = 0) -> list[Delivery]:
        with self._lock:
            return [
                d
                for d in self._deliveries
                if d.seq > since and (user_id is None or d.user_id == user_id)
            ]

    def sent_messages(self, user_id: str) -> list[dict]:
        """Message objects delivered to `user_id` by reply, push, multicast or broadcast."""
        return [d.message for d in self.deliveries(user_id)]

    def rich_menu_of(self, user_id: str) -> str | None:
        """The rich menu the user sees: the linked one, else the default."""
        with self._lock:
            return self.user_rich_menus.get(user_id, self.default_rich_menu_id)

    def violations(self) -> list[str]:
        return [f"{r.method} {r.path} -> {r.status}: {e}" for r in self.requests for e in r.errors]

    def assert_no_violations(self) -> None:
        found = self.violations()
        if found:
            raise AssertionError("requests LINE would reject:\n  " + "\n  ".join(found))

    # ---- used by the request pipeline ------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _next_message_id(self) -> str:
        self._message_id += 1
        return str(self._message_id)

    def _take_fault(self, rec: RecordedRequest) -> Fault | None:
        for f in self._faults:
            if f.endpoint is None or rec.matches(f.endpoint):
                f.remaining -= 1
                if f.remaining <= 0:
                    self._faults.remove(f)
                return f
        return None

    def _deliver(
        self, via: str, user_id: str | None, messages: list[dict], request_seq: int
    ) -> None:
        at = now_iso()
        for m in messages:
            self._deliveries.append(Delivery(self._next_seq(), via, at, user_id, m, request_seq))
