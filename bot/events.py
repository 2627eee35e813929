"""LINE webhook events (parsed by line-bot-sdk v3) turned into the domain's ``Incoming``."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from linebot.v3.webhooks import (AudioMessageContent, Event, FileMessageContent, FollowEvent,
                                 ImageMessageContent, LocationMessageContent, MessageEvent,
                                 PostbackEvent, StickerMessageContent, TextMessageContent,
                                 UnfollowEvent, VideoMessageContent)

from handlers.incoming import Incoming, Kind

from .postback_codec import PostbackCodec

log = logging.getLogger(__name__)

# The event types the bot acts on; everything else (unsend, membership, beacon, joins...) is
# acknowledged and dropped at the webhook.
HANDLED_TYPES = {"message", "postback", "follow", "unfollow"}

_CONTENT_KINDS = {
    TextMessageContent: Kind.TEXT,
    StickerMessageContent: Kind.STICKER,
    ImageMessageContent: Kind.IMAGE,
    VideoMessageContent: Kind.VIDEO,
    AudioMessageContent: Kind.AUDIO,
    FileMessageContent: Kind.FILE,
    LocationMessageContent: Kind.LOCATION,
}


def is_handled(raw: dict) -> bool:
    """An event worth storing: a type we act on, from a 1:1 chat, in active mode, whose
    fields the inbox needs can be read (anything else is skipped, logged by type only)."""
    source = raw.get("source")
    if not (raw.get("type") in HANDLED_TYPES and isinstance(source, dict)
            and source.get("type") == "user" and raw.get("mode", "active") == "active"
            and raw.get("webhookEventId")):
        return False
    if not _readable(raw):
        log.warning("event of type %s has unreadable fields; skipped", str(raw.get("type"))[:40])
        return False
    return True


def _readable(raw: dict) -> bool:
    user_id, event_id = raw["source"].get("userId"), raw["webhookEventId"]
    return (isinstance(event_id, str) and len(event_id) <= 64
            and (user_id is None or (isinstance(user_id, str) and len(user_id) <= 64))
            and _timestamp(raw) is not None)


def _timestamp(raw: dict) -> datetime | None:
    value = raw.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def occurred_at(raw: dict) -> datetime:
    """When the event happened; only called on events ``is_handled`` accepted."""
    at = _timestamp(raw)
    if at is None:
        raise ValueError("event timestamp is not readable")
    return at


def to_incoming(raw: dict, codec: PostbackCodec) -> Incoming | None:
    """Parse with the SDK (so LINE's own schema is applied) and map to the domain."""
    event = Event.from_dict(raw)
    if event is None:
        return None
    user_id = event.source.user_id
    at = occurred_at(raw)
    match event:
        case MessageEvent():
            kind = _CONTENT_KINDS.get(type(event.message))
            if kind is None:
                return None
            text = event.message.text if kind is Kind.TEXT else None
            return Incoming(user_id, kind, at, text=text, message_id=event.message.id)
        case PostbackEvent():
            data = codec.decode(event.postback.data)
            params = {k: v for k, v in (event.postback.params or {}).items() if v}
            return Incoming(user_id, Kind.POSTBACK, at, data=data, params=params,
                            tampered=data is None)
        case FollowEvent():
            return Incoming(user_id, Kind.FOLLOW, at)
        case UnfollowEvent():
            return Incoming(user_id, Kind.UNFOLLOW, at)
    return None


def reply_token(raw: dict) -> str | None:
    return raw.get("replyToken") if raw.get("mode", "active") == "active" else None
