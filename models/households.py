"""Target households, their failing TPMAP dimensions and their mentor assignment."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .people import Person


def _enum(e):
    return Enum(e, native_enum=False, length=16, values_callable=lambda x: [m.value for m in x])


class HouseholdStatus(str, enum.Enum):
    ACTIVE = "active"   # in the programme: visited, reminded, counted
    LEFT = "left"       # left it (household_exits says why); kept for the statistics


class ExitReason(str, enum.Enum):
    GRADUATED = "graduated"   # พ้นเกณฑ์/พึ่งตนเองได้
    MOVED = "moved"           # ย้ายออกนอกพื้นที่
    DIED = "died"             # เสียชีวิต
    OTHER = "other"           # อื่น ๆ


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[str] = mapped_column(String(11), unique=True)  # รหัสประจำบ้าน
    head_name: Mapped[str] = mapped_column(String(200))
    house_no: Mapped[str | None] = mapped_column(String(30))
    village_no: Mapped[str | None] = mapped_column(String(10))
    village_name: Mapped[str | None] = mapped_column(String(150))
    subdistrict: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(100))
    members: Mapped[int] = mapped_column(Integer)
    # Visit schedule, maintained by visit reports (and read by the scheduler's reminders).
    last_visit_on: Mapped[date | None] = mapped_column(Date)
    next_visit_due: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[HouseholdStatus] = mapped_column(
        _enum(HouseholdStatus), default=HouseholdStatus.ACTIVE, server_default="active")
    left_on: Mapped[date | None] = mapped_column(Date)
    # Set by erasure or by the retention purge of a household that left: what identifies the
    # family is gone; the row and its counts stay for the statistics.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    dimension_rows: Mapped[list[HouseholdDimension]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HouseholdDimension.dimension")

    __table_args__ = (Index("ix_households_area", "province", "district"),
                      # The nightly retention purge: households that left and are not erased.
                      Index("ix_households_left_unerased", "left_on",
                            postgresql_where=text("status = 'left' AND erased_at IS NULL"),
                            sqlite_where=text("status = 'left' AND erased_at IS NULL")))

    @property
    def dimensions(self) -> list[str]:
        return [row.dimension for row in self.dimension_rows]

    def __repr__(self) -> str:
        return f"<Household id={self.id}>"


class HouseholdDimension(Base):
    """One failing TPMAP dimension of a household (income, living, health, education, access)."""

    __tablename__ = "household_dimensions"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)


class Assignment(Base):
    """A mentor looking after a household. Ended assignments stay, for the record."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    household: Mapped[Household] = relationship(lazy="joined")
    mentor: Mapped[Person] = relationship(lazy="joined")

    __table_args__ = (
        # At most one current mentor per household.
        Index("uq_assignments_current_household", "household_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        # Every assignment of a household, ended ones too (erasure ends them).
        Index("ix_assignments_household", "household_id"),
    )


class DimensionPass(Base):
    """A failing TPMAP dimension the household now passes, by whom and since when. Kept apart
    from household_dimensions, which the roster import rewrites; reopening deletes the row
    (the history keeps both moves)."""

    __tablename__ = "dimension_passes"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    passed_on: Mapped[date] = mapped_column(Date)
    passed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))


class DimensionChange(Base):
    """Every pass and reopening of a household's dimension."""

    __tablename__ = "dimension_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(16))
    passed: Mapped[bool] = mapped_column(Boolean)    # False: reopened
    on: Mapped[date] = mapped_column(Date)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HouseholdExit(Base):
    """A household leaving the programme: the mentor asks, a coordinator of the district
    confirms (or declines). One open request per household at a time."""

    __tablename__ = "household_exits"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True)
    reason: Mapped[ExitReason] = mapped_column(_enum(ExitReason))
    note: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed: Mapped[bool | None] = mapped_column(Boolean)   # None: not decided yet

    __table_args__ = (
        Index("uq_household_exits_open", "household_id", unique=True,
              sqlite_where=text("decided_at IS NULL"), postgresql_where=text("decided_at IS NULL")),
    )
