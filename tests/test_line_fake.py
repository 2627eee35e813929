"""FakeLineApi driven through the real line-bot-sdk v3 client (and raw HTTP where the SDK's
own client-side validation would refuse to send what we want LINE to refuse)."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from linebot.v3.messaging import (
    ApiException,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexText,
    MessageAction,
    MessagingApiBlob,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
    RichMenuSize,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response

from bot.line_fake import FakeLineApi, SpecValidator
from bot.line_fake import responses as R
from bot.line_fake.line_text import grapheme_len, line_length

from .line_fake_helpers import (
    FIXTURES,
    OTHER,
    PNG,
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


# ---- quota, rich menus, misc endpoints ---------------------------------------------------------
def test_quota_counts_recipients_and_runs_out(fake, api):
    fake.set_quota(3)
    api.multicast(
        MulticastRequest(to=[USER, OTHER], messages=[TextMessage(text="a"), TextMessage(text="b")]),
        _request_timeout=TIMEOUT,
    )
    assert api.get_message_quota_consumption(_request_timeout=TIMEOUT).total_usage == 2
    quota = api.get_message_quota(_request_timeout=TIMEOUT)
    assert (quota.type, quota.value) == ("limited", 3)
    api.push_message(
        PushMessageRequest(to=USER, messages=[TextMessage(text="c")]), _request_timeout=TIMEOUT
    )
    with pytest.raises(ApiException) as err:
        api.push_message(
            PushMessageRequest(to=USER, messages=[TextMessage(text="d")]), _request_timeout=TIMEOUT
        )
    assert err.value.status == 429
    assert [m["text"] for m in fake.sent_messages(USER)] == ["a", "b", "c"]
    assert [m["text"] for m in fake.sent_messages(OTHER)] == ["a", "b"]


def test_rich_menu_lifecycle_through_the_sdk(fake, api):
    blob = MessagingApiBlob(api.api_client)
    menu = RichMenuRequest(
        size=RichMenuSize(width=2500, height=843),
        selected=False,
        name="mentor",
        chat_bar_text="เมนู",
        areas=[
            RichMenuArea(
                bounds=RichMenuBounds(x=0, y=0, width=2500, height=843),
                action=PostbackAction(label="เยี่ยมบ้าน", data="menu=visit"),
            )
        ],
    )
    menu_id = api.create_rich_menu(menu, _request_timeout=TIMEOUT).rich_menu_id
    with pytest.raises(ApiException) as err:  # LINE refuses menus without an image
        api.link_rich_menu_id_to_user(USER, menu_id, _request_timeout=TIMEOUT)
    assert err.value.status == 400
    blob.set_rich_menu_image(
        menu_id, PNG, _headers={"Content-Type": "image/png"}, _request_timeout=TIMEOUT
    )
    api.link_rich_menu_id_to_user(USER, menu_id, _request_timeout=TIMEOUT)
    api.link_rich_menu_id_to_users(
        RichMenuBulkLinkRequest(rich_menu_id=menu_id, user_ids=[OTHER]), _request_timeout=TIMEOUT
    )
    assert api.get_rich_menu_id_of_user(OTHER, _request_timeout=TIMEOUT).rich_menu_id == menu_id
    assert [m.rich_menu_id for m in api.get_rich_menu_list(_request_timeout=TIMEOUT).richmenus] == [
        menu_id
    ]
    api.set_default_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert fake.rich_menu_of("U" + "3" * 32) == menu_id
    api.delete_rich_menu(menu_id, _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as err:
        api.get_rich_menu_id_of_user(USER, _request_timeout=TIMEOUT)
    assert err.value.status == 404 and json.loads(err.value.body) == fixture_body(
        "richmenu_user_404_no_richmenu.json"
    )


def test_rich_menu_rules_the_spec_does_not_state(fake):
    status, answer, _ = raw_post(
        fake, "/v2/bot/richmenu", {"size": {"width": 2500, "height": 2500}, "name": "x"}
    )
    assert status == 400
    assert {"size", "selected", "chatBarText", "areas"} <= {
        d["property"] for d in answer["details"]
    }
    ok = {
        "size": {"width": 2500, "height": 843},
        "selected": False,
        "name": "m",
        "chatBarText": "m",
        "areas": [],
    }
    menu_id = raw_post(fake, "/v2/bot/richmenu", ok)[1]["richMenuId"]
    status, _, _ = raw_post(
        fake, f"/v2/bot/richmenu/{menu_id}/content", PNG, {"Content-Type": "image/gif"}
    )
    assert status == 400


def test_misc_endpoints(fake, api):
    fake.set_profile(OTHER, None)
    assert api.get_profile(USER, _request_timeout=TIMEOUT).user_id == USER
    with pytest.raises(ApiException) as err:
        api.get_profile(OTHER, _request_timeout=TIMEOUT)
    assert err.value.status == 404
    loading = api.show_loading_animation_with_http_info(
        ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=10), _request_timeout=TIMEOUT
    )
    assert loading.status_code == 202
    fake.set_message_content("m1", b"\xff\xd8\xffdata")
    blob = MessagingApiBlob(api.api_client)
    assert bytes(blob.get_message_content("m1", _request_timeout=TIMEOUT)) == b"\xff\xd8\xffdata"
    assert raw_post(fake, "/v2/bot/no/such/thing", {})[0] == 404


def test_clear_restores_defaults_but_keeps_sequence_numbers_growing(fake, api):
    fake.set_quota(0)
    fake.fail_next(5)
    fake.register_reply_token("rt-c", USER)
    fake.clear()
    api.push_message(
        PushMessageRequest(to=USER, messages=[TextMessage(text="after")]), _request_timeout=TIMEOUT
    )
    (delivery,) = fake.deliveries(USER)
    fake.clear()
    api.push_message(
        PushMessageRequest(to=USER, messages=[TextMessage(text="later")]), _request_timeout=TIMEOUT
    )
    assert [d.message["text"] for d in fake.deliveries(USER, since=delivery.seq)] == ["later"]
    assert len(fake.requests) == 1


def test_mounted_with_dispatcher_middleware():
    fake = FakeLineApi()
    app = DispatcherMiddleware(Response("bot", status=200), {"/line": fake.wsgi_app})
    resp = Client(app).post(
        "/line/v2/bot/message/push",
        json={"to": USER, "messages": [{"type": "text", "text": "x"}]},
        headers={"Authorization": "Bearer t"},
    )
    assert resp.status_code == 200 and fake.sent_messages(USER) == [{"type": "text", "text": "x"}]


# ---- the validator itself and the data it relies on --------------------------------------------
def test_validator_dispatches_on_discriminators_without_recursing_forever():
    v = SpecValidator()
    deep: dict = {"type": "text", "text": "x"}
    for _ in range(30):
        deep = {"type": "box", "layout": "vertical", "contents": [deep]}
    assert (
        v.validate_named(
            {"type": "flex", "altText": "a", "contents": {"type": "bubble", "body": deep}},
            "Message",
        )
        == []
    )
    errors = v.validate_named(
        {"type": "bubble", "body": {"type": "text", "text": "x"}}, "FlexContainer"
    )
    assert "body.type: must be one of [box]" in errors  # body must be a box, not any component
    assert v.validate_named({"type": "teleport"}, "Action") == [
        "type: must be one of [camera, cameraRoll, clipboard, datetimepicker, location, message, "
        "postback, richmenuswitch, uri]"
    ]
    assert v.validate_named({"type": "clipboard", "label": "c"}, "Action") == [
        "clipboardText: must be specified"
    ]
    op = v.find_operation("POST", "/v2/bot/user/Uabc/richmenu/rm-1")
    assert (op.operation_id, dict(op.path_params)) == (
        "linkRichMenuIdToUser",
        {"userId": "Uabc", "richMenuId": "rm-1"},
    )
    assert v.find_operation("GET", "/v2/bot/richmenu/list").operation_id == "getRichMenuList"
    assert (
        line_length("messages[0].text", "👋🏻") == 4
        and line_length("areas[0].action.label", "👋🏻") == 1
    )


def test_spec_copy_is_verbatim():
    spec = Path(__file__).resolve().parents[1] / "bot" / "line_fake" / "messaging-api.yml"
    source = (spec.parent / "SPEC_SOURCE.md").read_text()
    assert hashlib.sha256(spec.read_bytes()).hexdigest() in source


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared LINE fixtures not available")
def test_inlined_bodies_match_the_shared_fixtures():
    assert R.MONTHLY_LIMIT_429 == fixture_body("any_429_monthly_limit.json")
    assert R.INVALID_REPLY_TOKEN_400 == fixture_body("reply_400_invalid_reply_token.json")
    assert R.RICH_MENU_NOT_FOUND_404 == fixture_body("richmenu_bulk_link_404.json")
    assert R.USER_HAS_NO_RICH_MENU_404 == fixture_body("richmenu_user_404_no_richmenu.json")
    assert R.FAILED_TO_SEND_400 == fixture_body("push_400_failed_to_send.json")
    assert (
        R.RETRY_KEY_ACCEPTED_409["message"]
        == fixture_body("push_409_retry_key_accepted.json")["message"]
    )
