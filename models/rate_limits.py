"""Rate limits shared by every sender process: LINE counts requests per channel, not per
process (see delivery/rate_limit.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class RateLimit(Base):
    """One token bucket (``line-push``, ``line-multicast``): the moment, in microseconds since
    the epoch, from which the next reservation of sending slots may start."""

    __tablename__ = "rate_limits"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_slot_us: Mapped[int] = mapped_column(BigInteger, default=0)
    # LINE answered 429 (rate limit): every sender holds off until then (the senders' clock).
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
