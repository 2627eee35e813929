"""The retention rules, run daily by the clock and on demand (``mentorbot purge``):

- a household that left the programme more than RETENTION_DAYS_AFTER_EXIT days ago is erased
  as an operator would erase it (``erasure.erase_households``), a batch at a time;
- a done outbox row (sent; or parked or expired, never sent) older than OUTBOX_CONTENT_DAYS
  loses its recipients and messages; its id, kind, category, status and timing stay;
- a registration attempt older than REGISTRATION_ATTEMPT_HOURS is deleted (never fewer than
  the two hours the lock-out reads: five failures within an hour lock for an hour after the
  last one).

Each rule is set-based: one statement per batch, each batch its own short transaction (the
caller's ``transaction`` factory), so a first run over years of rows never holds a lock for
long. Rows done are out of the rule's index range (``content_stripped_at``, ``erased_at``,
deleted), so a second run finds nothing and changes nothing. Every run that removed anything
leaves audit records (purge): one per household, one per rule with its count.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Delete, Update

from models import (
    AuditAction,
    Household,
    HouseholdStatus,
    OutboxMessage,
    OutboxStatus,
    RegistrationAttempt,
)

from ..audit import Actor, record
from ..registration import WINDOW
from . import bulk
from .erasure import erase_households

Transaction = Callable[[], AbstractContextManager[Session]]

HOUSEHOLD_BATCH = 500       # households erased per transaction (about 15 statements each)
OUTBOX_BATCH = 5_000        # outbox rows emptied per statement
ATTEMPT_BATCH = 10_000      # registration attempts deleted per statement
# The lock-out counts failures within WINDOW of the latest one, itself within WINDOW of now.
LOCKOUT_READS = 2 * WINDOW


@dataclass(frozen=True)
class Retention:
    days_after_exit: int
    outbox_content_days: int
    registration_attempt_hours: int

    @classmethod
    def from_config(cls, config: dict) -> Retention:
        return cls(int(config["RETENTION_DAYS_AFTER_EXIT"]), int(config["OUTBOX_CONTENT_DAYS"]),
                   int(config["REGISTRATION_ATTEMPT_HOURS"]))

    def left_before(self, now: datetime, tz: ZoneInfo) -> date:
        """Households that left before this (local) day are erased."""
        return now.astimezone(tz).date() - timedelta(days=self.days_after_exit)

    def outbox_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.outbox_content_days)

    def attempts_before(self, now: datetime) -> datetime:
        return now - max(timedelta(hours=self.registration_attempt_hours), LOCKOUT_READS)


@dataclass
class PurgeReport:
    households: int = 0
    outbox_rows: int = 0
    registration_attempts: int = 0

    def lines(self, rules: Retention) -> list[str]:
        return [
            f"households erased (left more than {rules.days_after_exit} days ago): "
            f"{self.households}",
            f"outbox rows emptied (done more than {rules.outbox_content_days} days ago): "
            f"{self.outbox_rows}",
            f"registration attempts deleted (older than {rules.registration_attempt_hours} "
            f"hours): {self.registration_attempts}",
        ]


def purge(transaction: Transaction, rules: Retention, now: datetime, tz: ZoneInfo,
          actor: Actor) -> PurgeReport:
    """Every rule, in turn, to the end."""
    return PurgeReport(
        households=erase_left_households(transaction, rules.left_before(now, tz), now, actor),
        outbox_rows=strip_outbox(transaction, rules.outbox_before(now), now, actor),
        registration_attempts=delete_attempts(transaction, rules.attempts_before(now), now,
                                              actor))


def erase_left_households(transaction: Transaction, left_before: date, now: datetime,
                          actor: Actor, batch: int = HOUSEHOLD_BATCH) -> int:
    """Erase every household that left before ``left_before``, ``batch`` at a time, walking
    the primary key (one pass over the table, however many batches)."""
    erased, after = 0, 0
    while True:
        with transaction() as session:
            found = [(r.id, r.province, r.district) for r in session.execute(
                select(Household.id, Household.province, Household.district)
                .where(Household.status == HouseholdStatus.LEFT,
                       Household.left_on < left_before, Household.erased_at.is_(None),
                       Household.id > after)
                .order_by(Household.id).limit(batch)
                # A second clock by mistake takes the next batch, not this one.
                .with_for_update(skip_locked=True)).all()]
            if not found:
                return erased
            erased += erase_households(session, found, now, actor, AuditAction.PURGE).households
        after = found[-1][0]
        if len(found) < batch:
            return erased


def strip_outbox(transaction: Transaction, before: datetime, now: datetime, actor: Actor,
                 batch: int = OUTBOX_BATCH) -> int:
    """Empty the content of outbox rows done before ``before``: sent ones by ``sent_at`` (the
    partial index of rows still holding content), parked and expired ones (never sent: no
    ``sent_at``) by ``created_at``."""
    kept = OutboxMessage.content_stripped_at.is_(None)
    sent = (OutboxMessage.sent_at < before, kept)
    unsent = (OutboxMessage.sent_at.is_(None), kept,
              OutboxMessage.status.in_([OutboxStatus.PARKED, OutboxStatus.EXPIRED]),
              OutboxMessage.created_at < before)
    total = 0
    for conditions, order in ((sent, OutboxMessage.sent_at), (unsent, OutboxMessage.id)):
        chosen = select(OutboxMessage.id).where(*conditions).order_by(order).limit(batch)
        total += _in_batches(transaction, batch, update(OutboxMessage)
                             .where(OutboxMessage.id.in_(chosen))
                             .values(recipients=[], messages=[], content_stripped_at=now))
    _record_rule(transaction, actor, "outbox", now, total,
                 {"rows": total, "done_before": before.isoformat()})
    return total


def delete_attempts(transaction: Transaction, before: datetime, now: datetime, actor: Actor,
                    batch: int = ATTEMPT_BATCH) -> int:
    chosen = (select(RegistrationAttempt.id).where(RegistrationAttempt.attempted_at < before)
              .order_by(RegistrationAttempt.attempted_at).limit(batch))
    total = _in_batches(transaction, batch,
                        delete(RegistrationAttempt).where(RegistrationAttempt.id.in_(chosen)))
    _record_rule(transaction, actor, "registration_attempts", now, total,
                 {"rows": total, "before": before.isoformat()})
    return total


def _in_batches(transaction: Transaction, batch: int, statement: Update | Delete) -> int:
    """Run ``statement`` (which takes at most ``batch`` rows that it then moves out of its own
    reach) in a transaction of its own each time, until a run takes fewer: the rows done."""
    total = 0
    while True:
        with transaction() as session:
            done = bulk.run(session, statement)
        total += done
        if done < batch:
            return total


def _record_rule(transaction: Transaction, actor: Actor, subject: str, now: datetime,
                 count: int, detail: dict) -> None:
    if count:
        with transaction() as session:
            record(session, actor, AuditAction.PURGE, subject, now, detail=detail)
