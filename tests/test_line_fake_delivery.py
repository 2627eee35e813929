"""The fake LINE API's delivery rules: single-use reply tokens, retry keys, auth, and the
faults it injects (errors, 429s, late answers)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)

from bot.line_fake import FakeLineApi

from .line_fake_helpers import TIMEOUT, USER, fixture_body, raw_post, reply_body


# ---- reply tokens, retry keys, auth ------------------------------------------------------------
def test_reply_token_is_single_use(fake, api):
    fake.register_reply_token("rt-once", USER)
    req = ReplyMessageRequest(reply_token="rt-once", messages=[TextMessage(text="hi")])
    api.reply_message(req, _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as err:
        api.reply_message(req, _request_timeout=TIMEOUT)
    assert err.value.status == 400
    assert json.loads(err.value.body) == fixture_body("reply_400_invalid_reply_token.json")
    assert len(fake.sent_messages(USER)) == 1


def test_strict_reply_tokens_reject_unknown_tokens():
    with FakeLineApi(strict_reply_tokens=True) as fake:
        status, answer, _ = raw_post(
            fake, "/v2/bot/message/reply", reply_body({"type": "text", "text": "x"}, token="nope")
        )
    assert (status, answer) == (400, {"message": "Invalid reply token"})


def test_retry_key_on_reply_is_refused(fake, api):
    fake.register_reply_token("rt-k", USER)
    with pytest.raises(ApiException) as err:
        api.reply_message(
            ReplyMessageRequest(reply_token="rt-k", messages=[TextMessage(text="x")]),
            _headers={"X-Line-Retry-Key": str(uuid.uuid4())},
            _request_timeout=TIMEOUT,
        )
    assert err.value.status == 400
    assert json.loads(err.value.body)["details"][0]["property"] == "X-Line-Retry-Key"
    assert fake.sent_messages(USER) == []


def test_retry_key_must_be_a_uuid(fake, api):
    with pytest.raises(ApiException) as err:
        api.push_message(
            PushMessageRequest(to=USER, messages=[TextMessage(text="x")]),
            x_line_retry_key="not-a-uuid",
            _request_timeout=TIMEOUT,
        )
    assert err.value.status == 400


def test_duplicate_retry_key_on_push_answers_409_and_does_not_resend(fake, api):
    key = str(uuid.uuid4())
    req = PushMessageRequest(to=USER, messages=[TextMessage(text="once")])
    first = api.push_message_with_http_info(req, x_line_retry_key=key, _request_timeout=TIMEOUT)
    assert first.status_code == 200
    with pytest.raises(ApiException) as err:
        api.push_message(req, x_line_retry_key=key, _request_timeout=TIMEOUT)
    assert err.value.status == 409
    assert err.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    body = json.loads(err.value.body)
    assert body["message"] == fixture_body("push_409_retry_key_accepted.json")["message"]
    assert body["sentMessages"][0]["id"] == first.data.sent_messages[0].id
    assert [m["text"] for m in fake.sent_messages(USER)] == ["once"]
    fake.assert_no_violations()  # a 409 is LINE working as intended, not a bot bug


def test_missing_bearer_is_401(fake):
    status, answer, _ = raw_post(
        fake,
        "/v2/bot/message/push",
        {"to": USER, "messages": [{"type": "text", "text": "x"}]},
        token=None,
    )
    assert status == 401 and answer["message"].startswith("Authorization header required")
    assert fake.sent_messages(USER) == []


def test_wrong_token_is_401_when_the_fake_knows_the_token():
    with FakeLineApi(access_token="right") as fake:
        with ApiClient(Configuration(host=fake.base_url, access_token="wrong")) as c:
            with pytest.raises(ApiException) as err:
                MessagingApi(c).get_message_quota(_request_timeout=TIMEOUT)
    assert err.value.status == 401


# ---- fault injection ---------------------------------------------------------------------------
def test_fail_next_500_then_success(fake, api):
    fake.fail_next(1, endpoint="push_message")
    req = PushMessageRequest(to=USER, messages=[TextMessage(text="hello")])
    with pytest.raises(ApiException) as err:
        api.push_message(req, _request_timeout=TIMEOUT)
    assert err.value.status == 500 and fake.sent_messages(USER) == []
    api.push_message(req, _request_timeout=TIMEOUT)
    assert [m["text"] for m in fake.sent_messages(USER)] == ["hello"]
    assert [c.status for c in fake.calls("/push")] == [500, 200]


def test_fail_next_429_uses_lines_monthly_limit_body(fake, api):
    fake.fail_next(status=429)
    with pytest.raises(ApiException) as err:
        api.push_message(
            PushMessageRequest(to=USER, messages=[TextMessage(text="x")]), _request_timeout=TIMEOUT
        )
    assert err.value.status == 429 and json.loads(err.value.body) == fixture_body(
        "any_429_monthly_limit.json"
    )


def test_timeout_trips_request_timeout_and_retry_key_prevents_a_duplicate(fake, api):
    fake.fail_next(timeout=1.0)
    key, req = str(uuid.uuid4()), PushMessageRequest(to=USER, messages=[TextMessage(text="slow")])
    started = time.monotonic()
    with pytest.raises(Exception) as err:
        api.push_message(req, x_line_retry_key=key, _request_timeout=0.3)
    assert time.monotonic() - started < 0.9
    assert "timed out" in str(err.value).lower() or "timeout" in type(err.value).__name__.lower()
    with pytest.raises(ApiException) as again:  # LINE did accept the first one
        api.push_message(req, x_line_retry_key=key, _request_timeout=TIMEOUT)
    assert again.value.status == 409
    assert [m["text"] for m in fake.sent_messages(USER)] == ["slow"]
