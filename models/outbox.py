"""Messages that do not answer an event (alerts, reminders, broadcasts), sent by the clock
process."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class OutboxKind(str, enum.Enum):
    PUSH = "push"
    MULTICAST = "multicast"


def _enum(e):
    return Enum(e, native_enum=False, length=16, values_callable=lambda x: [m.value for m in x])


class OutboxCategory(str, enum.Enum):
    """What a message is for; decides its place in the queue when the monthly quota is short."""

    DIGEST = "digest"  # a mentor's daily reminder: goes first
    ALERT = "alert"  # cases and their changes; coordinator digests
    REPLY = "reply"  # an answer whose reply token had expired
    BROADCAST = "broadcast"  # programme notices: held first when quota is short


# Lower goes first when there is not quota for everything.
CATEGORY_PRIORITY = {
    OutboxCategory.DIGEST: 0,
    OutboxCategory.REPLY: 0,
    OutboxCategory.ALERT: 1,
    OutboxCategory.BROADCAST: 2,
}


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    PARKED = "parked"  # failed for good (4xx) or too often; needs a person to look
    EXPIRED = "expired"  # outlived its use unsent (yesterday's digest): never sent late


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(_enum(OutboxKind))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    messages: Mapped[list[dict]] = mapped_column(JSON)
    notification_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[OutboxCategory] = mapped_column(
        _enum(OutboxCategory), default=OutboxCategory.ALERT
    )
    # Urgent messages are not held in quiet hours: they go out silently instead.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sent as X-Line-Retry-Key on every attempt: LINE delivers a key at most once in 24 hours.
    retry_key: Mapped[str] = mapped_column(
        String(36), default=lambda: str(uuid.uuid4()), unique=True
    )
    # Optional natural key (recipient, kind, day...) so a job run twice queues nothing twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # After this moment the message is dropped instead of sent (a digest is about its day).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    # Set when a sent row's recipients and messages were emptied (7 days after sending):
    # what was said, and to whom, is not kept; the id, kind and timing are.
    content_stripped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
                      Index("ix_outbox_sent_unstripped", "sent_at",
                            postgresql_where=text("content_stripped_at IS NULL"),
                            sqlite_where=text("content_stripped_at IS NULL")))
