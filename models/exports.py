"""Every export made, for the audit trail: who took what, of which area and range, how big."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ExportRecord(Base):
    __tablename__ = "export_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))        # logbook / monthly / plans / mentors
    file_format: Mapped[str] = mapped_column(String(8))  # xlsx / csv
    province: Mapped[str] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))   # None: the whole province
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer)
    # Who: a person of the bot (the dashboard's coordinators and province officers), or, from
    # the operator's CLI, the operating-system account that ran it.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
