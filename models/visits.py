"""Home visits (the programme's steps 1 and 4): the "4 ท" analysis and the problems found."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class Visit(Base):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)   # exports: a range of days
    # The "4 ท": ทัศนคติ, ทักษะ, ทรัพยากร, ทางออก. None: skipped.
    attitude: Mapped[str | None] = mapped_column(Text)
    skills: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[str | None] = mapped_column(Text)
    way_out: Mapped[str | None] = mapped_column(Text)
    no_new_problem: Mapped[bool] = mapped_column(Boolean, default=False)
    next_visit_due: Mapped[date] = mapped_column(Date)
    was_overdue: Mapped[bool] = mapped_column(Boolean, default=False)   # done, late
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    problems: Mapped[list[VisitProblem]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitProblem.id")

    __table_args__ = (Index("ix_visits_household_date", "household_id", "visited_on"),)


class VisitProblem(Base):
    __tablename__ = "visit_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(16))
    indicator_no: Mapped[int | None] = mapped_column(Integer)   # the จปฐ. indicator, if named
    needs_outside_help: Mapped[bool] = mapped_column(Boolean, default=False)
    agency: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(back_populates="problems")


class VisitPhoto(Base):
    """A photo sent at the visit. The bot records LINE's message id when the visit is confirmed;
    the clock process copies the content from LINE soon after (LINE keeps it only for a while)."""

    __tablename__ = "visit_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    line_message_id: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    fetch_attempts: Mapped[int] = mapped_column(default=0)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VisitFollowUp(Base):
    """What the mentor answered at a visit about an open plan item or an open case: the
    follow-up the guideline asks for at every visit (step 4)."""

    __tablename__ = "visit_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    plan_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_items.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # An item: done / ongoing / not_started (plans.ItemStatus); a case: waiting / helped.
    answer: Mapped[str] = mapped_column(String(16))
