"""`mentorbot import agencies FILE`: load a district's own list of agencies (CSV or XLSX).

Exit codes: 0 imported, 1 the file has errors (nothing changed), 2 the file cannot be read.
The command joins the `import` group that roster_commands defines.
"""
from __future__ import annotations

from pathlib import Path

import click

from handlers.agency_import import (
    AgencyFileError,
    AgencyListRejected,
    apply_agency_list,
    read_agency_file,
    validate_agency_list,
)

from ..services import services
from .import_errors import reported
from .roster_commands import import_group


@import_group.command("agencies")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True,
                                        path_type=Path))
@click.option("--district", help="The district (อำเภอ) of the list, when the file has no "
                                 "district column.")
@click.option("--province", help="Its province (จังหวัด), when the file has no province column.")
def import_agencies(file: Path, district: str | None, province: str | None) -> None:
    """Import FILE (.csv in UTF-8, or .xlsx): one district's agencies, replacing its list.

    Columns: short_name, name, ministry, dimensions (or ชื่อย่อ, ชื่อหน่วยงาน, กระทรวง, มิติ),
    and district, province (อำเภอ, จังหวัด) unless given as options. Every row is checked
    first; if any is wrong, all problems are listed and nothing changes.
    """
    svc = services()
    with reported(AgencyFileError, AgencyListRejected, lambda exc: exc.problems):
        table = read_agency_file(file)
        with svc.db.transaction() as session:
            agencies = validate_agency_list(session, table, province=province,
                                            district=district)
            summary = apply_agency_list(session, agencies, svc.clock())
    click.echo(f"imported {summary.rows} agencies from {file.name} for อำเภอ{summary.district} "
               f"จังหวัด{summary.province}")
    click.echo(f"agencies: {summary.added} added, {summary.updated} updated, "
               f"{summary.unchanged} unchanged, {summary.deactivated} deactivated")


# Registered through the `import` group (roster_commands.commands); importing this module is
# what adds the command to it.
commands: list[click.Command] = []
