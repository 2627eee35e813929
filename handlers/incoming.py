"""What a person did in LINE, as the domain sees it (no SDK types past this point)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class Kind(str, Enum):
    TEXT = "text"
    POSTBACK = "postback"     # a tapped button; ``data`` already verified by the adapter
    FOLLOW = "follow"         # added the Official Account (or unblocked it)
    UNFOLLOW = "unfollow"
    STICKER = "sticker"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    FILE = "file"
    LOCATION = "location"
    OTHER = "other"           # a message of a type the bot does not know (LINE added one)


@dataclass(frozen=True)
class Incoming:
    user_id: str
    kind: Kind
    occurred_at: datetime
    text: str | None = None
    # Postback payload as a dict; None when the tap carried no valid signature.
    data: dict | None = None
    # Date/time picker results: {"date": "2026-05-07"} and the like.
    params: dict = field(default_factory=dict)
    message_id: str | None = None    # for images: the content to fetch
    # National ID numbers masked out of ``text`` on the way in (handlers/thai_id.py): the
    # person is told why, once.
    hidden_ids: int = 0
