"""Runs the jobs on APScheduler in a process of its own (Procfile ``clock:``), and the sender
processes (``mentorbot scheduler send``) that only drain the outbox.

Exactly one clock runs. On PostgreSQL it holds a session-level advisory lock for as long as it
runs: a second clock started by mistake says so in its log, stays idle and keeps trying to take
the lock, so it takes over when the first one stops. (Its jobs are idempotent anyway, but two
clocks would run every tick twice over.) Senders need no lock: they may run by the dozen, since
claims skip rows another sender holds and one token bucket in the database paces them all.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from delivery.db import Database
from delivery.line_gateway import LineGateway
from delivery.outbox_sender import DrainResult, OutboxSender
from delivery.services import Services

from . import jobs

log = logging.getLogger(__name__)

# pg_try_advisory_lock's key for "the clock of this database" (advisory locks are per database,
# so two deployments on one server do not clash). Any constant; this one spells "mbclock".
CLOCK_LOCK_KEY = 0x6D62636C6F636B
LOCK_RETRY_SECONDS = 15.0        # a waiting clock tries again this often
LOCK_NAG_EVERY = 40              # ... and says again that it is waiting every 40 tries (10 min)
LOCK_CHECK_SECONDS = 30          # the running clock checks this often that it still holds it
SEND_IDLE_SECONDS = 1.0          # a sender with nothing due looks again after this
SEND_ERROR_SECONDS = 5.0         # ... and after a failed drain (database down) this


class ClockLock:
    """The clock's singleton lock: a PostgreSQL session-level advisory lock, held on a
    connection of its own (in autocommit, so it never sits idle in a transaction) for as long
    as the clock runs, and gone with that session if the process dies."""

    def __init__(self, db: Database, key: int = CLOCK_LOCK_KEY):
        self.db, self.key = db, key
        self._conn: Connection | None = None

    @property
    def needed(self) -> bool:
        # SQLite needs no lock: a SQLite file is one machine's, for a laptop, the demo or a
        # small pilot run as one process of each kind; claims are serialised by BEGIN IMMEDIATE
        # anyway, and every job is idempotent (natural keys), so a second clock by mistake would
        # only repeat work. SQLite has no advisory locks to take in any case.
        return self.db.dialect == "postgresql"

    def acquire(self) -> bool:
        """Take the lock if no other clock holds it; True if this one holds it now."""
        if not self.needed or self._conn is not None:
            return True
        conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                     {"key": self.key}))
        except BaseException:
            conn.close()
            raise
        if taken:
            self._conn = conn
        else:
            conn.close()
        return taken

    def held(self) -> bool:
        """Still held? (The lock lasts as long as its session: a broken connection lost it.)"""
        if not self.needed:
            return True
        if self._conn is None:
            return False
        try:
            self._conn.scalar(text("SELECT 1"))
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._conn.close()
            self._conn = None
        except DBAPIError:
            self._drop()

    def _drop(self) -> None:
        # Never back into the pool: a pooled session would keep the lock.
        if self._conn is not None:
            self._conn.invalidate()
            self._conn.close()
            self._conn = None


def wait_for_lock(lock: ClockLock, retry: float = LOCK_RETRY_SECONDS,
                  sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once this process holds the clock lock; until then stay idle and say why."""
    tries = 0
    while True:
        try:
            if lock.acquire():
                break
            reason = "another clock process holds the clock lock"
        except DBAPIError as exc:
            reason = f"the database is unreachable ({exc.__class__.__name__})"
        if tries % LOCK_NAG_EVERY == 0:
            log.warning("clock: %s (PostgreSQL advisory lock %d); this one stays idle and "
                        "tries again every %g s", reason, lock.key, retry)
        tries += 1
        sleep(retry)
    if tries:
        log.info("clock: took the clock lock after %d tr%s; starting", tries,
                 "y" if tries == 1 else "ies")


def dedicated_sender(svc: Services) -> OutboxSender:
    """The outbox sender of a process that sends (the clock, each sender process): its own
    kept-alive connections to LINE, one per thread (SEND_WORKERS), paced with every other
    sender to SEND_RATE_PER_SECOND. Lives as long as the process."""
    config = svc.config
    workers = int(config["SEND_WORKERS"])
    line = LineGateway(config.get("LINE_CHANNEL_ACCESS_TOKEN") or "",
                       config["LINE_API_BASE_URL"], config["LINE_DATA_API_BASE_URL"],
                       timeout=float(config["LINE_HTTP_TIMEOUT"]), connections=workers)
    return OutboxSender(svc.db, line, svc.clock, batch=int(config["OUTBOX_BATCH"]),
                        max_attempts=int(config["OUTBOX_MAX_ATTEMPTS"]), is_quiet=svc.is_quiet,
                        workers=workers, rate=float(config["SEND_RATE_PER_SECOND"]))


def build_scheduler(svc: Services, sender: OutboxSender | None = None,
                    lock: ClockLock | None = None) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=svc.tz)
    # coalesce + max_instances=1: a slow run is never overlapped by the next one, and runs
    # missed while the process was down collapse into one.
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
    drain = sender.drain if sender is not None else (lambda: jobs.drain_outbox(svc))
    scheduler.add_job(drain, "interval", seconds=5, id="outbox", **common)
    scheduler.add_job(jobs.tick, "interval", minutes=1, args=[svc], id="reminders", **common)
    scheduler.add_job(jobs.recover_events, "interval", minutes=1, args=[svc], id="recover-events",
                      **common)
    scheduler.add_job(jobs.fetch_visit_photos, "interval", minutes=1, args=[svc],
                      id="fetch-visit-photos", **common)
    scheduler.add_job(jobs.purge_visit_photos, "cron", hour=3, minute=30, args=[svc],
                      id="purge-visit-photos", **common)
    scheduler.add_job(jobs.purge_webhook_events, "cron", hour=3, minute=15, args=[svc],
                      id="purge-webhook-events", **common)
    scheduler.add_job(jobs.purge_retention, "cron", hour=3, minute=45, args=[svc],
                      id="purge-retention", **common)
    if lock is not None and lock.needed:
        scheduler.add_job(_check_lock, "interval", seconds=LOCK_CHECK_SECONDS,
                          args=[lock, scheduler], id="clock-lock", **common)
    return scheduler


def _check_lock(lock: ClockLock, scheduler: BlockingScheduler) -> None:
    if not lock.held():
        log.error("clock: lost the clock lock (its database connection broke); stopping the "
                  "jobs until it is taken again")
        scheduler.shutdown(wait=False)


def run(svc: Services, sleep: Callable[[float], None] = time.sleep) -> None:
    # One line per job run every few seconds would bury what matters in the log.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    lock = ClockLock(svc.db)
    sender = dedicated_sender(svc)
    stopping = False
    while not stopping:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)   # idle: nothing to finish
        wait_for_lock(lock, sleep=sleep)
        scheduler = build_scheduler(svc, sender, lock)

        def stop(*_args, scheduler=scheduler) -> None:
            nonlocal stopping
            stopping = True
            sender.interrupt()          # a drain under way stops after the requests in the air
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        log.info("clock process started with %d job(s)", len(scheduler.get_jobs()))
        try:
            scheduler.start()           # until SIGTERM, or the lock is lost
        finally:
            lock.release()


def send_forever(sender: OutboxSender, stopping: Callable[[], bool],
                 sleep: Callable[[float], None] = time.sleep) -> None:
    """A sender process: drain the outbox again and again until ``stopping()``; look again
    after a second when nothing was due."""
    while not stopping():
        try:
            result = sender.drain()
        except DBAPIError as exc:
            log.error("sender: drain failed (%s); trying again in %g s",
                      exc.__class__.__name__, SEND_ERROR_SECONDS)
            sleep(SEND_ERROR_SECONDS)
            continue
        if not _did_something(result):
            sleep(SEND_IDLE_SECONDS)


def _did_something(result: DrainResult) -> bool:
    return bool(result.sent or result.retrying or result.parked or result.expired)
