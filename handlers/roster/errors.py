"""What can go wrong with a roster file, in terms the operator can act on."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in the file. ``line`` is the file's own line (spreadsheet row): header = 1."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class RosterFileError(Exception):
    """The file cannot be read at all (missing, not UTF-8, not a spreadsheet...)."""


class RosterRejected(Exception):
    """The file was read but some rows (or the header) are wrong; nothing was changed."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors)
        super().__init__(f"{len(self.errors)} error(s) in the roster")
