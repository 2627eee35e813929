"""The long-lived parts a process works with, as one object. Built once per process by the
composition root (``bot.services.build_services``) for the web app, the CLI and the clock."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .db import Database
from .line_gateway import LineGateway
from .outbox_sender import OutboxSender
from .render import Renderer

if TYPE_CHECKING:   # the processor works with these services: a type, not an import cycle
    from .processing import EventProcessor


@dataclass
class Services:
    config: dict[str, Any]
    db: Database
    line: LineGateway
    tz: ZoneInfo
    clock: Callable[[], datetime]            # injected in tests; always timezone-aware UTC
    renderer: Renderer                       # the one renderer (and postback codec)
    is_quiet: Callable[[datetime], bool] = field(default=lambda _at: False)
    processor: EventProcessor | None = None

    def outbox_sender(self, clock: Callable[[], datetime] | None = None) -> OutboxSender:
        """A sender for the outbox; ``clock``: its notion of now (default: the real clock)."""
        return OutboxSender(self.db, self.line, clock or self.clock,
                            batch=int(self.config["OUTBOX_BATCH"]),
                            max_attempts=int(self.config["OUTBOX_MAX_ATTEMPTS"]),
                            is_quiet=self.is_quiet,
                            workers=int(self.config.get("SEND_WORKERS") or 0) or None,
                            rate=float(self.config.get("SEND_RATE_PER_SECOND") or 0) or None)

    def close(self) -> None:
        if self.processor is not None:
            self.processor.shutdown()
        self.line.close()
        self.db.dispose()
