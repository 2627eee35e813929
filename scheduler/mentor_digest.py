"""The mentor's daily digest: one message a day, only when a visit is due soon or overdue."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.buttons import visit_button
from handlers.conversations.views.households import due_field
from handlers.limits import MAX_BUBBLES
from handlers.replies import Card, Cards, Field, Push, TextReply
from handlers.thai_dates import format_thai_date
from models import Assignment, Household, HouseholdStatus, Person, Role

from .broadcasts import monthly_pending, monthly_text, reachable
from .policy import Policy
from .reminder_keys import not_reminded_yet, reminder_key

MENTORS_PER_BATCH = 1000


def _due(today: date, policy: Policy) -> tuple:
    horizon = today + timedelta(days=policy.due_soon_days)
    # A household that left the programme is never due again (its record stays).
    return (Assignment.ended_at.is_(None), *reachable(Role.MENTOR),
            Household.status == HouseholdStatus.ACTIVE, Household.next_visit_due <= horizon)


def mentors_to_remind(session: Session, today: date, policy: Policy) -> list[list[int]]:
    """Ids of the mentors with a visit due by ``today + DUE_SOON_DAYS`` and no reminder yet
    today, in chunks: each chunk is built and queued in a transaction of its own, so memory stays
    flat at national scale."""
    ids = list(session.scalars(
        select(Person.id).distinct()
        .join(Assignment, Assignment.mentor_id == Person.id)
        .join(Household, Household.id == Assignment.household_id)
        .where(*_due(today, policy), not_reminded_yet(Person.id, today)).order_by(Person.id)))
    return [ids[i:i + MENTORS_PER_BATCH] for i in range(0, len(ids), MENTORS_PER_BATCH)]


def mentor_digests(session: Session, today: date, policy: Policy,
                   mentor_ids: list[int] | None = None) -> list[Push]:
    """One digest per mentor (of ``mentor_ids``, or all who are due)."""
    if mentor_ids is None:
        chunks = mentors_to_remind(session, today, policy)
        mentor_ids = [i for chunk in chunks for i in chunk]
    # Columns, not ORM objects: cheaper by far for hundreds of thousands of rows.
    rows = session.execute(
        select(Person.id, Person.name, Person.line_user_id,
               Household.id.label("household_id"), Household.head_name,
               Household.village_no, Household.village_name, Household.next_visit_due,
               Household.last_visit_on)
        .join(Assignment, Assignment.mentor_id == Person.id)
        .join(Household, Household.id == Assignment.household_id)
        .where(*_due(today, policy), Person.id.in_(mentor_ids))
        .order_by(Person.id, Household.next_visit_due, Household.id)).all()
    by_mentor: dict[tuple, list] = defaultdict(list)
    for row in rows:
        by_mentor[(row.id, row.name, row.line_user_id)].append(row)
    # On the monthly reminder's day the notice rides in the digest: one push, not two.
    monthly = (monthly_text(today) if policy.broadcast_day_reached(today)
               and monthly_pending(session, today) else None)
    return [_digest(person_id, name, line_user_id, households, today, policy, monthly)
            for (person_id, name, line_user_id), households in by_mentor.items()]


def _digest(person_id: int, name: str, line_user_id: str, households: list,
            today: date, policy: Policy, monthly: str | None) -> Push:
    overdue = sum(1 for h in households if h.next_visit_due < today)
    # More than a carousel holds: one card fewer, and a line that says how many more.
    fits = len(households) <= MAX_BUBBLES
    shown = households if fits else households[:MAX_BUBBLES - 1]
    cards = tuple(_card(h, today, policy) for h in shown)
    replies: list = [Cards(alt_text=_headline(name, len(households), overdue), cards=cards)]
    if len(households) > len(shown):
        replies.append(TextReply(f"และอีก {len(households) - len(shown)} ครัวเรือน "
                                 "ดูทั้งหมดได้ที่เมนู \"บ้านที่ดูแล\" ค่ะ"))
    if monthly:
        replies.append(TextReply(monthly))
    # A digest is about its day: if it has not gone out by midnight, it never does.
    return Push(to=(line_user_id,), replies=tuple(replies),
                dedupe_key=reminder_key(person_id, today), category="digest",
                expires_at=policy.end_of_day(today))


def _headline(name: str, due: int, overdue: int) -> str:
    text = f"{name} มีครัวเรือนถึงกำหนดเยี่ยม {due} ครัวเรือน"
    return text + (f" เลยกำหนดแล้ว {overdue} ครัวเรือน" if overdue else "") + "ค่ะ"


def _card(household, today: date, policy: Policy) -> Card:
    late = (today - household.next_visit_due).days
    body = None
    if late >= policy.firm_overdue_days:
        body = (f"เลยกำหนดเยี่ยมมา {late} วันแล้ว กรุณาเยี่ยมบ้านโดยเร็ว "
                "และรายงานผลในวันที่เยี่ยมค่ะ")
    village = " ".join(filter(None, [f"หมู่ {household.village_no}" if household.village_no else "",
                                     household.village_name or ""]))
    return Card(
        title=household.head_name, subtitle=village or None,
        fields=(due_field(household, today),
                Field("เยี่ยมล่าสุด", _last(household))),
        body=body,
        buttons=(visit_button(household.household_id, household.head_name),),
        accent="#D32F2F" if late > 0 else None)


def _last(household) -> str:
    return format_thai_date(household.last_visit_on) if household.last_visit_on else "ยังไม่เคยเยี่ยม"
