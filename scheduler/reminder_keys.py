"""One reminder push a day per person: the natural key every reminder source shares."""
from __future__ import annotations

from datetime import date

from sqlalchemy import String, cast, exists, literal, select
from sqlalchemy.orm import Session

from models import OutboxMessage, Person


def reminder_key(person_id: int, day: date) -> str:
    """The natural key of 'a reminder to this person on this day', shared by every reminder
    source, so nobody gets more than one reminder push a day."""
    return f"reminder:{person_id}:{day.isoformat()}"


def not_reminded_yet(person_id_column, today: date):
    """SQL condition: this person has no reminder queued for ``today`` (an index look-up on the
    outbox's unique key), so a second tick the same day does no work for them."""
    key = literal("reminder:") + cast(person_id_column, String) + literal(f":{today.isoformat()}")
    return ~exists().where(OutboxMessage.dedupe_key == key)


def reminded_today(session: Session, today: date) -> set[int]:
    """Ids of the people who already have today's reminder queued (one index look-up each)."""
    return set(session.scalars(select(Person.id).where(
        Person.line_user_id.is_not(None), ~not_reminded_yet(Person.id, today))))
