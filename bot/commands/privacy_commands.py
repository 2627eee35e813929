"""`mentorbot erase household HOUSE_ID`, `mentorbot erase person PHONE` and `mentorbot purge`.

Exit codes: 0 done (or nothing left to erase), 1 no such household or person, or the operator
said no. The confirmation is asked outside any transaction: on SQLite a transaction holds the
write lock, and the webhook must not wait for a person at a terminal.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from delivery.line_gateway import SendError
from handlers.audit import OPERATOR
from handlers.privacy.erasure import erase_household, find_household, placeholder
from handlers.privacy.person_erasure import erase_person, find_person
from handlers.privacy.retention import Retention
from handlers.roster.cells import CellError
from models import Household, Person
from scheduler.jobs import purge_retention

from ..services import services

erase_group = AppGroup("erase", help="Remove a family's or a person's personal data (PDPA); "
                                     "counts and statistics stay.")


@erase_group.command("household")
@click.argument("house_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_household_command(house_id: str, yes: bool) -> None:
    """Erase the household HOUSE_ID (its 11-digit code, or the placeholder of one erased
    before): the head's name, house number and code, every typed note, its photos. Its rows,
    dates, statuses, amounts and area stay, so the figures do not change."""
    svc = services()
    with svc.db.reading() as session:
        found = find_household(session, house_id)
        if found is None:
            raise click.ClickException(
                f"no household has the house code {house_id!r} (an erased household is known "
                "only by its placeholder, X and its id in 10 digits)")
        household_id, area, erased_at = found.id, f"{found.district}, {found.province}", \
            found.erased_at
    if erased_at is not None:
        click.echo(f"household #{household_id} was erased on {erased_at:%Y-%m-%d}; "
                   "removing anything added since")
    elif not yes:
        click.confirm(f"Erase household #{household_id} ({area})? Its name, house number, "
                      "notes and photos cannot be brought back", abort=True)
    with svc.db.transaction() as session:
        household = session.get(Household, household_id)
        assert household is not None       # households are never deleted
        counts = erase_household(session, household, svc.clock(), OPERATOR)
    _report(f"household #{household_id}: erased; house code now {placeholder(household_id)}",
            counts.lines())


@erase_group.command("person")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_person_command(phone: str, yes: bool) -> None:
    """Erase the mentor, coordinator or province officer with this PHONE: name, phone and
    position go, their LINE user is cut off (nothing more is sent to it), their assignments
    end. Role, agency and area stay for the statistics."""
    svc = services()
    with svc.db.reading() as session:
        try:
            found = find_person(session, phone)
        except CellError as exc:
            raise click.BadParameter(f"{phone!r} {exc}", param_hint="PHONE") from None
        if found is None:
            raise click.ClickException(
                f"nobody has the phone number {phone!r} (an erased person's number is not kept)")
        person_id, role, area = found.id, found.role.value, found.district or found.province
    if not yes:
        click.confirm(f"Erase {role} #{person_id} ({area})? Their name and phone cannot be "
                      "brought back, and their LINE account is cut off from the bot",
                      abort=True)
    with svc.db.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None          # people are never deleted
        result = erase_person(session, person, svc.clock(), OPERATOR)
    _report(f"{role} #{person_id}: erased", result.lines())
    if result.line_user_id is not None:
        _unlink_rich_menu(result.line_user_id)


def _report(headline: str, lines: list[str]) -> None:
    """What an erasure did: a headline, then a count per kind of row."""
    click.echo(headline)
    for line in lines:
        click.echo(f"  {line}")


def _unlink_rich_menu(line_user_id: str) -> None:
    """After commit: LINE's side. A failure leaves only the menu's buttons, which answer a
    stranger now; say so, and how to retry."""
    try:
        services().line.unlink_rich_menu(line_user_id)
    except SendError as err:
        click.echo(f"  rich menu: not unlinked ({err}); the menu's buttons now get the "
                   "how-to-register answer", err=True)
        return
    click.echo("  rich menu: unlinked")


@click.command("purge")
@with_appcontext
def purge() -> None:
    """Apply the retention rules now (the clock does this every night): households that left
    more than RETENTION_DAYS_AFTER_EXIT days ago are erased, outbox content older than
    OUTBOX_CONTENT_DAYS emptied, registration attempts older than REGISTRATION_ATTEMPT_HOURS
    deleted."""
    svc = services()
    report = purge_retention(svc, OPERATOR)
    for line in report.lines(Retention.from_config(svc.config)):
        click.echo(line)


commands = [erase_group, purge]
