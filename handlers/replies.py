"""What the bot says back, as the domain sees it; delivery/render.py makes LINE messages of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Button:
    """A tappable choice. ``payload`` is sent back verbatim (signed) when tapped; ``text`` is
    what the person appears to have said. A message button just sends ``text``."""

    label: str
    payload: dict | None = None
    text: str | None = None
    # Date picker: when set, tapping opens LINE's date picker bounded by these dates.
    pick_date: bool = False
    initial: date | None = None
    min_date: date | None = None
    max_date: date | None = None
    style: str = "secondary"   # primary / secondary / link: how a card shows it
    # A link to open (cards only: LINE allows no links among quick replies).
    uri: str | None = None


@dataclass(frozen=True)
class TextReply:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    color: str | None = None   # e.g. "#D32F2F" for overdue


@dataclass(frozen=True)
class Card:
    title: str
    fields: tuple[Field, ...] = ()
    body: str | None = None
    buttons: tuple[Button, ...] = ()
    subtitle: str | None = None
    accent: str | None = None


@dataclass(frozen=True)
class Cards:
    """One card or a carousel of cards; ``alt_text`` is what LINE shows in notifications."""

    alt_text: str
    cards: tuple[Card, ...]
    buttons: tuple[Button, ...] = ()   # quick replies under the cards


Reply = TextReply | Cards


@dataclass(frozen=True)
class Push:
    """A message to people who did not just write to the bot (alerts, notices). It goes into
    the outbox in the same transaction as the change that caused it."""

    to: tuple[str, ...]              # LINE user ids
    replies: tuple[Reply, ...]
    dedupe_key: str | None = None    # natural key: the same key is never queued twice
    silent: bool = False             # no notification sound
    category: str = "alert"          # digest / alert / broadcast (models.OutboxCategory)
    urgent: bool = False             # sent (silently) even in quiet hours
    expires_at: datetime | None = None   # dropped, not sent, if still waiting then


@dataclass(frozen=True)
class LinkRichMenu:
    """After the change is committed: show this LINE user the rich menu of ``role``."""

    line_user_id: str
    role: str


@dataclass
class Outcome:
    """Result of handling one event: replies for the reply token, pushes for others, and
    effects on LINE (rich menus) to apply once the transaction has committed."""

    replies: list[Reply] = field(default_factory=list)
    pushes: list[Push] = field(default_factory=list)
    effects: list[LinkRichMenu] = field(default_factory=list)

    def say(self, reply: Reply) -> Outcome:
        self.replies.append(reply)
        return self

    def push(self, push: Push) -> Outcome:
        self.pushes.append(push)
        return self
