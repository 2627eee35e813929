"""Shared set-up of the erasure and retention tests: a household with something typed in every
free-text column the bot keeps for a household, a search of every text column of the
database, and a snapshot of every row (for "a second run changes nothing")."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from delivery.outbox import enqueue_messages
from models import (
    AssistanceRecord,
    Base,
    Case,
    CaseClosure,
    CaseEvent,
    CaseStatus,
    ConversationState,
    ExitReason,
    GoalLevel,
    Household,
    HouseholdExit,
    HouseholdPlan,
    HouseholdStatus,
    ItemStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    PlanItem,
    PlanItemRevision,
    Visit,
    VisitPhoto,
    VisitProblem,
)

from . import factories


@dataclass
class Seeded:
    """One household as seeded: its ids, and every personal string it left in the database."""

    household_id: int
    house_id: str
    head: str
    house_no: str
    typed: list[str]
    visit_id: int = 0
    case_id: int = 0
    item_id: int = 0
    photo_id: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def personal(self) -> list[str]:
        return [self.house_id, self.head, self.house_no, *self.typed]


def rich_household(s, mentor: Person, coordinator: Person, now: datetime, *, house_id: str,
                   head: str, house_no: str, mark: str, left_on: date | None = None,
                   visited_on: date | None = None) -> Seeded:
    """A household with a visit (the 4 ท typed), a problem note, a photo, a closed case with
    notes and an outcome, help recorded with a note, an exit request (declined, or confirmed
    when ``left_on``), a plan goal, an item and an earlier wording of it. Every typed text
    carries ``mark``, so two households' texts never match each other."""
    def t(what: str) -> str:
        return f"{what}ของบ้าน{mark}"

    typed = [t(w) for w in ("ทัศนคติ", "ทักษะ", "ทรัพยากร", "ทางออก", "ปัญหา", "เรื่อง",
                            "ผลการช่วย", "ความคืบหน้า", "ความช่วยเหลือ", "การออก", "เป้าหมาย",
                            "สิ่งที่ครัวเรือนทำ", "สิ่งที่สนับสนุน", "ถ้อยคำเดิม",
                            "ถ้อยคำสนับสนุนเดิม")]
    household = factories.household(s, mentor, house_id=house_id, head=head,
                                    now=now - timedelta(days=60))
    household.house_no = house_no
    visited_on = visited_on or (now.date() - timedelta(days=2))
    household.last_visit_on, household.next_visit_due = visited_on, visited_on + timedelta(30)
    visit = Visit(household_id=household.id, mentor_id=mentor.id, visited_on=visited_on,
                  attitude=typed[0], skills=typed[1], resources=typed[2], way_out=typed[3],
                  next_visit_due=visited_on + timedelta(30), created_at=now)
    s.add(visit)
    s.flush()
    problem = VisitProblem(visit_id=visit.id, dimension="income", needs_outside_help=True,
                           agency="พช.อ.", note=typed[4])
    photo = VisitPhoto(visit_id=visit.id, line_message_id=f"photo-{mark}",
                       content_type="image/jpeg", data=f"jpeg-{mark}".encode(),
                       fetched_at=now, created_at=now)
    s.add_all([problem, photo])
    s.flush()
    case = Case(household_id=household.id, mentor_id=mentor.id, visit_problem_id=problem.id,
                dimension="income", note=typed[5], suggested_agency="พช.อ.",
                status=CaseStatus.CLOSED, province=household.province,
                district=household.district, outcome=typed[6], closure=CaseClosure.HELPED,
                closed_at=now - timedelta(hours=1), created_at=now - timedelta(days=1),
                updated_at=now)
    s.add(case)
    s.flush()
    s.add_all([
        CaseEvent(case_id=case.id, actor_id=mentor.id, action=CaseStatus.OPEN, note=None,
                  at=now - timedelta(days=1)),
        CaseEvent(case_id=case.id, actor_id=coordinator.id, action=CaseStatus.CLOSED,
                  note=typed[7], at=now - timedelta(hours=1)),
        AssistanceRecord(household_id=household.id, given_on=visited_on, dimension="income",
                         kind="training", agency_name="พช.อ.", by_mentor=False,
                         value_baht=Decimal("1500.00"), note=typed[8],
                         recorded_by_id=coordinator.id, case_id=case.id, visit_id=visit.id,
                         province=household.province, district=household.district,
                         created_at=now),
        HouseholdExit(household_id=household.id, reason=ExitReason.OTHER, note=typed[9],
                      requested_by_id=mentor.id, requested_at=now - timedelta(days=3),
                      decided_by_id=coordinator.id, decided_at=now - timedelta(days=2),
                      confirmed=left_on is not None),
        HouseholdPlan(household_id=household.id, goal=typed[10], level=GoalLevel.SURVIVE,
                      updated_by_id=mentor.id, updated_at=now),
    ])
    item = PlanItem(household_id=household.id, dimension="income", household_action=typed[11],
                    support_action=typed[12], start_month=date(2026, 5, 1),
                    end_month=date(2026, 8, 1), status=ItemStatus.ONGOING,
                    created_by_id=mentor.id, created_at=now, updated_at=now)
    s.add(item)
    s.flush()
    s.add(PlanItemRevision(item_id=item.id, change="edit", dimension="income",
                           household_action=typed[13], support_action=typed[14],
                           start_month=date(2026, 5, 1), end_month=date(2026, 7, 1),
                           changed_by_id=mentor.id, changed_at=now))
    if left_on is not None:
        household.status, household.left_on = HouseholdStatus.LEFT, left_on
    s.flush()
    return Seeded(household.id, house_id, head, house_no, typed, visit.id, case.id, item.id,
                  photo.id)


def conversations_about(s, seeded: Seeded, mentor_user: str, coordinator_user: str,
                        now: datetime) -> list[str]:
    """The mentor half-way through a visit report of the household (a 4 ท answer typed), the
    coordinator with a paused draft about its case. Returns the texts they typed."""
    typed = [f"กำลังพิมพ์ถึงบ้าน{seeded.house_no}", f"ร่างปิดเรื่องบ้าน{seeded.house_no}"]
    s.add_all([
        ConversationState(line_user_id=mentor_user, flow="visit", step="skills",
                          data={"h": seeded.household_id, "said": {"attitude": typed[0]}},
                          version=3, updated_at=now, expires_at=now + timedelta(minutes=30)),
        ConversationState(line_user_id=coordinator_user, flow=None, step=None,
                          data={"paused": {"flow": "case_close", "step": "outcome",
                                           "data": {"case": seeded.case_id, "note": typed[1]}}},
                          version=7, updated_at=now),
    ])
    s.flush()
    return typed


def messages_about(s, seeded: Seeded, to: str, now: datetime) -> None:
    """A message waiting and one sent a day ago that name the household."""
    text = f"ครัวเรือน {seeded.head} รหัส {seeded.house_id} ถึงกำหนดเยี่ยมค่ะ"
    enqueue_messages(s, [to], [{"type": "text", "text": text}], now,
                     dedupe_key=f"test:waiting:{seeded.household_id}")
    enqueue_messages(s, [to], [{"type": "text", "text": text}], now - timedelta(days=1),
                     dedupe_key=f"test:sent:{seeded.household_id}")
    sent = s.scalar(select(OutboxMessage).where(
        OutboxMessage.dedupe_key == f"test:sent:{seeded.household_id}"))
    sent.status, sent.sent_at = OutboxStatus.SENT, now - timedelta(days=1)
    s.flush()


# -- looking through the whole database -------------------------------------------------------
def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def hits(db, needles: Iterable[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every needle found anywhere in any column of any table."""
    needles = [n for n in needles if n]
    found = []
    with db.reading() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).mappings():
                for column, value in row.items():
                    text = _as_text(value)
                    if text is None:
                        continue
                    found.extend((table.name, column, n) for n in needles if n in text)
    return found


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    with db.reading() as s:
        return {table.name: sorted((tuple(_as_text(v) for v in row)
                                    for row in s.execute(select(table))),
                                   key=lambda r: tuple("" if v is None else v for v in r))
                for table in Base.metadata.sorted_tables}


def household_row(db, household_id: int) -> Household:
    with db.transaction() as s:
        household = s.get(Household, household_id)
        assert household is not None
        return household
