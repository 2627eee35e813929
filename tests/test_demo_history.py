"""The demo database's made-up history (bot/demo/history.py): enough for the dashboard's charts,
never in the future, the same for the same seed, and the demo's old promises kept."""
from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.demo import history, setup
from delivery.db import Database
from handlers.plans import add_months, first_of_month
from models import (
    Assignment,
    AssistanceRecord,
    Case,
    CaseClosure,
    CaseEvent,
    CaseStatus,
    DimensionPass,
    GoalLevelChange,
    Household,
    HouseholdPlan,
    HouseholdStatus,
    ItemStatus,
    Person,
    PlanItem,
    Role,
    Visit,
)

BANGKOK = ZoneInfo("Asia/Bangkok")
# Mid-month, and the first of a month just after midnight in Bangkok: "this month" is then a
# few minutes old, and 10:00 today is still in the future.
NOWS = [datetime(2026, 5, 7, 3, 0, tzinfo=UTC), datetime(2026, 12, 31, 17, 10, tzinfo=UTC)]
BUCKETS = ((0, 7), (8, 30), (31, 90), (91, 10_000))


def _build(url: str, now: datetime) -> Database:
    db = Database(url)
    setup.load_sample(db, now, tz=BANGKOK)
    return db


def _summary(db: Database) -> dict:
    """What the history holds, keyed by house code, not by database id."""
    with db.transaction() as s:
        visits = s.execute(select(Household.house_id, Visit.visited_on, Visit.was_overdue)
                           .join(Household, Household.id == Visit.household_id)
                           .order_by(Household.house_id, Visit.visited_on)).all()
        helps = s.execute(select(Household.house_id, AssistanceRecord.given_on,
                                 AssistanceRecord.kind, AssistanceRecord.agency_name,
                                 AssistanceRecord.value_baht, AssistanceRecord.by_mentor)
                          .join(Household, Household.id == AssistanceRecord.household_id)
                          .order_by(Household.house_id, AssistanceRecord.given_on,
                                    AssistanceRecord.kind, AssistanceRecord.agency_name)).all()
        cases = s.execute(select(Household.house_id, Case.dimension, Case.status, Case.closure)
                          .join(Household, Household.id == Case.household_id)
                          .order_by(Household.house_id, Case.created_at)).all()
        levels = s.execute(select(Household.house_id, HouseholdPlan.level)
                           .join(Household, Household.id == HouseholdPlan.household_id)
                           .order_by(Household.house_id)).all()
        items = s.execute(select(Household.house_id, PlanItem.dimension, PlanItem.status)
                          .join(Household, Household.id == PlanItem.household_id)
                          .order_by(Household.house_id, PlanItem.created_at,
                                    PlanItem.dimension)).all()
        counts = {model.__name__: s.scalar(select(func.count()).select_from(model))
                  for model in (GoalLevelChange, DimensionPass, CaseEvent)}
    return {"visits": [tuple(r) for r in visits], "helps": [tuple(r) for r in helps],
            "cases": [tuple(r) for r in cases], "levels": [tuple(r) for r in levels],
            "items": [tuple(r) for r in items], "counts": counts}


def _months(now: datetime) -> tuple[date, date, date]:
    today = now.astimezone(BANGKOK).date()
    this = first_of_month(today)
    return today, this, add_months(this, -1)


@pytest.mark.parametrize("now", NOWS, ids=["mid-month", "first-of-month"])
def test_history_gives_the_charts_something_and_nothing_in_the_future(db_url, now):
    db = _build(db_url, now)
    today, this_month, last_month = _months(now)
    try:
        with db.transaction() as s:
            visit_days = s.scalars(select(Visit.visited_on)).all()
            assert any(d >= this_month for d in visit_days)
            assert any(last_month <= d < this_month for d in visit_days)
            helps = s.scalars(select(AssistanceRecord)).all()
            assert any(r.given_on >= this_month for r in helps)
            assert any(last_month <= r.given_on < this_month for r in helps)
            assert len({r.agency_name for r in helps if not r.by_mentor}) >= 3
            assert sum(1 for r in helps if r.value_baht) >= 3
            assert max(visit_days + [r.given_on for r in helps]) <= today

            # Open cases of several ages; closed ones, with help and without.
            all_cases = s.scalars(select(Case)).all()
            ages = [(today - c.created_at.astimezone(BANGKOK).date()).days
                    for c in all_cases if c.status is not CaseStatus.CLOSED]
            buckets = {i for age in ages for i, (lo, hi) in enumerate(BUCKETS) if lo <= age <= hi}
            assert len(buckets) >= 3, ages
            closures = {c.closure for c in all_cases if c.status is CaseStatus.CLOSED}
            assert {CaseClosure.HELPED, CaseClosure.DECLINED} <= closures
            helped = [c.id for c in all_cases if c.closure is CaseClosure.HELPED]
            assert s.scalar(select(func.count()).select_from(AssistanceRecord)
                            .where(AssistanceRecord.case_id.in_(helped))) == len(helped)
            statuses = {c.status for c in all_cases}
            assert {CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED, CaseStatus.REFERRED} <= statuses

            # Nothing after now, nothing before the household was assigned.
            moments = (s.scalars(select(CaseEvent.at)).all()
                       + s.scalars(select(Case.created_at)).all()
                       + s.scalars(select(Visit.created_at)).all()
                       + s.scalars(select(GoalLevelChange.changed_at)).all())
            assert moments and max(moments) <= now
            first_visits = s.execute(
                select(Assignment.assigned_at, func.min(Visit.visited_on))
                .join(Visit, Visit.household_id == Assignment.household_id)
                .group_by(Assignment.id, Assignment.assigned_at)).all()
            assert first_visits
            assert all(first >= assigned.astimezone(BANGKOK).date()
                       for assigned, first in first_visits)

            # Levels for most households, some raised; dimensions passed; one household left.
            households = s.scalars(select(Household)).all()
            levelled = s.scalar(select(func.count()).select_from(HouseholdPlan)
                                .where(HouseholdPlan.level.is_not(None)))
            assert levelled * 2 > len(households)
            assert s.scalar(select(func.count()).select_from(GoalLevelChange)
                            .where(GoalLevelChange.from_level.is_not(None))) >= 2
            assert s.scalar(select(func.count()).select_from(DimensionPass)) >= 2
            left = [h for h in households if h.status is HouseholdStatus.LEFT]
            assert len(left) == 1 and left[0].left_on is not None and left[0].left_on < today
            # Most visited one to three times, some never.
            per_household = dict(s.execute(select(Visit.household_id, func.count())
                                           .group_by(Visit.household_id)).all())
            never = [h for h in households if h.id not in per_household]
            assert never and len(per_household) > len(never)
            assert all(1 <= n <= 3 for n in per_household.values())
    finally:
        db.engine.dispose()


def test_the_demos_promises_still_hold(db_url):
    """The first mentor's household: assigned weeks ago, never visited, nothing open (their
    first report goes from the date straight to the 4 ท). Due, overdue and visited households."""
    now = NOWS[0]
    today = now.astimezone(BANGKOK).date()
    db = _build(db_url, now)
    try:
        with db.transaction() as s:
            first_mentor = s.scalars(select(Person).where(Person.role == Role.MENTOR)
                                     .order_by(Person.id)).first()
            assignment = s.scalars(select(Assignment)
                                   .where(Assignment.mentor_id == first_mentor.id)).one()
            household_id = assignment.household_id
            assert assignment.assigned_at < now - timedelta(days=14)
            assert s.scalar(select(func.count()).select_from(Visit)
                            .where(Visit.household_id == household_id)) == 0
            assert s.scalar(select(func.count()).select_from(PlanItem)
                            .where(PlanItem.household_id == household_id)) == 0
            assert s.scalar(select(func.count()).select_from(Case)
                            .where(Case.household_id == household_id)) == 0
            households = s.scalars(select(Household)
                                   .where(Household.status == HouseholdStatus.ACTIVE)).all()
            assert any(h.last_visit_on is None for h in households)
            assert any(h.next_visit_due is not None and h.next_visit_due < today
                       for h in households)                          # visited, now overdue
            assert any(h.next_visit_due is not None and h.next_visit_due > today
                       for h in households)                          # visited, not due yet
            # A visited household has something under way for its next visit's follow-up.
            visited = [h.id for h in households if h.last_visit_on is not None]
            under_way = set(s.scalars(select(PlanItem.household_id)
                                      .where(PlanItem.status != ItemStatus.DONE)))
            assert set(visited) <= under_way
            # The first visited household's case, raised at its last visit, is still open.
            first_visited = s.scalars(select(Assignment).join(Visit, Visit.household_id ==
                                                              Assignment.household_id)
                                      .order_by(Assignment.id)).first()
            last = s.scalar(select(func.max(Visit.visited_on))
                            .where(Visit.household_id == first_visited.household_id))
            open_cases = s.scalars(select(Case).where(
                Case.household_id == first_visited.household_id,
                Case.status == CaseStatus.OPEN)).all()
            assert any(c.created_at.astimezone(BANGKOK).date() == last for c in open_cases)
    finally:
        db.engine.dispose()


def test_same_seed_same_history(db_url, sqlite_template, tmp_path):
    """Built twice (on SQLite, and on this test's backend), the histories are the same."""
    now = NOWS[0]
    first = _build(db_url, now)
    copy = tmp_path / "again.db"
    shutil.copy(sqlite_template, copy)
    second = _build(f"sqlite:///{copy}", now)
    try:
        got, again = _summary(first), _summary(second)
        assert got == again
        assert got["visits"] and got["helps"] and got["cases"] and got["levels"]
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_the_seed_picks_the_details(sqlite_template, tmp_path, monkeypatch):
    """Another seed: the same stories (visits, cases), other details (the help given)."""
    now = NOWS[0]
    built = {}
    for seed in (history.SEED, history.SEED + 1):
        monkeypatch.setattr(history, "SEED", seed)
        path = tmp_path / f"seed-{seed}.db"
        shutil.copy(sqlite_template, path)
        db = _build(f"sqlite:///{path}", now)
        built[seed] = _summary(db)
        db.engine.dispose()
    one, other = built.values()
    assert [v[:2] for v in one["visits"]] == [v[:2] for v in other["visits"]]
    assert one["cases"] == other["cases"]
    assert one["helps"] != other["helps"]


def test_profiles_cover_what_the_module_promises():
    ages = [v.days for p in history.PROFILES for v in p.visits if v.case in ("open", "ack",
                                                                           "referred")]
    assert {3, 20, 60, 120} <= set(ages)
    assert history.PROFILES[0].visits == ()       # the first mentor's household
