"""The ``mentorbot`` console script: Flask's CLI around the app factory."""
from __future__ import annotations

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import DBAPIError

from . import create_app

UNMIGRATED = ("The database has no mentorbot tables yet (or an older schema): "
              "run `mentorbot db upgrade` first.")


def _cli_app():
    # Commands such as `db upgrade` or `import roster` need no LINE channel.
    return create_app({"REQUIRE_LINE_CREDENTIALS": False})


def is_missing_table(exc: DBAPIError) -> bool:
    """SQLite says "no such table"; PostgreSQL answers SQLSTATE 42P01 (undefined table)."""
    return ("no such table" in str(exc.orig)
            or getattr(exc.orig, "sqlstate", None) == "42P01")


class MentorbotGroup(FlaskGroup):
    """Every command run against a database that was never migrated says so in one line,
    instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            if is_missing_table(exc):
                raise click.ClickException(UNMIGRATED) from None
            raise


def main() -> None:
    MentorbotGroup(create_app=_cli_app, help="mentorbot: the LINE bot for household mentors.")()
