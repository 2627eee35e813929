"""Target households, their failing TPMAP dimensions and their mentor assignment."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .people import Person


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    dimension_rows: Mapped[list[HouseholdDimension]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HouseholdDimension.dimension")

    __table_args__ = (Index("ix_households_area", "province", "district"),)

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
    )
