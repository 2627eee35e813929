"""Command-line interface: ``mentorbot ...`` (and ``flask --app bot ...``).

One module per command group; each exposes ``commands`` to register on the app's CLI.
"""
from __future__ import annotations

from flask import Flask

from . import (
    agency_commands,
    db_commands,
    demo_commands,
    export_commands,
    invite_commands,
    outbox_commands,
    privacy_commands,
    richmenu_commands,
    roster_commands,
    scheduler_commands,
)


def init_app(app: Flask) -> None:
    for module in (db_commands, roster_commands, agency_commands, invite_commands,
                   outbox_commands, scheduler_commands, richmenu_commands, demo_commands,
                   export_commands, privacy_commands):
        for command in module.commands:
            app.cli.add_command(command)
