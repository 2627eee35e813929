"""When things are due and when nobody may be disturbed, from the configuration."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from delivery.config import ConfigError


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
    def from_config(cls, config: dict) -> Policy:
        policy = cls(
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
        policy.check()
        return policy

    def check(self) -> None:
        """A send time inside quiet hours would mean nothing is ever sent: refuse it."""
        for name, at in (("MENTOR_DIGEST_TIME", self.mentor_digest_at),
                         ("COORDINATOR_DIGEST_TIME", self.coordinator_digest_at),
                         ("MONTHLY_BROADCAST_TIME", self.broadcast_at)):
            if self._quiet_time(at):
                raise ConfigError(f"{name} {at:%H:%M} falls in quiet hours "
                                  f"({self.quiet_start:%H:%M}-{self.quiet_end:%H:%M})")
        if not 1 <= self.broadcast_day <= 31:
            raise ConfigError("MONTHLY_BROADCAST_DAY must be 1-31")

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    def is_quiet(self, at: datetime) -> bool:
        """Between QUIET_START and QUIET_END (20:00-07:00): no notifications."""
        return self._quiet_time(self.local(at).time())

    def _quiet_time(self, now: time) -> bool:
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= now < self.quiet_end
        return now >= self.quiet_start or now < self.quiet_end

    def end_of_day(self, day: date) -> datetime:
        """Local midnight after ``day``: when that day's digest stops being worth sending."""
        return datetime.combine(day + timedelta(days=1), time(0), self.tz)

    def end_of_month(self, day: date) -> datetime:
        last = calendar.monthrange(day.year, day.month)[1]
        return self.end_of_day(day.replace(day=last))

    def broadcast_day_reached(self, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day >= min(self.broadcast_day, last)

    def broadcast_due(self, local: datetime) -> bool:
        """From the broadcast day (or the month's last day, if shorter) at its hour to the end of
        the month: a clock that was down on the day still sends that month's reminder."""
        last = calendar.monthrange(local.year, local.month)[1]
        day = min(self.broadcast_day, last)
        return (local.day, local.time()) >= (day, self.broadcast_at)
