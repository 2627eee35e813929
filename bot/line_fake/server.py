"""FakeLineApi: a local stand-in for LINE's Messaging API that records and validates.

Point the real SDK at it with `Configuration(host=fake.base_url, access_token=...)` (both the
api and api-data hosts go there), or mount `fake.wsgi_app` in another WSGI app. Every request
is checked against LINE's OpenAPI spec plus `line_rules`; what LINE would reject gets LINE's
400 and is remembered for `assert_no_violations()`.

It also answers LINE Login's ID token verify endpoint, mints the ID tokens a LIFF app gets and
serves a LIFF SDK stand-in (`login.py`; not Messaging API, so not checked against the spec).
"""

from __future__ import annotations

import functools
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import line_rules, login
from . import responses as R
from .endpoints import HANDLERS, Call
from .line_text import line_length
from .openapi_check import Operation, SpecValidator
from .state import FakeState, RecordedRequest, now_iso

Answer = tuple[int, Any, dict, float]  # status, body, extra headers, delay before answering


@functools.lru_cache(maxsize=1)
def default_validator() -> SpecValidator:
    return SpecValidator(str_len=line_length)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per call is noise in tests
        pass


class FakeLineApi(FakeState):
    def __init__(
        self,
        access_token: str | None = None,
        *,
        strict_reply_tokens: bool = False,
        strict_ids: bool = False,
        quota_limit: int | None = None,
        latency: float = 0.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """access_token: if given, only `Bearer <access_token>` is accepted (else any bearer).
        strict_reply_tokens: reject reply tokens never passed to register_reply_token().
        strict_ids: reject push/multicast `to` values that are not U/C/R + 32 hex digits.
        quota_limit: monthly message limit (None: unlimited); see set_quota().
        latency: seconds every LINE call takes to answer (a slow Messaging API; benchmarks).
        clock: LINE's "now" for ID tokens (minting and expiry), timezone-aware; default the
          real UTC time. Assignable later (`fake.clock = ...`); clear() restores this one."""
        self._initial_clock = clock
        self.clock: Callable[[], datetime] | None = clock
        # Signs the ID tokens this fake mints: a token it did not mint fails verification.
        self._login_secret = secrets.token_bytes(32)
        super().__init__(strict_reply_tokens, quota_limit)
        self.access_token = access_token
        self.strict_ids = strict_ids
        self.latency = latency
        self.validator = default_validator()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # ---- serving ---------------------------------------------------------------------------
    def start(self) -> FakeLineApi:
        """Serve on 127.0.0.1 with an OS-assigned port in a background thread."""
        if self._server is None:
            self._server = make_server(
                "127.0.0.1", 0, self.wsgi_app, threaded=True, request_handler=_QuietHandler
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="FakeLineApi",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeLineApi is not started: call start() or mount wsgi_app")
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeLineApi:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        if request.path.startswith("/_fake/"):
            response = self._fake_endpoint(request)
        elif request.path == login.VERIFY_PATH:
            response = self._login_endpoint(request)
        else:
            response = self._line_endpoint(request)
        return response(environ, start_response)

    def clear(self) -> None:
        super().clear()
        with self._lock:
            self.clock = self._initial_clock

    def now(self) -> datetime:
        """The fake's time (its clock, else the real UTC time)."""
        now = self.clock() if self.clock is not None else datetime.now(UTC)
        if now.tzinfo is None:
            raise ValueError("FakeLineApi clock must return a timezone-aware datetime")
        return now

    # ---- LINE Login and LIFF (not the Messaging API: see login.py) ------------------------
    def mint_id_token(
        self,
        user_id: str,
        channel_id: str,
        *,
        nonce: str | None = None,
        ttl: timedelta = login.DEFAULT_TTL,
        name: str | None = None,
    ) -> str:
        """The ID token LINE gives a LIFF app of LINE Login channel `channel_id` opened by
        `user_id`: issued now (the fake's clock), valid `ttl`. `name` defaults to the user's
        profile display name (set_profile), else the same default get_profile answers."""
        with self._lock:
            profile = self._profiles.get(user_id) or {}
        claims = login.claims_for(
            user_id,
            str(channel_id),
            self.now(),
            nonce=nonce,
            ttl=ttl,
            name=name or profile.get("displayName") or f"User {user_id[-4:]}",
            picture=profile.get("pictureUrl"),
        )
        return login.encode(claims, self._login_secret)

    def _login_endpoint(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        raw = request.get_data()
        form = request.form.to_dict() if request.mimetype == login.FORM else {}
        request_id = str(uuid.uuid4())
        with self._lock:
            rec = RecordedRequest(
                self._next_seq(),
                now_iso(),
                request.method,
                request.path,
                login.OPERATION,
                headers,
                request.args.to_dict(),
                _maybe_json(raw),
                raw,
                form=form,
            )
            status, body, extra, delay = self._login_answer(rec, request)
            rec.status, rec.response = status, body
            self._requests.append(rec)
        delay = max(delay, self.latency)
        if delay:
            time.sleep(delay)
        return _response(status, body, {"x-line-request-id": request_id, **extra})

    def _injected(self, rec: RecordedRequest) -> tuple[float, Answer | None]:
        """A fault queued with fail_next for this call: its delay, and the answer it forces
        (None: the call goes on, after the delay)."""
        fault = self._take_fault(rec)
        if fault is None:
            return 0.0, None
        delay = fault.timeout or 0.0
        if fault.status is None:
            return delay, None
        rec.injected = True
        body = fault.body if fault.body is not None else R.default_error(fault.status)
        return delay, (fault.status, body, {}, delay)

    def _login_answer(self, rec: RecordedRequest, request: Request) -> Answer:
        if request.method != "POST":
            rec.errors.append(f"{request.method} {request.path}: LINE Login's verify is POST")
            return 405, R.body(R.METHOD_NOT_ALLOWED_405), {"Allow": "POST"}, 0
        delay, injected = self._injected(rec)
        if injected is not None:
            return injected
        if request.mimetype != login.FORM:
            rec.errors.append(
                f"Content-Type: {request.content_type!r} is not {login.FORM} (LINE Login)"
            )
            return 400, login.missing("id_token"), {}, delay
        for name in ("id_token", "client_id"):
            if not rec.form.get(name):
                rec.errors.append(f"{name}: required by LINE Login's verify endpoint")
                return 400, login.missing(name), {}, delay
        status, body = login.verify(rec.form, self._login_secret, self.now())
        return status, body, {}, delay

    # ---- LINE's endpoints ------------------------------------------------------------------
    def _line_endpoint(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        raw = request.get_data()
        op = self.validator.find_operation(request.method, request.path)
        request_id = str(uuid.uuid4())
        with self._lock:  # one request at a time: tokens, retry keys and quota stay consistent
            rec = RecordedRequest(
                self._next_seq(),
                now_iso(),
                request.method,
                request.path,
                op.operation_id if op else None,
                headers,
                request.args.to_dict(),
                _maybe_json(raw),
                raw,
            )
            status, body, extra, delay = self._answer(rec, op, request, request_id)
            rec.status, rec.response = status, None if isinstance(body, bytes) else body
            self._requests.append(rec)
        delay = max(delay, self.latency)
        if delay:
            time.sleep(delay)  # outside the lock: other calls go on while this one "hangs"
        return _response(status, body, {"x-line-request-id": request_id, **extra})

    def _answer(
        self, rec: RecordedRequest, op: Operation | None, request: Request, request_id: str
    ) -> Answer:
        if op is None:
            allowed = self.validator.allowed_methods(request.path)
            rec.errors.append(f"no LINE endpoint {request.method} {request.path}")
            if allowed:
                return (
                    405,
                    R.body(R.METHOD_NOT_ALLOWED_405),
                    {"Allow": ", ".join(sorted(allowed))},
                    0,
                )
            return 404, R.body(R.NOT_FOUND_404), {}, 0
        refusal = line_rules.check_auth(rec.headers, self.access_token)
        if refusal:
            rec.errors.append(f"Authorization: {refusal}")
            return 401, {"message": refusal}, {}, 0
        delay, injected = self._injected(rec)
        if injected is not None:
            return injected
        status, body, extra = self._validated_call(rec, op, request, request_id)
        return status, body, extra, delay

    def _validated_call(
        self, rec: RecordedRequest, op: Operation, request: Request, request_id: str
    ) -> tuple[int, Any, dict]:
        content = (op.spec.get("requestBody") or {}).get("content") or {}
        if rec.raw and "application/json" in content and "json" not in (request.content_type or ""):
            rec.errors.append(f"Content-Type: {request.content_type!r} is not application/json")
            return 415, {"message": "A content type not supported by the API is requested"}, {}
        parsed, errors = self.validator.validate_request(op, rec.headers, rec.query, rec.raw)
        errors += line_rules.check_headers(op.operation_id, rec.headers)
        if parsed is not None:  # rules tolerate malformed shapes; LINE reports all problems
            errors += line_rules.check_body(op.operation_id, parsed, self.strict_ids)
        errors = list(dict.fromkeys(errors))
        if errors:
            rec.errors.extend(errors)
            return 400, R.validation_error(errors), {}
        key = rec.headers.get("x-line-retry-key")
        if key and key in self._retry_keys:
            # Already accepted: LINE answers 409 and does not send again.
            accepted_id, sent = self._retry_keys[key]
            body = R.body(R.RETRY_KEY_ACCEPTED_409)
            if sent:
                body["sentMessages"] = sent
            return 409, body, {"x-line-accepted-request-id": accepted_id}
        handler = HANDLERS.get(op.operation_id)
        if handler is None:
            rec.errors.append(f"{op.operation_id} is not implemented by FakeLineApi")
            return 501, {"message": f"FakeLineApi does not implement {op.operation_id}"}, {}
        status, body, extra = handler(
            self, Call(op, rec, parsed, rec.raw, request.content_type or "")
        )
        if key and 200 <= status < 300:
            self._retry_keys[key] = (
                request_id,
                body.get("sentMessages") if isinstance(body, dict) else None,
            )
        return status, body, extra

    # ---- endpoints for the demo page and debugging (not LINE's) ----------------------------
    def _fake_endpoint(self, request: Request) -> Response:
        path, args = request.path, request.args
        if request.method == "GET" and path == "/_fake/messages":
            try:
                since = int(args.get("since") or 0)
            except ValueError:
                return _response(400, {"message": "since must be an integer"}, {})
            items = self.deliveries(args.get("user") or None, since)
            return _response(200, {"messages": [d.as_json() for d in items]}, {})
        if request.method == "GET" and path == "/_fake/requests":
            return _response(200, {"requests": [r.as_json() for r in self.requests]}, {})
        if request.method == "POST" and path == "/_fake/reply-tokens":
            data = request.get_json(silent=True) or {}
            if not data.get("replyToken") or not data.get("userId"):
                return _response(400, {"message": "replyToken and userId are required"}, {})
            self.register_reply_token(data["replyToken"], data["userId"])
            return _response(200, {}, {})
        if request.method == "POST" and path == "/_fake/clear":
            self.clear()
            return _response(200, {}, {})
        if path.startswith("/_fake/liff/"):
            return self._liff_endpoint(request)
        return _response(404, R.body(R.NOT_FOUND_404), {})

    def _liff_endpoint(self, request: Request) -> Response:
        """The LINE app's side of a LIFF app: the SDK stand-in and the ID tokens it gets. Open
        to any origin, since a page under test may be served from another port."""
        cors = {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": "Content-Type",
        }
        path = request.path
        if request.method == "OPTIONS":
            return Response(status=204, headers=cors)
        if request.method == "GET" and path == "/_fake/liff/sdk.js":
            return Response(
                login.sdk_script(),
                status=200,
                headers={"Cache-Control": "no-store", **cors},
                content_type="application/javascript; charset=utf-8",
            )
        if request.method == "POST" and path == "/_fake/liff/id-token":
            data = request.get_json(silent=True)
            data = data if isinstance(data, dict) else {}
            user_id, channel_id = data.get("userId"), data.get("channelId")
            nonce = data.get("nonce")
            if not (user_id and isinstance(user_id, str)) or not (
                channel_id and isinstance(channel_id, str | int)
            ):
                return _response(400, {"message": "userId and channelId are required"}, cors)
            if nonce is not None and not isinstance(nonce, str):
                return _response(400, {"message": "nonce must be a string"}, cors)
            token = self.mint_id_token(user_id, str(channel_id), nonce=nonce or None)
            return _response(200, {"idToken": token}, cors)
        return _response(404, R.body(R.NOT_FOUND_404), cors)


def _maybe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def _response(status: int, body: Any, headers: dict) -> Response:
    if isinstance(body, bytes):
        return Response(body, status=status, headers=headers)
    payload = json.dumps(body, ensure_ascii=False)
    return Response(payload, status=status, headers=headers, content_type="application/json")
