"""The coordinator's daily digest: the district's overdue visits, waiting cases, last week."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from handlers.replies import Card, Cards, Field, Push
from handlers.thai_dates import format_thai_date
from models import (Assignment, Case, CaseStatus, Household, OutboxCategory, OutboxMessage,
                    OutboxStatus, Person, Role, Visit)

from .mentor_digest import not_reminded_yet, reminder_key
from .policy import Policy

WORST_SHOWN = 5


@dataclass
class DistrictNews:
    overdue: int = 0
    worst: list[tuple[str, str, int]] = field(default_factory=list)   # household, mentor, days
    waiting_cases: int = 0
    oldest_wait_days: int = 0
    visits_last_week: int = 0

    @property
    def worth_a_message(self) -> bool:
        return bool(self.overdue or self.waiting_cases)


def coordinator_digests(session: Session, now: datetime, today: date,
                        policy: Policy) -> list[Push]:
    coordinators = session.execute(
        select(Person.id, Person.line_user_id, Person.province, Person.district)
        .where(Person.role == Role.COORDINATOR, Person.line_user_id.is_not(None),
               not_reminded_yet(Person.id, today))).all()
    if not coordinators:
        return []
    news = district_news(session, now, today, policy)
    held = _broadcasts_held(session)
    pushes = []
    for person_id, line_user_id, province, district in coordinators:
        item = news.get((province, district))
        if item is None or not item.worth_a_message:
            continue
        pushes.append(Push(to=(line_user_id,),
                           replies=(_message(district, item, today, held),),
                           dedupe_key=reminder_key(person_id, today), category="alert"))
    return pushes


def district_news(session: Session, now: datetime, today: date,
                  policy: Policy) -> dict[tuple[str, str], DistrictNews]:
    """Everything the digests say, for every district, in four aggregate queries."""
    news: dict[tuple[str, str], DistrictNews] = defaultdict(DistrictNews)
    area = (Household.province, Household.district)
    current = (Assignment.household_id == Household.id) & Assignment.ended_at.is_(None)
    for province, district, count in session.execute(
            select(*area, func.count()).join(Assignment, current)
            .where(Household.next_visit_due < today).group_by(*area)):
        news[(province, district)].overdue = count
    mentor = aliased(Person)
    escalate_before = today - timedelta(days=policy.escalate_overdue_days)
    for province, district, head, mentor_name, due in session.execute(
            select(*area, Household.head_name, mentor.name, Household.next_visit_due)
            .join(Assignment, current).join(mentor, mentor.id == Assignment.mentor_id)
            .where(Household.next_visit_due <= escalate_before)
            .order_by(Household.next_visit_due)):
        worst = news[(province, district)].worst
        if len(worst) < WORST_SHOWN:
            worst.append((head, mentor_name, (today - due).days))
    for province, district, count, oldest in session.execute(
            select(Case.province, Case.district, func.count(), func.min(Case.created_at))
            .where(Case.status == CaseStatus.OPEN).group_by(Case.province, Case.district)):
        item = news[(province, district)]
        item.waiting_cases = count
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        item.oldest_wait_days = (now - oldest).days
    for province, district, count in session.execute(
            select(*area, func.count(Visit.id)).join(Visit, Visit.household_id == Household.id)
            .where(Visit.visited_on > today - timedelta(days=7)).group_by(*area)):
        news[(province, district)].visits_last_week = count
    return news


def _broadcasts_held(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.category == OutboxCategory.BROADCAST,
        OutboxMessage.last_error.like("held%"))) or 0


def _message(district: str, news: DistrictNews, today: date, held: int) -> Cards:
    fields = [Field("เลยกำหนดเยี่ยม", f"{news.overdue} ครัวเรือน", "#D32F2F" if news.overdue else None),
              Field("เรื่องรอรับ", f"{news.waiting_cases} เรื่อง"
                    + (f" (นานสุด {news.oldest_wait_days} วัน)" if news.waiting_cases else "")),
              Field("เยี่ยมใน 7 วัน", f"{news.visits_last_week} ครั้ง")]
    body = None
    if news.worst:
        lines = [f"• {head} (พี่เลี้ยง {mentor}) เลย {days} วัน" for head, mentor, days in news.worst]
        body = "เลยกำหนดนานที่สุด:\n" + "\n".join(lines)
    if held:
        body = (body + "\n\n" if body else "") + (
            f"ประกาศของโครงการ {held} รายการถูกพักไว้ เพราะโควตาข้อความเดือนนี้ไม่พอค่ะ")
    card = Card(title=f"สรุปประจำวัน อำเภอ{district}", subtitle=format_thai_date(today),
                fields=tuple(fields), body=body)
    return Cards(alt_text=f"สรุปประจำวัน: เลยกำหนดเยี่ยม {news.overdue}, "
                          f"เรื่องรอรับ {news.waiting_cases}", cards=(card,))
