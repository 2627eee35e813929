"""Registration codes for mentors, coordinators and province officers: issue, reissue, list
the open ones.

A person registers on LINE by typing the one-time code the district gave them
(handlers/registration.py). Codes are issued in bulk after a roster import and one at a time
by the operator. No Flask here: callers pass the session, the time and the validity.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from models import Household, Person, RegistrationCode, Role

from .codes import generate_code
from .roster.bulk import chunks, key_in
from .roster.cells import CellError
from .roster.cells import phone as normalise_phone
from .thai_text import clean

log = logging.getLogger(__name__)

ROLE_LABELS = {Role.MENTOR: "พี่เลี้ยง", Role.COORDINATOR: "ผู้ประสานงาน ศจพ.อ.",
               Role.PROVINCE: "เจ้าหน้าที่ ศจพ.จ."}
# A clash needs a fresh draw; several in a row would mean the code space is nearly full.
MAX_TRIES = 5


# Operators type the district as it is spoken: "อำเภอวังสะพุง", "อ.วังสะพุง". Stored bare, as
# the roster (and so households and cases) has it.
DISTRICT_PREFIXES = ("อำเภอ", "อ.")
PROVINCE_PREFIXES = ("จังหวัด", "จ.")


class InviteError(Exception):
    """Something the operator asked for that cannot be done; the message says why."""


def _open(now: datetime) -> tuple:
    return (RegistrationCode.used_at.is_(None), RegistrationCode.revoked_at.is_(None),
            RegistrationCode.expires_at > now)


def _unregistered() -> tuple:
    # handlers/registration.py binds line_user_id and registered_at together; check both.
    return (Person.line_user_id.is_(None), Person.registered_at.is_(None))


def is_registered(person: Person) -> bool:
    return person.line_user_id is not None or person.registered_at is not None


def issue_code(session: Session, person: Person, now: datetime,
               valid_days: int) -> RegistrationCode:
    """A new code for one person; their older unused codes stop working (revoked_at = now)."""
    if person.id is None:
        session.flush()
    session.execute(
        update(RegistrationCode)
        .where(RegistrationCode.person_id == person.id, RegistrationCode.used_at.is_(None),
               RegistrationCode.revoked_at.is_(None))
        .values(revoked_at=now))
    for _ in range(MAX_TRIES):
        code = RegistrationCode(person=person, code=generate_code(), created_at=now,
                                expires_at=now + timedelta(days=valid_days))
        try:
            # A savepoint, so a clash on the unique code undoes only this insert.
            with session.begin_nested():
                session.add(code)
                session.flush()
        except IntegrityError:
            continue
        log.info("registration code issued for person %s", person.id)
        return code
    raise RuntimeError("could not draw an unused registration code")


def issue_missing_codes(session: Session, person_ids: Iterable[int], now: datetime,
                        valid_days: int) -> int:
    """Issue a code to every given person who is not registered and has no open code.

    Returns how many were issued. Works in chunks of ids, with no query per person.
    """
    ids = sorted(set(person_ids))
    needing: list[int] = []
    for chunk in chunks(ids):
        # Filtered here, not in SQL: before statistics exist (right after a first import),
        # PostgreSQL answers "line_user_id IS NULL" from the unique index on line_user_id and
        # scans every person, which took seconds per chunk.
        unregistered = {pid for pid, line_user, registered in session.execute(
            select(Person.id, Person.line_user_id, Person.registered_at)
            .where(key_in(session, Person.id, chunk))) if line_user is None and registered is None}
        holding = set(session.scalars(
            select(RegistrationCode.person_id).where(
                key_in(session, RegistrationCode.person_id, chunk), *_open(now))))
        needing.extend(sorted(unregistered - holding))
    expires = now + timedelta(days=valid_days)
    for chunk in chunks(needing):
        _insert_codes(session, list(chunk), now, expires)
    if needing:
        log.info("registration codes issued: %d", len(needing))
    return len(needing)


def _insert_codes(session: Session, person_ids: list[int], now: datetime,
                  expires: datetime) -> None:
    for _ in range(MAX_TRIES):
        codes = _unused_codes(session, len(person_ids))
        rows = [{"person_id": pid, "code": code, "created_at": now, "expires_at": expires}
                for pid, code in zip(person_ids, codes, strict=True)]
        try:
            # Only a code issued concurrently since _unused_codes looked can clash here.
            with session.begin_nested():
                session.execute(insert(RegistrationCode), rows)
            return
        except IntegrityError:
            continue
    raise RuntimeError("could not draw unused registration codes")


def _unused_codes(session: Session, count: int) -> list[str]:
    """Fresh codes, none already in the table. With a million codes out, a batch of a thousand
    meets an existing one about once in 300 batches: rare, but not rare enough to ignore."""
    codes: set[str] = set()
    while len(codes) < count:
        while len(codes) < count:
            codes.add(generate_code())
        codes -= set(session.scalars(
            select(RegistrationCode.code).where(key_in(session, RegistrationCode.code, codes))))
    return list(codes)


def open_codes(session: Session, now: datetime,
               district: str | None = None) -> list[RegistrationCode]:
    """Codes that still work (unused, not revoked, not expired, person not registered)."""
    query = (select(RegistrationCode).join(RegistrationCode.person)
             .options(contains_eager(RegistrationCode.person))
             .where(*_open(now), *_unregistered())
             .order_by(Person.district, Person.role, Person.name, RegistrationCode.id))
    if district:
        query = query.where(Person.district == clean(district))
    return list(session.scalars(query))


def find_by_phone(session: Session, phone: str) -> Person | None:
    return session.scalar(select(Person).where(Person.phone == _phone(phone)))


def _without(prefixes: tuple[str, ...], text: str) -> str:
    typed = clean(text)
    for prefix in prefixes:
        if typed.startswith(prefix):
            return clean(typed[len(prefix):])
    return typed


def district_name(text: str) -> str:
    """'อำเภอวังสะพุง', 'อ. วังสะพุง' -> 'วังสะพุง'."""
    return _without(DISTRICT_PREFIXES, text)


def province_name(text: str) -> str:
    """'จังหวัดเลย', 'จ. เลย' -> 'เลย'."""
    return _without(PROVINCE_PREFIXES, text)


def has_households(session: Session, district: str, province: str) -> bool:
    return session.scalar(select(Household.id).where(
        Household.district == district, Household.province == province).limit(1)) is not None


def create_coordinator(session: Session, name: str, district: str, province: str,
                       phone: str | None, now: datetime, valid_days: int,
                       force: bool = False) -> RegistrationCode:
    """A district coordinator and their code. A coordinator with that phone is reused as is.

    A district/province with no household in the database is most likely a typo (the
    coordinator would see no cases, ever), so it is refused unless ``force``: e.g. the
    coordinator is invited before the district's roster is imported."""
    person = find_by_phone(session, phone) if phone else None
    if person is not None and person.role is not Role.COORDINATOR:
        raise InviteError("that phone number belongs to a mentor, not a coordinator")
    if person is None:
        fields = _checked_fields({"name": clean(name), "district": district_name(district),
                                  "province": clean(province)})
        if not force and not has_households(session, fields["district"], fields["province"]):
            raise InviteError(
                f"no household in district '{fields['district']}', province "
                f"'{fields['province']}': check the spelling (as in the roster), or use --force "
                "if the roster is not imported yet")
        person = Person(role=Role.COORDINATOR, phone=_phone(phone) if phone else None,
                        created_at=now, updated_at=now, **fields)
        session.add(person)
        session.flush()
        log.info("coordinator created: person %s", person.id)
    elif is_registered(person):
        raise InviteError("this coordinator is already registered on LINE")
    return issue_code(session, person, now, valid_days)


def _checked_fields(fields: dict[str, str]) -> dict[str, str]:
    for label, value in fields.items():
        if not value:
            raise InviteError(f"{label} is empty")
        limit = cast(String, Person.__table__.c[label].type).length
        if limit is not None and len(value) > limit:
            raise InviteError(f"{label} is too long")
    return fields


def create_province_officer(session: Session, name: str, province: str, phone: str | None,
                            now: datetime, valid_days: int,
                            force: bool = False) -> RegistrationCode:
    """A province officer (ศจพ.จ.: the whole province's exports and figures, no district) and
    their code. An officer with that phone is reused as is. A province with no household in
    the database is refused unless ``force`` (most likely a typo)."""
    person = find_by_phone(session, phone) if phone else None
    if person is not None and person.role is not Role.PROVINCE:
        raise InviteError("that phone number belongs to a mentor or a coordinator, "
                          "not a province officer")
    if person is None:
        fields = _checked_fields({"name": clean(name), "province": province_name(province)})
        if not force and session.scalar(select(Household.id).where(
                Household.province == fields["province"]).limit(1)) is None:
            raise InviteError(
                f"no household in province '{fields['province']}': check the spelling (as in "
                "the roster), or use --force if the roster is not imported yet")
        person = Person(role=Role.PROVINCE, phone=_phone(phone) if phone else None,
                        district="", created_at=now, updated_at=now, **fields)
        session.add(person)
        session.flush()
        log.info("province officer created: person %s", person.id)
    elif is_registered(person):
        raise InviteError("this province officer is already registered on LINE")
    return issue_code(session, person, now, valid_days)


def reissue_code(session: Session, phone: str, now: datetime,
                 valid_days: int) -> RegistrationCode:
    """A new code for someone who lost theirs; the old one stops working."""
    person = find_by_phone(session, phone)
    if person is None:
        raise InviteError("no mentor or coordinator has that phone number")
    if is_registered(person):
        # A code for a registered account would let whoever holds it take the account over.
        raise InviteError("this person is already registered on LINE; no code is needed")
    return issue_code(session, person, now, valid_days)


def _phone(text: str) -> str:
    try:
        return normalise_phone(clean(text))
    except CellError as exc:
        raise InviteError(f"phone '{clean(text)}' {exc}") from None
