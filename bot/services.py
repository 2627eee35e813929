"""The app's long-lived parts, built once per process and reached through ``services()``."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from models import utcnow

from .db import Database
from .line_gateway import LineGateway

EXTENSION_KEY = "mentorbot"


@dataclass
class Services:
    config: dict
    db: Database
    line: LineGateway
    tz: ZoneInfo
    clock: Callable[[], datetime]   # injected in tests; always timezone-aware UTC
    processor: object = None        # bot.processing.EventProcessor, set by the webhook module


def build_services(config: dict) -> Services:
    return Services(
        config=config,
        db=Database(config["DATABASE_URL"],
                    busy_timeout=float(config.get("SQLITE_BUSY_TIMEOUT") or 2.0)),
        line=LineGateway(config.get("LINE_CHANNEL_ACCESS_TOKEN") or "",
                         config["LINE_API_BASE_URL"], config["LINE_DATA_API_BASE_URL"],
                         timeout=float(config["LINE_HTTP_TIMEOUT"]),
                         connections=int(config.get("REPLY_WORKERS") or 0)
                         + int(config.get("EVENT_WORKERS") or 0) + 2),
        tz=ZoneInfo(config["BOT_TIMEZONE"]),
        clock=config.get("CLOCK") or utcnow,
    )


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = build_services(app.config)


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions[EXTENSION_KEY]
