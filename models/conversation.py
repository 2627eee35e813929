"""Where each LINE user is in a conversation. One row per user, locked while an event is handled."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ConversationState(Base):
    __tablename__ = "conversation_states"

    line_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # Bumped at every step; buttons carry it, so a tap on an old message is recognised as stale.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
