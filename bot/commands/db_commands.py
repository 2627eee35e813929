"""`mentorbot db upgrade|downgrade|current`: Alembic migrations of the configured database."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .. import migrate

db_group = AppGroup("db", help="Database schema migrations (Alembic).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the newest)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("database schema is up to date" if revision == "head" else f"upgraded to {revision}")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Take the database schema back to REVISION."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"downgraded to {revision}")


commands = [db_group]
