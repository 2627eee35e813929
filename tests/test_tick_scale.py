"""The morning tick at scale: one streaming query, digests rendered from templates, written in
bulk a thousand per transaction. The same digests as the domain objects say, exactly one per
mentor with something due, none for anyone else, nothing new on a second tick."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert, select

from bot.services import services
from delivery.config import DEFAULTS
from delivery.outbox import enqueue_all
from delivery.postback_codec import PostbackCodec
from delivery.render import Renderer
from handlers.replies import Card, Cards, Push, TextReply
from models import (
    Assignment,
    Household,
    HouseholdStatus,
    OutboxCategory,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
)
from scheduler import mentor_digest, tick
from scheduler.digest_cards import digest
from scheduler.digest_templates import DigestRenderer
from scheduler.policy import Policy
from scheduler.tick import run_tick

BANGKOK = ZoneInfo("Asia/Bangkok")
TODAY = date(2026, 5, 20)            # a Wednesday
MENTORS = 120
POLICY = Policy.from_config(DEFAULTS)


def at(day: date, hh: int = 8, mm: int = 5) -> datetime:
    return datetime.combine(day, time(hh, mm), BANGKOK).astimezone(UTC)


def user(mentor_id: int) -> str:
    return f"U{mentor_id:032x}"


def is_due(mentor: int) -> bool:
    return mentor % 3 == 0 or mentor in (7, 8)


def households_of(mentor: int) -> int:
    return {7: 15, 8: 12}.get(mentor, 2)     # 7: more than a carousel holds; 8: just fits


@pytest.fixture
def province(db):
    """120 registered mentors, a third of them due (two households each; mentor 7 has 15 due,
    mentor 8 twelve), with the cases that must get nothing: 9 blocked the account, 12 never
    registered, 15's due household left the programme, 18's due household moved to mentor 1
    (who gets a digest for it); and a district coordinator, who is no mentor."""
    now = at(TODAY - timedelta(days=60))
    people, households, assignments = [], [], []
    h = 0
    for m in range(1, MENTORS + 1):
        people.append({"id": m, "role": Role.MENTOR, "name": f"นายพี่เลี้ยง ทดสอบ{m}",
                       "phone": f"08{m:08d}", "province": "เลย", "district": f"อำเภอ{m % 4}",
                       "line_user_id": None if m == 12 else user(m),
                       "line_blocked_at": now if m == 9 else None,
                       "registered_at": now, "created_at": now, "updated_at": now})
        for n in range(households_of(m)):
            h += 1
            due = (TODAY + timedelta(days=2 - (h * 5) % 30) if is_due(m) and n != 1 or m in (7, 8)
                   else TODAY + timedelta(days=3 + h % 40))
            households.append({
                "id": h, "house_id": f"42{h:09d}", "head_name": f"นางครัวเรือน ทดสอบ{h}",
                "village_no": None if h % 5 == 0 else str(h % 12 + 1),
                "village_name": None if h % 7 == 0 else "บ้านนาโป่ง", "district": "อำเภอ",
                "province": "เลย", "members": 3,
                "last_visit_on": None if h % 4 == 0 else due - timedelta(days=30),
                "next_visit_due": due,
                "status": HouseholdStatus.LEFT if m == 15 and n == 0 else HouseholdStatus.ACTIVE,
                "created_at": now, "updated_at": now})
            assignments.append({"household_id": h, "mentor_id": m, "assigned_at": now,
                                "ended_at": now if m == 18 and n == 0 else None})
            if m == 18 and n == 0:
                assignments.append({"household_id": h, "mentor_id": 1, "assigned_at": now})
    people.append({"id": MENTORS + 1, "role": Role.COORDINATOR, "name": "ผู้ประสาน",
                   "province": "เลย", "district": "อำเภอ", "line_user_id": "C" + "c" * 32,
                   "registered_at": now, "created_at": now, "updated_at": now})
    with db.transaction() as s:
        s.execute(insert(Person), people)
        s.execute(insert(Household), households)
        s.execute(insert(Assignment), assignments)
    due = {m for m in range(1, MENTORS + 1) if is_due(m)} - {9, 12, 15, 18} | {1}
    return {"due": due, "households": h}


def digests(db, day: date = TODAY) -> dict[int, OutboxMessage]:
    """Today's digests in the outbox, by mentor id."""
    with db.transaction() as s:
        rows = s.scalars(select(OutboxMessage).where(
            OutboxMessage.category == OutboxCategory.DIGEST,
            OutboxMessage.dedupe_key.like(f"reminder:%:{day.isoformat()}"))).all()
    return {int(row.dedupe_key.split(":")[1]): row for row in rows}


def test_one_digest_per_mentor_with_something_due_and_none_for_the_rest(app, db, province):
    assert province["households"] > 250
    report = run_tick(services(app), at(TODAY), send=False)
    queued = digests(db)
    assert set(queued) == province["due"]
    assert report.queued["mentor digests"] == len(province["due"])
    for mentor_id, row in queued.items():
        assert row.recipients == [user(mentor_id)] and row.status is OutboxStatus.PENDING
        assert row.expires_at == POLICY.end_of_day(TODAY)   # read back through the ORM types
        assert row.next_attempt_at == at(TODAY)
    [seven] = [m for m in queued[7].messages if m["type"] == "flex"]
    assert len(seven["contents"]["contents"]) == 11                # 11 cards and "and 4 more"
    assert "และอีก 4 ครัวเรือน" in str(queued[7].messages)
    assert len(queued[8].messages[0]["contents"]["contents"]) == 12
    again = run_tick(services(app), at(TODAY, 8, 6), send=False)
    assert again.queued["mentor digests"] == 0
    assert set(digests(db)) == province["due"]


@pytest.mark.parametrize("day", [TODAY, date(2026, 5, 25)])   # the 25th: the monthly notice too
def test_the_streamed_digests_are_the_ones_the_domain_objects_make(app, db, province, day):
    svc = services(app)
    with db.transaction() as s:
        expected = {push.dedupe_key: svc.renderer.messages(list(push.replies))
                    for push in mentor_digest.mentor_digests(s, day, POLICY)}
    assert len(expected) >= len(province["due"])      # more are due by the 25th
    run_tick(svc, at(day, 9, 30), send=False)
    got = {row.dedupe_key: row.messages for row in digests(db, day).values()}
    assert got == expected
    if day.day == 25:
        assert all("แจ้งเตือนประจำเดือน" in str(messages[-1]) for messages in got.values())


def test_a_tick_that_dies_midway_leaves_the_rest_to_the_next(app, db, province, monkeypatch):
    """A thousand digests per transaction (here five): the ones committed stay, the next tick
    queues the others, and nobody gets two."""
    monkeypatch.setattr(tick, "DIGESTS_PER_TRANSACTION", 5)
    real, calls = tick.enqueue_rendered, []

    def failing(session, chunk, now):
        calls.append(len(chunk))
        if len(calls) == 3:
            raise ConnectionError("database went away")
        return real(session, chunk, now)

    monkeypatch.setattr(tick, "enqueue_rendered", failing)
    with pytest.raises(ConnectionError):
        run_tick(services(app), at(TODAY), send=False)
    assert len(digests(db)) == 10
    monkeypatch.setattr(tick, "enqueue_rendered", real)
    report = run_tick(services(app), at(TODAY, 8, 6), send=False)
    assert report.queued["mentor digests"] == len(province["due"]) - 10
    assert set(digests(db)) == province["due"]


def test_a_digest_that_fails_to_render_stops_the_tick_after_what_is_written(
        app, db, province, monkeypatch):
    monkeypatch.setattr(tick, "DIGESTS_PER_TRANSACTION", 1)
    real, calls = DigestRenderer.queued, []

    def failing(self, *args):
        calls.append(args)
        if len(calls) == 4:
            raise ValueError("13 cards in a carousel")
        return real(self, *args)

    monkeypatch.setattr(DigestRenderer, "queued", failing)
    with pytest.raises(ValueError):
        run_tick(services(app), at(TODAY), send=False)
    assert len(digests(db)) == 3


def test_a_dry_run_counts_the_same_and_keeps_nothing(app, db, province):
    svc = services(app)
    dry = run_tick(svc, at(TODAY), send=False, dry_run=True)
    assert dry.queued["mentor digests"] == len(province["due"])
    assert digests(db) == {}
    assert run_tick(svc, at(TODAY), send=False).queued == dry.queued


def test_the_bulk_insert_writes_every_column_the_database_needs():
    """The outbox's bulk insert names its columns: a new column that must have a value and has
    no server default would fail there first."""
    from delivery import outbox

    needed = {c.name for c in OutboxMessage.__table__.columns
              if not c.nullable and c.server_default is None and not c.primary_key}
    assert needed <= set(outbox._COLUMNS)


def test_pushes_with_one_key_in_one_call_are_queued_once(db, clock):
    renderer = Renderer(PostbackCodec("secret"))
    push = Push(to=(user(1),), replies=(TextReply("แจ้ง"),), dedupe_key="k:1")
    other = Push(to=(user(2),), replies=(TextReply("แจ้ง"),))
    with db.transaction() as s:
        assert enqueue_all(s, renderer, [push, other, push], clock.now) == 2
    with db.transaction() as s:
        assert enqueue_all(s, renderer, [push], clock.now) == 0
        assert len(s.scalars(select(OutboxMessage)).all()) == 2


def test_only_a_district_with_news_has_its_details_gathered(app, db):
    """District X has a household 14 days overdue today (news); district Y only older ones (no
    news on a Wednesday): X's coordinator hears of X's five longest overdue and nothing of Y's;
    Y's hears nothing; a later tick gathers no details at all."""
    now = at(TODAY - timedelta(days=90))
    with db.transaction() as s:
        for n, (district, lates) in enumerate([("X", [14, 20, 30, 16, 15, 40, 3]),
                                               ("Y", [50, 45, 19])]):
            s.execute(insert(Person), [
                {"id": 10 * n + 1, "role": Role.MENTOR, "name": f"นายพี่เลี้ยง {district}",
                 "province": "เลย", "district": district, "line_user_id": user(10 * n + 1),
                 "created_at": now, "updated_at": now},
                {"id": 10 * n + 2, "role": Role.COORDINATOR, "name": f"ผู้ประสาน {district}",
                 "province": "เลย", "district": district, "line_user_id": user(10 * n + 2),
                 "created_at": now, "updated_at": now}])
            for k, late in enumerate(lates):
                hid = 100 * (n + 1) + k
                s.execute(insert(Household), [{
                    "id": hid, "house_id": f"42{hid:09d}", "head_name": f"บ้าน{district}{late}",
                    "district": district, "province": "เลย", "members": 3,
                    "next_visit_due": TODAY - timedelta(days=late), "created_at": now,
                    "updated_at": now}])
                s.execute(insert(Assignment), [{"household_id": hid, "mentor_id": 10 * n + 1,
                                                "assigned_at": now}])
    report = run_tick(services(app), at(TODAY), send=False)
    assert report.queued["coordinator digests"] == 1
    with db.transaction() as s:
        [alert] = s.scalars(select(OutboxMessage).where(
            OutboxMessage.category == OutboxCategory.ALERT)).all()
    assert alert.recipients == [user(2)]
    text = str(alert.messages)
    assert [late for late in (40, 30, 20, 16, 15, 14, 3) if f"บ้านX{late} " in text] == \
        [40, 30, 20, 16, 15]
    assert "บ้านY" not in text
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    again = run_tick(services(app), at(TODAY, 8, 6), send=False)
    event.remove(db.engine, "before_cursor_execute", count)
    assert again.queued["coordinator digests"] == 0
    assert statements and not [q for q in statements if "row_number" in q.lower()]


def test_a_mixed_batch_keeps_every_row_as_it_was_given(db, clock):
    """One bulk statement for rows that differ in every column the outbox keeps."""
    renderer = Renderer(PostbackCodec("secret"))
    later = clock.now + timedelta(hours=5)
    pushes = [Push(to=(user(1),), replies=(TextReply("หนึ่ง"),), dedupe_key="k:1",
                   category="digest", expires_at=later),
              Push(to=(user(2),), replies=(TextReply("สอง"), TextReply("สาม")), silent=True,
                   urgent=True),
              Push(to=tuple(user(n) for n in range(3, 603)), replies=(TextReply("ประกาศ"),),
                   dedupe_key="k:all", category="broadcast")]
    with db.transaction() as s:
        assert enqueue_all(s, renderer, pushes, clock.now) == 4
    with db.transaction() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        got = [(r.kind.value, len(r.recipients), r.messages, r.notification_disabled,
                r.category.value, r.urgent, r.expires_at, r.dedupe_key, r.status, r.attempts,
                r.next_attempt_at, r.created_at) for r in rows]
    text = [{"type": "text", "text": t} for t in ("หนึ่ง", "สอง", "สาม", "ประกาศ")]
    pending, now = OutboxStatus.PENDING, clock.now
    assert got == [
        ("push", 1, text[:1], False, "digest", False, later, "k:1", pending, 0, now, now),
        ("push", 1, text[1:3], True, "alert", True, None, None, pending, 0, now, now),
        ("multicast", 500, text[3:], False, "broadcast", False, None, "k:all", pending, 0, now,
         now),
        ("multicast", 100, text[3:], False, "broadcast", False, None, "k:all#1", pending, 0,
         now, now)]
    assert len({r.retry_key for r in rows}) == 4


# -- the templates, without a database ----------------------------------------------------------

def household(n: int, late: int, *, head: str | None = None, village_no: str | None = "3",
              village_name: str | None = "บ้านนาโป่ง", visited: bool = True):
    due = TODAY - timedelta(days=late)
    return SimpleNamespace(household_id=n, head_name=head or f"นางครัวเรือน ทดสอบ{n}",
                           village_no=village_no, village_name=village_name,
                           next_visit_due=due, last_visit_on=due - timedelta(days=30) if visited
                           else None)


SHAPES = [
    [household(1, 0)],                                           # due today
    [household(2, -2, village_no=None)],                         # due soon, no village number
    [household(3, 3, village_no=None, village_name=None)],       # overdue, no subtitle
    [household(4, 20, visited=False), household(5, 1)],          # firm line; never visited
    [household(n, n % 25 - 2) for n in range(10, 25)],          # more than a carousel holds
    [household(6, 9, head='นาง "อ้อย" \\ ใจดี\n')],              # text JSON must escape
    [household(7, 8, head="ก" * 290)],                           # displayText clipped: Renderer
    [household(9, 5), household(10, 6, head="ข" * 250)],         # long, not clipped: template
]


@pytest.mark.parametrize("monthly", [None, "แจ้งเตือนประจำเดือน"])
def test_a_template_renders_every_shape_as_the_renderer_does(monthly):
    renderer = Renderer(PostbackCodec("secret"))
    fast = DigestRenderer(renderer, TODAY, POLICY, monthly)
    for n, households in enumerate([*SHAPES, [household(8, 1)]]):
        name = "นายพี่เลี้ยง" + ("ข" * 400 if n == len(SHAPES) else "")   # alt text clipped
        slow = digest(n, name, user(n), households, TODAY, POLICY, monthly)
        queued = fast.queued(n, name, user(n), households)
        assert json.loads(queued.messages) == renderer.messages(list(slow.replies))
        assert (queued.to, queued.dedupe_key, queued.expires_at) == (
            slow.to, slow.dedupe_key, slow.expires_at)
    # Shapes are few: one template each, reused for every household of that shape.
    assert 0 < len([t for t in fast._cards.values() if t is not None]) <= 12


class ClippingRenderer(Renderer):
    """A renderer that changes a value (titles cut to 10 characters): a template made with
    placeholders cannot know it, so the check on a shape's first card turns the template down."""

    def message(self, reply):
        if isinstance(reply, Cards):
            reply = Cards(alt_text=reply.alt_text, buttons=reply.buttons, cards=tuple(
                Card(title=c.title[:10], fields=c.fields, body=c.body, buttons=c.buttons,
                     subtitle=c.subtitle, accent=c.accent) for c in reply.cards))
        return super().message(reply)


def test_a_renderer_that_changes_values_is_never_templated_around():
    renderer = ClippingRenderer(PostbackCodec("secret"))
    fast = DigestRenderer(renderer, TODAY, POLICY, None)
    households = [household(1, 3), household(2, 4)]
    slow = digest(1, "นายพี่เลี้ยง", user(1), households, TODAY, POLICY, None)
    assert json.loads(fast.queued(1, "นายพี่เลี้ยง", user(1), households).messages) == \
        renderer.messages(list(slow.replies))
    assert set(fast._cards.values()) == {None}
