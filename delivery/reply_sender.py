"""Sending an event's reply without holding up the handling of other events.

A reply call waits on LINE (tens of milliseconds, seconds when LINE is slow). The event
threads only touch the database; replies go to a larger pool of I/O threads, one person's
replies in the order their events were handled. When a reply fails, the answer is not lost:

- LINE refused it (4xx: the token expired or was used, a rate limit) or could not be reached
  at all: it was not delivered, so it goes out as a push through the outbox;
- LINE did not answer or failed (timeout, 5xx): it may or may not have arrived. An answer
  that reports a change (a visit saved, a case raised, a status changed) is pushed all the
  same, since a second copy is better than a mentor left unsure; a menu or a question is not,
  since the person simply asks again.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from .line_gateway import LineGateway, SendError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingReply:
    token: str
    messages: list[dict]
    user_id: str | None
    must_deliver: bool     # the answer reports a change that was saved


def may_have_arrived(err: SendError) -> bool:
    return err.reached and (err.status is None or err.status >= 500)


class ReplySender:
    def __init__(self, line: LineGateway, push_instead: Callable[[str, list[dict]], None],
                 workers: int | None = None):
        """``workers`` None: send in the caller's thread (tests, inline processing)."""
        self.line = line
        self.push_instead = push_instead
        self._pool = (ThreadPoolExecutor(max_workers=workers, thread_name_prefix="line-replies")
                      if workers else None)
        self._lock = threading.RLock()
        self._tails: dict[str | None, Future] = {}   # each user's last queued reply

    def send(self, reply: PendingReply) -> None:
        if self._pool is None:
            self._deliver(reply)
            return
        with self._lock:
            previous = self._tails.get(reply.user_id)
            future = self._pool.submit(self._deliver_after, previous, reply)
            self._tails[reply.user_id] = future
        future.add_done_callback(lambda done: self._forget(reply.user_id, done))

    def wait(self, timeout: float | None = None) -> None:
        with self._lock:
            pending = list(self._tails.values())
        for future in pending:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _forget(self, user_id: str | None, done: Future) -> None:
        with self._lock:
            if self._tails.get(user_id) is done:
                del self._tails[user_id]

    def _deliver_after(self, previous: Future | None, reply: PendingReply) -> None:
        # A FIFO pool started ``previous`` before this task, so waiting on it cannot deadlock.
        if previous is not None:
            try:
                previous.result()
            except Exception:  # noqa: BLE001 - its failure was logged where it happened
                pass
        self._deliver(reply)

    def _deliver(self, reply: PendingReply) -> None:
        try:
            self.line.reply(reply.token, reply.messages)
        except SendError as err:
            push = reply.user_id is not None and (reply.must_deliver
                                                  or not may_have_arrived(err))
            log.warning("reply failed: %s; %s", err,
                        "sent as a push instead" if push else "not resent")
            if push:
                self._push(reply)
        except Exception:  # noqa: BLE001 - the SDK refused the request before sending it
            log.exception("reply could not be sent")

    def _push(self, reply: PendingReply) -> None:
        assert reply.user_id is not None, "only replies to a known user are pushed (_deliver)"
        try:
            self.push_instead(reply.user_id, reply.messages)
        except Exception:  # noqa: BLE001 - the database is down too: nothing more to do here
            log.exception("could not queue the failed reply as a push")
