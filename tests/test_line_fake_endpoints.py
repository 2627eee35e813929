"""FakeLineApi beyond messages: quota, rich menus, other endpoints, and the validator and the
spec copy it relies on."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from linebot.v3.messaging import (
    ApiException,
    MessagingApiBlob,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
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
from bot.line_fake.line_text import line_length

from .line_fake_helpers import (
    FIXTURES,
    OTHER,
    PNG,
    TIMEOUT,
    USER,
    fixture_body,
    raw_post,
)


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
