"""GET /healthz: 200 when the database answers, 503 when it does not."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify
from .services import services

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        _ping(services().db.engine)
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        log.error("health check: database unreachable (%s)", type(exc).__name__)
        return jsonify(status="database unavailable"), 503
    return jsonify(status="ok")


def _ping(engine) -> None:
    """SELECT 1 on a raw pooled connection. Not through Connection.execute: on SQLite that
    fires bot/db.py's begin hook (BEGIN IMMEDIATE), so a health probe would take the write
    lock and queue behind, or hold up, real work."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("SELECT 1")
            cursor.fetchall()
        finally:
            cursor.close()
    finally:
        raw.close()   # back to the pool, which rolls back anything the driver began


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
