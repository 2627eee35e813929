"""What each LINE endpoint does once a request has passed auth and validation.

Handlers run under the fake's lock and return (status, body, extra headers); a `bytes` body
is sent as-is with the content type given in the headers. Errors that are the bot's fault
(linking a missing rich menu, reusing a reply token) are also appended to `call.rec.errors`
so `assert_no_violations()` reports them; answers that are LINE's business (quota exhausted,
user without a profile) are not.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import responses as R
from .line_rules import check_rich_menu_image
from .openapi_check import Operation
from .state import RecordedRequest

if TYPE_CHECKING:
    from .server import FakeLineApi

Reply = tuple[int, Any, dict]
DEFAULT_CONTENT = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-line-content\xff\xd9", "image/jpeg")


@dataclass
class Call:
    op: Operation
    rec: RecordedRequest
    body: Any
    raw: bytes
    content_type: str


def _sent_messages(fake: FakeLineApi, messages: list[dict]) -> list[dict]:
    out = []
    for m in messages:
        sent = {"id": fake._next_message_id()}
        if m.get("type") in R.QUOTABLE_TYPES:
            sent["quoteToken"] = secrets.token_urlsafe(24)
        out.append(sent)
    return out


def _charge(fake: FakeLineApi, recipients: int) -> Reply | None:
    """Quota counts recipients per request (one push of 5 bubbles to one user = 1)."""
    if fake.quota_limit is not None and fake.quota_used + recipients > fake.quota_limit:
        return 429, R.body(R.MONTHLY_LIMIT_429), {}
    fake.quota_used += recipients
    return None


def reply_message(fake: FakeLineApi, c: Call) -> Reply:
    token, messages = c.body["replyToken"], c.body["messages"]
    if token in fake._used_tokens or (fake.strict_reply_tokens and token not in fake._reply_tokens):
        c.rec.errors.append(f"replyToken: Invalid reply token {token!r} (already used or unknown)")
        return 400, R.body(R.INVALID_REPLY_TOKEN_400), {}
    fake._used_tokens.add(token)
    fake._deliver("reply", fake._reply_tokens.get(token), messages, c.rec.seq)
    return 200, {"sentMessages": _sent_messages(fake, messages)}, {}


def push_message(fake: FakeLineApi, c: Call) -> Reply:
    refused = _charge(fake, 1)
    if refused:
        return refused
    fake._deliver("push", c.body["to"], c.body["messages"], c.rec.seq)
    return 200, {"sentMessages": _sent_messages(fake, c.body["messages"])}, {}


def multicast(fake: FakeLineApi, c: Call) -> Reply:
    return _deliver_to_each(fake, c, "multicast", list(c.body["to"]))


def broadcast(fake: FakeLineApi, c: Call) -> Reply:
    # Everyone the fake knows (add_users / register_reply_token).
    return _deliver_to_each(fake, c, "broadcast", list(fake._users))


def _deliver_to_each(fake: FakeLineApi, c: Call, via: str, users: list[str]) -> Reply:
    refused = _charge(fake, len(users))
    if refused:
        return refused
    for user in users:
        fake._deliver(via, user, c.body["messages"], c.rec.seq)
    return 200, {}, {}


def narrowcast(fake: FakeLineApi, c: Call) -> Reply:
    # Audiences and demographic filters are not modelled: accepted, recorded, not delivered.
    return 202, {}, {}


def accepted_ok(fake: FakeLineApi, c: Call) -> Reply:
    return 200, {}, {}


def accepted_202(fake: FakeLineApi, c: Call) -> Reply:
    return 202, {}, {}


def get_quota(fake: FakeLineApi, c: Call) -> Reply:
    if fake.quota_limit is None:
        return 200, {"type": "none"}, {}
    return 200, {"type": "limited", "value": fake.quota_limit}, {}


def get_consumption(fake: FakeLineApi, c: Call) -> Reply:
    return 200, {"totalUsage": fake.quota_used}, {}


def get_profile(fake: FakeLineApi, c: Call) -> Reply:
    uid = c.op.path_params["userId"]
    default = {"userId": uid, "displayName": f"User {uid[-4:]}", "language": "th"}
    profile = fake._profiles.get(uid, default)
    return (200, profile, {}) if profile else (404, R.body(R.NOT_FOUND_404), {})


def get_content(fake: FakeLineApi, c: Call) -> Reply:
    data, ctype = fake._content.get(c.op.path_params["messageId"], DEFAULT_CONTENT)
    return 200, data, {"Content-Type": ctype}


# ---- rich menus -----------------------------------------------------------------------------
def _menu_id(c: Call) -> str:
    return c.op.path_params.get("richMenuId") or (c.body or {}).get("richMenuId", "")


def _unusable(fake: FakeLineApi, c: Call, menu_id: str) -> Reply | None:
    """LINE refuses to link a missing menu, or one whose image was never uploaded."""
    if menu_id not in fake.rich_menus:
        c.rec.errors.append(f"richMenuId: rich menu {menu_id!r} does not exist")
        return 404, R.body(R.RICH_MENU_NOT_FOUND_404), {}
    if menu_id not in fake.rich_menu_images:
        c.rec.errors.append(f"richMenuId: rich menu {menu_id!r} has no image yet")
        return 400, R.body(R.RICH_MENU_IMAGE_MISSING_400), {}
    return None


def create_rich_menu(fake: FakeLineApi, c: Call) -> Reply:
    menu_id = f"richmenu-{uuid.uuid4().hex}"
    fake.rich_menus[menu_id] = {"richMenuId": menu_id, **c.body}
    return 200, {"richMenuId": menu_id}, {}


def get_rich_menu(fake: FakeLineApi, c: Call) -> Reply:
    menu = fake.rich_menus.get(_menu_id(c))
    return (200, menu, {}) if menu else (404, R.body(R.NOT_FOUND_404), {})


def get_rich_menu_list(fake: FakeLineApi, c: Call) -> Reply:
    return 200, {"richmenus": list(fake.rich_menus.values())}, {}


def delete_rich_menu(fake: FakeLineApi, c: Call) -> Reply:
    menu_id = _menu_id(c)
    if fake.rich_menus.pop(menu_id, None) is None:
        c.rec.errors.append(f"richMenuId: rich menu {menu_id!r} does not exist")
        return 404, R.body(R.NOT_FOUND_404), {}
    fake.rich_menu_images.pop(menu_id, None)
    for user in [u for u, m in fake.user_rich_menus.items() if m == menu_id]:
        del fake.user_rich_menus[user]
    if fake.default_rich_menu_id == menu_id:
        fake.default_rich_menu_id = None
    return 200, {}, {}


def set_rich_menu_image(fake: FakeLineApi, c: Call) -> Reply:
    menu_id = _menu_id(c)
    if menu_id not in fake.rich_menus:
        c.rec.errors.append(f"richMenuId: rich menu {menu_id!r} does not exist")
        return 404, R.body(R.NOT_FOUND_404), {}
    if menu_id in fake.rich_menu_images:  # LINE images cannot be replaced: make a new menu
        c.rec.errors.append(f"richMenuId: rich menu {menu_id!r} already has an image")
        return 400, R.body(R.RICH_MENU_IMAGE_EXISTS_400), {}
    problems = check_rich_menu_image(c.content_type, c.raw)
    if problems:
        c.rec.errors.extend(problems)
        return 400, R.validation_error(problems), {}
    fake.rich_menu_images[menu_id] = (c.raw, c.content_type)
    return 200, {}, {}


def get_rich_menu_image(fake: FakeLineApi, c: Call) -> Reply:
    image = fake.rich_menu_images.get(_menu_id(c))
    if not image:
        return 404, R.body(R.NOT_FOUND_404), {}
    return 200, image[0], {"Content-Type": image[1]}


def link_user(fake: FakeLineApi, c: Call) -> Reply:
    menu_id = _menu_id(c)
    refused = _unusable(fake, c, menu_id)
    if refused:
        return refused
    fake.user_rich_menus[c.op.path_params["userId"]] = menu_id
    return 200, {}, {}


def link_users(fake: FakeLineApi, c: Call) -> Reply:
    menu_id = _menu_id(c)
    refused = _unusable(fake, c, menu_id)
    if refused:
        return refused
    for user in c.body["userIds"]:
        fake.user_rich_menus[user] = menu_id
    return 202, {}, {}  # asynchronous in LINE; applied at once here


def unlink_user(fake: FakeLineApi, c: Call) -> Reply:
    fake.user_rich_menus.pop(c.op.path_params["userId"], None)
    return 200, {}, {}


def unlink_users(fake: FakeLineApi, c: Call) -> Reply:
    for user in c.body["userIds"]:
        fake.user_rich_menus.pop(user, None)
    return 202, {}, {}


def get_user_menu(fake: FakeLineApi, c: Call) -> Reply:
    menu_id = fake.user_rich_menus.get(c.op.path_params["userId"])
    return (
        (200, {"richMenuId": menu_id}, {})
        if menu_id
        else (404, R.body(R.USER_HAS_NO_RICH_MENU_404), {})
    )


def set_default_menu(fake: FakeLineApi, c: Call) -> Reply:
    menu_id = _menu_id(c)
    refused = _unusable(fake, c, menu_id)
    if refused:
        return refused
    fake.default_rich_menu_id = menu_id
    return 200, {}, {}


def get_default_menu(fake: FakeLineApi, c: Call) -> Reply:
    menu_id = fake.default_rich_menu_id
    return (200, {"richMenuId": menu_id}, {}) if menu_id else (404, R.body(R.NOT_FOUND_404), {})


def cancel_default_menu(fake: FakeLineApi, c: Call) -> Reply:
    fake.default_rich_menu_id = None
    return 200, {}, {}


HANDLERS: dict[str, Callable[[FakeLineApi, Call], Reply]] = {
    "replyMessage": reply_message,
    "pushMessage": push_message,
    "multicast": multicast,
    "narrowcast": narrowcast,
    "broadcast": broadcast,
    "validateReply": accepted_ok,
    "validatePush": accepted_ok,
    "validateMulticast": accepted_ok,
    "validateNarrowcast": accepted_ok,
    "validateBroadcast": accepted_ok,
    "getMessageQuota": get_quota,
    "getMessageQuotaConsumption": get_consumption,
    "showLoadingAnimation": accepted_202,
    "getProfile": get_profile,
    "getMessageContent": get_content,
    "getMessageContentPreview": get_content,
    "createRichMenu": create_rich_menu,
    "validateRichMenuObject": accepted_ok,
    "getRichMenu": get_rich_menu,
    "getRichMenuList": get_rich_menu_list,
    "deleteRichMenu": delete_rich_menu,
    "setRichMenuImage": set_rich_menu_image,
    "getRichMenuImage": get_rich_menu_image,
    "linkRichMenuIdToUser": link_user,
    "linkRichMenuIdToUsers": link_users,
    "unlinkRichMenuIdFromUser": unlink_user,
    "unlinkRichMenuIdFromUsers": unlink_users,
    "getRichMenuIdOfUser": get_user_menu,
    "setDefaultRichMenu": set_default_menu,
    "getDefaultRichMenuId": get_default_menu,
    "cancelDefaultRichMenu": cancel_default_menu,
}
