"""The mentor's daily digest: one message a day, only when a visit is due soon or overdue.

A national morning is hundreds of thousands of digests, so they are found by one ordered query
(every due household of every due mentor, mentor by mentor), streamed, and rendered from
templates (``DigestRenderer``, scheduler/digest_templates.py). ``mentor_digests`` builds the
same digests as domain objects (scheduler/digest_cards.py), the form the templates are checked
against.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from itertools import groupby
from operator import itemgetter

from sqlalchemy import select
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session

from delivery.outbox import Queued
from delivery.render import Renderer
from handlers.replies import Push
from models import Assignment, Household, HouseholdStatus, Person, Role

from .broadcasts import monthly_pending, monthly_text, reachable
from .digest_cards import digest
from .digest_templates import DigestRenderer
from .policy import Policy
from .reminder_keys import not_reminded_yet

STREAM_ROWS = 2000      # rows fetched from the database at a time


def _due(today: date, policy: Policy) -> tuple:
    horizon = today + timedelta(days=policy.due_soon_days)
    # A household that left the programme is never due again (its record stays).
    return (Assignment.ended_at.is_(None), *reachable(Role.MENTOR),
            Household.status == HouseholdStatus.ACTIVE, Household.next_visit_due <= horizon)


def due_households(session: Session, today: date, policy: Policy) -> Result:
    """Every household due by ``today + DUE_SOON_DAYS`` of every mentor not reminded yet today,
    mentor by mentor, the most overdue first: one query, streamed (a server-side cursor on
    PostgreSQL), so memory stays flat however many there are."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # All of the result is read: plan for all of it, not for the first tenth (what
        # PostgreSQL assumes of a cursor); a third quicker at a million households.
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1")
    # Columns, not ORM objects, and Core's rows: cheaper by far for hundreds of thousands.
    return connection.execute(
        select(Person.id, Person.name, Person.line_user_id,
               Household.id.label("household_id"), Household.head_name,
               Household.village_no, Household.village_name, Household.next_visit_due,
               Household.last_visit_on)
        .join(Assignment, Assignment.mentor_id == Person.id)
        .join(Household, Household.id == Assignment.household_id)
        .where(*_due(today, policy), not_reminded_yet(Person.id, today))
        .order_by(Person.id, Household.next_visit_due, Household.id),
        execution_options={"yield_per": STREAM_ROWS})


def mentors_due(session: Session, today: date,
                policy: Policy) -> Iterator[tuple[tuple[int, str, str], list]]:
    """((mentor id, name, LINE user id), their due households), one mentor at a time."""
    for mentor, households in groupby(due_households(session, today, policy),
                                      key=itemgetter(0, 1, 2)):
        yield mentor, list(households)


def monthly_notice(session: Session, today: date, policy: Policy) -> str | None:
    """On the monthly reminder's day the notice rides in the digest: one push, not two."""
    return (monthly_text(today) if policy.broadcast_day_reached(today)
            and monthly_pending(session, today) else None)


def mentor_digests(session: Session, today: date, policy: Policy) -> list[Push]:
    """One digest per mentor who is due, as domain objects (see ``queued_digests``)."""
    monthly = monthly_notice(session, today, policy)
    return [digest(person_id, name, line_user_id, households, today, policy, monthly)
            for (person_id, name, line_user_id), households in mentors_due(session, today, policy)]


def queued_digests(session: Session, renderer: Renderer, today: date,
                   policy: Policy) -> Iterator[Queued]:
    """One digest per mentor who is due, rendered for the outbox, streamed."""
    digests = DigestRenderer(renderer, today, policy, monthly_notice(session, today, policy))
    for (person_id, name, line_user_id), households in mentors_due(session, today, policy):
        yield digests.queued(person_id, name, line_user_id, households)
