"""What the libraries would log about people, kept out of the logs where the records are made.

The project's own log lines carry ids and counts only. Three libraries log more when their
loggers are turned up (or the root logger is, with nothing set below it):

- SQLAlchemy at DEBUG logs every result row ("Row (1, 'นายวิชัย ทองดี', '0812345678', ...)").
  Its INFO records, the statements, stay: the values in them are bound parameters, which the
  engines' ``hide_parameters`` keeps out.
- The LINE SDK at DEBUG logs every response body: a photo's bytes, a profile's display name.
- urllib3 logs the path of each request at DEBUG and of each retry at WARNING, and LINE's paths
  name the user (``/v2/bot/user/U4af4980629.../richmenu/...``): the LINE user id is masked.

A filter on a logger applies to the records made on that very logger (not to those its children
make), so each goes on the logger that makes the records; every handler is spared them then.
"""
from __future__ import annotations

import logging
import re

LINE_USER_ID = re.compile(r"U[0-9a-f]{32}")
HIDDEN_USER_ID = "U…"

# The loggers that make the records (SQLAlchemy's engine logger is the class's unless an
# engine has a ``logging_name``, which none here has).
NO_DEBUG = ("sqlalchemy.engine.Engine", "linebot.v3.messaging.rest")
NO_LINE_USER_IDS = ("urllib3.connectionpool", "urllib3.util.retry")


class NoDebugRecords(logging.Filter):
    """Drops a logger's DEBUG records (result rows, response bodies), keeps the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


class NoLineUserIds(logging.Filter):
    """Masks LINE user ids in a record's message (formatted here, so its arguments go too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if LINE_USER_ID.search(message):
            record.msg, record.args = LINE_USER_ID.sub(HIDDEN_USER_ID, message), None
        return True


def install() -> None:
    """Put the filters on their loggers; calling it again adds nothing."""
    for names, kind in ((NO_DEBUG, NoDebugRecords), (NO_LINE_USER_IDS, NoLineUserIds)):
        for name in names:
            logger = logging.getLogger(name)
            if not any(isinstance(f, kind) for f in logger.filters):
                logger.addFilter(kind())
