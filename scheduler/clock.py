"""Runs the jobs on APScheduler in a process of its own (Procfile ``clock:``)."""
from __future__ import annotations

import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler

from delivery.services import Services

from . import jobs

log = logging.getLogger(__name__)


def build_scheduler(svc: Services) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=svc.tz)
    # coalesce + max_instances=1: a slow run is never overlapped by the next one, and runs
    # missed while the process was down collapse into one.
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
    scheduler.add_job(jobs.drain_outbox, "interval", seconds=5, args=[svc], id="outbox", **common)
    scheduler.add_job(jobs.tick, "interval", minutes=1, args=[svc], id="reminders", **common)
    scheduler.add_job(jobs.recover_events, "interval", minutes=1, args=[svc], id="recover-events",
                      **common)
    scheduler.add_job(jobs.fetch_visit_photos, "interval", minutes=1, args=[svc],
                      id="fetch-visit-photos", **common)
    scheduler.add_job(jobs.purge_visit_photos, "cron", hour=3, minute=30, args=[svc],
                      id="purge-visit-photos", **common)
    scheduler.add_job(jobs.purge_webhook_events, "cron", hour=3, minute=15, args=[svc],
                      id="purge-webhook-events", **common)
    return scheduler


def run(svc: Services) -> None:
    # One line per job run every few seconds would bury what matters in the log.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = build_scheduler(svc)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("clock process started with %d job(s)", len(scheduler.get_jobs()))
    scheduler.start()
