"""`mentorbot export KIND`: files for the TPMAP Logbook, the province's figures and the area's
audit trail (``audit``).

    mentorbot export plans --district เมืองเลย --from 2026-05-01 --to 2026-05-31 -o plans.xlsx

Exit codes: 0 written (one line: rows and file), 1 the area is unknown (the line lists those
that exist), the kind is not available or the person named by --as may not have the area,
2 a usage error (--from after --to, no area given).

The data is read in one transaction, which also writes the export's audit row; the file is
written beside the target under a temporary name and moved into place only once that
transaction has committed, so a file on disk is always a recorded, complete export.
"""
from __future__ import annotations

import getpass
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from handlers.audit import Actor
from handlers.context import Context
from handlers.exports import kinds
from handlers.exports.access import AreaError, allowed, resolve_area
from handlers.exports.audit import record_export
from handlers.exports.writers import WRITERS, csv_paths
from handlers.invites import InviteError, find_by_phone
from handlers.registration import role_in_district
from models import AuditChannel

from ..services import services

OPERATOR = "ผู้ดูแลระบบ"


class Refused(Exception):
    """The export cannot be made for this person; the message says why."""


def operator_account() -> str:
    """The operating-system account running the command: the actor of an operator's export."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):   # no login name and no passwd entry (some containers)
        return f"uid {os.getuid()}"


def _iso_date(_ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None


def _progress() -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A row counter redrawn on the terminal (stderr), or nothing when it is not a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None

    def show(rows: int) -> None:
        click.echo(f"\rexporting: {rows:,} rows", err=True, nl=False)

    return show, lambda: click.echo("", err=True)


@click.command("export")
@click.argument("kind", type=click.Choice(list(kinds.KINDS)))
@click.option("--district", help="District (อำเภอ), as in the roster.")
@click.option("--province", help="Province (จังหวัด): the whole province, or the district's.")
@click.option("--from", "start", required=True, callback=_iso_date, metavar="YYYY-MM-DD",
              help="First day of the range.")
@click.option("--to", "end", required=True, callback=_iso_date, metavar="YYYY-MM-DD",
              help="Last day of the range (included).")
@click.option("--format", "file_format", type=click.Choice(list(WRITERS)),
              help="xlsx or csv; default: from the file's suffix, else xlsx.")
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--as", "as_phone", metavar="PHONE",
              help="Act as this coordinator or province officer: their rights apply.")
@with_appcontext
def export_command(kind: str, district: str | None, province: str | None, start: date,
                   end: date, file_format: str | None, output: Path,
                   as_phone: str | None) -> None:
    """Export KIND (logbook, monthly, plans, mentors, audit) of a district or a province to a
    file. ``audit`` is the area's audit trail: who saw, changed or exported which household's
    data, and when.

    Without --as, the operator (this computer's account) may export any area."""
    if not (district or "").strip() and not (province or "").strip():
        raise click.UsageError("give --district or --province")
    if start > end:
        raise click.UsageError(f"--from {start.isoformat()} is after --to {end.isoformat()}")
    file_format = file_format or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
    if not output.resolve().parent.is_dir():
        raise click.UsageError(f"no such folder: {output.resolve().parent}")
    ctx = click.get_current_context()
    try:
        rows, files = run_export(kind, district, province, start, end, file_format, output,
                                 as_phone)
    except (AreaError, Refused, InviteError, kinds.UnknownKind) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(1)
    click.echo(f"{rows:,} rows written to {', '.join(str(f) for f in files)}")


def run_export(kind: str, district: str | None, province: str | None, start: date, end: date,
               file_format: str, output: Path, as_phone: str | None) -> tuple[int, list[Path]]:
    """Make the export (inside an app context): the rows written and the files, in place.
    Raises AreaError, Refused, InviteError (a malformed --as phone) or UnknownKind."""
    svc = services()
    actor = operator_account()
    output = output.resolve()
    workdir = Path(tempfile.mkdtemp(prefix=".mentorbot-export-", dir=output.parent))
    show, finish = _progress()
    try:
        staged = workdir / output.name
        with svc.db.transaction() as session:
            area = resolve_area(session, district, province)
            person = None
            if as_phone:
                person = find_by_phone(session, as_phone)
                if person is None:
                    raise Refused("ไม่พบผู้ที่มีเบอร์โทรศัพท์นี้ (no person has that phone number)")
                if not allowed(person, area):
                    raise Refused(f"{role_in_district(person)} ไม่มีสิทธิ์ส่งออกข้อมูลของ"
                                  f"{area.label} (not allowed for this area)")
            now = svc.clock()
            made_by = (f"{person.name} ({role_in_district(person)})" if person is not None
                       else f"{actor} ({OPERATOR})")
            export = kinds.build(kind, session, area, start, end, kinds.Options(
                tz=svc.tz, first_visit_days=int(svc.config["FIRST_VISIT_DAYS"])))
            try:
                rows = WRITERS[file_format](export, staged, made_by=made_by,
                                            made_at=now.astimezone(svc.tz), progress=show)
            finally:
                finish()
            record_export(session, export, file_format, rows,
                          person.id if person is not None else None, actor,
                          Context(now=now, tz=svc.tz),
                          by=Actor.of(person, AuditChannel.EXPORT))
        # Committed: the export is recorded, so it may now appear.
        targets = csv_paths(export, output) if file_format == "csv" else [output]
        sources = csv_paths(export, staged) if file_format == "csv" else [staged]
        for source, target in zip(sources, targets, strict=True):
            os.replace(source, target)
        return rows, targets
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


commands = [export_command]
