"""One tick of the clock: everything that is due as of a moment, then the outbox.

Each job decides from the moment alone whether it is due (after its hour today, outside quiet
hours), and queues with a natural key (recipient, kind, day), so a tick run twice, two clock
processes, or a clock that comes back after days of downtime send each thing once: after
downtime there is one digest for today, not one for every missed day (yesterday's unsent
digests expire at midnight).
"""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from delivery.outbox import Queued, enqueue_all, enqueue_rendered
from delivery.outbox import chunks as in_chunks
from delivery.outbox_sender import DrainResult
from delivery.render import Renderer
from delivery.services import Services

from . import broadcasts, coordinator_digest, due_dates, mentor_digest
from .policy import Policy

log = logging.getLogger(__name__)

DIGESTS_PER_TRANSACTION = 1000

Transaction = Callable[[], AbstractContextManager[Session]]


@dataclass
class TickReport:
    at: datetime
    local: datetime
    quiet: bool
    dry_run: bool = False
    queued: dict[str, int] = field(default_factory=dict)
    sent: DrainResult | None = None

    def lines(self) -> list[str]:
        out = [f"tick at {self.local:%Y-%m-%d %H:%M} ({self.local.tzinfo})"
               + (" in quiet hours" if self.quiet else "")
               + (" (dry run: nothing kept, nothing sent)" if self.dry_run else "")]
        verb = "would queue" if self.dry_run else "queued"
        out += [f"{verb} {name}: {count}" for name, count in self.queued.items()]
        if self.sent is not None:
            out.append(f"outbox: {self.sent}")
        return out


def run_tick(svc: Services, at: datetime, *, send: bool = True, dry_run: bool = False,
             clock: Callable[[], datetime] | None = None) -> TickReport:
    """Queue what is due as of ``at``; then (``send``) drain the outbox.

    ``clock`` is the sender's notion of now (the real clock in production, so leases and quiet
    hours follow the time as it passes); by default the tick's own moment (tests, --at).
    ``dry_run`` counts what would be queued and rolls it all back.
    """
    policy = Policy.from_config(svc.config)
    renderer = svc.renderer
    local = policy.local(at)
    report = TickReport(at=at, local=local, quiet=policy.is_quiet(at), dry_run=dry_run)
    if dry_run:
        # Everything in one transaction that is rolled back: the counts are real, nothing stays.
        try:
            with svc.db.transaction() as session:
                _jobs_run(report, policy, renderer, at, lambda: _same(session),
                          lambda: _same(session), overlap=False)
                raise _Rollback
        except _Rollback:
            return report
    _jobs_run(report, policy, renderer, at, svc.db.transaction, svc.db.reading)
    if send:
        sender = svc.outbox_sender(clock or (lambda: at))
        report.sent = sender.drain()
    if any(report.queued.values()):
        log.info("tick: queued %s", report.queued)
    return report


def _jobs_run(report: TickReport, policy: Policy, renderer: Renderer, at: datetime,
              transaction: Transaction, reading: Transaction, overlap: bool = True) -> None:
    """``transaction``: a transaction that commits; ``reading``: one that only reads, beside
    them (in a dry run both are the one transaction that is rolled back, and nothing is
    written from another thread: ``overlap``)."""
    today = report.local.date()
    local = report.local
    with transaction() as session:
        due_dates.schedule_first_visits(session, policy)
    if not report.quiet:
        if local.time() >= policy.mentor_digest_at:
            report.queued["mentor digests"] = _queue_streamed(
                reading, transaction,
                lambda s: mentor_digest.queued_digests(s, renderer, today, policy), at,
                overlap=overlap)
        # name -> (due now?, split the work into parts, build one part's pushes)
        jobs = {
            "coordinator digests": (
                local.time() >= policy.coordinator_digest_at, _whole,
                lambda s, _: coordinator_digest.coordinator_digests(s, at, today, policy)),
            "monthly broadcast": (
                policy.broadcast_due(local), _whole,
                lambda s, _: [p for p in [broadcasts.monthly_reminder(s, today, policy)] if p]),
        }
        for name, (due, split, build) in jobs.items():
            if due:
                report.queued[name] = _queue(transaction, renderer, split, build, at)


def _whole(_session) -> list[None]:
    return [None]


class _Rollback(Exception):
    pass


@contextmanager
def _same(session):
    yield session


def _queue_streamed(reading: Transaction, transaction: Transaction,
                    stream: Callable[[Session], Iterable[Queued]], at: datetime, *,
                    overlap: bool = True) -> int:
    """Queue what one streaming read finds, a thousand at a time, each thousand in a
    transaction of its own: memory stays flat and no write lock is held for long. A crash
    between transactions leaves the rest to the next tick (natural keys).

    ``overlap``: the transactions are written by a thread of their own, so the database takes
    in one thousand while this thread renders the next (the driver waits without the GIL).
    """
    with reading() as reader:
        chunks = in_chunks(iter(stream(reader)), DIGESTS_PER_TRANSACTION)
        if not overlap:
            return sum(_write(transaction, chunk, at) for chunk in chunks)
        writer = _Writer(transaction, at)
        try:
            for chunk in chunks:
                writer.put(chunk)
        except BaseException:
            writer.close(raising=False)
            raise
        writer.close()
        return writer.queued


def _write(transaction: Transaction, chunk: list[Queued], at: datetime) -> int:
    with transaction() as session:
        return enqueue_rendered(session, chunk, at)


class _Writer:
    """Writes chunks in a thread of its own, in order, each in its own transaction."""

    def __init__(self, transaction: Transaction, at: datetime):
        self.transaction, self.at = transaction, at
        self.queued = 0
        self.error: BaseException | None = None
        self._chunks: queue.Queue[list[Queued] | None] = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._run, name="tick-writer", daemon=True)
        self._thread.start()

    def put(self, chunk: list[Queued]) -> None:
        if self.error is not None:
            raise self.error
        self._chunks.put(chunk)

    def close(self, raising: bool = True) -> None:
        """Wait for the chunks put so far; raise what the writer raised (``raising``)."""
        self._chunks.put(None)
        self._thread.join()
        if raising and self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if self.error is None:    # after a failure: only drain, so put() never blocks
                try:
                    self.queued += _write(self.transaction, chunk, self.at)
                except BaseException as exc:  # noqa: BLE001 - raised again in the caller
                    self.error = exc


def _queue(transaction: Transaction, renderer: Renderer, split, build, at: datetime) -> int:
    """Queue a job's pushes part by part. What a part decides and what it queues commit
    together; a crash between parts leaves the rest to the next tick (natural keys)."""
    with transaction() as session:
        parts = split(session)
    queued = 0
    for part in parts:
        with transaction() as session:
            queued += enqueue_all(session, renderer, build(session, part), at)
    return queued
