"""The mentor's daily digest: one message a day, only when a visit is due soon or overdue.

A national morning is hundreds of thousands of digests, so they are found by one ordered query
(every due household of every due mentor, mentor by mentor), streamed, and rendered from
templates: each shape of card goes through the Renderer once, with placeholders, what depends
on the visit dates or the village alone is made once per distinct dates or village, and each
household only fills in its name and button (``DigestRenderer``). ``mentor_digests`` builds the
same digests as domain objects, the form the templates are checked against.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import groupby
from json import loads
from json.encoder import encode_basestring
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session

from delivery.outbox import Queued, dumps
from delivery.render import Renderer
from handlers.buttons import visit_button
from handlers.conversations.views.households import due_field
from handlers.limits import MAX_ALT_TEXT, MAX_BUBBLES
from handlers.replies import Button, Card, Cards, Field, Push, TextReply
from handlers.thai_dates import format_thai_date
from models import Assignment, Household, HouseholdStatus, OutboxCategory, Person, Role

from .broadcasts import monthly_pending, monthly_text, reachable
from .policy import Policy
from .reminder_keys import not_reminded_yet, reminder_key

log = logging.getLogger(__name__)

STREAM_ROWS = 2000      # rows fetched from the database at a time


def _due(today: date, policy: Policy) -> tuple:
    horizon = today + timedelta(days=policy.due_soon_days)
    # A household that left the programme is never due again (its record stays).
    return (Assignment.ended_at.is_(None), *reachable(Role.MENTOR),
            Household.status == HouseholdStatus.ACTIVE, Household.next_visit_due <= horizon)


def due_households(session: Session, today: date, policy: Policy) -> Result:
    """Every household due by ``today + DUE_SOON_DAYS`` of every mentor not reminded yet today,
    mentor by mentor, the most overdue first: one query, streamed (a server-side cursor on
    PostgreSQL), so memory stays flat however many there are."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # All of the result is read: plan for all of it, not for the first tenth (what
        # PostgreSQL assumes of a cursor); a third quicker at a million households.
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1")
    # Columns, not ORM objects, and Core's rows: cheaper by far for hundreds of thousands.
    return connection.execute(
        select(Person.id, Person.name, Person.line_user_id,
               Household.id.label("household_id"), Household.head_name,
               Household.village_no, Household.village_name, Household.next_visit_due,
               Household.last_visit_on)
        .join(Assignment, Assignment.mentor_id == Person.id)
        .join(Household, Household.id == Assignment.household_id)
        .where(*_due(today, policy), not_reminded_yet(Person.id, today))
        .order_by(Person.id, Household.next_visit_due, Household.id),
        execution_options={"yield_per": STREAM_ROWS})


def mentors_due(session: Session, today: date,
                policy: Policy) -> Iterator[tuple[tuple[int, str, str], list]]:
    """((mentor id, name, LINE user id), their due households), one mentor at a time."""
    for mentor, households in groupby(due_households(session, today, policy),
                                      key=itemgetter(0, 1, 2)):
        yield mentor, list(households)


def monthly_notice(session: Session, today: date, policy: Policy) -> str | None:
    """On the monthly reminder's day the notice rides in the digest: one push, not two."""
    return (monthly_text(today) if policy.broadcast_day_reached(today)
            and monthly_pending(session, today) else None)


def mentor_digests(session: Session, today: date, policy: Policy) -> list[Push]:
    """One digest per mentor who is due, as domain objects (see ``queued_digests``)."""
    monthly = monthly_notice(session, today, policy)
    return [_digest(person_id, name, line_user_id, households, today, policy, monthly)
            for (person_id, name, line_user_id), households in mentors_due(session, today, policy)]


def queued_digests(session: Session, renderer: Renderer, today: date,
                   policy: Policy) -> Iterator[Queued]:
    """One digest per mentor who is due, rendered for the outbox, streamed."""
    digests = DigestRenderer(renderer, today, policy, monthly_notice(session, today, policy))
    for (person_id, name, line_user_id), households in mentors_due(session, today, policy):
        yield digests.queued(person_id, name, line_user_id, households)


def _shown(households: list) -> tuple[list, str | None]:
    """The households that get a card, and the line about the rest (if any)."""
    # More than a carousel holds: one card fewer, and a line that says how many more.
    if len(households) <= MAX_BUBBLES:
        return households, None
    shown = households[:MAX_BUBBLES - 1]
    return shown, (f"และอีก {len(households) - len(shown)} ครัวเรือน "
                   "ดูทั้งหมดได้ที่เมนู \"บ้านที่ดูแล\" ค่ะ")


def _digest(person_id: int, name: str, line_user_id: str, households: list,
            today: date, policy: Policy, monthly: str | None) -> Push:
    overdue = sum(1 for h in households if h.next_visit_due < today)
    shown, more = _shown(households)
    cards = tuple(_card(h, today, policy) for h in shown)
    replies: list = [Cards(alt_text=_headline(name, len(households), overdue), cards=cards)]
    if more:
        replies.append(TextReply(more))
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
    fields, body, accent = _visit(household.next_visit_due, household.last_visit_on, today,
                                  policy)
    return Card(title=household.head_name,
                subtitle=_village(household.village_no, household.village_name),
                fields=fields, body=body,
                buttons=(visit_button(household.household_id, household.head_name),),
                accent=accent)


class _Due(NamedTuple):
    """What ``due_field`` reads of a household."""

    next_visit_due: date
    last_visit_on: date | None


def _visit(due: date, last: date | None, today: date,
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


def _village(village_no: str | None, village_name: str | None) -> str | None:
    village = " ".join(filter(None, [f"หมู่ {village_no}" if village_no else "",
                                     village_name or ""]))
    return village or None


# -- rendering at scale --------------------------------------------------------------------

def _slot(n: int) -> str:
    """A placeholder no real text contains (Unicode private use)."""
    return f"\ue000{n}\ue001"


_SLOTS = re.compile("\ue000(\\d+)\ue001")
_TEXT_LIMIT = 300         # the Renderer clips a button's displayText here
_BODY_LIMIT = 2000        # and a card's body here
_CACHED = 10_000          # distinct visit dates (or villages) kept at a time


class _Visit(NamedTuple):
    """What ``_visit`` makes of a pair of visit dates, with its values escaped for a template
    (None: not for a template) and its part of a card's shape."""

    fields: tuple[Field, ...]
    body: str | None
    accent: str | None
    escaped: list[str] | None
    shape: tuple


def _escaped(text: str) -> str:
    """``text`` as it stands inside a JSON string (as ``dumps`` writes it)."""
    return encode_basestring(text)[1:-1]


class _Template:
    """JSON text with numbered slots, filled by position."""

    def __init__(self, text: str):
        pieces = _SLOTS.split(text)
        self.literals = pieces[0::2]
        self.slots = [int(n) for n in pieces[1::2]]

    def fill(self, values: list[str]) -> str:
        out = [self.literals[0]]
        for slot, literal in zip(self.slots, self.literals[1:], strict=True):
            out.append(values[slot])
            out.append(literal)
        return "".join(out)


class DigestRenderer:
    """Renders digests straight to the outbox's JSON text, the same as the Renderer would.

    Each shape of card (subtitle or not, the fields' labels and colours, a body or not, the
    accent, the buttons) is rendered once through the Renderer with placeholders for its
    values; each household then only escapes and fills in its own. The first card of every
    shape is checked against the Renderer's own output, and anything a template does not cover
    (text long enough to be clipped, unusual buttons) takes the Renderer's path. The limits
    the Renderer clips at are repeated here (``_TEXT_LIMIT``, ``_BODY_LIMIT``, MAX_ALT_TEXT): a
    new clip in the Renderer needs its limit here too (tests/test_tick_scale.py would show it).
    """

    def __init__(self, renderer: Renderer, today: date, policy: Policy, monthly: str | None):
        self.renderer, self.today, self.policy = renderer, today, policy
        self.expires_at = policy.end_of_day(today)
        self.monthly = monthly
        self._monthly_json = dumps(renderer.message(TextReply(monthly))) if monthly else None
        self._cards: dict[tuple, _Template | None] = {}
        self._visits: dict[tuple, _Visit] = {}
        self._villages: dict[tuple, tuple[str | None, list[str]]] = {}
        probe = Card(title="-")
        bubble = self._bubble(probe)
        alt = _slot(0)
        one = dumps(renderer.message(Cards(alt_text=alt, cards=(probe,))))
        many = dumps(renderer.message(Cards(alt_text=alt, cards=(probe, probe))))
        self._one = _Template(one.replace(bubble, _slot(1)))
        self._many = _Template(many.replace(f"{bubble},{bubble}", _slot(1)))
        self._wrapped = ({0, 1} == set(self._one.slots) == set(self._many.slots)
                         and len(self._one.slots) == len(self._many.slots) == 2)

    def queued(self, person_id: int, name: str, line_user_id: str, households: list) -> Queued:
        today = self.today
        overdue = sum(1 for h in households if h.next_visit_due < today)
        alt = _headline(name, len(households), overdue)
        shown, more = _shown(households)
        if not self._wrapped or len(alt) > MAX_ALT_TEXT:
            return self._slowly(person_id, name, line_user_id, households)
        cards = ",".join(self._card_json(h) for h in shown)
        messages = [(self._one if len(shown) == 1 else self._many).fill([_escaped(alt), cards])]
        if more:
            messages.append(dumps(self.renderer.message(TextReply(more))))
        if self._monthly_json:
            messages.append(self._monthly_json)
        return Queued(to=(line_user_id,), messages=f"[{','.join(messages)}]",
                      dedupe_key=reminder_key(person_id, today), category=OutboxCategory.DIGEST,
                      expires_at=self.expires_at)

    def _slowly(self, person_id: int, name: str, line_user_id: str, households: list) -> Queued:
        push = _digest(person_id, name, line_user_id, households, self.today, self.policy,
                       self.monthly)
        return Queued(to=push.to, messages=dumps(self.renderer.messages(list(push.replies))),
                      dedupe_key=push.dedupe_key, category=OutboxCategory.DIGEST,
                      expires_at=push.expires_at)

    def _bubble(self, card: Card) -> str:
        return dumps(self.renderer.message(Cards(alt_text="-", cards=(card,)))["contents"])

    def _card_json(self, household) -> str:
        """``_card(household)`` as JSON text. The parts that depend on the visit dates or the
        village alone are made (and escaped) once per distinct dates or village."""
        visit = self._visit(household.next_visit_due, household.last_visit_on)
        subtitle, escaped_subtitle = self._village(household.village_no, household.village_name)
        button = visit_button(household.household_id, household.head_name)
        card = Card(title=household.head_name, subtitle=subtitle, fields=visit.fields,
                    body=visit.body, buttons=(button,), accent=visit.accent)
        if (visit.escaped is None or button.payload is None or button.pick_date or button.uri
                or not button.text or len(button.text) > _TEXT_LIMIT):
            return self._bubble(card)
        values = [_escaped(card.title), *escaped_subtitle, *visit.escaped,
                  # Postback data is base64 and dots: nothing to escape.
                  self.renderer.codec.encode(button.payload), _escaped(button.text)]
        key = (subtitle is not None, visit.shape, button.label, button.style)
        if key not in self._cards:
            self._cards[key] = self._template(card, key, values)
        template = self._cards[key]
        return self._bubble(card) if template is None else template.fill(values)

    def _visit(self, due: date, last: date | None) -> _Visit:
        visit = self._visits.get((due, last))
        if visit is None:
            if len(self._visits) >= _CACHED:
                self._visits.clear()
            fields, body, accent = _visit(due, last, self.today, self.policy)
            # None: a value the Renderer would change (clip it, or stand in for an empty one).
            escaped = (None if any(not f.value for f in fields) or len(body or "") > _BODY_LIMIT
                       else [_escaped(f.value) for f in fields] + ([_escaped(body)] if body
                                                                     else []))
            visit = self._visits[(due, last)] = _Visit(
                fields, body, accent, escaped,
                (tuple((f.label, f.color) for f in fields), bool(body), accent))
        return visit

    def _village(self, village_no: str | None,
                 village_name: str | None) -> tuple[str | None, list[str]]:
        village = self._villages.get((village_no, village_name))
        if village is None:
            if len(self._villages) >= _CACHED:
                self._villages.clear()
            subtitle = _village(village_no, village_name)
            village = self._villages[(village_no, village_name)] = (
                subtitle, [_escaped(subtitle)] if subtitle else [])
        return village

    def _template(self, card: Card, key: tuple, values: list[str]) -> _Template | None:
        """The template of ``card``'s shape, if it renders ``card`` as the Renderer does."""
        slots = iter(range(len(values)))
        codec = self.renderer.codec
        marks: dict[str, str] = {}    # a sample button's postback data -> its slot

        def button(b: Button, n: int) -> Button:
            payload = {"\ue000": n}
            marks[codec.encode(payload)] = _slot(next(slots))
            return Button(b.label, payload=payload, text=_slot(next(slots)), style=b.style)

        sample = Card(
            title=_slot(next(slots)),
            subtitle=_slot(next(slots)) if card.subtitle else None,
            fields=tuple(Field(f.label, _slot(next(slots)), f.color) for f in card.fields),
            body=_slot(next(slots)) if card.body else None,
            buttons=tuple(button(b, n) for n, b in enumerate(card.buttons)),
            accent=card.accent)
        text = self._bubble(sample)
        for data, slot in marks.items():
            text = text.replace(data, slot)
        template = _Template(text)
        if (sorted(template.slots) != list(range(len(values)))
                or loads(template.fill(values)) != loads(self._bubble(card))):
            log.warning("digest card template %s differs from the renderer's card: not used", key)
            return None
        return template

