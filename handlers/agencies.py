"""Which agency a problem should go to: the district's own units (พช.อ., รพ.สต., อปท. ...), in an
order that follows the data, with the จปฐ. catalogue's ministries first when an indicator is
known.

A district's list is the one it imported (``mentorbot import agencies``), else the standard list
shipped in models/data/district_agencies.csv. For a dimension, a unit is suggested when its
``dimensions`` name it; its rank is its row in the list, plus ``PLACE_WEIGHT`` rows for each place
the dimension stands down its ``dimensions`` (second, third...). So the units that serve a
dimension first lead, while a unit high in the list that serves it second still comes before a
rarely used one further down that serves only it.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models import Agency, JpthIndicator
from models.agencies import STANDARD_AREA
from models.reference import CURRENT_PERIOD

# How many rows further down a unit counts for each place a dimension stands down its list.
PLACE_WEIGHT = 10
# The catalogue names some Interior departments in brackets: "กระทรวงมหาดไทย (พช.)". These are
# their units in the standard list; a district list without them matches the whole ministry.
DEPARTMENT_UNITS: dict[str, tuple[str, ...]] = {
    "พช.": ("พช.อ.",),          # กรมการพัฒนาชุมชน
    "ปค.": ("อำเภอ",),          # กรมการปกครอง
    "สถ.": ("อปท.", "อบจ."),    # กรมส่งเสริมการปกครองท้องถิ่น
}
INDICATOR_LABEL_WIDTH = 60
_NOT_WORTH_CUTTING = 4      # a text this little over the width is shown whole
_LEADING_VOWELS = frozenset("เแโใไ")
_FOLLOWING_VOWELS = frozenset("ะาำๅๆ")
_BRACKETED = re.compile(r"^(?P<base>.*?)\s*\((?P<note>[^()]*)\)\s*$")


# -- a district's units ----------------------------------------------------------------------
def district_agencies(session: Session, province: str, district: str) -> list[Agency]:
    """The district's own active units if it imported a list, else the standard list; in list
    order. One query."""
    rows = list(session.scalars(
        select(Agency)
        .where(Agency.active.is_(True),
               or_(and_(Agency.province == province, Agency.district == district),
                   and_(Agency.province == STANDARD_AREA, Agency.district == STANDARD_AREA)))
        .order_by(Agency.position, Agency.id)))
    own = [a for a in rows if a.district != STANDARD_AREA or a.province != STANDARD_AREA]
    return own or rows


def dimension_rank(agency: Agency, dimension: str) -> int | None:
    """Where the unit stands for the dimension (lower first), or None if it does not serve it."""
    dims = agency.dimension_list
    if dimension not in dims:
        return None
    return agency.position + PLACE_WEIGHT * dims.index(dimension)


def agencies_for(session: Session, province: str, district: str, dimension: str,
                 indicator_no: int | None = None, limit: int | None = None,
                 period: str = CURRENT_PERIOD) -> list[Agency]:
    """The district's units to suggest for a problem of ``dimension``, best first.

    Without an indicator: the units that serve the dimension, by ``dimension_rank``. With a
    จปฐ. indicator: first the units of its lead ministries, then those of its partner ministries
    whose main dimension it is (or whose department the catalogue names: 'กระทรวงมหาดไทย (สถ.)'
    is the อปท.), then the rest, each group by ``dimension_rank``. A lead ministry none of whose
    units serves the dimension still brings its first unit (the catalogue names it for this
    need: รพ.สต. for the elderly, ธ.ก.ส. for the state welfare card). ``limit`` None: all of
    them. Two queries at most."""
    units = district_agencies(session, province, district)
    ranked = sorted(((rank, a) for a in units
                     if (rank := dimension_rank(a, dimension)) is not None),
                    key=lambda pair: (pair[0], pair[1].position, pair[1].id))
    chosen = [a for _, a in ranked]
    indicator = None if indicator_no is None else session.scalar(
        select(JpthIndicator).where(JpthIndicator.survey_period == period,
                                    JpthIndicator.no == indicator_no))
    if indicator is not None:
        chosen = _catalogue_first(chosen, units, indicator, dimension)
    return chosen if limit is None else chosen[:limit]


def _catalogue_first(chosen: list[Agency], units: list[Agency], indicator: JpthIndicator,
                     dimension: str) -> list[Agency]:
    serving = {a.id for a in chosen}
    lead_ids: set[int] = set()
    extra: list[Agency] = []       # lead ministries' units that do not serve the dimension
    for entry in _split(indicator.lead_agencies):
        named, _ = _units_of(entry, units)
        lead_ids.update(a.id for a in named)
        if named and not any(a.id in serving for a in named) and named[0] not in extra:
            extra.append(named[0])
    partner_ids: set[int] = set()
    for entry in _split(indicator.partner_agencies):
        named, by_department = _units_of(entry, units)
        partner_ids.update(a.id for a in named
                           if by_department or a.dimension_list[:1] == [dimension])
    partner_ids -= lead_ids
    return ([a for a in chosen if a.id in lead_ids] + extra
            + [a for a in chosen if a.id in partner_ids]
            + [a for a in chosen if a.id not in lead_ids and a.id not in partner_ids])


def agency_label(agency: Agency, full: bool = False) -> str:
    """The unit as people name it: its short name (for buttons), or with ``full`` the short name
    and the full name, for listings: 'รพ.สต. (โรงพยาบาลส่งเสริมสุขภาพตำบล)'."""
    if not full or agency.name in ("", agency.short_name):
        return agency.short_name
    return f"{agency.short_name} ({agency.name})"


def _split(agencies: str) -> list[str]:
    return [a.strip() for a in agencies.split("|") if a.strip()]


def _units_of(entry: str, units: Sequence[Agency]) -> tuple[list[Agency], bool]:
    """The units a catalogue entry names, in list order, and whether it named their department.
    'กระทรวงมหาดไทย (พช.)' is the พช.อ. when the list has it (else the whole ministry); an entry
    that is a body rather than a ministry ('สถาบันพัฒนาองค์กรชุมชน (องค์การมหาชน)') matches the
    units whose name starts with it."""
    match = _BRACKETED.match(entry)
    base, note = (match["base"], match["note"].strip()) if match else (entry, "")
    named = [a for a in units if a.ministry == base or a.name.startswith(base)]
    department = DEPARTMENT_UNITS.get(note)
    if department:
        narrowed = [a for a in named if a.short_name in department]
        if narrowed:
            return narrowed, True
    return named, False


# -- the จปฐ. indicators ------------------------------------------------------------------
def indicators_for(session: Session, dimension: str,
                   period: str = CURRENT_PERIOD) -> list[JpthIndicator]:
    """The catalogue's indicators of the dimension, by their number."""
    return list(session.scalars(
        select(JpthIndicator)
        .where(JpthIndicator.survey_period == period, JpthIndicator.dimension == dimension)
        .order_by(JpthIndicator.no)))


def indicator_label(indicator: JpthIndicator, width: int = INDICATOR_LABEL_WIDTH) -> str:
    """The indicator in plain words for a numbered list, cut to about ``width`` characters with
    '…' (at a space when one is near the end, never between a Thai letter and its vowels or
    marks)."""
    text = " ".join(indicator.indicator_th.split())
    if len(text) <= width + _NOT_WORTH_CUTTING:
        return text
    cut = width - 1
    space = text.rfind(" ", 0, cut + 1)
    if space >= width * 3 // 4:
        cut = space
    # A mark or following vowel belongs with the letter before it; a leading vowel (เ แ โ ใ ไ)
    # with the letter after it.
    while cut > 0 and (unicodedata.category(text[cut]) in ("Mn", "Mc")
                       or text[cut] in _FOLLOWING_VOWELS or text[cut - 1] in _LEADING_VOWELS):
        cut -= 1
    return text[:cut].rstrip() + "…"
