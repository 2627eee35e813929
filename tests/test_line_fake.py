"""FakeLineApi driven through the real line-bot-sdk v3 client (and raw HTTP where the SDK's
own client-side validation would refuse to send what we want LINE to refuse)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from linebot.v3.messaging import (
    ApiException,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexText,
    MessageAction,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)

from bot.line_fake.line_text import grapheme_len

from .line_fake_helpers import (
    OTHER,
    TIMEOUT,
    USER,
    bubble,
    fixture_body,
    qr,
    raw_post,
    reply_body,
)


# ---- the happy path through the SDK ------------------------------------------------------------
def test_valid_reply_is_accepted_and_recorded_under_the_user(fake, api):
    fake.register_reply_token("rt-ok", USER)
    text = TextMessage(
        text="สวัสดีครับ",
        quick_reply=QuickReply(
            items=[
                QuickReplyItem(
                    action=PostbackAction(
                        label="ลงทะเบียนครัวเรือนยากจน", data="a=register", display_text="ลงทะเบียน"
                    )
                ),
                QuickReplyItem(action=MessageAction(label="Help", text="help")),
            ]
        ),
    )
    flex = FlexMessage(
        alt_text="Household",
        contents=FlexBubble(
            body=FlexBox(
                layout="vertical",
                contents=[
                    FlexText(text="บ้านเลขที่ 12"),
                    FlexButton(action=MessageAction(label="Open", text="open 12")),
                ],
            )
        ),
    )
    resp = api.reply_message(
        ReplyMessageRequest(reply_token="rt-ok", messages=[text, flex]), _request_timeout=TIMEOUT
    )

    assert len(resp.sent_messages) == 2 and resp.sent_messages[0].quote_token
    sent = fake.sent_messages(USER)
    assert [m["type"] for m in sent] == ["text", "flex"]
    assert sent[0]["quickReply"]["items"][0]["action"]["data"] == "a=register"
    assert fake.calls("reply_message")[0].status == 200
    fake.assert_no_violations()
    # Thai label: 23 code points but 20 graphemes, which is what LINE counts for labels.
    assert len("ลงทะเบียนครัวเรือนยากจน") == 23 and grapheme_len("ลงทะเบียนครัวเรือนยากจน") == 20


def test_demo_json_endpoint_lists_messages_per_user_with_since(fake):
    fake.register_reply_token("rt-a", USER)
    assert (
        raw_post(
            fake, "/v2/bot/message/reply", reply_body({"type": "text", "text": "one"}, token="rt-a")
        )[0]
        == 200
    )
    assert (
        raw_post(
            fake,
            "/v2/bot/message/push",
            {"to": USER, "messages": [{"type": "text", "text": "two"}]},
        )[0]
        == 200
    )
    assert (
        raw_post(
            fake, "/v2/bot/message/push", {"to": OTHER, "messages": [{"type": "text", "text": "x"}]}
        )[0]
        == 200
    )
    with urllib.request.urlopen(
        f"{fake.base_url}/_fake/messages?user={USER}", timeout=TIMEOUT
    ) as r:
        items = json.load(r)["messages"]
    assert [(i["via"], i["message"]["text"]) for i in items] == [("reply", "one"), ("push", "two")]
    with urllib.request.urlopen(
        f"{fake.base_url}/_fake/messages?user={USER}&since={items[0]['seq']}", timeout=TIMEOUT
    ) as r:
        assert [i["message"]["text"] for i in json.load(r)["messages"]] == ["two"]
    with urllib.request.urlopen(f"{fake.base_url}/_fake/requests", timeout=TIMEOUT) as r:
        reqs = json.load(r)["requests"]
    assert reqs[0]["headers"]["authorization"] == "Bearer ***"


# ---- what LINE rejects -------------------------------------------------------------------------
BAD_REQUESTS = {
    "six messages": (
        reply_body(*[{"type": "text", "text": str(i)} for i in range(6)]),
        "messages",
        "Size must be between 1 and 5",
    ),
    "text of 5001 characters": (
        reply_body({"type": "text", "text": "a" * 5001}),
        "messages[0].text",
        "Length must be between 0 and 5000",
    ),
    "emoji counted as two UTF-16 units": (
        reply_body({"type": "text", "text": "a" * 4999 + "🍎"}),
        "messages[0].text",
        "Length must be between 0 and 5000",
    ),
    "14 quick-reply items": (
        reply_body(
            {
                "type": "text",
                "text": "x",
                "quickReply": qr(
                    *[{"type": "message", "label": f"l{i}", "text": "t"} for i in range(14)]
                ),
            }
        ),
        "messages[0].quickReply.items",
        "Size must be between 0 and 13",
    ),
    "21-character label": (
        reply_body(
            {
                "type": "text",
                "text": "x",
                "quickReply": qr({"type": "message", "label": "x" * 21, "text": "t"}),
            }
        ),
        "messages[0].quickReply.items[0].action.label",
        "Length must be between 0 and 20",
    ),
    "quick-reply action without label": (
        reply_body(
            {"type": "text", "text": "x", "quickReply": qr({"type": "message", "text": "t"})}
        ),
        "messages[0].quickReply.items[0].action.label",
        "must be specified",
    ),
    "301-character postback data": (
        reply_body(
            {
                "type": "text",
                "text": "x",
                "quickReply": qr({"type": "postback", "label": "ok", "data": "d" * 301}),
            }
        ),
        "messages[0].quickReply.items[0].action.data",
        "Length must be between 0 and 300",
    ),
    "unknown message type": (reply_body({"type": "txt", "text": "x"}), "messages[0].type", None),
    "text message without text": (
        reply_body({"type": "text"}),
        "messages[0].text",
        "must be specified",
    ),
    "flex button without action": (
        reply_body({"type": "flex", "altText": "a", "contents": bubble({"type": "button"})}),
        "messages[0].contents.body.contents[0].action",
        "must be specified",
    ),
    "flex box with a bad layout": (
        reply_body(
            {
                "type": "flex",
                "altText": "a",
                "contents": {
                    "type": "bubble",
                    "body": {"type": "box", "layout": "row", "contents": []},
                },
            }
        ),
        "messages[0].contents.body.layout",
        None,
    ),
    "flex text with a misspelt field": (
        reply_body(
            {"type": "flex", "altText": "a", "contents": bubble({"type": "text", "txt": "x"})}
        ),
        "messages[0].contents.body.contents[0].text",
        None,
    ),
    "flex button label over 40": (
        reply_body(
            {
                "type": "flex",
                "altText": "a",
                "contents": bubble(
                    {
                        "type": "button",
                        "action": {"type": "message", "label": "x" * 41, "text": "t"},
                    }
                ),
            }
        ),
        "messages[0].contents.body.contents[0].action.label",
        "Length must be between 0 and 40",
    ),
    "flex altText over 1500": (
        reply_body({"type": "flex", "altText": "a" * 1501, "contents": bubble()}),
        "messages[0].altText",
        "Length must be between 0 and 1500",
    ),
    "flex bubble over 30 KB": (
        reply_body(
            {
                "type": "flex",
                "altText": "a",
                "contents": bubble(*[{"type": "text", "text": "x" * 1000} for _ in range(31)]),
            }
        ),
        "messages[0].contents",
        None,
    ),
    "carousel of 13 bubbles": (
        reply_body(
            {
                "type": "flex",
                "altText": "a",
                "contents": {
                    "type": "carousel",
                    "contents": [bubble({"type": "text", "text": "x"})] * 13,
                },
            }
        ),
        "messages[0].contents.contents",
        "Size must be between 1 and 12",
    ),
}


@pytest.mark.parametrize("body,prop,message", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_line_rejects_invalid_messages_with_400(fake, body, prop, message):
    status, answer, _ = raw_post(fake, "/v2/bot/message/reply", body)
    assert status == 400, answer
    assert answer["message"].startswith("The request body has")
    props = {d["property"]: d["message"] for d in answer["details"]}
    assert prop in props, answer
    if message:
        assert props[prop] == message
    assert fake.sent_messages(USER) == [] and fake.calls("replyMessage")[0].errors
    with pytest.raises(AssertionError, match=prop.replace("[", r"\[").replace("]", r"\]")):
        fake.assert_no_violations()


def test_error_bodies_are_exactly_lines(fake):
    six = reply_body(*[{"type": "text", "text": "x"}] * 6)
    assert raw_post(fake, "/v2/bot/message/reply", six)[1] == fixture_body(
        "validate_400_too_many_messages.json"
    )
    long = reply_body({"type": "text", "text": "a" * 5001})
    assert raw_post(fake, "/v2/bot/message/reply", long)[1] == fixture_body(
        "validate_400_text_too_long.json"
    )
    bad_seconds = {"chatId": USER, "loadingSeconds": 3}
    assert raw_post(fake, "/v2/bot/chat/loading/start", bad_seconds)[1] == fixture_body(
        "loading_400_bad_seconds.json"
    )


def test_sdk_sends_5001_characters_and_the_fake_refuses(fake, api):
    with pytest.raises(ApiException) as err:
        api.push_message(
            PushMessageRequest(to=USER, messages=[TextMessage(text="a" * 5001)]),
            _request_timeout=TIMEOUT,
        )
    assert err.value.status == 400
    assert json.loads(err.value.body) == fixture_body("validate_400_text_too_long.json")


def test_multicast_recipients_must_be_unique(fake):
    status, answer, _ = raw_post(
        fake,
        "/v2/bot/message/multicast",
        {"to": [USER, USER], "messages": [{"type": "text", "text": "x"}]},
    )
    assert status == 400 and answer["details"][0]["property"] == "to"
