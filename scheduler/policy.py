"""When things are due and when nobody may be disturbed, from the configuration."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo


def _clock_time(text: str) -> time:
    hours, minutes = (int(part) for part in str(text).split(":"))
    return time(hours, minutes)


@dataclass(frozen=True)
class Policy:
    tz: ZoneInfo
    mentor_digest_at: time
    coordinator_digest_at: time
    first_visit_days: int
    due_soon_days: int
    firm_overdue_days: int
    escalate_overdue_days: int
    case_ack_days: int
    broadcast_day: int
    broadcast_at: time
    quiet_start: time
    quiet_end: time

    @classmethod
    def from_config(cls, config: dict) -> "Policy":
        return cls(
            tz=ZoneInfo(config["BOT_TIMEZONE"]),
            mentor_digest_at=_clock_time(config["MENTOR_DIGEST_TIME"]),
            coordinator_digest_at=_clock_time(config["COORDINATOR_DIGEST_TIME"]),
            first_visit_days=int(config["FIRST_VISIT_DAYS"]),
            due_soon_days=int(config["DUE_SOON_DAYS"]),
            firm_overdue_days=int(config["FIRM_OVERDUE_DAYS"]),
            escalate_overdue_days=int(config["ESCALATE_OVERDUE_DAYS"]),
            case_ack_days=int(config["CASE_ACK_DAYS"]),
            broadcast_day=int(config["MONTHLY_BROADCAST_DAY"]),
            broadcast_at=_clock_time(config["MONTHLY_BROADCAST_TIME"]),
            quiet_start=_clock_time(config["QUIET_START"]),
            quiet_end=_clock_time(config["QUIET_END"]),
        )

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    def is_quiet(self, at: datetime) -> bool:
        """Between QUIET_START and QUIET_END (20:00-07:00): no notifications."""
        now = self.local(at).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= now < self.quiet_end
        return now >= self.quiet_start or now < self.quiet_end
