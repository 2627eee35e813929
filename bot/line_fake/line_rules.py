"""Rules LINE enforces that messaging-api.yml does not express.

Every limit here comes from the Messaging API reference (developers.line.biz/en/reference/
messaging-api/) or LINE's docs; limits the spec already has (messages 1..5, quick reply <= 13
items, postback data <= 300, multicast `to` <= 500, loadingSeconds 5..60, chatBarText <= 14,
...) are left to openapi_check so that each violation is reported once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .line_text import grapheme_len, utf16_len
from .openapi_check import Violation

V = Violation

RETRY_KEY_OPERATIONS = frozenset({"pushMessage", "multicast", "narrowcast", "broadcast"})
TEXT_MAX = 5000  # text / textV2 message `text` (UTF-16 units)
FLEX_ALT_TEXT_MAX = 1500
TEMPLATE_ALT_TEXT_MAX = 400
FLEX_BUBBLE_MAX_BYTES = 30_000  # "Max size: 30 KB" per bubble, measured on its JSON
FLEX_CAROUSEL_MAX_BYTES = 50_000
FLEX_CAROUSEL_MAX_BUBBLES = 12
ACTION_LABEL_MAX = 20  # quick reply buttons, templates, rich menu areas
IMAGE_CAROUSEL_LABEL_MAX = 12
FLEX_LABEL_MAX = 40
ACTION_TEXT_MAX = 300  # postback displayText, message action text
URI_MAX = 1000
RICH_MENU_AREAS_MAX = 20
RICH_MENU_IMAGE_MAX_BYTES = 1024 * 1024
LINE_ID = re.compile(r"^[UCR][0-9a-f]{32}$")

# Real LINE 401 bodies.
AUTH_MISSING = (
    "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
)
AUTH_INVALID = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
_BEARER = re.compile(r"^Bearer\s+(\S+)\s*$")


def check_auth(headers: Mapping[str, str], expected_token: str | None) -> str | None:
    """Return the 401 message, or None when the bearer token is acceptable."""
    m = _BEARER.match(headers.get("authorization", ""))
    if not m:
        return AUTH_MISSING
    if expected_token is not None and m.group(1) != expected_token:
        return AUTH_INVALID
    return None


def check_headers(op_id: str, headers: Mapping[str, str]) -> list[Violation]:
    # Only the four sending endpoints accept a retry key; its UUID format is checked from the
    # spec's `format: uuid` on those endpoints.
    if "x-line-retry-key" in headers and op_id not in RETRY_KEY_OPERATIONS:
        return [
            V(
                "X-Line-Retry-Key",
                "The retry key can only be specified for push, multicast, narrowcast and broadcast "
                "requests",
            )
        ]
    return []


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _len_error(obj: Mapping, key: str, path: str, limit: int, count=utf16_len) -> list[Violation]:
    value = obj.get(key)
    if isinstance(value, str) and count(value) > limit:
        return [V(_join(path, key), f"Length must be between 0 and {limit}")]
    return []


def _required(obj: Mapping, key: str, path: str) -> list[Violation]:
    return [] if obj.get(key) not in (None, "") else [V(_join(path, key), "must be specified")]


def _list_in(obj: Mapping, key: str) -> list:
    """``obj[key]`` if it is a list, else an empty one."""
    value = obj.get(key)
    return value if isinstance(value, list) else []


def _dict_in(obj: Mapping, key: str) -> dict:
    """``obj[key]`` if it is a dict, else an empty one."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def check_action(a: Any, path: str, label_required: bool, label_max: int) -> list[Violation]:
    if not isinstance(a, dict):
        return []
    errs = _required(a, "label", path) if label_required else []
    errs += _len_error(a, "label", path, label_max, grapheme_len)
    kind = a.get("type")
    if kind == "postback":
        errs += _required(a, "data", path) + _len_error(
            a, "displayText", path, ACTION_TEXT_MAX, grapheme_len
        )
    elif kind == "message":
        errs += _required(a, "text", path) + _len_error(
            a, "text", path, ACTION_TEXT_MAX, grapheme_len
        )
    elif kind == "uri":
        errs += _required(a, "uri", path) + _len_error(a, "uri", path, URI_MAX)
    elif kind == "datetimepicker":
        errs += _required(a, "data", path) + _required(a, "mode", path)
    return errs


def _json_size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _flex_component(c: Any, path: str) -> list[Violation]:
    if not isinstance(c, dict):
        return []
    kind, errs = c.get("type"), []
    if kind == "button":  # the only flex component whose label is shown: required
        errs += check_action(c.get("action"), f"{path}.action", True, FLEX_LABEL_MAX)
    elif "action" in c:
        errs += check_action(c["action"], f"{path}.action", False, FLEX_LABEL_MAX)
    if kind == "text" and not c.get("text") and not c.get("contents"):
        errs.append(V(f"{path}.text", "must be specified (or give `contents` spans)"))
    for key in ("contents",) if kind == "box" else ():
        for i, child in enumerate(c.get(key) or []):
            errs += _flex_component(child, f"{path}.{key}[{i}]")
    if kind == "video" and isinstance(c.get("altContent"), dict):
        errs += _flex_component(c["altContent"], f"{path}.altContent")
    return errs


def _flex_bubble(b: Any, path: str) -> list[Violation]:
    if not isinstance(b, dict):
        return []
    errs = []
    size = _json_size(b)
    if size > FLEX_BUBBLE_MAX_BYTES:
        errs.append(
            V(path, f"A bubble must be {FLEX_BUBBLE_MAX_BYTES} bytes of JSON or less (is {size})")
        )
    for block in ("header", "hero", "body", "footer"):
        errs += _flex_component(b.get(block), f"{path}.{block}")
    if "action" in b:
        errs += check_action(b["action"], f"{path}.action", False, FLEX_LABEL_MAX)
    return errs


def _flex(m: dict, path: str) -> list[Violation]:
    errs = _len_error(m, "altText", path, FLEX_ALT_TEXT_MAX)
    contents, cpath = m.get("contents"), f"{path}.contents"
    if isinstance(contents, dict) and contents.get("type") == "carousel":
        bubbles = _list_in(contents, "contents")
        if len(bubbles) > FLEX_CAROUSEL_MAX_BUBBLES:
            errs.append(
                V(f"{cpath}.contents", f"Size must be between 1 and {FLEX_CAROUSEL_MAX_BUBBLES}")
            )
        size = _json_size(contents)
        if size > FLEX_CAROUSEL_MAX_BYTES:
            errs.append(
                V(
                    cpath,
                    f"A carousel must be {FLEX_CAROUSEL_MAX_BYTES} bytes of JSON or less "
                    f"(is {size})",
                )
            )
        for i, b in enumerate(bubbles):
            errs += _flex_bubble(b, f"{cpath}.contents[{i}]")
    else:
        errs += _flex_bubble(contents, cpath)
    return errs


def _template_text(obj: dict, path: str, plain_max: int, with_media_max: int) -> list[Violation]:
    short = obj.get("title") or obj.get("thumbnailImageUrl")
    return _len_error(obj, "title", path, 40, grapheme_len) + _len_error(
        obj, "text", path, with_media_max if short else plain_max, grapheme_len
    )


def _actions(
    obj: dict, path: str, lo: int, hi: int, label_max: int = ACTION_LABEL_MAX
) -> list[Violation]:
    actions = _list_in(obj, "actions")
    errs = (
        []
        if lo <= len(actions) <= hi
        else [V(f"{path}.actions", f"Size must be between {lo} and {hi}")]
    )
    for i, a in enumerate(actions):
        errs += check_action(a, f"{path}.actions[{i}]", True, label_max)
    if "defaultAction" in obj:
        errs += check_action(obj["defaultAction"], f"{path}.defaultAction", False, ACTION_LABEL_MAX)
    return errs


def _template(m: dict, path: str) -> list[Violation]:
    errs = _len_error(m, "altText", path, TEMPLATE_ALT_TEXT_MAX)
    t, tpath = m.get("template"), f"{path}.template"
    if not isinstance(t, dict):
        return errs
    kind = t.get("type")
    if kind == "buttons":
        errs += _template_text(t, tpath, 160, 60) + _actions(t, tpath, 1, 4)
    elif kind == "confirm":
        errs += _len_error(t, "text", tpath, 240, grapheme_len) + _actions(t, tpath, 2, 2)
    elif kind in ("carousel", "image_carousel"):
        cols = _list_in(t, "columns")
        if not 1 <= len(cols) <= 10:
            errs.append(V(f"{tpath}.columns", "Size must be between 1 and 10"))
        for i, col in enumerate(cols):
            cpath = f"{tpath}.columns[{i}]"
            if not isinstance(col, dict):
                continue
            if kind == "carousel":
                errs += _template_text(col, cpath, 120, 60) + _actions(col, cpath, 1, 3)
            else:
                errs += check_action(
                    col.get("action"), f"{cpath}.action", False, IMAGE_CAROUSEL_LABEL_MAX
                )
        counts = {
            len(c["actions"])
            for c in cols
            if isinstance(c, dict) and isinstance(c.get("actions"), list)
        }
        if kind == "carousel" and len(counts) > 1:
            errs.append(V(f"{tpath}.columns", "all columns must have the same number of actions"))
    return errs


def check_message(m: Any, path: str) -> list[Violation]:
    if not isinstance(m, dict):
        return []
    errs: list[Violation] = []
    kind = m.get("type")
    if kind in ("text", "textV2"):
        errs += _len_error(m, "text", path, TEXT_MAX)
    elif kind == "flex":
        errs += _flex(m, path)
    elif kind == "template":
        errs += _template(m, path)
    qr = m.get("quickReply")
    items = qr.get("items") if isinstance(qr, dict) else None
    for i, item in enumerate(items if isinstance(items, list) else []):
        ipath = f"{path}.quickReply.items[{i}]"
        if not isinstance(item, dict):
            continue
        if item.get("type") != "action":
            errs.append(V(f"{ipath}.type", "must be action"))
        if not isinstance(item.get("action"), dict):
            errs.append(V(f"{ipath}.action", "must be specified"))
        errs += check_action(item.get("action"), f"{ipath}.action", True, ACTION_LABEL_MAX)
    return errs


def _rich_menu(body: dict) -> list[Violation]:
    # The spec marks nothing required here; the API reference requires all five.
    errs = [
        e
        for k in ("size", "selected", "name", "chatBarText", "areas")
        for e in _required(body, k, "")
    ]
    size = _dict_in(body, "size")
    w, h = size.get("width"), size.get("height")
    if isinstance(w, int) and isinstance(h, int):
        if not (800 <= w <= 2500 and h >= 250 and w / h >= 1.45):
            errs.append(
                V("size", "width must be 800..2500, height >= 250 and width/height >= 1.45")
            )
    areas = _list_in(body, "areas")
    if len(areas) > RICH_MENU_AREAS_MAX:
        errs.append(V("areas", f"Size must be between 0 and {RICH_MENU_AREAS_MAX}"))
    for i, area in enumerate(areas):
        if not isinstance(area, dict):
            continue
        errs += _required(area, "bounds", f"areas[{i}]") + _required(area, "action", f"areas[{i}]")
        errs += check_action(area.get("action"), f"areas[{i}].action", False, ACTION_LABEL_MAX)
    return errs


def check_body(op_id: str, body: Any, strict_ids: bool = False) -> list[Violation]:
    if not isinstance(body, dict):
        return []
    errs: list[Violation] = []
    messages = body.get("messages")
    for i, m in enumerate(messages if isinstance(messages, list) else []):
        errs += check_message(m, f"messages[{i}]")
    to = body.get("to")
    if op_id == "multicast" and isinstance(to, list) and len(set(map(str, to))) != len(to):
        errs.append(V("to", "must not contain duplicate user IDs"))
    if strict_ids and op_id in ("pushMessage", "multicast"):
        bad = [
            t
            for t in (to if isinstance(to, list) else [to])
            if not (isinstance(t, str) and LINE_ID.match(t))
        ]
        errs += [V("to", f"The value {t!r} is not a valid user, group or room ID") for t in bad]
    if op_id in ("createRichMenu", "validateRichMenuObject"):
        errs += _rich_menu(body)
    secs = body.get("loadingSeconds")
    if op_id == "showLoadingAnimation" and isinstance(secs, int) and secs % 5:
        errs.append(V("loadingSeconds", "must be a multiple of five"))  # LINE's wording
    return errs


def check_rich_menu_image(content_type: str, data: bytes) -> list[Violation]:
    ctype = content_type.split(";")[0].strip().lower()
    magic = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
    if ctype not in magic:
        return [V("Content-Type", "must be image/jpeg or image/png")]
    errs = [] if data.startswith(magic[ctype]) else [V("body", f"is not a {ctype} image")]
    if len(data) > RICH_MENU_IMAGE_MAX_BYTES:
        errs.append(V("body", f"image must be {RICH_MENU_IMAGE_MAX_BYTES} bytes or less"))
    return errs
