"""`mentorbot outbox status|drain`."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from models import OutboxMessage, OutboxStatus
from scheduler.jobs import drain_outbox

from ..services import services

outbox_group = AppGroup("outbox", help="Messages waiting to be pushed to LINE.")


@outbox_group.command("status")
def status() -> None:
    """Counts by status, and the parked messages with their reasons (no message text)."""
    svc = services()
    with svc.db.transaction() as session:
        counts = dict(session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        parked = session.execute(
            select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.attempts,
                   OutboxMessage.created_at, OutboxMessage.last_error)
            .where(OutboxMessage.status == OutboxStatus.PARKED)
            .order_by(OutboxMessage.id.desc()).limit(50)).all()
        oldest = session.scalar(select(func.min(OutboxMessage.created_at))
                                .where(OutboxMessage.status == OutboxStatus.PENDING))
    for state in OutboxStatus:
        click.echo(f"{state.value:8} {counts.get(state, 0)}")
    if oldest is not None:
        click.echo(f"oldest pending since {oldest.isoformat(timespec='seconds')}")
    for row in parked:
        click.echo(f"parked #{row.id} {row.kind.value} after {row.attempts} attempt(s): "
                   f"{row.last_error}")


@outbox_group.command("drain")
def drain() -> None:
    """Send what is due now, once (the clock process does this every few seconds)."""
    click.echo(str(drain_outbox(services())))


commands = [outbox_group]
