"""The per-user lock: one event of a user is handled at a time, across threads and workers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ConversationState
from models.upsert import insert_ignoring_conflicts


def lock_conversation(session: Session, line_user_id: str, now: datetime) -> ConversationState:
    """The user's state row, locked until the transaction ends.

    PostgreSQL: SELECT ... FOR UPDATE on the user's row, so a second event of the same user
    waits while other users go on. SQLite: every transaction is BEGIN IMMEDIATE (delivery/db.py),
    which already serialises writers.
    """
    locking = (select(ConversationState).where(ConversationState.line_user_id == line_user_id)
               .with_for_update().execution_options(populate_existing=True))
    # Every user but a newcomer has a row: one statement then. A newcomer's row is made first
    # (two workers may race to make it: the conflict is ignored) and locked after.
    state = session.execute(locking).scalar_one_or_none()
    if state is None:
        session.execute(
            insert_ignoring_conflicts(session, ConversationState, ["line_user_id"]),
            [{"line_user_id": line_user_id, "data": {}, "version": 0, "updated_at": now}])
        state = session.execute(locking).scalar_one()
    # The session holds the locked row as long as it lives (its identity map only keeps weak
    # references): the handlers' own look-up of the state then needs no second SELECT.
    session.info.setdefault("locked_states", {})[line_user_id] = state
    return state
