"""The front door for every event: who is this, and which part of the bot answers them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Person

from . import registration, thai_id_notice
from .context import Context
from .conversations import handle_registered
from .incoming import Incoming, Kind
from .replies import Outcome


def handle(session: Session, incoming: Incoming, ctx: Context) -> Outcome:
    person = session.execute(
        select(Person).where(Person.line_user_id == incoming.user_id)).scalar_one_or_none()
    outcome = _answer(session, person, incoming, ctx)
    if incoming.hidden_ids:   # the text arrived with a national ID masked (delivery/events.py)
        thai_id_notice.tell_once(outcome, person, ctx.now)
    return outcome


def _answer(session: Session, person: Person | None, incoming: Incoming,
            ctx: Context) -> Outcome:
    if person is None:
        return registration.handle_stranger(session, incoming, ctx)
    # A blocked account still gets 200 from LINE for pushes, delivered to nobody: remember the
    # block so reminders and broadcasts skip the person (and quota is not spent on them).
    if incoming.kind is Kind.UNFOLLOW:
        person.line_blocked_at = ctx.now
        return Outcome()   # nothing to answer (no reply token)
    if person.line_blocked_at is not None:
        person.line_blocked_at = None
    return handle_registered(session, person, incoming, ctx)
