"""Who is signed in, and which area a request may see: the one place every page and download
asks. A coordinator sees their district; a province officer their province and any district
of it (handlers/exports/access.allowed decides, as for the CLI's exports). Anything outside
is 404, the same answer as for a record that does not exist, and the attempt is logged with
ids only."""
from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, current_app, g, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from handlers import audit_session
from handlers.audit import Actor
from handlers.dashboard import signin
from handlers.exports.access import AreaError, allowed, resolve_area
from handlers.exports.table import Area
from handlers.registration import role_in_district
from models import AuditChannel, Person, Role

from ..services import services

log = logging.getLogger(__name__)

COOKIE = "mentorbot_dashboard"
ID_MAX = 2**63 - 1     # ids in URLs: a larger number is a 404, never a database error
COOKIE_PATH = "/dashboard"


@dataclass(frozen=True)
class Me:
    name: str
    role_words: str
    is_province: bool


class SignedOut(HTTPException):
    """No live session: the page says to ask the bot for a new link."""

    code = 401


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """The view runs in one transaction (``g.db``) with ``g.person`` and ``g.csrf`` set; a
    POST must carry the session's CSRF token."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        svc = services()
        g.after_commit = []
        # A page only reads: on SQLite it then takes no write lock, so a large province's
        # overview never holds up the webhook. A form (POST) writes.
        writes = request.method not in ("GET", "HEAD")
        with (svc.db.transaction() if writes else svc.db.reading()) as session:
            found = signin.current_session(session, request.cookies.get(COOKIE), svc.clock())
            if found is None:
                raise SignedOut()
            live, person = found
            g.db, g.person, g.csrf, g.now = session, person, live.csrf_token, svc.clock()
            # What the page shows of a household, and what a form changes, is this person's.
            audit_session.act_as(session, Actor.of(person, AuditChannel.DASHBOARD), g.now)
            # What every page shows of the person, kept apart from the ORM object, which an
            # error's rollback expires before the error page is drawn.
            g.me = Me(name=person.name, role_words=role_in_district(person),
                      is_province=is_province(person))
            if writes and not hmac.compare_digest(request.form.get("csrf", "").encode(),
                                                  live.csrf_token.encode()):
                log.warning("dashboard: POST without the session's CSRF token (person=%s)",
                            person.id)
                abort(403)
            result = view(*args, **kwargs)
            seen = [] if writes else audit_session.take(session)
        if seen:
            # A page reads in a transaction that never commits: what it showed is recorded in
            # a short one of its own, once the page has been made.
            with svc.db.transaction() as session:
                audit_session.write(session, seen)
        for then in g.after_commit:
            then()
        return result
    return wrapper


def after_commit(then: Callable[[], None]) -> None:
    """Run ``then`` once the request's transaction has committed."""
    g.after_commit.append(then)


def db() -> Session:
    return g.db


def person() -> Person:
    return g.person


def area_of(district: str | None = None) -> Area:
    """The area asked for: the person's own by default; a district named by a province officer
    (a coordinator may name only their own). Outside the person's rights: 404, logged."""
    me = person()
    home = signin.home_area(me)
    wanted = (district or "").strip()
    if not wanted:
        return home
    try:
        area = resolve_area(db(), district=wanted, province=me.province)
    except AreaError:
        area = None
    if area is None or not allowed(me, area):
        refuse("district", None)
    assert area is not None
    return area


def found(record: Any, what: str, record_id: int | str) -> Any:
    """The record the figures found in the person's area, or 404 (logged) when they found
    none: another district's household and a household that does not exist look the same."""
    if record is None:
        refuse(what, record_id)
    return record


def refuse(what: str, record_id: int | str | None) -> None:
    me = person()
    log.warning("dashboard: refused %s id=%s outside the area of person=%s (role=%s)",
                what, record_id, me.id, me.role.value)
    abort(404)


def is_province(me: Person) -> bool:
    return me.role is Role.PROVINCE


def cookie_secure() -> bool:
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "")
    return base.startswith("https://") or request.is_secure
