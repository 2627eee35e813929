"""Days as exports show them: the local day of a stored instant, and dates read back from
aggregates (SQLite returns max() of a date or a timestamp as text, and naive)."""
from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

# The users' zone when the caller gives none (the bot's BOT_TIMEZONE default).
BANGKOK = ZoneInfo("Asia/Bangkok")


def local_day(moment: datetime | str | None, tz: tzinfo) -> date | None:
    """The day a stored UTC instant falls on in ``tz``; None stays None."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def as_date(value: date | str | None) -> date | None:
    """A date column's value, also when an aggregate returned it as text."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value
