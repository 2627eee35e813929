"""The ``mentorbot`` console script: Flask's CLI around the app factory."""
from __future__ import annotations

from flask.cli import FlaskGroup


def _cli_app():
    from . import create_app
    # Commands such as `db upgrade` or `import roster` need no LINE channel.
    return create_app({"REQUIRE_LINE_CREDENTIALS": False})


def init_app(app) -> None:
    from .commands import init_app as init_commands
    init_commands(app)


def main() -> None:
    FlaskGroup(create_app=_cli_app, help="mentorbot: the LINE bot for household mentors.")()
