"""The records the dashboard pages render: plain frozen dataclasses, built by figures.py and
household_detail.py, read by the templates (bot/dashboard/templates)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..exports.table import Area


@dataclass(frozen=True)
class Count:
    """A labelled number: one bar of a chart, one row of its table."""

    label: str
    value: int


@dataclass(frozen=True)
class HelpRow:
    """Assistance given, by agency or by dimension."""

    label: str          # agency short name / name typed / MENTOR_WORDS; or the dimension's name
    records: int
    households: int     # distinct households helped
    baht: int           # total value, whole baht (0 when none recorded)


@dataclass(frozen=True)
class MentorRef:
    id: int
    name: str           # with title, as stored
    position: str | None
    households: int


@dataclass(frozen=True)
class DistrictOverview:
    area: Area
    today: date
    households: int                 # in the programme
    left: int                       # left the programme
    visited_this_month: int         # distinct households visited 1st..today
    visited_last_month: int         # distinct households visited in the whole previous month
    visited_last_month_same_days: int
    overdue: int
    overdue_by_subdistrict: tuple[Count, ...]   # most overdue first; only those above 0
    open_cases: int                 # not closed (open, acknowledged, referred)
    open_cases_by_age: tuple[Count, ...]        # the CASE_AGES buckets, in that order
    assistance_by_agency: tuple[HelpRow, ...]   # this month, most records first
    assistance_by_dimension: tuple[HelpRow, ...]  # this month, every dimension, DIMENSIONS order
    households_by_level: tuple[Count, ...]      # อยู่รอด, พอเพียง, ยั่งยืน, ยังไม่กำหนดระดับ
    failing_by_dimension: tuple[Count, ...]     # households still failing each, DIMENSIONS order
    failing_households: int                     # with at least one dimension still failing
    unregistered_mentors: tuple[MentorRef, ...]  # with a current household and no LINE user id


@dataclass(frozen=True)
class MentorRow:
    id: int
    name: str
    position: str | None
    agency: str | None
    households: int                 # current assignments, households in the programme
    last_visit: date | None         # latest visit by this mentor to any of those households
    days_overdue: int               # the most overdue of their households, 0 when none
    overdue_households: int
    open_cases: int                 # open cases of their households
    registered: bool                # has a LINE user id


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    house_id: str
    head_name: str
    village: str                    # "หมู่ 3 บ้านนาดี"
    subdistrict: str | None
    last_visit: date | None
    next_due: date | None           # the effective due date (first-visit rule included)
    days_overdue: int               # 0 when not overdue
    open_cases: int
    level: str                      # Thai level name, or NO_LEVEL
    failing_dimensions: int         # roster dimensions still failing


@dataclass(frozen=True)
class MentorPage:
    mentor: MentorRow
    households: tuple[HouseholdRow, ...]    # most overdue first, then by house code


@dataclass(frozen=True)
class VisitRow:
    visited_on: date
    mentor: str
    four_t: tuple[tuple[str, str], ...]     # (("ทัศนคติ", text), ...) only those filled
    problems: tuple[str, ...]               # one line each, as the Logbook export words them
    next_due: date
    no_new_problem: bool = False            # the mentor said nothing new came up


@dataclass(frozen=True)
class PlanItemRow:
    number: int                     # as on the plan card (the template's order)
    dimension: str
    activity: str
    support: str | None
    months: str | None              # "เม.ย. – พ.ค. 2569"
    status: str


@dataclass(frozen=True)
class AssistanceRow:
    given_on: date
    dimension: str
    kind: str
    agency: str
    baht: int | None
    note: str | None


@dataclass(frozen=True)
class CaseRow:
    id: int
    dimension: str
    status: str                     # as the bot's case cards word it
    opened_on: date
    closed_on: date | None
    agency: str | None              # referred to, else the one the mentor suggested
    note: str | None                # the mentor's note
    outcome: str | None = None      # what the coordinator wrote when closing


@dataclass(frozen=True)
class LevelChangeRow:
    changed_on: date
    from_level: str | None
    to_level: str


@dataclass(frozen=True)
class HouseholdPage:
    id: int
    house_id: str
    head_name: str
    address: str                    # house number, village, subdistrict
    members: int
    status: str                     # "อยู่ในโครงการ" / "ออกจากโครงการแล้ว (เหตุผล)"
    mentor: MentorRef | None
    district: str
    failing: tuple[str, ...]        # roster dimensions still failing, template order
    passed: tuple[str, ...]         # roster dimensions passed since
    goal: str | None
    level: str
    visits: tuple[VisitRow, ...]    # newest first
    plan_items: tuple[PlanItemRow, ...]   # removed items left out
    assistance: tuple[AssistanceRow, ...]  # newest first
    cases: tuple[CaseRow, ...]      # newest first
    level_history: tuple[LevelChangeRow, ...]  # oldest first
    province: str = ""
    last_visit: date | None = None
    next_due: date | None = None    # the effective due date, None once it left the programme
    days_overdue: int = 0


@dataclass(frozen=True)
class DistrictRow:
    """One district in the province comparison (or the province's totals)."""

    district: str
    households: int
    visited_this_month: int
    visited_last_month: int
    overdue: int
    open_cases: int
    assistance_records: int         # this month
    assistance_baht: int            # this month
    failing_households: int
    unregistered_mentors: int
    left: int


@dataclass(frozen=True)
class AgencyCases:
    label: str
    opened: int                     # cases referred to / suggested for it, opened this month
    closed: int                     # of those cases, closed this month


@dataclass(frozen=True)
class ProvinceOverview:
    province: str
    today: date
    districts: tuple[DistrictRow, ...]     # Thai order
    totals: DistrictRow                    # district=PROVINCE_TOTAL
    assistance_by_agency: tuple[HelpRow, ...]   # this month, most records first
    cases_by_agency: tuple[AgencyCases, ...]    # this month, most opened first


# -- shared pieces ------------------------------------------------------------------------------
