"""Handling stored webhook events: one transaction per event, then the reply.

The webhook only stores events and hands their ids here, so LINE gets its 200 at once. In the
web process a small thread pool does the work; tests run it inline. Events whose worker died
are picked up again by ``recover_stalled`` (run by the clock process).
"""
from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from handlers import dispatch
from handlers.context import Context
from handlers.conversations.lock import lock_conversation
from handlers.replies import Outcome, TextReply
from models import EventStatus, OutboxCategory, WebhookEvent

from . import inbox, outbox, richmenu
from .change_watch import ChangeWatch
from .events import reply_token, to_incoming
from .reply_sender import PendingReply, ReplySender
from .services import Services

log = logging.getLogger(__name__)

SORRY = "ขออภัยค่ะ ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้งในอีกสักครู่ค่ะ"
MAX_ATTEMPTS = 3
STALE_PENDING = timedelta(minutes=2)
# A claim younger than this belongs to a live worker: longer than any transaction can take.
STALE_CLAIM = timedelta(minutes=5)
MAX_IN_TURN = 50   # one thread handles at most this many of a user's events in a row


class EventProcessor:
    def __init__(self, svc: Services, mode: str = "thread", workers: int = 4,
                 reply_workers: int = 32):
        self.svc = svc
        self.renderer = svc.renderer
        self._pool = (ThreadPoolExecutor(max_workers=workers, thread_name_prefix="line-events")
                      if mode == "thread" else None)
        self._futures: list[Future[None]] = []
        self.replies = ReplySender(svc.line, self._push_instead,
                                   reply_workers if mode == "thread" else None)

    def submit(self, events: list[inbox.Stored]) -> None:
        if not events:
            return
        if self._pool is None:
            self._process_all(events)
            return
        # One task per webhook request; across requests, process() keeps each user's events in
        # timestamp order.
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(self._pool.submit(self._process_all, events))

    def wait(self, timeout: float | None = None) -> None:
        """Block until submitted work is finished (tests, and a graceful shutdown)."""
        for future in list(self._futures):
            future.result(timeout=timeout)
        self.replies.wait(timeout)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self.replies.shutdown()

    def _process_all(self, events: list[inbox.Stored]) -> None:
        for event in events:
            try:
                self.process(event)
            except Exception:  # noqa: BLE001 - one bad event must not stop the others
                log.exception("event %s: unexpected failure", event.id)

    def process(self, event: inbox.Stored) -> None:
        """Handle the event, after any older pending event of the same user.

        Events of one user can arrive in separate webhook requests and so reach different pool
        threads (or workers). Each thread takes the user's lock and handles the user's oldest
        pending event, not necessarily the one it was given, and goes on while the user has
        more waiting; the lock makes the others wait their turn.
        """
        for _ in range(MAX_IN_TURN):
            if not self._take_and_handle(event):
                return

    def _take_and_handle(self, given: inbox.Stored, retried: bool = False) -> bool:
        """In ONE transaction: lock the user, claim their oldest pending event, handle it, mark
        it done (a round trip saved on every step: no separate claim to commit first). True
        when the user has more events waiting.

        If handling raises, its work is undone (a savepoint) and the event is marked failed in
        the same transaction (and answered with an apology); if the database fails, the event
        is simply still pending and is tried again (recover_stalled).

        A pooled connection found dead (the server restarted) is retried at once, once: the
        pool is invalidated then, so the retry gets a fresh connection. That is the
        "optimistic" disconnect handling of SQLAlchemy's docs, which spares every
        transaction the round trip a pre-ping costs."""
        db, now = self.svc.db, self.svc.clock()
        user_id = token = None
        taken: int | None = None
        effects = []
        must_deliver = more = False
        try:
            with db.transaction() as session:
                event, more = self._take(session, given, now)
                if event is None:
                    return False
                taken = event.id
                raw = event.payload or {}
                user_id, token = event.line_user_id, reply_token(raw)
                try:
                    # A savepoint: if handling raises, only its work is undone, and the event
                    # is marked failed in this same transaction, the user's lock still held,
                    # so no other thread can take the event up again in between.
                    with session.begin_nested():
                        watch = ChangeWatch(session)
                        outcome = self._handle(session, raw, now, locked=user_id)
                        must_deliver = watch.changed()
                        messages = self.renderer.messages(outcome.replies)
                        for push in outcome.pushes:
                            outbox.enqueue(session, self.renderer, push, now)
                        effects = outcome.effects
                    event.status, event.processed_at = EventStatus.DONE, now
                    event.error = None
                except OperationalError:
                    raise
                except Exception as exc:  # noqa: BLE001 - recorded, answered with an apology
                    log.exception("event %s failed (%s)", taken, type(exc).__name__)
                    event.status, event.error = EventStatus.FAILED, type(exc).__name__[:300]
                    messages = self.renderer.messages([TextReply(SORRY)])
                    must_deliver, effects = False, []
                event.claimed_at, event.attempts = now, event.attempts + 1
                event.payload = None   # answered or failed for good: no message text kept
        except OperationalError as exc:
            if exc.connection_invalidated and not retried:
                return self._take_and_handle(given, retried=True)
            # The database is locked or gone for a moment: not the event's fault. The claim
            # rolled back with the rest, so the event is still pending and is tried again
            # (recover_stalled): nothing is lost. The try is counted apart, so an event the
            # database refuses every time is given up after MAX_ATTEMPTS.
            log.warning("event %s: database unavailable (%s); left for a retry",
                        taken or given.id,
                        type(exc.orig).__name__ if exc.orig else type(exc).__name__)
            if taken is not None:
                self._count_try(taken)
            return False
        if token and messages:
            self.replies.send(PendingReply(token, messages, user_id, must_deliver))
        for effect in effects:
            richmenu.apply(self.svc, effect)
        return more

    def _take(self, session: Session, given: inbox.Stored, now
              ) -> tuple[WebhookEvent | None, bool]:
        """The event to handle now, claimed, and whether the user has more waiting: for an
        event without a user, ``given`` itself; else, with the user's lock held, that user's
        oldest pending event (not necessarily ``given``, whose turn then comes after)."""
        if given.line_user_id is None:
            # No user, no user lock: the row lock stands in for it.
            event = session.get(WebhookEvent, given.id, with_for_update=True,
                                populate_existing=True)
            if event is None or event.status is not EventStatus.PENDING:
                return None, False
            return event, False
        lock_conversation(session, given.line_user_id, now)
        event, more = inbox.next_for_user(session, given.line_user_id)
        if event is None:
            return None, False
        # No PROCESSING mark is written: the event is handled and marked done or failed in
        # this transaction, under the lock, so no one else could see such a mark anyway (and
        # writing it would cost an UPDATE of its own before the savepoint).
        return event, more

    def _handle(self, session, raw: dict, now, locked: str | None = None) -> Outcome:
        incoming = to_incoming(raw, self.renderer.codec)
        if incoming is None:
            return Outcome()
        if incoming.user_id != locked:
            lock_conversation(session, incoming.user_id, now)
        ctx = Context(now=now, tz=self.svc.tz, settings=self.svc.config)
        return dispatch.handle(session, incoming, ctx)

    def _count_try(self, event_id: int) -> None:
        try:
            with self.svc.db.transaction() as session:
                _claimed(session, event_id).attempts += 1
        except OperationalError:
            pass   # the database is still away: the try goes uncounted

    def _push_instead(self, user_id: str, messages: list[dict]) -> None:
        with self.svc.db.transaction() as session:
            outbox.enqueue_messages(session, [user_id], messages, self.svc.clock(),
                                    category=OutboxCategory.REPLY, urgent=True)

    def recover_stalled(self, older_than: timedelta = STALE_PENDING,
                        claimed_before: timedelta = STALE_CLAIM) -> int:
        """Give events left pending, or claimed by a worker that died, another go. An event
        claimed less than ``claimed_before`` ago may still be in a worker's hands: left alone."""
        now = self.svc.clock()
        with self.svc.db.transaction() as session:
            found = inbox.stalled(session, now - older_than, now - claimed_before)
            ids = [event.id for event in found]
            for event in session.scalars(select(WebhookEvent).where(WebhookEvent.id.in_(ids))):
                if event.attempts >= MAX_ATTEMPTS:
                    event.status, event.error = EventStatus.FAILED, "gave up after retries"
                    event.payload = None
                else:
                    event.status = EventStatus.PENDING
        self._process_all(found)
        return len(found)


def _claimed(session: Session, event_id: int) -> WebhookEvent:
    """An event this worker has claimed: only done or failed events are ever deleted."""
    event = session.get(WebhookEvent, event_id)
    if event is None:
        raise LookupError(f"claimed webhook event {event_id} is gone")
    return event
