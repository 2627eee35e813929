"""Assistance a household received: what kind, from which agency, when and how much. These are
the rows the TPMAP Logbook and the province's monthly statistics count."""
from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from importlib import resources

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agencies import Agency
from .base import Base, UTCDateTime, utcnow

KINDS_FILE = "assistance_kinds.csv"


class AssistanceKind(Base):
    """The short list users pick the kind of help from (kept as data: models/data)."""

    __tablename__ = "assistance_kinds"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    label_th: Mapped[str] = mapped_column(String(100))
    short_th: Mapped[str] = mapped_column(String(20))   # fits a button (LINE: 20 characters)
    position: Mapped[int] = mapped_column(Integer)


def read_assistance_kinds() -> list[dict]:
    text = resources.files("models").joinpath("data", KINDS_FILE).read_text("utf-8-sig")
    return [{"code": row["code"].strip(), "label_th": row["label_th"].strip(),
             "short_th": row["short_th"].strip(), "position": i}
            for i, row in enumerate(csv.DictReader(text.splitlines()))]


class AssistanceRecord(Base):
    __tablename__ = "assistance_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True)
    given_on: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(ForeignKey("assistance_kinds.code"))
    # Who gave it: an agency of the list, or the mentor themself (by_mentor), or an agency the
    # list lacks, typed under "อื่น ๆ" (agency_id empty, agency_name as typed).
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency_name: Mapped[str | None] = mapped_column(String(300))
    by_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    value_baht: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    # The household's area, copied: monthly statistics by district are one indexed range scan.
    province: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agency: Mapped[Agency | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_assistance_records_area_date", "province", "district",
                            "given_on"),)
