"""Erasing a person of the bot (a mentor, a coordinator or a province officer): their own
identifiers go, and their LINE user gets nothing more.

Gone: the name, the phone number and the position (a job title that, with the agency and the
district, often names one person); the link to their LINE user, and with it their
conversation, their dashboard sign-in links and sessions, their registration attempts, the
outbox rows to them (a waiting multicast goes to the others) or naming them, and the LINE user
id on the webhook events already handled. Their unused registration codes are revoked and
their current assignments end (the district hands the households on with the roster).

Kept: the row and its id (the audit trail, case events and visits point at it), the role, the
agency and the area (statistics by agency and district), and the registration date. What they
typed about households stays with the households: the record is the programme's, not the
person's, and it goes when the household is erased.

After this the LINE user is a stranger to the bot: no reminder, digest, alert or broadcast
reaches it (every sender picks people by ``line_user_id``), and a message from it gets the
how-to-register answer. The rich menu linked to it is LINE's; the caller unlinks it after
commit.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from functools import partial

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models import (
    Assignment,
    AuditAction,
    ConversationState,
    DashboardLink,
    DashboardSession,
    EventStatus,
    Person,
    RegistrationAttempt,
    RegistrationCode,
    WebhookEvent,
)

from ..audit import Actor, Area, record
from ..roster.cells import phone as normalise_phone
from ..thai_text import clean
from . import bulk
from .erasure import ERASED
from .outbox_scrub import drop_recipient, withdraw_mentions

SUBJECT = "person"


@dataclass
class PersonErasure:
    """Rows changed, by what they were; ``line_user_id``: the LINE user cut off now (for the
    caller's rich-menu unlink after commit), None if there was none."""

    people: int = 0
    registration_codes_revoked: int = 0
    assignments_ended: int = 0
    dashboard_links: int = 0
    dashboard_sessions: int = 0
    conversations: int = 0
    registration_attempts: int = 0
    webhook_events: int = 0
    outbox_rows: int = 0
    line_user_id: str | None = None

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "line_user_id"}

    def lines(self) -> list[str]:
        return [f"{f.name.replace('_', ' ')}: {getattr(self, f.name)}" for f in fields(self)
                if f.name != "line_user_id"]


def find_person(session: Session, phone: str) -> Person | None:
    """A person by phone number as the roster keys them (any common spelling); None for a
    number nobody has. Raises ``CellError`` for text that is not a phone number."""
    return session.scalar(select(Person).where(Person.phone == normalise_phone(clean(phone))))


def erase_person(session: Session, person: Person, now: datetime,
                 actor: Actor) -> PersonErasure:
    """Erase ``person`` (already erased: what is left of them, which is nothing)."""
    result = PersonErasure()
    run = partial(bulk.run, session)
    line_user_id = person.line_user_id
    needles = [n for n in (person.name, person.phone) if n and person.erased_at is None]
    if line_user_id is not None:
        result.line_user_id = line_user_id
        result.conversations = run(delete(ConversationState).where(
            ConversationState.line_user_id == line_user_id))
        result.registration_attempts = run(delete(RegistrationAttempt).where(
            RegistrationAttempt.line_user_id == line_user_id))
        # Events still waiting keep the id until they are handled (as a stranger's, then).
        result.webhook_events = run(update(WebhookEvent).where(
            WebhookEvent.line_user_id == line_user_id,
            WebhookEvent.status.in_([EventStatus.DONE, EventStatus.FAILED]))
            .values(line_user_id=None, payload=None))
        result.outbox_rows = drop_recipient(session, line_user_id, now)
    result.outbox_rows += withdraw_mentions(session, needles, now)
    result.registration_codes_revoked = run(update(RegistrationCode).where(
        RegistrationCode.person_id == person.id, RegistrationCode.used_at.is_(None),
        RegistrationCode.revoked_at.is_(None)).values(revoked_at=now))
    result.assignments_ended = run(update(Assignment).where(
        Assignment.mentor_id == person.id, Assignment.ended_at.is_(None)).values(ended_at=now))
    result.dashboard_links = run(delete(DashboardLink).where(DashboardLink.person_id == person.id))
    result.dashboard_sessions = run(delete(DashboardSession).where(
        DashboardSession.person_id == person.id))
    result.people = run(update(Person).where(Person.id == person.id, Person.erased_at.is_(None))
                        .values(name=ERASED, phone=None, position=None, line_user_id=None,
                                line_blocked_at=None, erased_at=now, updated_at=now))
    session.expire(person)
    if sum(result.counts().values()):
        record(session, actor, AuditAction.ERASE, SUBJECT, now,
               area=Area(person.province, person.district or None),
               detail={"person_id": person.id,
                       **{k: v for k, v in result.counts().items() if v}})
    return result
