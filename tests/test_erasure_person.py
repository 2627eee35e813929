"""`mentorbot erase person`: a mentor's name and phone go, and their LINE user gets nothing
more from the bot."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from bot.services import services
from delivery.outbox import enqueue, enqueue_messages
from handlers.access import district_coordinators
from handlers.audit import OPERATOR
from handlers.dashboard.signin import issue_link, open_session
from handlers.privacy.erasure import ERASED
from handlers.privacy.person_erasure import erase_person
from handlers.registration import HOW_TO_REGISTER
from models import (
    Assignment,
    AuditAction,
    AuditEvent,
    OutboxMessage,
    OutboxStatus,
    Person,
    RegistrationCode,
    Role,
)
from scheduler.broadcasts import notice
from scheduler.jobs import drain_outbox
from scheduler.tick import run_tick

from . import factories
from .players import Player
from .privacy_fixtures import hits, snapshot
from .test_scheduler import at, pushes

A, B, C = ("U" + c * 32 for c in "abc")      # mentors A and B, coordinator C
A_NAME, A_PHONE = "นายเอ ทดสอบลบ", "0810000101"


@pytest.fixture
def district(db, clock, line, fake_line):
    """Mentor A registers in LINE (after one wrong code) and has a household due 10 May;
    mentor B has one due the same day; coordinator C. A also holds a fresh code, a
    dashboard sign-in link and session, and a rich menu."""
    with db.transaction() as s:
        a = factories.person(s, name=A_NAME, phone=A_PHONE)
        a.position, a.agency = "นักวิชาการเกษตร", "สำนักงานเกษตรอำเภอ"
        b = factories.person(s, name="นางบี ทดสอบ", phone="0810000102", line_user_id=B)
        factories.person(s, name="นางสาวซี ผู้ประสาน", role=Role.COORDINATOR, phone=None,
                         line_user_id=C)
        ha = factories.household(s, a, house_id="42010000101", head="นางบ้านเอ",
                                 now=at(date(2026, 4, 1)))
        hb = factories.household(s, b, house_id="42010000102", head="นายบ้านบี",
                                 now=at(date(2026, 4, 1)))
        ha.next_visit_due = hb.next_visit_due = date(2026, 5, 10)
        code = factories.code_for(s, a, clock.now)
        ids = {"a": a.id}
    mentor = Player(line, fake_line, A, clock)
    mentor.say("ABCD2345")                                  # a wrong code: an attempt kept
    mentor.say(code)
    assert "ยินดีต้อนรับ" in mentor.text
    mentor.say("รายงานการเยี่ยมบ้าน")                        # half-way through a report
    with db.transaction() as s:
        a = s.get(Person, ids["a"])
        factories.code_for(s, a, clock.now)                 # reissued by mistake: unused
        issue_link(s, a, clock.now)
        open_session(s, a, clock.now, "link")
    fake_line.user_rich_menus[A] = "richmenu-mentor"
    return ids


def queue_what_is_due_for_a(app, db, clock) -> None:
    """Before the erasure: the morning's digests are queued (not sent), a notice to every
    mentor is queued as one multicast, and the coordinator has a message naming A."""
    svc = services(app)
    clock.now = at(date(2026, 5, 11), 8, 5)
    run_tick(svc, clock.now, send=False)
    with db.transaction() as s:
        enqueue(s, svc.renderer, notice(s, Role.MENTOR, "ประชุมวันศุกร์ค่ะ"), clock.now)
        enqueue_messages(s, [C], [{"type": "text", "text": f"{A_NAME} ส่งรายงานแล้วค่ะ"}],
                         clock.now)
        kinds = Counter(len(r.recipients) for r in s.scalars(select(OutboxMessage)))
    assert kinds[2] == 1                       # the notice: one multicast to A and B


def test_an_erased_mentor_gets_nothing_more(app, runner, db, clock, fake_line, district):
    svc = services(app)
    queue_what_is_due_for_a(app, db, clock)
    before, delivered_to_a = len(fake_line.requests), len(fake_line.deliveries(A))

    result = runner.invoke(args=["erase", "person", "081-000-0101", "--yes"])
    erased_at = clock.now

    assert result.exit_code == 0, result.output
    assert f"mentor #{district['a']}: erased" in result.output
    for line in ("people: 1", "registration codes revoked: 1", "assignments ended: 1",
                 "dashboard links: 1", "dashboard sessions: 1", "conversations: 1",
                 "registration attempts: 2", "rich menu: unlinked"):
        assert f"  {line}\n" in result.output
    assert fake_line.rich_menu_of(A) is None
    # What was queued: A's digest withdrawn, the multicast goes to B alone, C's message naming
    # A withdrawn.
    drain_outbox(svc)
    assert pushes(fake_line, before) == Counter({B: 2, C: 1})   # C: its own digest
    # The next days: digests, the monthly notice and a broadcast reach B, never A.
    for day in (12, 13, 25):
        clock.now = at(date(2026, 5, day), 9, 35)
        run_tick(svc, clock.now)
    broadcast = runner.invoke(args=["broadcast", "--to", "mentors", "ประชุมค่ะ"])
    assert "recipients: 1" in broadcast.output
    drain_outbox(svc)
    sent = pushes(fake_line, before)
    assert sent[A] == 0 and sent[B] >= 4
    assert len(fake_line.deliveries(A)) == delivered_to_a

    with db.transaction() as s:
        person = s.get(Person, district["a"])
        assert (person.name, person.phone, person.position, person.line_user_id) == (
            ERASED, None, None, None)
        assert (person.role, person.agency, person.district, person.erased_at) == (
            Role.MENTOR, "สำนักงานเกษตรอำเภอ", "เมืองเลย", erased_at)
        assert person.registered_at is not None
        assert all(c.used_at or c.revoked_at for c in s.scalars(select(RegistrationCode)))
        assert s.scalar(select(Assignment.ended_at).where(
            Assignment.mentor_id == person.id)) == erased_at
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.subject == "person")).all()
        assert (event.action, event.detail["person_id"]) == (AuditAction.ERASE, person.id)
        withdrawn = s.scalars(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.EXPIRED)).all()
        assert len(withdrawn) == 2 and all(r.messages == [] for r in withdrawn)
    assert hits(db, [A_NAME, A_PHONE, A]) == []


def test_the_erased_mentors_line_user_is_a_stranger(runner, db, clock, line, fake_line,
                                                     district):
    assert runner.invoke(args=["erase", "person", A_PHONE, "--yes"]).exit_code == 0
    mentor = Player(line, fake_line, A, clock)
    mentor.say("เมนู")
    assert mentor.text == HOW_TO_REGISTER
    with db.transaction() as s:
        unused = s.scalar(select(RegistrationCode.code).where(
            RegistrationCode.used_at.is_(None)))
    mentor.say(unused)                                    # the code reissued before: revoked
    assert "รหัสนี้ใช้ไม่ได้ค่ะ" in mentor.text


def test_a_second_erasure_changes_nothing(db, clock, runner, district):
    assert runner.invoke(args=["erase", "person", A_PHONE, "--yes"]).exit_code == 0
    before = snapshot(db)
    clock.advance(hours=1)
    with db.transaction() as s:
        result = erase_person(s, s.get(Person, district["a"]), clock.now, OPERATOR)
    assert sum(result.counts().values()) == 0 and result.line_user_id is None
    assert snapshot(db) == before
    # Known by phone no more: the operator is told so.
    again = runner.invoke(args=["erase", "person", A_PHONE, "--yes"])
    assert again.exit_code == 1 and "nobody has the phone number" in again.output


def test_unknown_or_bad_phone_numbers_and_a_no_change_nothing(runner, db, district):
    before = snapshot(db)
    unknown = runner.invoke(args=["erase", "person", "0899999999", "--yes"])
    assert unknown.exit_code == 1 and "nobody has the phone number '0899999999'" \
        in unknown.output
    bad = runner.invoke(args=["erase", "person", "12", "--yes"])
    assert bad.exit_code == 2 and "is not a phone number" in bad.output
    declined = runner.invoke(args=["erase", "person", A_PHONE], input="n\n")
    assert declined.exit_code == 1 and "Erase mentor #" in declined.output
    assert snapshot(db) == before


def test_an_erased_coordinator_is_no_longer_told_of_cases(runner, db, clock, district):
    with db.transaction() as s:
        coordinator = s.scalar(select(Person).where(Person.line_user_id == C))
        coordinator.phone = "0820000003"
    result = runner.invoke(args=["erase", "person", "0820000003", "--yes"])
    assert result.exit_code == 0 and "coordinator #" in result.output
    with db.transaction() as s:
        assert district_coordinators(s, "เลย", "เมืองเลย") == []
        assert s.scalar(select(Person.erased_at).where(Person.id == coordinator.id)) \
            == clock.now
    assert hits(db, ["นางสาวซี ผู้ประสาน", "0820000003", C]) == []
