"""The retention rules: households that left long ago, old outbox content, old registration
attempts; run by the clock every night and by `mentorbot purge`."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.services import services
from delivery.outbox import enqueue_messages
from handlers.audit import SYSTEM
from handlers.privacy.erasure import ERASED, placeholder
from handlers.privacy.retention import erase_left_households
from models import (
    AuditAction,
    AuditChannel,
    AuditEvent,
    OutboxCategory,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    RegistrationAttempt,
    Role,
)
from scheduler.clock import build_scheduler
from scheduler.jobs import drain_outbox, purge_retention

from . import factories
from .case_fixtures import COORD_A, MENTOR
from .players import Player
from .privacy_fixtures import hits, household_row, rich_household, snapshot

STRANGER = "U" + "9" * 32


@pytest.fixture
def people(db):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        coordinator = factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR,
                                       phone=None, line_user_id=COORD_A)
        return mentor.id, coordinator.id


def seed(db, clock, people, *, mark: str, house_id: str, left_days_ago: int | None):
    with db.transaction() as s:
        mentor, coordinator = (s.get(Person, i) for i in people)
        left_on = (clock.now.date() - timedelta(days=left_days_ago)
                   if left_days_ago is not None else None)
        return rich_household(s, mentor, coordinator, clock.now, house_id=house_id,
                              head=f"นางบ้าน{mark} ทดสอบ", house_no=f"{len(mark)}/{mark}",
                              mark=mark, left_on=left_on,
                              visited_on=left_on - timedelta(days=10) if left_on else None)


def test_a_household_that_left_long_ago_is_erased_by_the_nightly_job(app, db, clock, people):
    long_ago = seed(db, clock, people, mark="เก่า", house_id="42010000031", left_days_ago=1096)
    recently = seed(db, clock, people, mark="ใหม่", house_id="42010000032", left_days_ago=1094)
    active = seed(db, clock, people, mark="อยู่", house_id="42010000033", left_days_ago=None)

    report = purge_retention(services(app))

    assert report.households == 1
    assert hits(db, long_ago.personal) == []
    for kept in (recently, active):
        assert {n for _, _, n in hits(db, kept.personal)} == set(kept.personal)
    household = household_row(db, long_ago.household_id)
    assert (household.house_id, household.head_name, household.erased_at) == (
        placeholder(long_ago.household_id), ERASED, clock.now)
    with db.transaction() as s:
        [event] = s.scalars(select(AuditEvent)).all()
    assert (event.action, event.channel, event.subject, event.household_id) == (
        AuditAction.PURGE, AuditChannel.SYSTEM, "household", long_ago.household_id)

    before = snapshot(db)
    again = purge_retention(services(app))
    assert (again.households, again.outbox_rows, again.registration_attempts) == (0, 0, 0)
    assert snapshot(db) == before


def test_households_are_erased_in_batches_walking_the_ids(app, db, clock, people):
    old = [seed(db, clock, people, mark=f"ชุด{n}", house_id=f"4201000004{n}",
                left_days_ago=2000) for n in range(5)]
    svc = services(app)
    cutoff = clock.now.date() - timedelta(days=1095)
    assert erase_left_households(svc.db.transaction, cutoff, clock.now, SYSTEM, batch=2) == 5
    assert hits(db, [n for h in old for n in h.personal]) == []
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 5
    assert erase_left_households(svc.db.transaction, cutoff, clock.now, SYSTEM, batch=2) == 0


def outbox_row(db, clock, key: str, *, status: OutboxStatus, days_ago: float,
               sent: bool) -> None:
    at = clock.now - timedelta(days=days_ago)
    with db.transaction() as s:
        enqueue_messages(s, [MENTOR], [{"type": "text", "text": f"ข้อความ {key} ถึงนางสมศรี"}],
                         at, dedupe_key=key, category=OutboxCategory.DIGEST)
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        row.status = status
        row.sent_at = at if sent else None


def test_done_outbox_rows_lose_their_content_after_seven_days(app, db, clock, fake_line,
                                                               runner):
    outbox_row(db, clock, "sent-8", status=OutboxStatus.SENT, days_ago=8, sent=True)
    outbox_row(db, clock, "sent-6", status=OutboxStatus.SENT, days_ago=6, sent=True)
    outbox_row(db, clock, "parked-8", status=OutboxStatus.PARKED, days_ago=8, sent=False)
    outbox_row(db, clock, "expired-8", status=OutboxStatus.EXPIRED, days_ago=8, sent=False)
    outbox_row(db, clock, "pending-8", status=OutboxStatus.PENDING, days_ago=8, sent=False)

    assert purge_retention(services(app)).outbox_rows == 3

    with db.transaction() as s:
        rows = {r.dedupe_key: r for r in s.scalars(select(OutboxMessage))}
        stripped = {k for k, r in rows.items() if r.content_stripped_at is not None}
        assert stripped == {"sent-8", "parked-8", "expired-8"}
        for key in stripped:
            row = rows[key]
            assert (row.recipients, row.messages, row.content_stripped_at) == ([], [], clock.now)
            assert (row.kind, row.category) == (OutboxKind.PUSH, OutboxCategory.DIGEST)
        assert rows["sent-8"].sent_at == clock.now - timedelta(days=8)
        assert rows["sent-8"].status is OutboxStatus.SENT
        assert rows["sent-6"].messages != [] and rows["pending-8"].recipients == [MENTOR]
        [event] = s.scalars(select(AuditEvent)).all()
    assert (event.action, event.subject, event.detail["rows"]) == (AuditAction.PURGE, "outbox", 3)
    # Nothing reads an emptied row as if it still had content: the queue drains, the status
    # command counts and lists, a second purge finds nothing.
    assert drain_outbox(services(app)).sent == 1                  # pending-8 (no expiry)
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0 and "parked   1" in status.output
    assert purge_retention(services(app)).outbox_rows == 0


def test_registration_attempts_go_after_a_day_and_the_lock_out_still_holds(
        app, db, clock, line, fake_line):
    stranger = Player(line, fake_line, STRANGER, clock)
    with db.transaction() as s:
        s.add(RegistrationAttempt(line_user_id=STRANGER, attempted_at=clock.now
                                  - timedelta(hours=25), succeeded=False))
    for code in ("AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555", "EEEE6666"):
        stranger.say(code)
    assert "กรุณาลองใหม่หลังเวลา" in stranger.text          # locked for an hour

    assert purge_retention(services(app)).registration_attempts == 1    # the one of yesterday

    stranger.say("FFFF7777")
    assert "กรุณาลองใหม่หลังเวลา" in stranger.text          # still locked
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(RegistrationAttempt)) == 5
    clock.advance(hours=25)
    assert purge_retention(services(app)).registration_attempts == 5
    stranger.say("GGGG8888")
    assert "ตรวจสอบแล้วพิมพ์ใหม่ได้อีก 4 ครั้ง" in stranger.text


def test_a_retention_of_attempts_shorter_than_the_lock_out_is_not_honoured(db, clock, line,
                                                                            fake_line, app):
    services(app).config["REGISTRATION_ATTEMPT_HOURS"] = 0
    stranger = Player(line, fake_line, STRANGER, clock)
    for code in ("AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555", "EEEE6666"):
        stranger.say(code)
    clock.advance(minutes=30)
    assert purge_retention(services(app)).registration_attempts == 0
    stranger.say("FFFF7777")
    assert "กรุณาลองใหม่หลังเวลา" in stranger.text          # the lock lasts its hour
    clock.advance(minutes=91)
    assert purge_retention(services(app)).registration_attempts == 5


def test_mentorbot_purge_prints_what_it_removed(runner, db, clock, people):
    seed(db, clock, people, mark="เก่า", house_id="42010000031", left_days_ago=1100)
    outbox_row(db, clock, "sent-9", status=OutboxStatus.SENT, days_ago=9, sent=True)

    result = runner.invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "households erased (left more than 1095 days ago): 1",
        "outbox rows emptied (done more than 7 days ago): 1",
        "registration attempts deleted (older than 24 hours): 0"]
    with db.transaction() as s:
        channels = set(s.scalars(select(AuditEvent.channel)))
    assert channels == {AuditChannel.OPERATOR}
    again = runner.invoke(args=["purge"])
    assert again.output.count(": 0") == 3


def test_the_clock_runs_the_retention_rules_every_night(app):
    job = build_scheduler(services(app)).get_job("purge-retention")
    assert job is not None and "hour='3'" in str(job.trigger)


def test_retention_periods_come_from_the_settings(app, db, clock, people):
    services(app).config["RETENTION_DAYS_AFTER_EXIT"] = 30
    left = seed(db, clock, people, mark="สั้น", house_id="42010000051", left_days_ago=31)
    assert purge_retention(services(app)).households == 1
    assert hits(db, left.personal) == []
