"""mentorbot's web app. ``create_app()`` is the factory gunicorn and Flask's CLI call."""
from __future__ import annotations

import logging
import os
from typing import Any

import click
from dotenv import load_dotenv
from flask import Flask

from delivery import log_privacy
from delivery.config import check_line_credentials, from_environment, normalise_database_url

from . import dashboard, health, services, webhook
from .commands import init_app as init_commands


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Nothing happens at import time; everything is wired here.

    ``config`` overrides the environment (tests pass the fake LINE API's URL and a database).
    """
    _load_dotenv()
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(from_environment())
    app.config.update(config or {})
    if app.config["REQUIRE_LINE_CREDENTIALS"] and not _running_cli_command():
        check_line_credentials(app.config)
    app.config["DATABASE_URL"] = normalise_database_url(
        app.config["DATABASE_URL"] or _default_sqlite_url(app))
    _configure_logging(app)

    services.init_app(app)
    webhook.init_app(app)
    health.init_app(app)
    dashboard.init_app(app)
    init_commands(app)
    return app


def _running_cli_command() -> bool:
    # `flask --app bot db upgrade` builds the app too, and needs no LINE channel; gunicorn (the
    # web process) has no click context, so there a missing secret stops the start.
    return click.get_current_context(silent=True) is not None


def _default_sqlite_url(app: Flask) -> str:
    os.makedirs(app.instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(app.instance_path, "mentorbot.db")


def _load_dotenv() -> None:
    # Flask's CLI reads .env by itself; gunicorn does not, so read it here too. Real environment
    # variables win over the file.
    load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Alembic announces its plugins on every start; that is noise in every CLI command.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Result rows, response bodies and LINE user ids in URLs stay out at any level.
    log_privacy.install()
