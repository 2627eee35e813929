"""The mentor's digest as domain objects: the cards, the headline and the line about the rest.

``digest`` builds one digest the way any reply is built (and DigestRenderer in
scheduler/digest_templates.py renders the same digest from templates, checked against this).
"""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

from handlers.buttons import visit_button
from handlers.conversations.views.households import due_field
from handlers.limits import MAX_BUBBLES
from handlers.replies import Card, Cards, Field, Push, TextReply
from handlers.thai_dates import format_thai_date

from .policy import Policy
from .reminder_keys import reminder_key


def shown_and_more(households: list) -> tuple[list, str | None]:
    """The households that get a card, and the line about the rest (if any)."""
    # More than a carousel holds: one card fewer, and a line that says how many more.
    if len(households) <= MAX_BUBBLES:
        return households, None
    shown = households[:MAX_BUBBLES - 1]
    return shown, (f"และอีก {len(households) - len(shown)} ครัวเรือน "
                   "ดูทั้งหมดได้ที่เมนู \"บ้านที่ดูแล\" ค่ะ")


def digest(person_id: int, name: str, line_user_id: str, households: list,
            today: date, policy: Policy, monthly: str | None) -> Push:
    overdue = sum(1 for h in households if h.next_visit_due < today)
    shown, more = shown_and_more(households)
    cards = tuple(card(h, today, policy) for h in shown)
    replies: list = [Cards(alt_text=headline(name, len(households), overdue), cards=cards)]
    if more:
        replies.append(TextReply(more))
    if monthly:
        replies.append(TextReply(monthly))
    # A digest is about its day: if it has not gone out by midnight, it never does.
    return Push(to=(line_user_id,), replies=tuple(replies),
                dedupe_key=reminder_key(person_id, today), category="digest",
                expires_at=policy.end_of_day(today))


def headline(name: str, due: int, overdue: int) -> str:
    text = f"{name} มีครัวเรือนถึงกำหนดเยี่ยม {due} ครัวเรือน"
    return text + (f" เลยกำหนดแล้ว {overdue} ครัวเรือน" if overdue else "") + "ค่ะ"


def card(household, today: date, policy: Policy) -> Card:
    fields, body, accent = visit_parts(household.next_visit_due, household.last_visit_on, today,
                                  policy)
    return Card(title=household.head_name,
                subtitle=village_line(household.village_no, household.village_name),
                fields=fields, body=body,
                buttons=(visit_button(household.household_id, household.head_name),),
                accent=accent)


class _Due(NamedTuple):
    """What ``due_field`` reads of a household."""

    next_visit_due: date
    last_visit_on: date | None


def visit_parts(due: date, last: date | None, today: date,
           policy: Policy) -> tuple[tuple[Field, ...], str | None, str | None]:
    """A card's fields, body and accent: they depend on the visit dates alone."""
    late = (today - due).days
    body = None
    if late >= policy.firm_overdue_days:
        body = (f"เลยกำหนดเยี่ยมมา {late} วันแล้ว กรุณาเยี่ยมบ้านโดยเร็ว "
                "และรายงานผลในวันที่เยี่ยมค่ะ")
    fields = (due_field(_Due(due, last), today),   # type: ignore[arg-type]
              Field("เยี่ยมล่าสุด", format_thai_date(last) if last else "ยังไม่เคยเยี่ยม"))
    return fields, body, "#D32F2F" if late > 0 else None


def village_line(village_no: str | None, village_name: str | None) -> str | None:
    village = " ".join(filter(None, [f"หมู่ {village_no}" if village_no else "",
                                     village_name or ""]))
    return village or None
