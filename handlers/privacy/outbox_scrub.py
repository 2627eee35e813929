"""Outbox rows that hold an erased household's or person's data: emptied at once, not after
OUTBOX_CONTENT_DAYS.

A row still waiting is withdrawn (expired, never sent); a row already done (sent, parked,
expired) keeps its id, kind, category and timing, and loses its recipients and messages, as
the retention rule would later. A multicast still waiting that goes to an erased person is
sent to the others only.

Rows are found by the text they hold (a name, a house code, a LINE user id): a scan of the rows
whose content is still kept, i.e. about a week of messages plus the queue. That is for an
operator's erasure, once in a while; the daily retention rule never searches the outbox.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import Text, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import OutboxMessage, OutboxStatus

WITHDRAWN = "withdrawn: its data was erased"
# Shorter needles are not searched for: a stray two-letter "name" would match every message.
# Real ones are longer (an 11-digit house code, a 9-10 digit phone, a name with its title).
MIN_NEEDLE = 4
_DONE = (OutboxStatus.SENT, OutboxStatus.PARKED, OutboxStatus.EXPIRED)


def spellings(needle: str) -> set[str]:
    """The needle as the outbox may hold it in JSON: as itself (the outbox writes Thai as it
    is) and \\u-escaped (JSON written with ASCII escapes)."""
    return {needle, json.dumps(needle)[1:-1]}


def _holds(column, needles: Iterable[str]) -> ColumnElement[bool]:
    text = sql_cast(column, Text)
    return or_(*(text.contains(form, autoescape=True)
                 for needle in needles if needle for form in spellings(needle)))


def _empty(now: datetime) -> dict:
    return {"recipients": [], "messages": [], "content_stripped_at": now}


def withdraw_mentions(session: Session, needles: Iterable[str], now: datetime) -> int:
    """Every row whose messages name one of ``needles`` (a house code, a name): a waiting one
    is withdrawn, a done one emptied. Returns how many rows lost their content."""
    needles = [n for n in needles if n and len(n) >= MIN_NEEDLE]
    if not needles:
        return 0
    kept = (OutboxMessage.content_stripped_at.is_(None), _holds(OutboxMessage.messages, needles))
    withdrawn = cast(CursorResult, session.execute(
        update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING, *kept)
        .values(status=OutboxStatus.EXPIRED, last_error=WITHDRAWN, **_empty(now))
        .execution_options(synchronize_session=False)))
    emptied = cast(CursorResult, session.execute(
        update(OutboxMessage).where(OutboxMessage.status.in_(_DONE), *kept)
        .values(**_empty(now)).execution_options(synchronize_session=False)))
    return (withdrawn.rowcount or 0) + (emptied.rowcount or 0)


def drop_recipient(session: Session, line_user_id: str, now: datetime) -> int:
    """Nothing more goes to ``line_user_id``, and no kept row names it: a waiting push to it is
    withdrawn, a waiting multicast goes to the others only, a done row is emptied. Returns how
    many rows changed."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.recipients)
        .where(OutboxMessage.content_stripped_at.is_(None),
               _holds(OutboxMessage.recipients, [f'"{line_user_id}"']))).all()
    rows = [r for r in rows if line_user_id in r.recipients]   # the LIKE only narrows
    narrowed = [{"id": r.id, "recipients": [u for u in r.recipients if u != line_user_id]}
                for r in rows if r.status is OutboxStatus.PENDING and len(r.recipients) > 1]
    withdrawn = [r.id for r in rows if r.status is OutboxStatus.PENDING
                 and len(r.recipients) <= 1]
    emptied = [r.id for r in rows if r.status is not OutboxStatus.PENDING]
    if narrowed:
        session.execute(update(OutboxMessage), narrowed)        # by primary key, one statement
    if withdrawn:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(withdrawn))
                        .values(status=OutboxStatus.EXPIRED, last_error=WITHDRAWN, **_empty(now))
                        .execution_options(synchronize_session=False))
    if emptied:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(emptied))
                        .values(**_empty(now)).execution_options(synchronize_session=False))
    return len(rows)
