"""Which agency a problem should go to: the lead ministries of the จปฐ. indicators."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import JpthIndicator
from models.reference import CURRENT_PERIOD


def suggested_agencies(session: Session, dimension: str, limit: int = 6,
                       period: str = CURRENT_PERIOD) -> list[str]:
    """Lead agencies of the dimension's indicators, the most often named first."""
    rows = session.scalars(select(JpthIndicator.lead_agencies).where(
        JpthIndicator.survey_period == period, JpthIndicator.dimension == dimension))
    counts: Counter[str] = Counter()
    for lead in rows:
        for agency in filter(None, (a.strip() for a in lead.split("|"))):
            counts[agency] += 1
    return [agency for agency, _ in counts.most_common(limit)]
