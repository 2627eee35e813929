"""The audit trail of exports: every file made is a row of export_records (who, what, which
area and range, how many rows), written in the transaction that read the data."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from models import ExportRecord

from ..context import Context
from .table import Export

log = logging.getLogger(__name__)

ACTOR_MAX = 200   # export_records.actor


def record_export(session: Session, export: Export, file_format: str, rows: int,
                  person_id: int | None, actor: str, ctx: Context) -> ExportRecord:
    """Record one export. ``person_id``: the person whose rights applied (a coordinator or
    province officer), None for an operator; ``actor``: who made it (the operating-system
    account that ran the CLI, or the person on the dashboard)."""
    record = ExportRecord(kind=export.kind, file_format=file_format,
                          province=export.area.province, district=export.area.district,
                          start=export.start, end=export.end, rows=rows, person_id=person_id,
                          actor=(actor or "-")[:ACTOR_MAX], created_at=ctx.now)
    session.add(record)
    session.flush()
    # Ids and counts only: no area or actor names in the log.
    log.info("export recorded: id=%s kind=%s format=%s rows=%d person=%s", record.id,
             export.kind, file_format, rows, person_id)
    return record
