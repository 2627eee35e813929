"""`mentorbot erase household`: the family's personal data goes, every count stays."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from handlers.audit import OPERATOR
from handlers.conversations.views.district import district_numbers
from handlers.dashboard.figures import district_overview
from handlers.dashboard.province import province_overview
from handlers.exports.table import Area
from handlers.monthly_figures import monthly_figures
from handlers.privacy.erasure import ERASED, erase_household, placeholder
from models import (
    Assignment,
    AssistanceRecord,
    AuditAction,
    AuditChannel,
    AuditEvent,
    ConversationState,
    Household,
    HouseholdStatus,
    OutboxMessage,
    OutboxStatus,
    Role,
    Visit,
    VisitPhoto,
)

from . import factories
from .case_fixtures import COORD_A, COORD_B, MENTOR, drain, report_escalated_visit
from .privacy_fixtures import (
    conversations_about,
    hits,
    household_row,
    messages_about,
    rich_household,
    snapshot,
)

TZ = ZoneInfo("Asia/Bangkok")
OTHER_MENTOR = "U" + "8" * 32


@pytest.fixture
def two(db, clock):
    """Household A (to be erased) and household B of another mentor in the same district,
    each with something in every free-text column; conversations and messages about A."""
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        other = factories.person(s, name="นางสาวพร ดีงาม", phone="0810000098",
                                 line_user_id=OTHER_MENTOR)
        coordinator = factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR,
                                       phone=None, line_user_id=COORD_A)
        a = rich_household(s, mentor, coordinator, clock.now, house_id="42010000011",
                           head="นางสมศรี ใจดี", house_no="99/1", mark="ก")
        b = rich_household(s, other, coordinator, clock.now, house_id="42010000022",
                           head="นายมานะ ขยันยิ่ง", house_no="88/2", mark="ข")
        a.typed += conversations_about(s, a, MENTOR, COORD_A, clock.now)
        messages_about(s, a, COORD_A, clock.now)
        messages_about(s, b, COORD_A, clock.now)
        # B's mentor is half-way through a report of B: not touched by A's erasure.
        s.add(ConversationState(line_user_id=OTHER_MENTOR, flow="visit", step="skills",
                                data={"h": b.household_id, "said": {"attitude": b.typed[0]}},
                                version=2, updated_at=clock.now))
    return a, b


def figures(db, today):
    """Every figure the bot shows about the district and the province."""
    area = Area("เลย", "เมืองเลย")
    with db.reading() as s:
        return (monthly_figures(s, "เลย", "เมืองเลย", today, TZ),
                monthly_figures(s, "เลย", None, today, TZ),
                district_numbers(s, "เลย", "เมืองเลย", today),
                district_overview(s, area, today, tz=TZ, first_visit_days=14),
                province_overview(s, "เลย", today, tz=TZ, first_visit_days=14))


def test_erasing_a_household_leaves_nothing_personal_and_every_figure_as_it_was(
        runner, db, clock, two):
    a, b = two
    today = clock.now.astimezone(TZ).date()
    before = figures(db, today)
    assert hits(db, a.personal)                 # the search does find what is there

    result = runner.invoke(args=["erase", "household", "4201-0000-011", "--yes"])

    assert result.exit_code == 0, result.output
    assert f"household #{a.household_id}: erased; house code now " \
           f"{placeholder(a.household_id)}" in result.output
    for line in ("households: 1", "visit notes: 1", "problem notes: 1", "photos: 1",
                 "case notes: 1", "case event notes: 1", "assistance notes: 1",
                 "exit notes: 1", "plan goals: 1", "plan items: 1", "plan item revisions: 1",
                 "assignments ended: 1", "conversations reset: 2", "outbox rows: 2"):
        assert f"  {line}\n" in result.output
    assert hits(db, a.personal) == []
    assert {n for _, _, n in hits(db, b.personal)} == set(b.personal)   # B untouched
    assert figures(db, today) == before

    household = household_row(db, a.household_id)
    assert (household.house_id, household.head_name, household.house_no) == (
        placeholder(a.household_id), ERASED, None)
    assert household.erased_at == clock.now and household.status is HouseholdStatus.ACTIVE
    assert (household.village_name, household.subdistrict, household.members) == (
        "บ้านนาโป่ง", "นาโป่ง", 4)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 2
        assert s.scalar(select(func.count()).select_from(VisitPhoto)) == 1    # B's
        assert s.scalar(select(func.sum(AssistanceRecord.value_baht))) == 3000
        assert s.scalar(select(Assignment.ended_at).where(
            Assignment.household_id == a.household_id)) == clock.now
        waiting = s.scalar(select(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"test:waiting:{a.household_id}"))
        assert waiting.status is OutboxStatus.EXPIRED and waiting.messages == []
        assert s.scalar(select(OutboxMessage.status).where(
            OutboxMessage.dedupe_key == f"test:waiting:{b.household_id}")) \
            is OutboxStatus.PENDING
        mentor_state = s.get(ConversationState, MENTOR)
        assert (mentor_state.flow, mentor_state.data, mentor_state.version) == (None, {}, 4)
        assert s.get(ConversationState, OTHER_MENTOR).flow == "visit"
        [event] = s.scalars(select(AuditEvent)).all()
    assert (event.action, event.channel, event.subject, event.household_id, event.district) == (
        AuditAction.ERASE, AuditChannel.OPERATOR, "household", a.household_id, "เมืองเลย")
    assert event.detail["photos"] == 1 and event.at == clock.now


def test_a_second_erasure_changes_nothing(runner, db, clock, two):
    a, _ = two
    assert runner.invoke(args=["erase", "household", a.house_id, "--yes"]).exit_code == 0
    before = snapshot(db)
    clock.advance(days=1)

    result = runner.invoke(args=["erase", "household", placeholder(a.household_id)])

    assert result.exit_code == 0, result.output          # no question: nothing more is lost
    assert "was erased on 2026-05-07" in result.output
    assert "  households: 0\n" in result.output and "  visit notes: 0\n" in result.output
    assert snapshot(db) == before                        # the audit trail included
    with db.transaction() as s:
        household = s.get(Household, a.household_id)
        assert erase_household(s, household, clock.now, OPERATOR).total == 0
    assert snapshot(db) == before


def test_an_unknown_house_code_exits_non_zero_and_changes_nothing(runner, db, two):
    before = snapshot(db)
    result = runner.invoke(args=["erase", "household", "42019999999", "--yes"])
    assert result.exit_code == 1
    assert "no household has the house code '42019999999'" in result.output
    assert runner.invoke(args=["erase", "household", "not-a-code", "--yes"]).exit_code == 1
    assert snapshot(db) == before


def test_the_operator_is_asked_first(runner, db, two):
    a, _ = two
    before = snapshot(db)
    result = runner.invoke(args=["erase", "household", a.house_id], input="n\n")
    assert result.exit_code == 1 and f"Erase household #{a.household_id} (เมืองเลย, เลย)?" \
        in result.output
    assert snapshot(db) == before
    result = runner.invoke(args=["erase", "household", a.house_id], input="y\n")
    assert result.exit_code == 0 and "  households: 1\n" in result.output


def test_a_visit_reported_in_line_is_erased_with_its_household(
        app, runner, db, clock, ids, players, fake_line):
    """Through the real webhook: a visit with a typed note raises a case to the coordinators;
    the mentor is half-way through a second report, a 4 ท answer typed. After the erasure
    nothing of it is left, and the mentor no longer has the household."""
    mentor = players["mentor"]
    report_escalated_visit(mentor)                          # types "ต้องการฝึกอาชีพ"
    assert drain(app) == 1
    clock.advance(minutes=5)
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    mentor.tap("ไม่มีความเปลี่ยนแปลง")                     # the case raised above: waiting
    assert "ทัศนคติ" in mentor.text
    half_way = "ลูกสาวไม่สบายต้องพาไปหาหมอบ่อย"
    mentor.say(half_way)
    with db.reading() as s:
        assert half_way in str(s.get(ConversationState, MENTOR).data)
    personal = ["นางสมศรี ใจดี", "42010000011", "ต้องการฝึกอาชีพ", half_way]
    assert {n for _, _, n in hits(db, personal)} == set(personal)

    result = runner.invoke(args=["erase", "household", "42010000011", "--yes"])

    assert result.exit_code == 0, result.output
    assert hits(db, personal) == []
    mentor.say("บ้านที่ดูแล")
    assert "ยังไม่มีครัวเรือนในความดูแลของท่านค่ะ" in mentor.text
    assert len(fake_line.sent_messages(COORD_B)) == 1       # the alert, before the erasure


def test_a_photo_erased_while_the_clock_fetches_it_is_not_kept(app, runner, db, clock, two):
    """The clock reads the photos to fetch, asks LINE (slow), then writes the bytes: an
    erasure in between wins, and the fetch job carries on."""
    from bot.services import services
    from scheduler.jobs import fetch_visit_photos

    a, b = two
    with db.transaction() as s:
        s.add(VisitPhoto(visit_id=a.visit_id, line_message_id="m-late", created_at=clock.now))
    svc = services(app)
    fetch = svc.line.message_content

    def erased_meanwhile(message_id):
        assert runner.invoke(args=["erase", "household", a.house_id, "--yes"]).exit_code == 0
        return b"jpeg", "image/jpeg"

    svc.line.message_content = erased_meanwhile
    try:
        fetch_visit_photos(svc)
    finally:
        svc.line.message_content = fetch
    with db.transaction() as s:
        assert s.scalars(select(VisitPhoto.visit_id)).all() == [b.visit_id]
