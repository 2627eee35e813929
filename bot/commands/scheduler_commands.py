"""`mentorbot scheduler run|send|tick` and `mentorbot broadcast`."""
from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime

import click
from flask.cli import AppGroup, with_appcontext

from delivery.config import check_line_credentials
from delivery.line_gateway import SendError
from delivery.outbox import enqueue
from models import Role
from scheduler.broadcasts import notice
from scheduler.clock import dedicated_sender, send_forever
from scheduler.clock import run as run_clock
from scheduler.tick import run_tick

from ..services import services

scheduler_group = AppGroup("scheduler",
                           help="The clock process (reminders, digests, outbox) and senders.")


@scheduler_group.command("run")
def run() -> None:
    """Run the clock process until stopped. Run exactly one: on PostgreSQL a second one waits,
    idle, until the first stops."""
    svc = services()
    check_line_credentials(svc.config)   # the clock pushes messages: it needs the channel
    run_clock(svc)


@scheduler_group.command("send")
def send() -> None:
    """Run a sender process until stopped: it only drains the outbox, SEND_WORKERS requests
    at a time. Run as many as the sending needs (PostgreSQL; SQLite: the clock alone); every
    sender and the clock share one LINE rate limit (SEND_RATE_PER_SECOND)."""
    svc = services()
    check_line_credentials(svc.config)
    if svc.db.dialect == "sqlite":
        # SQLite takes one writer at a time: senders would only queue behind each other.
        raise click.ClickException("sender processes need PostgreSQL; on SQLite the clock "
                                   "process sends by itself")
    sender = dedicated_sender(svc)
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True
        sender.interrupt()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger(__name__).info("sender process started: %d thread(s)", sender.workers)
    send_forever(sender, lambda: stopping)


@scheduler_group.command("tick")
@click.option("--at", "at_text", help="ISO date-time (default now); without a zone: BOT_TIMEZONE.")
@click.option("--no-send", is_flag=True, help="Queue only; leave sending to the clock process.")
@click.option("--dry-run", is_flag=True,
              help="Only count what would be queued; keep nothing, send nothing.")
def tick(at_text: str | None, no_send: bool, dry_run: bool) -> None:
    """Run every job once as of --at, and print what was queued and sent.

    Without --dry-run this really queues and sends, and uses up that day's natural keys (a
    digest for that day will not be sent again): check a configuration with --dry-run.
    """
    svc = services()
    at = _parse_at(at_text, svc) if at_text else svc.clock()
    for line in run_tick(svc, at, send=not no_send, dry_run=dry_run).lines():
        click.echo(line)


def _parse_at(text: str, svc) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not an ISO date-time: {text}", param_hint="--at") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=svc.tz)
    return at.astimezone(UTC)


@click.command("broadcast")
@click.option("--to", "audience", type=click.Choice(["mentors", "coordinators"]), required=True)
@click.option("--district", help="Only this district (its Thai name, e.g. เมืองเลย).")
@click.option("--province", help="Only this province (district names repeat across provinces).")
@click.option("--dry-run", is_flag=True, help="Print the recipients and quota it would use.")
@click.argument("text")
@with_appcontext
def broadcast(audience: str, district: str | None, province: str | None, dry_run: bool,
              text: str) -> None:
    """Queue a notice to every registered mentor or coordinator (multicast, 500 per request)."""
    svc = services()
    role = Role.MENTOR if audience == "mentors" else Role.COORDINATOR
    text = text.strip()
    if not text:
        raise click.UsageError("the notice is empty")
    with svc.db.transaction() as session:
        push = notice(session, role, text, district, province)
        count = len(push.to)
        click.echo(f"recipients: {count}; quota it uses: {count} message(s); "
                   f"requests: {-(-count // 500)} multicast(s)")
        if dry_run:
            _print_quota(svc, count)
            return
        queued = enqueue(session, svc.renderer, push, svc.clock())
    click.echo(
        f"queued {queued} request(s); the clock process sends them (or: mentorbot outbox drain)"
    )


def _print_quota(svc, count: int) -> None:
    try:
        remaining = svc.line.quota_remaining()
    except SendError as err:
        click.echo(f"quota left this month: unknown ({err})")
        return
    if remaining is None:
        click.echo("quota left this month: no limit")
    else:
        verdict = "enough" if count <= remaining else "NOT enough: it would be held"
        click.echo(f"quota left this month: {remaining} ({verdict})")


commands = [scheduler_group, broadcast]
