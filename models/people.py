"""People who talk to the bot: mentors and district coordinators."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Role(str, enum.Enum):
    MENTOR = "mentor"
    COORDINATOR = "coordinator"
    PROVINCE = "province"      # ศจพ.จ.: the province's officer (exports, statistics); no district


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16,
                                            values_callable=lambda e: [m.value for m in e]))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    agency: Mapped[str | None] = mapped_column(String(300))
    # Mentors are keyed by phone in the roster; digits only, e.g. 0810000001.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    province: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100))
    line_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the person blocks the Official Account (LINE still answers 200 to pushes then,
    # delivering nothing): reminders and broadcasts skip them until they unblock.
    line_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by `mentorbot erase person`: name and phone are gone, the LINE link is cut, and
    # nothing more is sent. The row stays so counts and the audit trail keep their ids.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the person was told, once, that a 13-digit ID they typed was masked.
    thai_id_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # Coordinator look-ups ("who coordinates this district") and district dashboards.
        Index("ix_people_area_role", "province", "district", "role"),
    )

    def __repr__(self) -> str:  # no names: reprs end up in logs
        return f"<Person id={self.id} role={self.role.value}>"
