"""Configuration from the environment (and a .env file), with defaults that run on a laptop."""
from __future__ import annotations

import os
from typing import Any

DEFAULTS: dict[str, Any] = {
    "LINE_CHANNEL_SECRET": None,
    "LINE_CHANNEL_ACCESS_TOKEN": None,
    "LINE_API_BASE_URL": "https://api.line.me",
    "LINE_DATA_API_BASE_URL": "https://api-data.line.me",
    "DATABASE_URL": None,            # None: a SQLite file in the instance folder
    "BOT_TIMEZONE": "Asia/Bangkok",
    "LINE_HTTP_TIMEOUT": 10.0,       # seconds; the SDK has no timeout of its own
    "REGISTRATION_CODE_DAYS": 14,
    # "thread": the webhook answers at once and a worker pool handles the events;
    # "inline": handled before the webhook answers (tests, and single-threaded debugging).
    "EVENT_PROCESSING": "thread",
    "EVENT_WORKERS": 4,
    # Threads per web process that send replies: LINE's answer takes tens of ms, more when it
    # is slow, and a reply waiting for LINE must not hold up the handling of other events.
    "REPLY_WORKERS": 32,
    # LINE's webhook bodies are a few KB; anything bigger is refused (413) before it is read.
    "WEBHOOK_MAX_BYTES": 256 * 1024,
    # SQLite only: how long a transaction waits for another's write lock before giving up
    # (the webhook then answers 503 and LINE redelivers). PostgreSQL has row locks instead.
    "SQLITE_BUSY_TIMEOUT": 2.0,
    # The web process refuses to start without LINE credentials; CLI commands do not need them.
    "REQUIRE_LINE_CREDENTIALS": True,
    "OUTBOX_BATCH": 100,
    "OUTBOX_MAX_ATTEMPTS": 12,
    # Sending the outbox (the clock and each `mentorbot scheduler send` process): threads per
    # process, each with a kept-alive connection to LINE (LINE answers in tens of ms, so
    # 2,000/s needs about a hundred requests in the air), and LINE's per-channel push limit,
    # shared by every sender process through the database (requests/s; senders aim 10% under).
    "SEND_WORKERS": 100,
    "SEND_RATE_PER_SECOND": 2000,
    # Reminders (local times are Asia/Bangkok, or BOT_TIMEZONE).
    "MENTOR_DIGEST_TIME": "08:00",
    "COORDINATOR_DIGEST_TIME": "08:00",
    "FIRST_VISIT_DAYS": 14,          # first visit due this many days after assignment
    "DUE_SOON_DAYS": 2,              # the digest also lists visits due this soon
    "FIRM_OVERDUE_DAYS": 7,          # a firmer line in the mentor's digest
    "ESCALATE_OVERDUE_DAYS": 14,     # named in the coordinators' digest
    "CASE_ACK_DAYS": 3,              # an unacknowledged case is raised again (once)
    "MONTHLY_BROADCAST_DAY": 25,
    "MONTHLY_BROADCAST_TIME": "09:00",
    # Visit photos show poor households' homes: erased this many days after the visit.
    "PHOTO_RETENTION_DAYS": 730,
    # Retention (handlers/privacy/retention.py, run daily by the clock and by `mentorbot purge`).
    # A household that left the programme is erased this long after leaving: three years
    # cover a family's return in the next yearly จปฐ./TPMAP rounds (its history helps the new
    # mentor) and the look-back of a budget year's audit; the statistics outlive it anyway.
    "RETENTION_DAYS_AFTER_EXIT": 1095,
    # A message done (sent, parked, expired) keeps its recipients and text this long: enough
    # to answer "did it go out, and what did it say?" in the week after.
    "OUTBOX_CONTENT_DAYS": 7,
    # Registration attempts (LINE user ids) are kept this long; the lock-out reads 2 hours.
    "REGISTRATION_ATTEMPT_HOURS": 24,
    "QUIET_START": "20:00",
    "QUIET_END": "07:00",
    # The dashboard. PUBLIC_BASE_URL: where people's browsers reach this server (the sign-in
    # links the bot sends start with it); None: the dashboard is off and แดชบอร์ด says so.
    "PUBLIC_BASE_URL": None,
    # LIFF (optional): a LIFF app of a LINE Login channel under the same provider, endpoint
    # PUBLIC_BASE_URL/dashboard/liff. LIFF_CHANNEL_ID defaults to LIFF_ID's part before "-".
    "LIFF_ID": None,
    "LIFF_CHANNEL_ID": None,
    "LINE_LOGIN_API_BASE_URL": None,   # None: LINE_API_BASE_URL (both are api.line.me)
    "LIFF_SDK_URL": "https://static.line-scdn.net/liff/edge/2/sdk.js",
    # Exports asked for on the dashboard are built here, off the request, and kept a day.
    "EXPORT_DIR": None,              # None: instance/exports
    "EXPORT_WORKERS": 1,             # threads per web process building exports
    "EXPORT_KEEP_HOURS": 24,
}

_INTS = {
    "REGISTRATION_CODE_DAYS",
    "EVENT_WORKERS",
    "REPLY_WORKERS",
    "WEBHOOK_MAX_BYTES",
    "OUTBOX_BATCH",
    "OUTBOX_MAX_ATTEMPTS",
    "SEND_WORKERS",
    "SEND_RATE_PER_SECOND",
    "FIRST_VISIT_DAYS",
    "DUE_SOON_DAYS",
    "FIRM_OVERDUE_DAYS",
    "ESCALATE_OVERDUE_DAYS",
    "CASE_ACK_DAYS",
    "MONTHLY_BROADCAST_DAY",
    "PHOTO_RETENTION_DAYS",
    "RETENTION_DAYS_AFTER_EXIT",
    "OUTBOX_CONTENT_DAYS",
    "REGISTRATION_ATTEMPT_HOURS",
    "EXPORT_WORKERS",
    "EXPORT_KEEP_HOURS",
}
_FLOATS = {"LINE_HTTP_TIMEOUT", "SQLITE_BUSY_TIMEOUT"}
_BOOLS = {"REQUIRE_LINE_CREDENTIALS"}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        raw = env.get(key)
        if raw is None or raw == "":
            continue
        if key in _INTS:
            config[key] = int(raw)
        elif key in _FLOATS:
            config[key] = float(raw)
        elif key in _BOOLS:
            config[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        else:
            config[key] = raw
    return config


def normalise_database_url(url: str) -> str:
    """Accept Heroku-style ``postgres://`` URLs and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_line_credentials(config: dict[str, Any]) -> None:
    missing = [k for k in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN") if not config.get(k)]
    if missing:
        raise ConfigError(
            f"{' and '.join(missing)} not set. Copy them from the LINE Developers console "
            "(Messaging API channel) into the environment or a .env file; see README.md. "
            "To try the bot without a channel, run `mentorbot demo`."
        )
