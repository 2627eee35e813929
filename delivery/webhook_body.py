"""Reading a signed webhook body into event objects, one bad event never spoiling the rest.

A body that is not a LINE payload at all is refused (400). Inside a good body, each event is
judged alone: an event that is not an object, is nested deeper than any LINE event, or cannot be
parsed is skipped and counted, and the others go on. Strings lose the control characters that
no person types and that PostgreSQL refuses in text (NUL), and lone surrogates, which no
encoder accepts.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# LINE's deepest events (a text with mentionees or emojis) are about five levels deep.
MAX_EVENT_DEPTH = 32
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class UnreadableBody(ValueError):
    """Not a LINE webhook payload: not JSON, or no ``events`` list."""


@dataclass
class WebhookBody:
    events: list[dict] = field(default_factory=list)
    skipped: int = 0   # event entries that could not be read


def read_body(body: bytes) -> WebhookBody:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableBody("not UTF-8") from None
    try:
        document = json.loads(text)
    except RecursionError:
        # Nesting deeper than the parser goes: read the events one by one instead, so the
        # readable ones are still answered.
        return _read_events_one_by_one(text)
    except ValueError:
        raise UnreadableBody("not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise UnreadableBody("no events list")
    result = WebhookBody()
    for entry in document["events"]:
        _take(result, entry)
    return result


def _take(result: WebhookBody, entry: object) -> None:
    if isinstance(entry, dict) and _depth_within(entry, MAX_EVENT_DEPTH):
        result.events.append(clean(entry))
    else:
        result.skipped += 1


def _depth_within(value: object, limit: int) -> bool:
    """Whether ``value`` nests at most ``limit`` containers deep (iterative: no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return False
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) \
            else ()
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return True


def clean(value):
    """A copy with every string (keys too) stripped of unwanted characters. Only called on
    values ``_depth_within`` accepted, so the recursion is shallow."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(key): clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def clean_text(text: str) -> str:
    if _UNWANTED.search(text):
        text = _UNWANTED.sub("", text)
    if _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub("\ufffd", text)
    return text


def _read_events_one_by_one(text: str) -> WebhookBody:
    spans = _event_spans(text)
    if spans is None:
        raise UnreadableBody("no events list")
    result = WebhookBody()
    for start, end in spans:
        try:
            entry = json.loads(text[start:end])
        except (RecursionError, ValueError):
            result.skipped += 1
            continue
        _take(result, entry)
    return result


def _event_spans(text: str) -> list[tuple[int, int]] | None:
    """Where each element of the top-level object's ``events`` array starts and ends, found
    by one pass that tracks strings and nesting without recursion. None: no such array."""
    spans: list[tuple[int, int]] = []
    depth, in_string, escaped = 0, False, False
    string_start, last_string = -1, None
    in_events, element_start = False, -1
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                if depth == 1:   # a key (or value) of the top-level object
                    last_string = text[string_start:i + 1]
            continue
        if char == '"':
            in_string, string_start = True, i
            if in_events and depth == 2 and element_start < 0:
                element_start = i
        elif char in "[{":
            if depth == 1 and char == "[" and last_string == '"events"':
                in_events = True
            elif in_events and depth == 2 and element_start < 0:
                element_start = i
            depth += 1
        elif char in "]}":
            depth -= 1
            if in_events and depth == 1:
                if element_start >= 0:
                    spans.append((element_start, i))
                return spans
        elif char == "," and in_events and depth == 2:
            if element_start >= 0:
                spans.append((element_start, i))
            element_start = -1
        elif in_events and depth == 2 and element_start < 0 and not char.isspace():
            element_start = i
    return None
