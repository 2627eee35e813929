"""Scratch PostgreSQL databases for the benchmarks: made anew for every run."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.migrate import upgrade


def fresh_database(url: str) -> None:
    """Drop and create the database ``url`` names (PostgreSQL; a SQLite file is simply new),
    then bring it to the current schema."""
    target = make_url(url)
    if target.get_backend_name() == "postgresql":
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    upgrade(url)
