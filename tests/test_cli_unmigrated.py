"""An operator command run before `mentorbot db upgrade` says so in one line, no traceback."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import UNMIGRATED, MentorbotGroup, _cli_app


@pytest.mark.parametrize("args", [["invite", "list"], ["outbox", "status"],
                                  ["scheduler", "tick", "--at", "2026-05-25T09:30", "--dry-run"]])
def test_commands_on_an_unmigrated_database_say_to_upgrade(tmp_path, monkeypatch, args):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(MentorbotGroup(create_app=_cli_app), args)
    assert result.exit_code == 1
    assert UNMIGRATED in result.output
    assert "Traceback" not in result.output
