"""What a handler may know besides the event: the time, the zone, the settings."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Context:
    now: datetime                      # timezone-aware UTC
    tz: ZoneInfo
    settings: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        """Today in the bot's zone (Asia/Bangkok): what 'today' means to the person."""
        return self.now.astimezone(self.tz).date()
