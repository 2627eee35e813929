"""The export kinds, by the name the CLI (and the dashboard) asks for: each a module of
handlers/exports with ``build(session, area, start, end, ...) -> Export``."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo

from sqlalchemy.orm import Session

from . import audit_trail, logbook, mentors, monthly, plans
from .table import Area, Export


@dataclass(frozen=True)
class Options:
    """The settings some kinds need: the users' time zone (instants → days) and the days a
    first visit is due after the assignment (overdue counts)."""

    tz: tzinfo
    first_visit_days: int


KINDS: dict[str, Callable[[Session, Area, date, date, Options], Export]] = {
    # one row per visit and per assistance, as the TPMAP Logbook is keyed in
    "logbook": lambda s, area, start, end, o: logbook.build(s, area, start, end),
    # the province's monthly figures, by agency and by district
    "monthly": lambda s, area, start, end, o: monthly.build(
        s, area, start, end, tz=o.tz, first_visit_days=o.first_visit_days),
    # goals, levels and plan items per household
    "plans": lambda s, area, start, end, o: plans.build(s, area, start, end, tz=o.tz),
    # per mentor: households, visits, registration
    "mentors": lambda s, area, start, end, o: mentors.build(s, area, start, end, tz=o.tz),
    # the audit trail: who saw, changed or exported which household's data, and when
    "audit": lambda s, area, start, end, o: audit_trail.build(s, area, start, end, tz=o.tz),
}


class UnknownKind(Exception):
    pass


def build(kind: str, session: Session, area: Area, start: date, end: date,
          options: Options) -> Export:
    """The kind's Export for the area and range (rows still to be read, lazily)."""
    make = KINDS.get(kind)
    if make is None:
        raise UnknownKind(f"unknown export kind {kind!r}; kinds: {', '.join(KINDS)}")
    return make(session, area, start, end, options)
