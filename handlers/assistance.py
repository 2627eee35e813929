"""Assistance records: what help a household received, of what kind, from whom, when and how
much. A mentor records it for a problem solved at a visit, for help that arrived between visits,
or for an open case's help received; a coordinator records it when closing a case."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Agency, AssistanceKind, AssistanceRecord, Household, Person
from models.dimensions import DIMENSIONS

from .context import Context
from .thai_text import clean

log = logging.getLogger(__name__)

NOTE_MAX = 500
AGENCY_NAME_MAX = 300
VALUE_MAX = Decimal("9999999999.99")    # Numeric(12, 2)
MENTOR_WORDS = "พี่เลี้ยง (ช่วยเอง)"


@dataclass(frozen=True)
class AssistanceDraft:
    dimension: str
    kind: str
    given_on: date
    agency_id: int | None = None
    agency_name: str | None = None    # typed under อื่น ๆ, kept as typed
    by_mentor: bool = False
    value_baht: Decimal | None = None
    note: str | None = None
    case_id: int | None = None
    visit_id: int | None = None


def kinds(session: Session) -> list[AssistanceKind]:
    return list(session.scalars(select(AssistanceKind).order_by(AssistanceKind.position)))


def kind_words(session: Session) -> dict[str, str]:
    """code -> the full Thai label, for summaries and notices."""
    return {kind.code: kind.label_th for kind in kinds(session)}


def record(session: Session, household: Household, person: Person, draft: AssistanceDraft,
           ctx: Context) -> AssistanceRecord:
    if draft.dimension not in DIMENSIONS:
        raise ValueError("unknown dimension")
    if session.get(AssistanceKind, draft.kind) is None:
        raise ValueError("unknown kind of assistance")
    agency = session.get(Agency, draft.agency_id) if draft.agency_id is not None else None
    if draft.agency_id is not None and agency is None:
        raise ValueError("unknown agency")
    row = AssistanceRecord(
        household_id=household.id, given_on=draft.given_on, dimension=draft.dimension,
        kind=draft.kind, agency_id=draft.agency_id,
        # The name as it was when recorded: a list re-imported later does not rewrite history.
        agency_name=agency.short_name if agency else draft.agency_name,
        by_mentor=draft.by_mentor, value_baht=draft.value_baht, note=draft.note,
        recorded_by_id=person.id, case_id=draft.case_id, visit_id=draft.visit_id,
        province=household.province, district=household.district, created_at=ctx.now)
    session.add(row)
    session.flush()
    log.info("assistance recorded: household=%s record=%s kind=%s", household.id, row.id,
             draft.kind)
    return row


def giver(record_or_draft: AssistanceRecord | AssistanceDraft) -> str:
    """Who gave the help, in Thai: the agency, or the mentor themself."""
    if record_or_draft.by_mentor:
        return MENTOR_WORDS
    return record_or_draft.agency_name or "-"


_BAHT_WORDS = re.compile(r"\s*(บาท|บ\.)\s*$")


def parse_baht(text: str) -> Decimal | None:
    """'3000', '3,000', '๓,๐๐๐ บาท', '1500.50' -> Decimal; None when it is not an amount."""
    typed = _BAHT_WORDS.sub("", clean(text)).replace(",", "").replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", typed):
        return None
    try:
        value = Decimal(typed)
    except InvalidOperation:
        return None
    return value if 0 < value <= VALUE_MAX else None


def format_baht(value: Decimal) -> str:
    """Decimal('3000.00') -> '3,000 บาท'; satang shown only when there are some."""
    text = f"{value:,.2f}"
    return (text[:-3] if text.endswith(".00") else text) + " บาท"
