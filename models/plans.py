"""Household development plans (the programme's steps 2 and 3)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class GoalLevel(str, enum.Enum):
    SURVIVE = "survive"        # อยู่รอด
    SUFFICIENT = "sufficient"  # พอเพียง
    SUSTAINABLE = "sustainable"  # ยั่งยืน


class ItemStatus(str, enum.Enum):
    NOT_STARTED = "not_started"  # ยังไม่เริ่ม
    ONGOING = "ongoing"          # ต่อเนื่อง
    DONE = "done"                # สำเร็จ


def _enum(e):
    return Enum(e, native_enum=False, length=16, values_callable=lambda x: [m.value for m in x])


class HouseholdPlan(Base):
    __tablename__ = "household_plans"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    goal: Mapped[str | None] = mapped_column(Text)   # เป้าหมายสูงสุดของครัวเรือน
    level: Mapped[GoalLevel | None] = mapped_column(_enum(GoalLevel))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanItem(Base):
    """One row of the action-plan table."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(16))
    household_action: Mapped[str] = mapped_column(Text)       # what the household will do itself
    support_action: Mapped[str | None] = mapped_column(Text)  # what the mentor / an agency supports
    start_month: Mapped[date] = mapped_column(Date)           # first day of the month
    end_month: Mapped[date] = mapped_column(Date)
    status: Mapped[ItemStatus] = mapped_column(_enum(ItemStatus), default=ItemStatus.NOT_STARTED)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Removed items stay (for the history and the statistics) but leave the plan.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    history: Mapped[list[PlanItemStatusChange]] = relationship(
        cascade="all, delete-orphan", order_by="PlanItemStatusChange.id")


class PlanItemStatusChange(Base):
    __tablename__ = "plan_item_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("plan_items.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ItemStatus | None] = mapped_column(_enum(ItemStatus))
    to_status: Mapped[ItemStatus] = mapped_column(_enum(ItemStatus))
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanItemRevision(Base):
    """An item as it was before an edit or its removal: the plan's history of wording."""

    __tablename__ = "plan_item_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("plan_items.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(String(16))   # "edit" or "remove"
    dimension: Mapped[str] = mapped_column(String(16))
    household_action: Mapped[str] = mapped_column(Text)
    support_action: Mapped[str | None] = mapped_column(Text)
    start_month: Mapped[date] = mapped_column(Date)
    end_month: Mapped[date] = mapped_column(Date)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GoalLevelChange(Base):
    """Every move of the household's goal level (อยู่รอด → พอเพียง → ยั่งยืน), with its date."""

    __tablename__ = "goal_level_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[GoalLevel | None] = mapped_column(_enum(GoalLevel))
    to_level: Mapped[GoalLevel] = mapped_column(_enum(GoalLevel))
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AppSetting(Base):
    """Small operational values, e.g. the rich menu ids created by `mentorbot richmenu deploy`."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
