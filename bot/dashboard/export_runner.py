"""Builds the dashboard's exports off the request, in a small pool of threads of the web
process. Each job: claim it (one builder only, even with several web processes), read the data
in one read-only transaction (no write lock on SQLite), write the file to EXPORT_DIR while
reporting the rows written, then record the audit row and mark the job done in one short
transaction. A multi-sheet CSV export becomes one ZIP of CSV files.

EXPORT_DIR must be shared by the web processes that serve one dashboard (the file is read by
whichever process serves the download).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import OperationalError

from delivery.services import Services
from handlers.audit import Actor
from handlers.context import Context
from handlers.exports import jobs, kinds
from handlers.exports.access import allowed
from handlers.exports.audit import record_export
from handlers.exports.table import Area
from handlers.exports.writers import WRITERS, csv_paths
from handlers.registration import role_in_district
from models import AuditChannel, ExportJob, Person

log = logging.getLogger(__name__)
REPORT_EVERY_SECONDS = 0.5
ACTOR = "dashboard"


class ExportRunner:
    def __init__(self, svc: Services, directory: Path, workers: int = 1,
                 keep: timedelta = timedelta(hours=24)):
        self.svc, self.directory, self.keep = svc, directory, keep
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers),
                                       thread_name_prefix="export")
        self._lock = threading.Lock()
        self._futures: list[Future] = []

    def submit(self, job_id: int) -> Future:
        future = self.pool.submit(self._run_logged, job_id)
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()] + [future]
        return future

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until every job submitted so far is finished (tests, and a graceful stop)."""
        with self._lock:
            pending = list(self._futures)
        wait(pending, timeout=timeout)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)

    def path_of(self, job: ExportJob) -> Path | None:
        if not job.stored_as:
            return None
        path = (self.directory / job.stored_as).resolve()
        return path if path.is_file() and self.directory.resolve() in path.parents else None

    def _run_logged(self, job_id: int) -> None:
        try:
            self.run(job_id)
        except Exception:   # noqa: BLE001 - a failed export must not kill the pool thread
            log.exception("export job %s failed", job_id)
            with self.svc.db.transaction() as session:
                jobs.fail(session, job_id, "unexpected error (see the log)", self.svc.clock())

    def run(self, job_id: int) -> None:
        svc = self.svc
        with svc.db.transaction() as session:
            if not jobs.claim(session, job_id, svc.clock()):
                return
        with svc.db.reading() as session:
            job = session.get(ExportJob, job_id)
            person = session.get(Person, job.person_id) if job is not None else None
            if job is None or person is None:
                return
            area = Area(province=job.province, district=job.district)
            if not allowed(person, area):   # rights may have changed since it was asked
                log.warning("export job %s refused: person=%s no longer allowed", job_id,
                            person.id)
                failed = "not allowed"
            else:
                failed = None
            made_by = f"{person.name} ({role_in_district(person)})"
            kind, fmt, start, end, person_id = (job.kind, job.file_format, job.start, job.end,
                                                person.id)
            by = Actor.of(person, AuditChannel.DASHBOARD)
            if failed is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                workdir = Path(tempfile.mkdtemp(prefix=f"job-{job_id}-", dir=self.directory))
                try:
                    now = svc.clock()
                    export = kinds.build(kind, session, area, start, end, kinds.Options(
                        tz=svc.tz, first_visit_days=int(svc.config["FIRST_VISIT_DAYS"])))
                    staged = workdir / f"{kind}.{fmt}"
                    rows = WRITERS[fmt](export, staged, made_by=made_by,
                                        made_at=now.astimezone(svc.tz),
                                        progress=self._reporter(job_id))
                    stored, offered = self._store(export, fmt, staged, job_id)
                finally:
                    shutil.rmtree(workdir, ignore_errors=True)
        if failed is not None:
            with svc.db.transaction() as session:
                jobs.fail(session, job_id, failed, svc.clock())
            return
        with svc.db.transaction() as session:
            now = svc.clock()
            record = record_export(session, export, fmt, rows, person_id, ACTOR,
                                   Context(now=now, tz=svc.tz), by=by)
            jobs.finish(session, job_id, rows, offered, stored, record.id, now)
        log.info("export job %s done: %d rows", job_id, rows)
        self._forget_old_files()

    def _reporter(self, job_id: int):
        last = [0.0]

        def report(rows: int) -> None:
            if time.monotonic() - last[0] < REPORT_EVERY_SECONDS:
                return
            last[0] = time.monotonic()
            try:
                with self.svc.db.transaction() as session:
                    jobs.report(session, job_id, rows, self.svc.clock())
            except OperationalError:
                # Progress is a courtesy: a busy database skips this report, not the export.
                log.info("export job %s: progress not recorded (database busy)", job_id)
        return report

    def _store(self, export, fmt: str, staged: Path, job_id: int) -> tuple[str, str]:
        """Move the file into EXPORT_DIR: (its name there, the name offered on download)."""
        base = f"{export.kind}-{export.start:%Y%m%d}-{export.end:%Y%m%d}"
        if fmt == "csv":
            parts = csv_paths(export, staged)
            if len(parts) > 1:
                stored = f"job-{job_id}.zip"
                with zipfile.ZipFile(self.directory / stored, "w", zipfile.ZIP_DEFLATED) as zf:
                    for part in parts:
                        zf.write(part, arcname=base + part.name[len(staged.stem):])
                return stored, base + ".zip"
            staged = parts[0]
        stored = f"job-{job_id}.{fmt}"
        os.replace(staged, self.directory / stored)
        return stored, f"{base}.{fmt}"

    def _forget_old_files(self) -> None:
        with self.svc.db.transaction() as session:
            for job in jobs.expired_files(session, self.svc.clock() - self.keep):
                path = self.path_of(job)
                if path is not None:
                    path.unlink(missing_ok=True)
                job.stored_as = None
