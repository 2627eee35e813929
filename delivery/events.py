"""LINE webhook events turned into the domain's ``Incoming``.

Two rules keep every event answerable. First, nothing here trusts a field's type: LINE adds
fields and values faster than SDKs follow, and a signed body can still hold anything, so every
check is a type check and never raises. Second, the SDK's schema is applied where it can be, but
an event of a type the bot acts on that the SDK refuses (a sticker of a resource type it does not
know, a video without ``quoteToken``) is read from its raw fields instead, so the person still
gets an answer (usually the current question again).
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import Enum

from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    VideoMessageContent,
)

from handlers.incoming import Incoming, Kind
from handlers.thai_id import mask_ids

from .postback_codec import PostbackCodec

log = logging.getLogger(__name__)

# The event types the bot acts on; everything else (unsend, membership, beacon, joins...) is
# acknowledged and dropped at the webhook.
HANDLED_TYPES = frozenset({"message", "postback", "follow", "unfollow"})
MAX_ID_LENGTH = 64

_CONTENT_KINDS = {
    TextMessageContent: Kind.TEXT,
    StickerMessageContent: Kind.STICKER,
    ImageMessageContent: Kind.IMAGE,
    VideoMessageContent: Kind.VIDEO,
    AudioMessageContent: Kind.AUDIO,
    FileMessageContent: Kind.FILE,
    LocationMessageContent: Kind.LOCATION,
}
_RAW_MESSAGE_KINDS = {kind.value: kind for kind in _CONTENT_KINDS.values()}
_PICKER_PARAMS = ("date", "time", "datetime")
# Set by ``for_storage`` on a payload whose text had national ID numbers masked: how many, so
# the person can still be told once the text reaches the domain with the numbers gone.
HIDDEN_IDS = "mentorbotHiddenIds"


class Triage(str, Enum):
    STORE = "store"             # an event the bot acts on: into the inbox
    IGNORE = "ignore"           # not for the bot: other types, groups, standby, no userId
    UNREADABLE = "unreadable"   # meant for the bot but its id or timestamp cannot be read


def triage(raw: dict) -> Triage:
    """What the webhook does with one event object. Never raises, whatever the field types."""
    event_type, source = raw.get("type"), raw.get("source")
    if not (isinstance(event_type, str) and event_type in HANDLED_TYPES
            and isinstance(source, dict) and source.get("type") == "user"
            and raw.get("mode", "active") == "active"):
        return Triage.IGNORE
    # LINE omits userId for users who have not agreed to its terms: nobody to answer.
    if not _short_string(source.get("userId")):
        return Triage.IGNORE
    if not _short_string(raw.get("webhookEventId")) or _timestamp(raw) is None:
        return Triage.UNREADABLE
    return Triage.STORE


def is_redelivery(raw: dict) -> bool:
    context = raw.get("deliveryContext")
    return isinstance(context, dict) and context.get("isRedelivery") is True


def _short_string(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


def _timestamp(raw: dict) -> datetime | None:
    value = raw.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def for_storage(raw: dict) -> dict:
    """The event as the inbox stores it: a Thai national ID typed in a text message is masked
    before the payload is written, so the number never reaches the database (nor its WAL, an
    archived WAL segment or a backup, which outlive the payload's clearing after handling).
    Only the message's ``text`` changes; LINE's ``emojis``/``mention`` offsets into it, which
    the bot does not read, may then point past a mask."""
    message = raw.get("message")
    if raw.get("type") != "message" or not isinstance(message, dict) \
            or not isinstance(text := message.get("text"), str):
        return raw
    masked = mask_ids(text)
    if not masked.hidden:
        return raw
    return {**raw, "message": {**message, "text": masked.text},
            HIDDEN_IDS: _hidden_before(raw) + masked.hidden}


def _typed(raw: dict, text: str) -> tuple[str, int]:
    """Typed text as the domain receives it, ID numbers masked (``for_storage`` did it already
    for events stored by this version; masking again costs a scan and catches the others), and
    how many were hidden in all."""
    masked = mask_ids(text)
    return masked.text, _hidden_before(raw) + masked.hidden


def _hidden_before(raw: dict) -> int:
    count = raw.get(HIDDEN_IDS)
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


def occurred_at(raw: dict) -> datetime:
    """When the event happened; only called on events ``triage`` stored."""
    at = _timestamp(raw)
    if at is None:
        raise ValueError("event timestamp is not readable")
    return at


def to_incoming(raw: dict, codec: PostbackCodec) -> Incoming | None:
    """The event as the domain sees it, or None when there is nothing to act on."""
    if triage(raw) is not Triage.STORE:
        return None
    try:
        event = Event.from_dict(raw)
    except ValueError:   # the SDK's schema refused it (pydantic errors are ValueErrors)
        event = None
    if event is None:
        log.info("event of type %s not parsed by the SDK; read from its raw fields",
                 raw["type"])
        return _from_raw(raw, codec)
    user_id, at = raw["source"]["userId"], occurred_at(raw)
    match event:
        case MessageEvent():
            kind = _CONTENT_KINDS.get(type(event.message), Kind.OTHER)
            if kind is not Kind.TEXT:
                return Incoming(user_id, kind, at, message_id=getattr(event.message, "id", None))
            text, hidden = _typed(raw, event.message.text)
            return Incoming(user_id, kind, at, text=text,
                            message_id=getattr(event.message, "id", None), hidden_ids=hidden)
        case PostbackEvent():
            return Incoming(user_id, Kind.POSTBACK, at, data=codec.decode(event.postback.data),
                            params=_picker_params(event.postback.params))
        case FollowEvent():
            return Incoming(user_id, Kind.FOLLOW, at)
        case UnfollowEvent():
            return Incoming(user_id, Kind.UNFOLLOW, at)
    return _from_raw(raw, codec)


def _from_raw(raw: dict, codec: PostbackCodec) -> Incoming | None:
    """The same mapping from the raw JSON, for events the SDK could not parse."""
    user_id, at, event_type = raw["source"]["userId"], occurred_at(raw), raw["type"]
    if event_type == "message":
        message = raw.get("message")
        message = message if isinstance(message, dict) else {}
        message_type = message.get("type")
        kind = _RAW_MESSAGE_KINDS.get(message_type, Kind.OTHER) \
            if isinstance(message_type, str) else Kind.OTHER
        text = message.get("text")
        message_id = message.get("id")
        message_id = message_id if _short_string(message_id) else None
        if kind is not Kind.TEXT or not isinstance(text, str):
            # A text message without its text is a message of a kind the bot does not know.
            return Incoming(user_id, Kind.OTHER if kind is Kind.TEXT else kind, at,
                            message_id=message_id)
        typed, hidden = _typed(raw, text)
        return Incoming(user_id, kind, at, text=typed, message_id=message_id, hidden_ids=hidden)
    if event_type == "postback":
        postback = raw.get("postback")
        postback = postback if isinstance(postback, dict) else {}
        data = postback.get("data")
        return Incoming(user_id, Kind.POSTBACK, at,
                        data=codec.decode(data) if isinstance(data, str) else None,
                        params=_picker_params(postback.get("params")))
    if event_type == "follow":
        return Incoming(user_id, Kind.FOLLOW, at)
    if event_type == "unfollow":
        return Incoming(user_id, Kind.UNFOLLOW, at)
    return None


def _picker_params(params: object) -> dict[str, str]:
    """A date/time picker's answer, strings only (anything else is dropped here)."""
    if not isinstance(params, dict):
        return {}
    return {key: value for key in _PICKER_PARAMS
            if isinstance(value := params.get(key), str) and value}


def reply_token(raw: dict) -> str | None:
    token = raw.get("replyToken")
    return token if isinstance(token, str) and token else None
