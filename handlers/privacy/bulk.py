"""Running a bulk UPDATE or DELETE: no rows loaded into the session, its row count back."""
from __future__ import annotations

from typing import cast

from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql import Delete, Update


def run(session: Session, statement: Update | Delete) -> int:
    result = cast(CursorResult, session.execute(
        statement.execution_options(synchronize_session=False)))
    return result.rowcount or 0
