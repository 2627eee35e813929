"""Exports asked for on the dashboard, as rows of export_jobs: asked (pending), claimed by one
builder (running, with the rows written so far), done (a file to download) or failed. The
builder itself lives with the web process (bot/dashboard/export_runner.py); these functions
are the job's life, in the database."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from models import ExportJob, ExportJobStatus, Person

from .table import Area

# A running job whose builder has not reported for this long died with its process; a job
# still waiting this long will not be taken (its process stopped before it got a thread).
STALE_AFTER = timedelta(minutes=10)
NEVER_TAKEN_AFTER = timedelta(hours=1)


def ask(session: Session, person: Person, kind: str, area: Area, start: date, end: date,
        file_format: str, now: datetime) -> ExportJob:
    job = ExportJob(person_id=person.id, kind=kind, file_format=file_format,
                    province=area.province, district=area.district, start=start, end=end,
                    status=ExportJobStatus.PENDING, rows=0, created_at=now, updated_at=now)
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: int, now: datetime) -> bool:
    """Take the job to build; False when another builder has it (or it is finished)."""
    result = cast(CursorResult, session.execute(
        update(ExportJob).where(ExportJob.id == job_id,
                                ExportJob.status == ExportJobStatus.PENDING)
        .values(status=ExportJobStatus.RUNNING, updated_at=now)))
    return result.rowcount == 1


def report(session: Session, job_id: int, rows: int, now: datetime) -> None:
    session.execute(update(ExportJob).where(ExportJob.id == job_id)
                    .values(rows=rows, updated_at=now))


def finish(session: Session, job_id: int, rows: int, file_name: str, stored_as: str,
           record_id: int, now: datetime) -> None:
    session.execute(update(ExportJob).where(ExportJob.id == job_id).values(
        status=ExportJobStatus.DONE, rows=rows, file_name=file_name, stored_as=stored_as,
        export_record_id=record_id, updated_at=now, finished_at=now))


def fail(session: Session, job_id: int, error: str, now: datetime) -> None:
    session.execute(update(ExportJob).where(ExportJob.id == job_id).values(
        status=ExportJobStatus.FAILED, error=error[:500], updated_at=now, finished_at=now))


def job_of(session: Session, person: Person, job_id: int) -> ExportJob | None:
    """The person's own job: nobody else's, whatever the id."""
    return session.scalar(select(ExportJob).where(ExportJob.id == job_id,
                                                  ExportJob.person_id == person.id))


def recent_jobs(session: Session, person: Person, limit: int = 10) -> list[ExportJob]:
    return list(session.scalars(select(ExportJob).where(ExportJob.person_id == person.id)
                                .order_by(ExportJob.id.desc()).limit(limit)))


def is_stale(job: ExportJob, now: datetime) -> bool:
    """Waiting or running, with no word from a builder for STALE_AFTER: its web process
    stopped (a deploy, a crash) and the job will not finish; the page says to ask again."""
    if job.status is ExportJobStatus.RUNNING:
        return job.updated_at < now - STALE_AFTER
    return job.status is ExportJobStatus.PENDING and job.updated_at < now - NEVER_TAKEN_AFTER


def expired_files(session: Session, before: datetime) -> list[ExportJob]:
    """Finished jobs whose files are kept no longer (their rows stay: the audit has them)."""
    return list(session.scalars(select(ExportJob).where(
        ExportJob.status == ExportJobStatus.DONE, ExportJob.finished_at < before,
        ExportJob.stored_as.is_not(None))))
