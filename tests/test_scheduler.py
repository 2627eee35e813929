"""The clock: a month of days in a small district, quiet hours, downtime, twice-run ticks."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.services import services
from handlers.context import Context
from handlers.visits import VisitDraft, record_visit
from models import Household, OutboxMessage, OutboxStatus, Person, Role
from scheduler.tick import run_tick

from . import factories

BANGKOK = ZoneInfo("Asia/Bangkok")
A, B, C = ("U" + c * 32 for c in "abc")     # mentors A and B, coordinator C


def at(day: date, hh: int = 8, mm: int = 5) -> datetime:
    return datetime.combine(day, time(hh, mm), BANGKOK).astimezone(UTC)


@pytest.fixture
def district(db):
    """Mentor A: a household assigned on 1 May, never visited (first visit due 15 May).
    Mentor B: two households due 10 and 20 May. An unregistered mentor: a household due 5 May.
    Coordinator C of the same district."""
    with db.transaction() as s:
        a = factories.person(s, name="นายเอ ทดสอบ", phone="0810000101", line_user_id=A)
        b = factories.person(s, name="นางบี ทดสอบ", phone="0810000102", line_user_id=B)
        u = factories.person(s, name="นายยู ทดสอบ", phone="0810000103")
        factories.person(s, name="นางสาวซี ผู้ประสาน", role=Role.COORDINATOR, phone=None,
                         line_user_id=C)
        ha = factories.household(
            s, a, house_id="42010000101", head="นางบ้านเอ", now=at(date(2026, 5, 1))
        )
        hb = factories.household(
            s, b, house_id="42010000102", head="นายบ้านบี", now=at(date(2026, 4, 1))
        )
        hb2 = factories.household(
            s, b, house_id="42010000103", head="นางบ้านบีสอง", now=at(date(2026, 4, 1))
        )
        hu = factories.household(
            s, u, house_id="42010000104", head="นายบ้านยู", now=at(date(2026, 4, 1))
        )
        hb.next_visit_due, hb2.next_visit_due = date(2026, 5, 10), date(2026, 5, 20)
        hb.last_visit_on = hb2.last_visit_on = date(2026, 4, 10)
        hu.next_visit_due, hu.last_visit_on = date(2026, 5, 5), date(2026, 4, 5)
        return {"a": a.id, "ha": ha.id}


def pushes(fake_line, since: int = 0) -> Counter:
    """Push and multicast requests LINE accepted per recipient, from request number ``since``
    (a push of a digest and a notice is one push: two messages, one notification)."""
    counts: Counter = Counter()
    for request in fake_line.requests[since:]:
        if request.status == 200 and request.path.endswith(("/push", "/multicast")):
            to = request.json["to"]
            counts.update([to] if isinstance(to, str) else to)
    return counts


def report_visit(db, household_id, mentor_id, day: date, now: datetime):
    with db.transaction() as s:
        household, mentor = s.get(Household, household_id), s.get(Person, mentor_id)
        record_visit(
            s,
            household,
            mentor,
            VisitDraft(day, None, None, None, None, (), day + timedelta(days=30)),
            Context(now=now, tz=BANGKOK),
        )


def test_a_month_in_a_small_district(app, db, fake_line, district):
    svc = services(app)
    received: dict[str, list[int]] = {A: [], B: [], C: []}
    firm_days, escalated_days, broadcast_days = [], [], []
    for n in range(1, 32):
        day = date(2026, 5, n)
        seq = fake_line.deliveries()[-1].seq if fake_line.deliveries() else 0
        first_request = len(fake_line.requests)
        run_tick(svc, at(day, 8, 5))
        run_tick(svc, at(day, 9, 5))  # a second tick the same morning sends no repeats
        got = pushes(fake_line, first_request)
        texts = str([d.message for d in fake_line.deliveries(since=seq)])
        for user in received:
            assert got[user] <= 1, (day, user, got)  # one push a day, all sources together
            if got[user]:
                received[user].append(n)
        firm_days += [n] if "เลยกำหนดเยี่ยมมา" in texts else []
        escalated_days += [n] if "เลยกำหนดนานที่สุด" in texts else []
        broadcast_days += [n] if "แจ้งเตือนประจำเดือน" in texts else []
        if day == date(2026, 5, 16):
            report_visit(db, district["ha"], district["a"], day, at(day, 10))
    assert received[A] == [13, 14, 15, 16, 25]  # due 15 May, visited 16th; notice 25th
    assert received[B] == list(range(8, 32))  # due 10 May, never visited
    # C: the Monday standings (11, 18, 25), and the days a household turned 14 days overdue
    # (19: the unregistered mentor's, 24: B's first). Not every day something is overdue.
    assert received[C] == [11, 18, 19, 24, 25]
    assert firm_days[0] == 17  # 7 days overdue (B's first household)
    assert escalated_days[0] == 19  # 14 days overdue (unregistered mentor)
    assert broadcast_days == [25]
    [notice_day_b] = [m for m in fake_line.sent_messages(B) if "แจ้งเตือนประจำเดือน" in str(m)]
    assert notice_day_b["type"] == "text"  # inside B's digest push that day
    with db.transaction() as s:
        assert s.scalar(
            select(Household.next_visit_due).where(Household.id == district["ha"])
        ) == date(2026, 6, 15)


def test_the_digest_lists_most_overdue_first_with_a_visit_button(app, fake_line, district):
    run_tick(services(app), at(date(2026, 5, 18)))
    [digest] = fake_line.sent_messages(B)
    bubbles = digest["contents"]["contents"]
    assert [b["header"]["contents"][0]["text"] for b in bubbles] == ["นายบ้านบี", "นางบ้านบีสอง"]
    assert "รายงานการเยี่ยม" in str(bubbles[0]["footer"])


def test_nothing_is_pushed_in_quiet_hours_and_it_waits_for_the_morning(
    app, db, fake_line, district
):
    from delivery.outbox import enqueue_messages

    svc = services(app)
    evening = at(date(2026, 5, 12), 21, 0)
    with db.transaction() as s:  # e.g. a case update for mentor A
        enqueue_messages(s, [A], [{"type": "text", "text": "อัปเดตเรื่อง"}], evening)
    report = run_tick(svc, evening)
    assert report.quiet and report.queued == {} and fake_line.deliveries() == []
    run_tick(svc, at(date(2026, 5, 13), 6, 59))
    assert fake_line.deliveries() == []
    run_tick(svc, at(date(2026, 5, 13), 7, 0))  # quiet hours over: the update goes
    assert [d.message["text"] for d in fake_line.deliveries()] == ["อัปเดตเรื่อง"]
    run_tick(svc, at(date(2026, 5, 13), 8, 0))  # and the digests at their hour
    assert {d.user_id for d in fake_line.deliveries()} == {A, B}  # C: no news on a Wednesday


def test_after_days_of_downtime_one_current_digest_is_sent(app, fake_line, district):
    svc = services(app)
    run_tick(svc, at(date(2026, 5, 9)))
    before = len(fake_line.requests)
    run_tick(svc, at(date(2026, 5, 14), 15, 30))  # the clock was down for 5 days
    got = pushes(fake_line, before)
    assert got == Counter({B: 1, A: 1})  # C: no news that Thursday
    [digest] = fake_line.sent_messages(B)[-1:]
    assert "เลยกำหนด 4 วัน" in str(digest)  # as of today, not a missed day


def test_two_ticks_at_once_send_each_thing_once(app, second_worker, fake_line, district):
    second = second_worker
    barrier = threading.Barrier(2)
    errors = []

    def tick(app_):
        barrier.wait()
        try:
            run_tick(services(app_), at(date(2026, 5, 25), 9, 30))
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(a,)) for a in (app, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # A and B: digest + monthly notice; C: district digest. Each exactly once.
    assert pushes(fake_line) == Counter({B: 1, A: 1, C: 1})


def test_line_failing_then_recovering_delivers_everything_exactly_once(
    app, db, fake_line, district
):
    svc = services(app)
    svc.line.timeout = 0.5
    fake_line.fail_next(2, status=500)
    fake_line.fail_next(1, status=429, body={"message": "The API rate limit has been exceeded."})
    fake_line.fail_next(1, timeout=1.2)  # delivered, but the answer is late
    moment = at(date(2026, 5, 25), 9, 30)
    for minutes in range(0, 120, 5):  # the clock keeps ticking
        run_tick(svc, moment + timedelta(minutes=minutes))
    assert pushes(fake_line) == Counter({B: 1, A: 1, C: 1})
    with db.transaction() as s:
        assert {r.status for r in s.scalars(select(OutboxMessage))} == {OutboxStatus.SENT}


def test_an_unacknowledged_case_is_raised_again_once(app, db, fake_line, district, clock):
    from handlers.cases import raise_case

    svc = services(app)
    with db.transaction() as s:
        household = s.get(Household, district["ha"])
        case = raise_case(
            s,
            household=household,
            mentor=s.get(Person, district["a"]),
            dimension="income",
            note=None,
            agency="กระทรวงแรงงาน",
            problem_id=None,
            ctx=Context(now=at(date(2026, 5, 1), 10), tz=BANGKOK),
        )
        case_id = case.id
    cards = []
    for n in range(2, 8):
        seq = fake_line.deliveries()[-1].seq if fake_line.deliveries() else 0
        run_tick(svc, at(date(2026, 5, n), 12))
        cards += [
            n
            for d in fake_line.deliveries(since=seq)
            if d.user_id == C and f"#{case_id}" in str(d.message)
        ]
    assert cards == [4]


def test_tick_command_prints_what_it_did(runner, fake_line, district):
    result = runner.invoke(args=["scheduler", "tick", "--at", "2026-05-25T09:30"])
    assert result.exit_code == 0, result.output
    assert "tick at 2026-05-25 09:30 (Asia/Bangkok)" in result.output
    assert "queued mentor digests: 2" in result.output
    # Both mentors had the month's notice inside their digest: no separate broadcast.
    assert "queued monthly broadcast: 0" in result.output
    assert "sent 3" in result.output


def test_tick_dry_run_keeps_nothing_and_sends_nothing(runner, fake_line, district, db):
    result = runner.invoke(args=["scheduler", "tick", "--at", "2026-05-25T09:30", "--dry-run"])
    assert "would queue mentor digests: 2" in result.output
    assert fake_line.requests == []
    with db.transaction() as s:
        assert s.scalars(select(OutboxMessage)).all() == []
    result = runner.invoke(args=["scheduler", "tick", "--at", "2026-05-25T09:30"])
    assert "queued mentor digests: 2" in result.output  # the real run is not spoiled


def test_broadcast_dry_run_counts_recipients_and_quota(runner, fake_line, district):
    fake_line.set_quota(limit=300, used=299)
    result = runner.invoke(args=["broadcast", "--to", "mentors", "--dry-run", "ประชุมวันศุกร์"])
    assert "recipients: 2" in result.output and "NOT enough" in result.output
    assert fake_line.deliveries() == []
    result = runner.invoke(args=["broadcast", "--to", "coordinators", "ประชุมวันศุกร์"])
    assert "recipients: 1" in result.output and "queued 1" in result.output


def test_reporting_a_visit_clears_its_pending_reminder(app, db, fake_line, district):
    svc = services(app)
    morning = at(date(2026, 5, 16), 8, 5)
    run_tick(svc, morning, send=False)  # A's digest queued, not sent yet
    report_visit(db, district["ha"], district["a"], date(2026, 5, 16), morning)
    run_tick(svc, morning + timedelta(minutes=1))
    assert fake_line.sent_messages(A) == []  # nothing left to remind A of
    assert len(fake_line.sent_messages(B)) == 1


def test_yesterdays_unsent_digest_is_never_sent_late(app, db, fake_line, district):
    """The clock died after queueing; the next morning only today's digest goes out."""
    svc = services(app)
    run_tick(svc, at(date(2026, 5, 12)), send=False)
    before = len(fake_line.requests)
    run_tick(svc, at(date(2026, 5, 13), 7, 30))
    run_tick(svc, at(date(2026, 5, 13), 8, 5))
    assert pushes(fake_line, before) == Counter({A: 1, B: 1})
    with db.transaction() as s:
        statuses = Counter(r.status for r in s.scalars(select(OutboxMessage)))
    assert statuses[OutboxStatus.EXPIRED] == 1  # B's digest of 12 May


def test_digests_held_for_quota_expire_instead_of_piling_up(app, db, fake_line, district):
    svc = services(app)
    fake_line.set_quota(limit=100, used=100)
    for n in range(26, 32):
        run_tick(svc, at(date(2026, 5, n)))
    assert fake_line.deliveries() == []
    fake_line.set_quota(limit=None)  # a new month
    run_tick(svc, at(date(2026, 6, 1)))  # a Monday: C's weekly standing too
    assert pushes(fake_line) == Counter({A: 1, B: 1, C: 1})  # today's only, not six days'
    assert "พฤษภาคม" not in str(fake_line.sent_messages(A))  # May's notice expired with May


def test_a_visit_does_not_drop_a_digest_line_may_have_delivered(app, db, fake_line, district):
    svc = services(app)
    svc.line.timeout = 0.5
    morning = at(date(2026, 5, 15), 8, 5)
    fake_line.fail_next(1, timeout=1.2, endpoint="push")  # delivered, but the answer is late
    run_tick(svc, morning)
    report_visit(db, district["ha"], district["a"], date(2026, 5, 15), morning)
    for minutes in (1, 5, 10):
        run_tick(svc, morning + timedelta(minutes=minutes))
    assert pushes(fake_line)[A] == 1  # the retry is answered 409


def test_a_digest_time_in_quiet_hours_is_refused(app):
    from delivery.config import ConfigError
    from scheduler.policy import Policy

    with pytest.raises(ConfigError, match="MENTOR_DIGEST_TIME 21:00"):
        Policy.from_config({**services(app).config, "MENTOR_DIGEST_TIME": "21:00"})


def test_a_clock_down_on_broadcast_day_still_sends_that_months_reminder(
    app, fake_line, district, db
):
    svc = services(app)
    report_visit(db, district["ha"], district["a"], date(2026, 5, 20), at(date(2026, 5, 20), 10))
    run_tick(svc, at(date(2026, 5, 24)))
    run_tick(svc, at(date(2026, 5, 26), 10))  # down on the 25th
    notices = [d.user_id for d in fake_line.deliveries() if "แจ้งเตือนประจำเดือน" in str(d.message)]
    assert sorted(notices) == sorted([A, B])
    run_tick(svc, at(date(2026, 5, 27), 10))
    assert len([d for d in fake_line.deliveries() if "แจ้งเตือนประจำเดือน" in str(d.message)]) == 2


def test_a_rate_limit_pauses_the_whole_drain(app, db, fake_line):
    from delivery.outbox import enqueue_messages
    from delivery.outbox_sender import OutboxSender

    svc = services(app)
    now = at(date(2026, 5, 12), 10)
    with db.transaction() as s:
        for n in range(20):
            enqueue_messages(s, [f"U{n:032x}"], [{"type": "text", "text": "แจ้ง"}], now)
    fake_line.fail_next(
        1, status=429, body={"message": "The API rate limit has been exceeded."}, endpoint="push"
    )
    result = OutboxSender(svc.db, svc.line, lambda: now).drain()
    assert result.rate_limited and result.sent == 0
    assert len(fake_line.calls("push")) == 1  # stopped at the first 429
    later = now + timedelta(minutes=1)  # past the 429 row's own backoff
    assert OutboxSender(svc.db, svc.line, lambda: later).drain().sent == 20


def test_people_who_blocked_the_account_get_no_reminders(app, db, line, fake_line, district):
    from .line_events import base_event, follow_event

    line.post(base_event("unfollow", B))
    svc = services(app)
    run_tick(svc, at(date(2026, 5, 11)))
    assert B not in pushes(fake_line)
    before = len(fake_line.requests)
    line.post(follow_event(B))  # unblocked
    run_tick(svc, at(date(2026, 5, 12)))
    assert pushes(fake_line, before)[B] == 1
