"""The audit trail of exports: every file made is a row of export_records (who, what, which
area and range, how many rows) and an EXPORT record of the audit trail (handlers/audit.py),
both written in the same transaction."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from models import AuditAction, AuditChannel, ExportRecord

from .. import audit
from ..context import Context
from .table import Export

log = logging.getLogger(__name__)

ACTOR_MAX = 200   # export_records.actor


def record_export(session: Session, export: Export, file_format: str, rows: int,
                  person_id: int | None, actor: str, ctx: Context, *,
                  by: audit.Actor | None = None) -> ExportRecord:
    """Record one export. ``person_id``: the person whose rights applied (a coordinator or
    province officer), None for an operator; ``actor``: who made it (the operating-system
    account that ran the CLI, or the person on the dashboard); ``by``: the same for the audit
    trail (channel, person and role; by default the CLI's: channel export)."""
    record = ExportRecord(kind=export.kind, file_format=file_format,
                          province=export.area.province, district=export.area.district,
                          start=export.start, end=export.end, rows=rows, person_id=person_id,
                          actor=(actor or "-")[:ACTOR_MAX], created_at=ctx.now)
    session.add(record)
    session.flush()
    # The filter and the count, never the account name: the trail holds ids and counts only.
    audit.record(session, by or audit.Actor(AuditChannel.EXPORT, person_id), AuditAction.EXPORT,
                 export.kind, ctx.now,
                 area=audit.Area(export.area.province, export.area.district),
                 detail={"format": file_format, "rows": rows,
                         "start": export.start.isoformat(), "end": export.end.isoformat(),
                         "export_record_id": record.id})
    # Ids and counts only: no area or actor names in the log.
    log.info("export recorded: id=%s kind=%s format=%s rows=%d person=%s", record.id,
             export.kind, file_format, rows, person_id)
    return record
