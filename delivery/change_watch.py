"""Did handling an event change any record? Then its answer must reach the person.

Watched on the session itself, so no handler has to remember to say so: any row added,
changed or deleted, other than the bookkeeping every event writes, marks the answer as one
that reports a change (delivery/reply_sender.py pushes such an answer when its reply fails).
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import event
from sqlalchemy.orm import Session

from models import ConversationState, OutboxMessage, RegistrationAttempt, WebhookEvent

# Written while handling any event; not something the person asked the bot to record.
BOOKKEEPING = (ConversationState, WebhookEvent, OutboxMessage, RegistrationAttempt)


class ChangeWatch:
    def __init__(self, session: Session):
        self.session = session
        self._changed = False
        event.listen(session, "before_flush", self._before_flush)

    def _before_flush(self, session: Session, _context, _instances) -> None:
        self._note(session)

    def _note(self, session: Session) -> None:
        if self._changed:
            return
        dirty = (obj for obj in session.dirty if session.is_modified(obj))
        self._changed = any(not isinstance(obj, BOOKKEEPING)
                            for obj in chain(session.new, session.deleted, dirty))

    def changed(self) -> bool:
        """Whether a record changed, counting what is not flushed yet."""
        self._note(self.session)
        event.remove(self.session, "before_flush", self._before_flush)
        return self._changed
