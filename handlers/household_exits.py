"""A household leaving the programme: the mentor asks, a coordinator of the district confirms
(or declines) in one tap, and the mentor is told.

On confirmation the household's status becomes LEFT (with the day): it leaves the mentor's
lists and buttons (handlers/access.py) and the clock's reminders and overdue counts, but
nothing is deleted: the household, its assignment, visits, plan and cases stay for the
statistics (the province counts households that left, and why).
"""
from __future__ import annotations

import logging
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import ExitReason, Household, HouseholdExit, HouseholdStatus, Person, Role

from . import access
from .buttons import command_button, exit_decision_button
from .context import Context
from .reminders import drop_unsent_reminders
from .replies import Card, Cards, Field, Push, TextReply
from .thai_dates import format_thai_date, to_local_date

log = logging.getLogger(__name__)

REASON_WORDS: dict[ExitReason, str] = {
    ExitReason.GRADUATED: "พ้นเกณฑ์/พึ่งตนเองได้",
    ExitReason.MOVED: "ย้ายออกนอกพื้นที่",
    ExitReason.DIED: "เสียชีวิต",
    ExitReason.OTHER: "อื่น ๆ",
}
NOTE_MAX = 300      # characters of the mentor's note
PENDING, CONFIRMED, DECLINED = "#F57C00", "#388E3C", "#757575"


def open_request(session: Session, household_id: int) -> HouseholdExit | None:
    """The household's request not decided yet (at most one: a unique partial index)."""
    return session.scalar(select(HouseholdExit).where(HouseholdExit.household_id == household_id,
                                                      HouseholdExit.decided_at.is_(None)))


def open_requests_of(session: Session, household_ids: list[int]) -> dict[int, HouseholdExit]:
    """household id -> its open request, for many households in one query."""
    if not household_ids:
        return {}
    return {r.household_id: r for r in session.scalars(
        select(HouseholdExit).where(HouseholdExit.household_id.in_(household_ids),
                                    HouseholdExit.decided_at.is_(None)))}


def waiting_in_district(session: Session, coordinator: Person,
                        limit: int) -> tuple[list[tuple[HouseholdExit, Household, Person]], int]:
    """Requests of the coordinator's district still to decide, oldest first, with their
    household and the mentor who asked (one query), and how many in all (one more)."""
    if coordinator.role is not Role.COORDINATOR:
        return [], 0
    where = (HouseholdExit.decided_at.is_(None), Household.province == coordinator.province,
             Household.district == coordinator.district)
    total = session.scalar(select(func.count()).select_from(HouseholdExit)
                           .join(Household, Household.id == HouseholdExit.household_id)
                           .where(*where))
    rows = session.execute(
        select(HouseholdExit, Household, Person)
        .join(Household, Household.id == HouseholdExit.household_id)
        .join(Person, Person.id == HouseholdExit.requested_by_id)
        .where(*where).order_by(HouseholdExit.requested_at, HouseholdExit.id).limit(limit)).all()
    return [(r[0], r[1], r[2]) for r in rows], int(total or 0)


def request_exit(session: Session, household: Household, mentor: Person, reason: ExitReason,
                 note: str | None, ctx: Context) -> tuple[HouseholdExit | None, Push | None]:
    """Record the mentor's request and the card for the district's coordinators. (None, None)
    when the household has an open request already (two taps at once, or a stale summary)."""
    if reason is ExitReason.OTHER and not note:
        raise ValueError("a reason of 'other' needs a note")
    if note and len(note) > NOTE_MAX:
        raise ValueError(f"note longer than {NOTE_MAX} characters")
    request = HouseholdExit(household_id=household.id, reason=reason, note=note or None,
                            requested_by_id=mentor.id, requested_at=ctx.now)
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        return None, None
    log.info("household exit requested: household=%s exit=%s", household.id, request.id)
    return request, _alert_coordinators(session, request, household, mentor, ctx)


def _alert_coordinators(session: Session, request: HouseholdExit, household: Household,
                        mentor: Person, ctx: Context) -> Push | None:
    coordinators = access.district_coordinators(session, household.province, household.district)
    if not coordinators:
        return None
    card = exit_card(session, request, household, ctx, mentor=mentor)
    # district_coordinators() gives registered people only: each has a LINE user id.
    return Push(to=tuple(cast(str, c.line_user_id) for c in coordinators),
                replies=(Cards(alt_text="พี่เลี้ยงขอให้ครัวเรือนออกจากโครงการ รอท่านยืนยันค่ะ",
                               cards=(card,)),),
                dedupe_key=f"exit-new:{request.id}")


def exit_card(session: Session, request: HouseholdExit, household: Household, ctx: Context,
              *, mentor: Person | None = None) -> Card:
    """The request as a coordinator sees it: with ยืนยัน / ไม่ยืนยัน while it is open."""
    mentor = mentor or session.get(Person, request.requested_by_id)
    village = " ".join(filter(None, [
        f"หมู่ {household.village_no}" if household.village_no else "",
        household.village_name or "",
        f"ต.{household.subdistrict}" if household.subdistrict else ""]))
    fields = [Field("ครัวเรือน", household.head_name),
              Field("ที่อยู่", village or "-"),
              Field("เหตุผล", REASON_WORDS[request.reason]),
              Field("พี่เลี้ยง", mentor.name if mentor else "-"),
              Field("แจ้งเมื่อ", format_thai_date(to_local_date(request.requested_at, ctx.tz)))]
    if request.decided_at is None:
        status, accent = "รอ ศจพ.อ. ยืนยัน", PENDING
    else:
        word = "ยืนยันแล้ว" if request.confirmed else "ไม่ยืนยัน"
        status = f"{word}โดย {decider(session, request)}"
        accent = CONFIRMED if request.confirmed else DECLINED
    fields.append(Field("สถานะ", status, color=accent))
    buttons = (() if request.decided_at is not None else
               (exit_decision_button(request.id, True), exit_decision_button(request.id, False)))
    return Card(title="ขอให้ครัวเรือนออกจากโครงการ", subtitle=f"อำเภอ{household.district}",
                fields=tuple(fields),
                body=f"บันทึกของพี่เลี้ยง: {request.note}" if request.note else None,
                buttons=buttons, accent=accent)


def decider(session: Session, request: HouseholdExit) -> str:
    """'นางสาวมาลี ศรีเลย': the coordinator who decided, as stored (with the title)."""
    person = session.get(Person, request.decided_by_id) if request.decided_by_id else None
    if person is None:
        raise LookupError(f"household exit {request.id}: decided by nobody known")
    return person.name


def already_decided(session: Session, request: HouseholdExit) -> str | None:
    """What a coordinator is told when the request was decided already, or None."""
    if request.decided_at is None:
        return None
    word = "ยืนยันแล้ว" if request.confirmed else "ไม่ยืนยันแล้ว"
    return f"คำขอนี้{word}โดย {decider(session, request)} ค่ะ"


def decide(session: Session, request: HouseholdExit, coordinator: Person, confirmed: bool,
           ctx: Context) -> Push | None:
    """Confirm (the household leaves the programme today) or decline an open request; the
    notice for the household's mentor. The caller holds the request's row lock."""
    if request.decided_at is not None:
        raise ValueError(f"household exit {request.id} is decided already")
    household = session.get(Household, request.household_id)
    if household is None:   # the request's foreign key: deleting a household deletes it
        raise LookupError(f"household exit {request.id}: household is gone")
    request.decided_by_id, request.decided_at, request.confirmed = (
        coordinator.id, ctx.now, confirmed)
    if confirmed:
        household.status, household.left_on = HouseholdStatus.LEFT, ctx.today
        # Today's reminder, if still unsent, may name the household: the next tick requeues it
        # without.
        mentor = access.current_mentor(session, household.id)
        if mentor is not None:
            drop_unsent_reminders(session, mentor.id, ctx)
    log.info("household exit %s: household=%s exit=%s",
             "confirmed" if confirmed else "declined", household.id, request.id)
    return _notice(session, request, household, coordinator, ctx)


def _notice(session: Session, request: HouseholdExit, household: Household, coordinator: Person,
            ctx: Context) -> Push | None:
    """What the household's current mentor is told (nothing if it has none on LINE)."""
    mentor = access.current_mentor(session, household.id)
    if mentor is None or not mentor.line_user_id:
        return None
    reason = REASON_WORDS[request.reason]
    if request.confirmed:
        lines = [f"ศจพ.อ. ยืนยันให้ครัวเรือน{household.head_name} ออกจากโครงการแล้วค่ะ",
                 f"เหตุผล: {reason}",
                 f"ตั้งแต่: {format_thai_date(ctx.today)}",
                 f"ผู้ยืนยัน: {coordinator.name}",
                 "ครัวเรือนนี้จะไม่อยู่ในรายการบ้านที่ดูแล และไม่มีการแจ้งเตือนเยี่ยมบ้านอีกค่ะ "
                 "ข้อมูลที่บันทึกไว้ยังเก็บไว้ครบถ้วนค่ะ"]
    else:
        lines = [f"ศจพ.อ. ไม่ยืนยันให้ครัวเรือน{household.head_name} ออกจากโครงการค่ะ",
                 f"เหตุผลที่แจ้ง: {reason}",
                 f"ผู้พิจารณา: {coordinator.name}",
                 "ครัวเรือนยังอยู่ในความดูแลของท่านตามเดิม หากมีข้อมูลเพิ่มเติม "
                 "กรุณาติดต่อ ศจพ.อ. ค่ะ"]
    follow = command_button("households", "บ้านที่ดูแล")
    return Push(to=(mentor.line_user_id,), replies=(TextReply("\n".join(lines), (follow,)),),
                dedupe_key=f"exit:{request.id}:decided")
