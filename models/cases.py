"""Outside-help cases: a problem a mentor cannot solve alone, routed by the district centre."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .households import Household
from .people import Person


class CaseClosure(str, enum.Enum):
    """How a closed case ended: help given (an assistance record says what), or why not."""

    HELPED = "helped"        # ได้รับความช่วยเหลือ
    DECLINED = "declined"    # ครัวเรือนไม่ประสงค์
    UNABLE = "unable"        # หน่วยงานช่วยไม่ได้
    OTHER = "other"          # another reason, typed


class CaseStatus(str, enum.Enum):
    OPEN = "open"                  # raised, no coordinator has taken it yet
    ACKNOWLEDGED = "acknowledged"  # รับเรื่อง
    REFERRED = "referred"          # ส่งต่อหน่วยงาน
    CLOSED = "closed"              # ปิดเรื่อง


def _enum(e):
    return Enum(e, native_enum=False, length=16, values_callable=lambda x: [m.value for m in x])


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    visit_problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit_problems.id", ondelete="SET NULL"), index=True)
    dimension: Mapped[str] = mapped_column(String(16))
    indicator_no: Mapped[int | None] = mapped_column(Integer)   # the จปฐ. indicator, if named
    note: Mapped[str | None] = mapped_column(Text)
    suggested_agency: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), default=CaseStatus.OPEN)
    # District of the household, copied so the coordinator's queue is one indexed look-up.
    province: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    referred_agency: Mapped[str | None] = mapped_column(String(300))
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)
    closure: Mapped[CaseClosure | None] = mapped_column(_enum(CaseClosure))
    # Set when an unacknowledged case was raised to the coordinators a second time (once only).
    reraised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    household: Mapped[Household] = relationship(lazy="joined")
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id], lazy="joined")
    acknowledged_by: Mapped[Person | None] = relationship(foreign_keys=[acknowledged_by_id])

    __table_args__ = (Index("ix_cases_area_status", "province", "district", "status"),
                      # A household's cases (its page, its erasure).
                      Index("ix_cases_household", "household_id"))


class CaseEvent(Base):
    """Every change of a case, by whom and when: the trail the PDPA asks for."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    action: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
