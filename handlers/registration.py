"""Binding a LINE user to a mentor or coordinator with a one-time code."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from models import (
    AuditChannel,
    Case,
    CaseStatus,
    Person,
    RegistrationAttempt,
    RegistrationCode,
    Role,
)

from . import audit_session
from .audit import Actor
from .buttons import command_button
from .cards import case_card
from .codes import normalise_code
from .context import Context
from .incoming import Incoming, Kind
from .limits import MAX_BUBBLES
from .replies import Cards, LinkRichMenu, Outcome, Reply, TextReply

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW = timedelta(hours=1)
# Anything of code length is treated as a try (and counted), so a mistyped code gets
# "wrong code", and guessing is limited whatever alphabet the guesser uses.
_CODE_LIKE = re.compile(r"^[A-Z0-9]{6,12}$")

HOW_TO_REGISTER = (
    "สวัสดีค่ะ บัญชีนี้ใช้สำหรับข้าราชการพี่เลี้ยงและผู้ประสานงาน ศจพ.อ. "
    "ในโครงการ 1 ข้าราชการ 1 ครัวเรือนยากจนค่ะ\n\n"
    "หากได้รับรหัสลงทะเบียน 8 ตัวจากศูนย์ขจัดความยากจนอำเภอ (ศจพ.อ.) แล้ว "
    "กรุณาพิมพ์รหัสนั้นในแชตนี้ เช่น ACDE-3456 ค่ะ\n\n"
    "หากยังไม่ได้รับรหัส กรุณาติดต่อสำนักงานพัฒนาชุมชนอำเภอของท่านค่ะ"
)
ROLE_WORDS = {Role.MENTOR: "ข้าราชการพี่เลี้ยง", Role.COORDINATOR: "ผู้ประสานงาน ศจพ.อ.",
              Role.PROVINCE: "เจ้าหน้าที่ ศจพ.จ."}
# How a role and its area read together: "ข้าราชการพี่เลี้ยง อำเภอวังสะพุง",
# "ผู้ประสานงาน ศจพ.อ.วังสะพุง", "เจ้าหน้าที่ ศจพ.จ.เลย" (a province officer has no district).
ROLE_IN_DISTRICT = {Role.MENTOR: "{role} อำเภอ{district}", Role.COORDINATOR: "{role}{district}",
                    Role.PROVINCE: "{role}{province}"}


def handle_stranger(session: Session, incoming: Incoming, ctx: Context) -> Outcome:
    """Everything a LINE user who is not registered yet can do: register, or learn how."""
    if incoming.kind is Kind.TEXT:
        typed = normalise_code(incoming.text or "")
        if _CODE_LIKE.match(typed):
            return try_code(session, incoming.user_id, typed, ctx)
    if incoming.kind is Kind.UNFOLLOW:
        return Outcome()
    return Outcome().say(TextReply(HOW_TO_REGISTER))


def try_code(session: Session, line_user_id: str, code: str, ctx: Context) -> Outcome:
    locked_until = _locked_until(session, line_user_id, ctx.now)
    if locked_until is not None:
        local = locked_until.astimezone(ctx.tz)
        return Outcome().say(TextReply(
            "พิมพ์รหัสไม่ถูกต้องหลายครั้งเกินไป เพื่อความปลอดภัย "
            f"กรุณาลองใหม่หลังเวลา {local:%H:%M} น. ค่ะ"))

    row = session.execute(
        select(RegistrationCode).where(RegistrationCode.code == code)
        .with_for_update(of=RegistrationCode)
    ).scalar_one_or_none()
    person = row.person if row is not None and _usable(row, ctx.now) else None
    session.add(RegistrationAttempt(line_user_id=line_user_id, attempted_at=ctx.now,
                                    succeeded=person is not None))
    if row is None or person is None:   # no person without a row
        left = MAX_FAILURES - _recent_failures(session, line_user_id, ctx.now)
        log.info("registration: code rejected (%d tries left)", max(left, 0))
        if left <= 0:
            return try_code(session, line_user_id, code, ctx)   # now locked: say until when
        return Outcome().say(TextReply(
            "รหัสนี้ใช้ไม่ได้ค่ะ (อาจพิมพ์ผิด หมดอายุ หรือถูกใช้ไปแล้ว)\n"
            f"ตรวจสอบแล้วพิมพ์ใหม่ได้อีก {left} ครั้ง หรือขอรหัสใหม่จาก ศจพ.อ. ค่ะ"))

    row.used_at = ctx.now
    person.line_user_id = line_user_id
    person.registered_at = ctx.now
    log.info("registration: person %s registered as %s", person.id, person.role.value)
    outcome = Outcome().say(TextReply(welcome_text(person)))
    if person.role is Role.COORDINATOR:
        # Registered: from here on it is the coordinator who sees the cards shown.
        audit_session.act_as(session, Actor.of(person, AuditChannel.CHAT), ctx.now)
        outcome.replies.extend(cases_nobody_was_told(session, person, ctx))
    outcome.effects.append(LinkRichMenu(line_user_id, person.role.value))
    return outcome


def role_in_district(person: Person) -> str:
    """'ผู้ประสานงาน ศจพ.อ.วังสะพุง', 'ข้าราชการพี่เลี้ยง อำเภอวังสะพุง'."""
    return ROLE_IN_DISTRICT[person.role].format(role=ROLE_WORDS[person.role],
                                                district=person.district,
                                                province=person.province)


def welcome_text(person: Person) -> str:
    text = (f"ยินดีต้อนรับ {person.name} ค่ะ\n"
            f"ลงทะเบียนเป็น{role_in_district(person)} เรียบร้อยแล้วค่ะ")
    if person.role is Role.MENTOR:
        return text + "\nพิมพ์ \"เมนู\" เพื่อดูบ้านที่ดูแลและรายงานการเยี่ยมบ้านได้เลยค่ะ"
    if person.role is Role.PROVINCE:
        return text + ("\nไฟล์ข้อมูลและสถิติรายเดือนของจังหวัดขอได้จากผู้ดูแลระบบค่ะ "
                       "(ยังไม่มีเมนูสำหรับ ศจพ.จ. ในแชตนี้ค่ะ)")
    return text + "\nเรื่องที่พี่เลี้ยงส่งขอความช่วยเหลือในอำเภอจะแจ้งมาที่แชตนี้ค่ะ"


def cases_nobody_was_told(session: Session, coordinator: Person, ctx: Context) -> list[Reply]:
    """The first coordinator of a district to register gets the district's open cases as cards:
    raised while no coordinator was registered, they alerted nobody (cards.alert_coordinators).
    Nothing when another coordinator of the district is registered already (they were told).

    One query: the cases (household and mentor joined), how many in all, and the check for
    another registered coordinator."""
    other = aliased(Person)
    told_already = exists().where(
        other.role == Role.COORDINATOR, other.province == Case.province,
        other.district == Case.district, other.line_user_id.is_not(None),
        other.id != coordinator.id)
    rows = session.execute(
        select(Case, func.count().over())
        .where(Case.province == coordinator.province, Case.district == coordinator.district,
               Case.status == CaseStatus.OPEN, ~told_already)
        .order_by(Case.created_at, Case.id).limit(MAX_BUBBLES)).all()
    if not rows:
        return []
    total = int(rows[0][1])
    log.info("registration: coordinator %s gets %d open cases of the district",
             coordinator.id, total)
    replies: list[Reply] = [
        TextReply(f"มีเรื่องที่พี่เลี้ยงส่งมาก่อนท่านลงทะเบียนและยังไม่มีผู้รับ {total} เรื่องค่ะ"),
        Cards(alt_text=f"เรื่องที่ยังไม่มีผู้รับ {total} เรื่อง",
              cards=tuple(case_card(case, ctx, for_coordinator=True) for case, _ in rows))]
    audit_session.viewed(session, "case", ((case.household, {"case_id": case.id})
                                           for case, _ in rows))
    if total > len(rows):
        replies.append(TextReply(
            f"และอีก {total - len(rows)} เรื่องค่ะ ดูทั้งหมดได้ที่เมนู \"เรื่องรอดำเนินการ\" ค่ะ",
            buttons=(command_button("case_queue", "เรื่องรอดำเนินการ"),)))
    return replies


def _usable(row: RegistrationCode, now: datetime) -> bool:
    return (row.used_at is None and row.revoked_at is None and row.expires_at > now
            and row.person.line_user_id is None)


def _recent_failures(session: Session, line_user_id: str, now: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(RegistrationAttempt).where(
            RegistrationAttempt.line_user_id == line_user_id,
            RegistrationAttempt.succeeded.is_(False),
            RegistrationAttempt.attempted_at > now - WINDOW)) or 0


def _locked_until(session: Session, line_user_id: str, now: datetime) -> datetime | None:
    """Until when this user is refused, or None.

    Tries made while locked are not recorded, so the latest failure is the one that reached the
    limit: the lock lasts one hour from it.
    """
    failed = (RegistrationAttempt.line_user_id == line_user_id,
              RegistrationAttempt.succeeded.is_(False))
    latest = session.scalar(select(func.max(RegistrationAttempt.attempted_at)).where(
        *failed, RegistrationAttempt.attempted_at > now - WINDOW))
    if latest is None:
        return None
    if latest.tzinfo is None:   # func.max bypasses the column type on SQLite
        latest = latest.replace(tzinfo=UTC)
    count = session.scalar(select(func.count()).select_from(RegistrationAttempt).where(
        *failed, RegistrationAttempt.attempted_at > latest - WINDOW,
        RegistrationAttempt.attempted_at <= latest)) or 0
    return latest + WINDOW if count >= MAX_FAILURES else None
