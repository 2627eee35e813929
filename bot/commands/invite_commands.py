"""`mentorbot invite list|coordinator|reissue`: registration codes the district hands out.

These commands print names on purpose: the operator gives each person their code.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from handlers.codes import display_code
from handlers.invites import (
    ROLE_LABELS,
    InviteError,
    create_coordinator,
    create_province_officer,
    open_codes,
    reissue_code,
)
from handlers.thai_dates import format_thai_date, to_local_date
from models import RegistrationCode

from ..services import services

invite_group = AppGroup("invite", help="Registration codes for mentors, coordinators and "
                                        "province officers.")


def code_line(code: RegistrationCode, tz: tzinfo) -> str:
    """CODE<TAB>name<TAB>role<TAB>district<TAB>expiry (Thai date): pastes into a spreadsheet.
    A province officer has no district: their province is shown there (จังหวัดเลย)."""
    person = code.person
    expires = format_thai_date(to_local_date(code.expires_at, tz))
    area = person.district or f"จังหวัด{person.province}"
    return "\t".join((display_code(code.code), person.name, ROLE_LABELS[person.role],
                      area, expires))


@invite_group.command("list")
@click.option("--district", help="Only this district (อำเภอ), e.g. เมืองเลย.")
def list_codes(district: str | None) -> None:
    """Codes not used, revoked or expired yet, for people not registered yet."""
    svc = services()
    with svc.db.transaction() as session:
        lines = [code_line(code, svc.tz) for code in open_codes(session, svc.clock(), district)]
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no open registration codes", err=True)


@invite_group.command("coordinator")
@click.option("--name", required=True, help="Full name, e.g. นางสาวสมหญิง ใจงาม.")
@click.option("--district", required=True, help="District (อำเภอ) they coordinate.")
@click.option("--province", default="เลย", show_default=True)
@click.option("--phone", help="Digits; a coordinator already holding it is reused.")
@click.option("--force", is_flag=True,
              help="Create even if no household of that district is in the database yet.")
def coordinator(name: str, district: str, province: str, phone: str | None,
                force: bool) -> None:
    """Create a district coordinator (ผู้ประสานงาน ศจพ.อ.) and print their code.

    The district may be typed with อำเภอ/อ. in front; it is stored without."""
    _issue(lambda session, now, days: create_coordinator(
        session, name, district, province, phone, now, days, force=force))


@invite_group.command("province")
@click.option("--name", required=True, help="Full name, e.g. นายสมชาย ใจดี.")
@click.option("--province", required=True, help="Province (จังหวัด) they work for.")
@click.option("--phone", help="Digits; a province officer already holding it is reused.")
@click.option("--force", is_flag=True,
              help="Create even if no household of that province is in the database yet.")
def province_officer(name: str, province: str, phone: str | None, force: bool) -> None:
    """Create a province officer (เจ้าหน้าที่ ศจพ.จ.) and print their code.

    They may have the exports of the whole province (`mentorbot export --as PHONE`)."""
    _issue(lambda session, now, days: create_province_officer(
        session, name, province, phone, now, days, force=force))


@invite_group.command("reissue")
@click.option("--phone", required=True, help="The person's phone number.")
def reissue(phone: str) -> None:
    """A new code for someone who lost theirs; their old code stops working."""
    _issue(lambda session, now, days: reissue_code(session, phone, now, days))


def _issue(action: Callable[[Session, datetime, int], RegistrationCode]) -> None:
    svc = services()
    try:
        with svc.db.transaction() as session:
            code = action(session, svc.clock(), int(svc.config["REGISTRATION_CODE_DAYS"]))
            line = code_line(code, svc.tz)
    except InviteError as exc:
        click.echo(f"error: {exc}", err=True)
        click.get_current_context().exit(1)
    # Printed only after the commit, so a code on screen is a code that works.
    click.echo(line)


commands = [invite_group]
