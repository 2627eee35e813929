"""Rendering digests at scale: straight to the outbox's JSON text, from templates.

A national morning is hundreds of thousands of digests. Each shape of card goes through the
Renderer once, with placeholders; what depends on the visit dates or the village alone is made
once per distinct dates or village; each household only fills in its name and button.
"""
from __future__ import annotations

import logging
import re
from datetime import date
from json import loads
from json.encoder import encode_basestring
from typing import NamedTuple

from delivery.outbox import Queued, dumps
from delivery.render import Renderer
from handlers.buttons import visit_button
from handlers.limits import MAX_ALT_TEXT
from handlers.replies import Button, Card, Cards, Field, TextReply
from models import OutboxCategory

from .digest_cards import digest, headline, shown_and_more, village_line, visit_parts
from .policy import Policy
from .reminder_keys import reminder_key

log = logging.getLogger(__name__)


def _slot(n: int) -> str:
    """A placeholder no real text contains (Unicode private use)."""
    return f"\ue000{n}\ue001"


_SLOTS = re.compile("\ue000(\\d+)\ue001")
_TEXT_LIMIT = 300         # the Renderer clips a button's displayText here
_BODY_LIMIT = 2000        # and a card's body here
_CACHED = 10_000          # distinct visit dates (or villages) kept at a time


class _Visit(NamedTuple):
    """What ``visit_parts`` makes of a pair of visit dates, with its values escaped for a template
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
        alt = headline(name, len(households), overdue)
        shown, more = shown_and_more(households)
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
        push = digest(person_id, name, line_user_id, households, self.today, self.policy,
                       self.monthly)
        return Queued(to=push.to, messages=dumps(self.renderer.messages(list(push.replies))),
                      dedupe_key=push.dedupe_key, category=OutboxCategory.DIGEST,
                      expires_at=push.expires_at)

    def _bubble(self, card: Card) -> str:
        return dumps(self.renderer.message(Cards(alt_text="-", cards=(card,)))["contents"])

    def _card_json(self, household) -> str:
        """``card(household)`` as JSON text. The parts that depend on the visit dates or the
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
            fields, body, accent = visit_parts(due, last, self.today, self.policy)
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
            subtitle = village_line(village_no, village_name)
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

