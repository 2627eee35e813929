"""Agencies that give help in a district: the standard list shipped in models/data, and a
district's own list imported over it (``mentorbot import agencies``)."""
from __future__ import annotations

import csv
from datetime import datetime
from importlib import resources

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

STANDARD_FILE = "district_agencies.csv"
# The standard list is stored with an empty province and district; a district's own list with
# its names.
STANDARD_AREA = ""


class Agency(Base):
    """One local unit (พช.อ., รพ.สต., อปท. ...) with its ministry, so the จปฐ. catalogue (which
    names ministries) still decides which units to suggest. Never deleted: assistance records
    point at it; a unit dropped from a district's list is marked inactive."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(100), default=STANDARD_AREA)
    district: Mapped[str] = mapped_column(String(100), default=STANDARD_AREA)
    short_name: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    ministry: Mapped[str] = mapped_column(String(200))
    # The dimensions it usually serves, '|'-separated, the most usual first.
    dimensions: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)   # its row in the list it came from
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("province", "district", "short_name"),)

    @property
    def dimension_list(self) -> list[str]:
        return [d for d in self.dimensions.split("|") if d]


def read_standard_agencies() -> list[dict]:
    """The shipped standard list as rows ready for insertion, in the file's order."""
    text = resources.files("models").joinpath("data", STANDARD_FILE).read_text("utf-8-sig")
    return [
        {"province": STANDARD_AREA, "district": STANDARD_AREA,
         "short_name": row["short_name"].strip(), "name": row["name"].strip(),
         "ministry": row["ministry"].strip(), "dimensions": row["dimensions"].strip(),
         "position": i, "active": True}
        for i, row in enumerate(csv.DictReader(text.splitlines()))
    ]
