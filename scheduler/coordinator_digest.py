"""The coordinator's digest: at most one push a day, and only when there is news.

News is: a household that became ESCALATE_OVERDUE_DAYS overdue today (named with its mentor),
or a case nobody has taken within CASE_ACK_DAYS (raised again, once, as a card to act on). On
the weekly day (Monday) the district's standing (overdue visits, waiting cases, last week's
visits) goes out too, when anything is overdue or waiting. A quiet district hears nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from handlers.cards import case_card
from handlers.context import Context
from handlers.replies import Card, Cards, Field, Push
from handlers.thai_dates import format_thai_date
from models import (
    Assignment,
    Case,
    CaseStatus,
    Household,
    HouseholdStatus,
    OutboxCategory,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    Visit,
)

from .broadcasts import reachable
from .policy import Policy
from .reminder_keys import not_reminded_yet, reminder_key

WORST_SHOWN = 5
WEEKLY_DAY = 0          # Monday
MAX_CASE_CARDS = 10     # with the summary card, within LINE's 12-bubble carousel
HELD = "held: "         # delivery.outbox_sender.HELD
DISTRICTS_PER_QUERY = 400


@dataclass
class DistrictNews:
    overdue: int = 0
    newly_escalated: int = 0
    worst: list[tuple[str, str, int]] = field(default_factory=list)   # household, mentor, days
    waiting_cases: int = 0
    oldest_wait_days: int = 0
    visits_last_week: int = 0
    reraise: list[Case] = field(default_factory=list)

    def worth_a_message(self, weekly: bool) -> bool:
        standing = bool(self.overdue or self.waiting_cases)
        return bool(self.newly_escalated or self.reraise or (weekly and standing))


def coordinator_digests(session: Session, now: datetime, today: date,
                        policy: Policy) -> list[Push]:
    coordinators = session.execute(
        select(Person.id, Person.line_user_id, Person.province, Person.district)
        .where(*reachable(Role.COORDINATOR), not_reminded_yet(Person.id, today))).all()
    if not coordinators:
        return []
    news = _standing(session, now, today, policy)
    weekly = today.weekday() == WEEKLY_DAY
    hearing = [(person_id, line_user_id, province, district)
               for person_id, line_user_id, province, district in coordinators
               if (item := news.get((province, district))) and item.worth_a_message(weekly)]
    if not hearing:     # e.g. every later tick of the day: no per-district details to gather
        return []
    _details(session, news, {(province, district) for *_, province, district in hearing},
             today, policy)
    held = _broadcasts_held(session)
    ctx = Context(now=now, tz=policy.tz)
    pushes: list[Push] = []
    raised: set[int] = set()
    for person_id, line_user_id, province, district in hearing:
        item = news[(province, district)]
        raised.update(waiting.id for waiting in item.reraise)
        # reachable() leaves out people with no LINE user id.
        pushes.append(Push(to=(cast(str, line_user_id),),
                           replies=(_message(district, item, today, held, ctx),),
                           dedupe_key=reminder_key(person_id, today), category="alert",
                           expires_at=policy.end_of_day(today)))
    for items in news.values():     # raised again once: in the digests queued now
        for waiting in items.reraise:
            if waiting.id in raised:
                waiting.reraised_at = now
    return pushes


def district_news(session: Session, now: datetime, today: date,
                  policy: Policy) -> dict[tuple[str, str], DistrictNews]:
    """Everything the digests say, for every district, in a handful of aggregate queries."""
    news = _standing(session, now, today, policy)
    _details(session, news, None, today, policy)
    return news


def _standing(session: Session, now: datetime, today: date,
              policy: Policy) -> dict[tuple[str, str], DistrictNews]:
    """What decides whether a district's coordinator hears anything today, for every district:
    overdue visits (and those escalated today), waiting cases, cases to raise again."""
    news: dict[tuple[str, str], DistrictNews] = defaultdict(DistrictNews)
    area = (Household.province, Household.district)
    current = (Assignment.household_id == Household.id) & Assignment.ended_at.is_(None)
    in_programme = Household.status == HouseholdStatus.ACTIVE   # those that left are not overdue
    escalated_on = today - timedelta(days=policy.escalate_overdue_days)
    for province, district, overdue, newly in session.execute(
            select(*area, func.count(),
                   func.sum(case((Household.next_visit_due == escalated_on, 1), else_=0)))
            .join(Assignment, current).where(in_programme, Household.next_visit_due < today)
            .group_by(*area)):
        item = news[(province, district)]
        item.overdue, item.newly_escalated = overdue, int(newly or 0)
    for province, district, count, oldest in session.execute(
            select(Case.province, Case.district, func.count(), func.min(Case.created_at))
            .where(Case.status == CaseStatus.OPEN).group_by(Case.province, Case.district)):
        item = news[(province, district)]
        item.waiting_cases = count
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        item.oldest_wait_days = (now - oldest).days
    for waiting in session.scalars(
            select(Case).where(Case.status == CaseStatus.OPEN, Case.reraised_at.is_(None),
                               Case.created_at <= now - timedelta(days=policy.case_ack_days))
            .order_by(Case.created_at).with_for_update(of=Case, skip_locked=True)):
        reraise = news[(waiting.province, waiting.district)].reraise
        if len(reraise) < MAX_CASE_CARDS:
            reraise.append(waiting)
    return news


def _details(session: Session, news: dict, districts: set[tuple[str, str]] | None,
             today: date, policy: Policy) -> None:
    """What only a message shows (the longest overdue, last week's visits), for ``districts``
    (None: every one), a few hundred districts per query."""
    area = tuple_(Household.province, Household.district)
    escalated_on = today - timedelta(days=policy.escalate_overdue_days)
    chunks = ([None] if districts is None else
              [sorted(districts)[i:i + DISTRICTS_PER_QUERY]
               for i in range(0, len(districts), DISTRICTS_PER_QUERY)])
    for chunk in chunks:
        where = () if chunk is None else (area.in_(chunk),)
        _worst(session, news, today, escalated_on, where)
        for province, district, count in session.execute(
                select(Household.province, Household.district, func.count(Visit.id))
                .join(Visit, Visit.household_id == Household.id)
                .where(Visit.visited_on > today - timedelta(days=7), *where)
                .group_by(Household.province, Household.district)):
            news[(province, district)].visits_last_week = count


def _worst(session: Session, news: dict, today: date, escalated_on: date,
           where: tuple = ()) -> None:
    """The longest-overdue households of each district (at most five each, ranked in SQL)."""
    mentor = aliased(Person)
    rank = func.row_number().over(partition_by=(Household.province, Household.district),
                                  order_by=(Household.next_visit_due, Household.id))
    ranked = (select(Household.province, Household.district, Household.head_name,
                     mentor.name.label("mentor"), Household.next_visit_due, rank.label("rank"))
              .join(Assignment, (Assignment.household_id == Household.id)
                    & Assignment.ended_at.is_(None))
              .join(mentor, mentor.id == Assignment.mentor_id)
              .where(Household.status == HouseholdStatus.ACTIVE,
                     Household.next_visit_due <= escalated_on, *where).subquery())
    for row in session.execute(select(ranked).where(ranked.c.rank <= WORST_SHOWN)
                               .order_by(ranked.c.province, ranked.c.district, ranked.c.rank)):
        news[(row.province, row.district)].worst.append(
            (row.head_name, row.mentor, (today - row.next_visit_due).days))


def _broadcasts_held(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.category == OutboxCategory.BROADCAST,
        OutboxMessage.last_error.like(HELD + "%"))) or 0


def _message(district: str, news: DistrictNews, today: date, held: int, ctx: Context) -> Cards:
    fields = [Field("เลยกำหนดเยี่ยม", f"{news.overdue} ครัวเรือน", "#D32F2F" if news.overdue else None),
              Field("เรื่องรอรับ", f"{news.waiting_cases} เรื่อง"
                    + (f" (นานสุด {news.oldest_wait_days} วัน)" if news.waiting_cases else "")),
              Field("เยี่ยมใน 7 วัน", f"{news.visits_last_week} ครั้ง")]
    body = None
    if news.worst:
        lines = [f"• {head} (พี่เลี้ยง {mentor}) เลยกำหนด {days} วัน"
                 for head, mentor, days in news.worst]
        body = "เลยกำหนดนานที่สุด:\n" + "\n".join(lines)
    if news.reraise:
        body = (body + "\n\n" if body else "") + (
            f"เรื่องที่ยังไม่มีผู้รับเกิน 3 วัน {len(news.reraise)} เรื่อง อยู่ในการ์ดถัดไปค่ะ")
    if held:
        body = (body + "\n\n" if body else "") + (
            f"ประกาศของโครงการ {held} รายการถูกพักไว้ เพราะโควตาข้อความเดือนนี้ไม่พอค่ะ")
    summary = Card(title=f"สรุปอำเภอ{district}", subtitle=format_thai_date(today),
                   fields=tuple(fields), body=body)
    cards = (summary, *(case_card(c, ctx, for_coordinator=True) for c in news.reraise))
    return Cards(alt_text=f"สรุปอำเภอ{district}: เลยกำหนดเยี่ยม {news.overdue}, "
                          f"เรื่องรอรับ {news.waiting_cases}", cards=cards)
