"""The จปฐ. (basic minimum needs) indicator catalogue, versioned by survey period."""
from __future__ import annotations

import csv
from importlib import resources

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .dimensions import JPTH_CATEGORY_TO_DIMENSION

# Catalogue files shipped in models/data, by survey period (พ.ศ.). A new indicator set is a new
# file.
CATALOGUES = {"2566-2570": "jpth_indicators_2566.csv"}
CURRENT_PERIOD = "2566-2570"


class JpthIndicator(Base):
    __tablename__ = "jpth_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_period: Mapped[str] = mapped_column(String(20))
    no: Mapped[int] = mapped_column(Integer)
    category_no: Mapped[int] = mapped_column(Integer)
    category_th: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[str] = mapped_column(String(16), index=True)
    indicator_th: Mapped[str] = mapped_column(String(500))
    lead_agencies: Mapped[str] = mapped_column(String(500))  # '|'-separated
    partner_agencies: Mapped[str] = mapped_column(String(1000))  # '|'-separated

    __table_args__ = (UniqueConstraint("survey_period", "no"),)


def read_catalogue(period: str = CURRENT_PERIOD) -> list[dict]:
    """Rows of a shipped catalogue as dicts ready for insertion; blank source rows are skipped.
    The file's ``note`` column (where and why our copy differs from the source) is not stored."""
    text = resources.files("models").joinpath("data", CATALOGUES[period]).read_text("utf-8-sig")
    rows = []
    for row in csv.DictReader(text.splitlines()):
        if not (row.get("indicator_th") or "").strip():
            continue
        rows.append(
            {
                "survey_period": period,
                "no": int(row["no"]),
                "category_no": int(row["category_no"]),
                "category_th": row["category_th"].strip(),
                "dimension": JPTH_CATEGORY_TO_DIMENSION[row["category_en"].strip()],
                "indicator_th": row["indicator_th"].strip(),
                "lead_agencies": (row["lead_agencies"] or "").strip(),
                "partner_agencies": (row["partner_agencies"] or "").strip(),
            }
        )
    return rows
