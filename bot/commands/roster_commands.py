"""`mentorbot import roster FILE`: load a district's household roster (CSV or XLSX).

Exit codes: 0 imported, 1 the file has errors (nothing changed), 2 the file cannot be read.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup

from handlers.roster.apply import ImportSummary, Progress, apply_roster
from handlers.roster.errors import RosterFileError, RosterRejected
from handlers.roster.reader import read_roster
from handlers.roster.validate import validate_roster

from ..services import services
from .import_errors import reported

# Small files import in a blink; progress output would only be noise.
PROGRESS_ABOVE_ROWS = 500

import_group = AppGroup("import", help="Load district spreadsheets into the database.")


@import_group.command("roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True,
                                        path_type=Path))
def import_roster(file: Path) -> None:
    """Import FILE (.csv in UTF-8, or .xlsx): households, mentors and assignments.

    Every row is checked first; if any is wrong, all problems are listed and nothing changes.
    """
    svc = services()
    with reported(RosterFileError, RosterRejected, lambda exc: exc.errors):
        roster = validate_roster(read_roster(file))
        with svc.db.transaction() as session, _progress(len(roster.rows)) as progress:
            summary = apply_roster(session, roster, svc.clock(),
                                   int(svc.config["REGISTRATION_CODE_DAYS"]), progress)
    _echo_summary(file, summary)


@contextmanager
def _progress(total: int) -> Iterator[Progress | None]:
    if total <= PROGRESS_ABOVE_ROWS:
        yield None
        return
    stderr = sys.stderr
    if not stderr.isatty():
        # Logs and pipes get a plain line per chunk rather than a redrawn bar.
        yield lambda done, all_rows: click.echo(f"imported {done}/{all_rows} rows", err=True)
        return
    with click.progressbar(length=total, label="importing", file=stderr) as bar:
        shown = 0

        def advance(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        yield advance


def _echo_summary(file: Path, s: ImportSummary) -> None:
    click.echo(f"imported {s.rows} rows from {file.name}")
    click.echo(f"households: {s.households_created} created, {s.households_updated} updated, "
               f"{s.households_unchanged} unchanged")
    click.echo(f"mentors: {s.mentors_created} created, {s.mentors_updated} updated, "
               f"{s.mentors_unchanged} unchanged")
    click.echo(f"assignments: {s.assignments_created} created, {s.assignments_ended} ended")
    click.echo(f"registration codes issued: {s.codes_issued}"
               + (" (see `mentorbot invite list`)" if s.codes_issued else ""))


commands = [import_group]
