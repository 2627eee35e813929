"""The composition root: the one place that builds the services (database, LINE gateway,
renderer, outbox sender, event processor) for the web app, the CLI and the clock alike, and
hands them to Flask (``services()``)."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from delivery.db import Database
from delivery.line_gateway import LineGateway
from delivery.postback_codec import PostbackCodec
from delivery.processing import EventProcessor
from delivery.render import Renderer
from delivery.services import Services
from models import utcnow
from scheduler.policy import Policy

EXTENSION_KEY = "mentorbot"


def build_services(config: dict[str, Any]) -> Services:
    svc = Services(
        config=config,
        db=Database(config["DATABASE_URL"],
                    busy_timeout=float(config.get("SQLITE_BUSY_TIMEOUT") or 2.0)),
        line=LineGateway(config.get("LINE_CHANNEL_ACCESS_TOKEN") or "",
                         config["LINE_API_BASE_URL"], config["LINE_DATA_API_BASE_URL"],
                         timeout=float(config["LINE_HTTP_TIMEOUT"]),
                         # urllib3 opens connections as needed: room for every reply
                         # thread, or for a sender's SEND_WORKERS requests in the air.
                         connections=max(int(config.get("REPLY_WORKERS") or 0)
                                         + int(config.get("EVENT_WORKERS") or 0) + 2,
                                         int(config.get("SEND_WORKERS") or 0))),
        tz=ZoneInfo(config["BOT_TIMEZONE"]),
        clock=config.get("CLOCK") or utcnow,
        renderer=Renderer(PostbackCodec(config.get("LINE_CHANNEL_SECRET") or "")),
        is_quiet=Policy.from_config(config).is_quiet,
    )
    svc.processor = EventProcessor(svc, mode=config["EVENT_PROCESSING"],
                                   workers=int(config["EVENT_WORKERS"]),
                                   reply_workers=int(config["REPLY_WORKERS"]))
    return svc


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = build_services(app.config)


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions[EXTENSION_KEY]
