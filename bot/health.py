"""GET /healthz: 200 when the database can be read and written, 503 when it cannot.

A database that answers reads but refuses writes (read-only after a failover, a full disk, a
revoked grant) fails every webhook, so the probe also makes a write that changes nothing, in a
transaction that is rolled back.
"""
from __future__ import annotations

import logging
import sqlite3

from flask import Blueprint, Flask, jsonify

from .services import services

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

# Touches no row, but the database still has to accept a write transaction to run it.
WRITE_PROBE = "UPDATE conversation_states SET version = version WHERE 1 = 0"


@bp.get("/healthz")
def healthz():
    try:
        _probe(services().db.engine)
    except Exception as exc:  # any failure to read or write is "unhealthy"
        log.error("health check: database not usable (%s)", type(exc).__name__)
        return jsonify(status="database unavailable"), 503
    return jsonify(status="ok")


def _probe(engine) -> None:
    """Read and write on a raw pooled connection, then roll back. Not through
    Connection.execute: on SQLite that fires delivery/db.py's begin hook (BEGIN IMMEDIATE), and a
    probe must not queue behind, or hold up, real work."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            _probe_sqlite(raw)
        else:
            cursor = raw.cursor()
            try:
                cursor.execute("SELECT 1")
                cursor.fetchall()
                cursor.execute(WRITE_PROBE)
            finally:
                cursor.close()
                raw.rollback()
    finally:
        raw.close()   # back to the pool


def _probe_sqlite(raw) -> None:
    """The driver is in autocommit mode here (delivery/db.py), so the transaction is ours to open
    and close. Another writer holding the lock proves the file takes writes: healthy, and
    found out at once (no busy wait)."""
    cursor = raw.cursor()
    busy_ms = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        cursor.execute("BEGIN")
        cursor.execute("SELECT 1").fetchall()
        try:
            cursor.execute(WRITE_PROBE)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        cursor.execute("ROLLBACK")
    finally:
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms):d}")
        cursor.close()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
