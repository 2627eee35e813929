"""The audit trail: who saw, changed, exported or erased which household's data, when, and
from where. Append-only (the database refuses UPDATE and DELETE on it, migration 0011). It
holds ids and counts only, never a name, a phone number or typed text, so it outlives an
erasure and can be handed to the PDPC after a breach as it is."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class AuditChannel(str, enum.Enum):
    CHAT = "chat"             # in LINE
    DASHBOARD = "dashboard"   # the web dashboard opened from LINE
    EXPORT = "export"         # a file made (dashboard download or the CLI)
    OPERATOR = "operator"     # the command line (erasure, imports)
    SYSTEM = "system"         # the clock's own jobs (retention)


class AuditAction(str, enum.Enum):
    VIEW = "view"
    CHANGE = "change"
    EXPORT = "export"
    ERASE = "erase"
    PURGE = "purge"           # removed by the retention rules


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The person who acted (people.id; None for the operator or the system). No foreign key:
    # the trail must outlive whatever it names.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[AuditChannel] = mapped_column(_enum(AuditChannel))
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction))
    # What was seen or changed: "household", "plan", "case", "visit", "records", an export's
    # kind... (a short code, never content).
    subject: Mapped[str] = mapped_column(String(40))
    household_id: Mapped[int | None] = mapped_column(Integer)
    # The area the data belongs to, copied so a district's or a province's trail is one range.
    province: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    # Ids, filters and counts (an export's filter and row count, a case id): no personal data.
    detail: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_audit_events_area_at", "province", "district", "at"),
        Index("ix_audit_events_household_at", "household_id", "at"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent id={self.id} {self.action.value} {self.subject}>"
