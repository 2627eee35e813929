"""Signing in to the dashboard with nothing to remember.

The bot sends a coordinator or province officer a personal link (``issue_link``): it works once,
for ``LINK_TTL``, and only while the LINE user who asked is still that person. Redeeming it
(``redeem_link``) opens a browser session (``open_session``) of ``SESSION_TTL``.

Inside LINE, the LIFF page proves who it is with the ID token the LIFF SDK got from LINE, which
LINE's verify endpoint checks (delivery/line_login.py). LIFF chooses that token's own nonce, so
the server cannot; instead the page must send back a nonce this server signed a few minutes
before (``issue_nonce`` / ``nonce_ok``: the request comes from a page we just served), and a
token opens one session only (``use_id_token``), so a copied token opens nothing more.

Only SHA-256 hashes of tokens are stored. Every check is on the clock passed in (``now``).
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import DashboardLink, DashboardSession, Person, Role, UsedIdToken

from ..exports.table import Area

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
NONCE_TTL = timedelta(minutes=10)
KEEP_USED = timedelta(days=1)      # used and expired rows are purged after this
DASHBOARD_ROLES = frozenset({Role.COORDINATOR, Role.PROVINCE})


class Refusal(str, enum.Enum):
    UNKNOWN = "unknown"        # never issued, or forged
    USED = "used"
    EXPIRED = "expired"
    NOT_ALLOWED = "not_allowed"   # the person's role or LINE account changed since


@dataclass(frozen=True)
class SignIn:
    person: Person | None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class OpenSession:
    token: str          # for the cookie; never stored
    csrf_token: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def may_use_dashboard(person: Person | None) -> bool:
    """Registered coordinators and province officers; never mentors or strangers."""
    return (person is not None and person.role in DASHBOARD_ROLES
            and person.line_user_id is not None)


def home_area(person: Person) -> Area:
    """The area the person's dashboard opens on: their district, or their whole province."""
    if person.role is Role.COORDINATOR:
        return Area(province=person.province, district=person.district)
    return Area(province=person.province)


def issue_link(session: Session, person: Person, now: datetime) -> str:
    """A new one-time sign-in token for this person (the caller checked may_use_dashboard)."""
    purge(session, now)
    token = secrets.token_urlsafe(32)
    session.add(DashboardLink(token_hash=token_hash(token), person_id=person.id,
                              line_user_id=person.line_user_id or "", created_at=now,
                              expires_at=now + LINK_TTL))
    session.flush()
    return token


def redeem_link(session: Session, token: str, now: datetime) -> SignIn:
    """Use the link: the person it was for, or why not. A link is used at the first try, even
    when the person may no longer sign in."""
    link = session.scalar(select(DashboardLink).where(
        DashboardLink.token_hash == token_hash(token or "")))
    if link is None:
        return SignIn(None, Refusal.UNKNOWN)
    if link.used_at is not None:
        return SignIn(None, Refusal.USED)
    if link.expires_at <= now:
        return SignIn(None, Refusal.EXPIRED)
    # One use, even when two browsers race: only the UPDATE that finds it unused wins.
    won = _changed(session.execute(update(DashboardLink)
                                   .where(DashboardLink.id == link.id,
                                          DashboardLink.used_at.is_(None))
                                   .values(used_at=now)))
    if won != 1:
        return SignIn(None, Refusal.USED)
    person = session.get(Person, link.person_id)
    if not may_use_dashboard(person) or person is None \
            or person.line_user_id != link.line_user_id:
        return SignIn(None, Refusal.NOT_ALLOWED)
    return SignIn(person)


def person_for_line_user(session: Session, line_user_id: str) -> Person | None:
    """The person a verified LINE user is, if they may use the dashboard."""
    person = session.scalar(select(Person).where(Person.line_user_id == line_user_id))
    return person if may_use_dashboard(person) else None


def open_session(session: Session, person: Person, now: datetime, via: str) -> OpenSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + SESSION_TTL
    session.add(DashboardSession(token_hash=token_hash(token), person_id=person.id,
                                 csrf_token=csrf, via=via, created_at=now, expires_at=expires))
    session.flush()
    return OpenSession(token=token, csrf_token=csrf, expires_at=expires)


def current_session(session: Session, token: str | None,
                    now: datetime) -> tuple[DashboardSession, Person] | None:
    """The live session of this cookie and its person, or None (ended, expired, unknown, or
    the person may no longer use the dashboard: re-registered elsewhere, role changed)."""
    if not token:
        return None
    row = session.execute(
        select(DashboardSession, Person).join(Person, Person.id == DashboardSession.person_id)
        .where(DashboardSession.token_hash == token_hash(token),
               DashboardSession.ended_at.is_(None),
               DashboardSession.expires_at > now)).first()
    if row is None or not may_use_dashboard(row[1]):
        return None
    return row[0], row[1]


def end_session(session: Session, token: str | None, now: datetime) -> None:
    if token:
        session.execute(update(DashboardSession)
                        .where(DashboardSession.token_hash == token_hash(token),
                               DashboardSession.ended_at.is_(None))
                        .values(ended_at=now))


def issue_nonce(secret: str, now: datetime) -> str:
    """A nonce for the LIFF page, signed instead of stored: opening the page (which anyone
    may) writes nothing to the database."""
    expires = str(int((now + NONCE_TTL).timestamp()))
    salt = secrets.token_urlsafe(12)
    return f"{expires}.{salt}.{_nonce_mac(secret, expires, salt)}"


def nonce_ok(secret: str, nonce: str | None, now: datetime) -> bool:
    """The nonce is one this server signed (with this secret) and has not expired."""
    try:
        expires, salt, mac = (nonce or "").split(".")
        alive = int(expires) > now.timestamp()
    except ValueError:
        return False
    return alive and hmac.compare_digest(mac.encode(), _nonce_mac(secret, expires, salt).encode())


def _nonce_mac(secret: str, expires: str, salt: str) -> str:
    message = f"dashboard-liff-nonce.{expires}.{salt}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def use_id_token(session: Session, id_token: str, expires_at: datetime, now: datetime) -> bool:
    """True the first time this (LINE-verified) ID token opens a session; False after: a
    token copied from a phone or a log opens nothing more."""
    session.execute(delete(UsedIdToken).where(UsedIdToken.expires_at < now))
    try:
        with session.begin_nested():
            session.add(UsedIdToken(token_hash=token_hash(id_token), expires_at=expires_at))
    except IntegrityError:
        return False
    return True


def _changed(result: object) -> int:
    """Rows an UPDATE changed (its result is a CursorResult)."""
    return cast(CursorResult, result).rowcount


def purge(session: Session, now: datetime) -> None:
    """Forget links and sessions long past: indexed range deletes."""
    before = now - KEEP_USED
    session.execute(delete(DashboardLink).where(DashboardLink.expires_at < before))
    session.execute(delete(DashboardSession).where(
        or_(DashboardSession.expires_at < before, DashboardSession.ended_at < before)))
