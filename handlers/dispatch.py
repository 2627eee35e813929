"""The front door for every event: who is this, and which part of the bot answers them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Person

from . import registration
from .context import Context
from .incoming import Incoming, Kind
from .replies import Outcome


def handle(session: Session, incoming: Incoming, ctx: Context) -> Outcome:
    person = session.execute(
        select(Person).where(Person.line_user_id == incoming.user_id)).scalar_one_or_none()
    if person is None:
        return registration.handle_stranger(session, incoming, ctx)
    if incoming.kind is Kind.UNFOLLOW:
        return Outcome()   # nothing to answer (no reply token); pushes to them simply fail
    from .conversations import handle_registered
    return handle_registered(session, person, incoming, ctx)
