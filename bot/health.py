"""GET /healthz: 200 when the database answers, 503 when it does not."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text

from .services import services

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with services().db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        log.error("health check: database unreachable (%s)", type(exc).__name__)
        return jsonify(status="database unavailable"), 503
    return jsonify(status="ok")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
