"""The province's districts side by side, with the month's assistance and cases by agency
(the rules the figures follow are in figures.py)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta, tzinfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models import (
    Case,
    Household,
)

from ..exports.access import thai_order
from ..exports.monthly import NO_AGENCY
from ..exports.table import Area
from .figures import (
    PROVINCE_TOTAL,
    _assistance,
    _failing,
    _midnight,
    _months,
    _open_cases,
    _roll,
    _unregistered,
    _visited,
    assistance_by_agency,
)
from .records import (
    AgencyCases,
    DistrictRow,
    ProvinceOverview,
)


def _cases_by_agency(session: Session, province: str, today: date,
                     tz: tzinfo) -> tuple[AgencyCases, ...]:
    """Cases of the province by the agency they went to (referred to, else suggested), opened
    and closed this month (local calendar)."""
    start, end = _midnight(today.replace(day=1), tz), _midnight(today + timedelta(days=1), tz)

    def counted(column):
        return func.sum(case((and_(column >= start, column < end), 1), else_=0))

    agency = func.coalesce(Case.referred_agency, Case.suggested_agency)
    rows = session.execute(
        select(agency, counted(Case.created_at), counted(Case.closed_at))
        .where(Case.province == province,
               or_(and_(Case.created_at >= start, Case.created_at < end),
                   and_(Case.closed_at >= start, Case.closed_at < end)))
        .group_by(agency))
    found: dict[str, list[int]] = {}
    for name, opened, closed in rows:
        totals = found.setdefault(name or NO_AGENCY, [0, 0])
        totals[0] += int(opened or 0)
        totals[1] += int(closed or 0)
    return tuple(sorted((AgencyCases(label, opened, closed)
                         for label, (opened, closed) in found.items()),
                        key=lambda a: (-a.opened, -a.closed, thai_order(a.label))))


def _total(rows: Sequence[DistrictRow]) -> DistrictRow:
    def added(name: str) -> int:
        return sum(getattr(r, name) for r in rows)

    return DistrictRow(PROVINCE_TOTAL, *(added(name) for name in (
        "households", "visited_this_month", "visited_last_month", "overdue", "open_cases",
        "assistance_records", "assistance_baht", "failing_households", "unregistered_mentors",
        "left")))


def province_overview(session: Session, province: str, today: date, *, tz: tzinfo,
                      first_visit_days: int) -> ProvinceOverview:
    """The province's districts side by side, its totals, and the month's assistance and
    cases by agency. Eight aggregate queries."""
    area, months = Area(province), _months(today)
    roll = _roll(session, area, Household.district, today, tz, first_visit_days)
    visited = _visited(session, area, months)
    cases = _open_cases(session, area, today, tz)
    helped = _assistance(session, area, months.this)
    failing = _failing(session, area)
    unregistered = _unregistered(session, area)
    names: set[str] = {*roll, *visited, *cases, *helped, *failing, *unregistered}
    districts = []
    for name in sorted(names, key=thai_order):
        households, left, overdue = roll.get(name, (0, 0, 0))
        this, last, _ = visited.get(name, (0, 0, 0))
        records, baht = helped.get(name, (0, 0))
        districts.append(DistrictRow(
            district=name, households=households, visited_this_month=this,
            visited_last_month=last, overdue=overdue, open_cases=sum(cases.get(name, ())),
            assistance_records=records, assistance_baht=baht,
            failing_households=failing.get(name, 0),
            unregistered_mentors=unregistered.get(name, 0), left=left))
    return ProvinceOverview(
        province=province, today=today, districts=tuple(districts), totals=_total(districts),
        assistance_by_agency=assistance_by_agency(session, area, months.this),
        cases_by_agency=_cases_by_agency(session, province, today, tz))
