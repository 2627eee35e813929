"""The audit trail (issue 13): who saw and who changed which household's data, when, from where.

Played through the real webhook and dashboard: a mentor looking at their households and
reporting a visit, a coordinator taking the case, a coordinator opening a household page. The
records are read back from audit_events; the database itself refuses to change them."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from handlers import audit, audit_session, plans
from handlers.audit import Actor
from handlers.context import Context
from models import (
    AuditAction,
    AuditChannel,
    AuditEvent,
    Case,
    Household,
    ItemStatus,
    Person,
    Role,
    Visit,
)

from . import factories
from .case_fixtures import COORD_A, TZ, report_escalated_visit
from .dashboard_helpers import COORD, MENTOR, link_from_chat, path_of, player

VIEW, CHANGE = AuditAction.VIEW, AuditAction.CHANGE
CHAT, DASHBOARD = AuditChannel.CHAT, AuditChannel.DASHBOARD


def trail(db) -> list[AuditEvent]:
    with db.transaction() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def seen(db, **where) -> list[tuple]:
    """(action, channel, subject, actor, role, household, district, detail) of the records."""
    return [(e.action, e.channel, e.subject, e.actor_id, e.actor_role, e.household_id,
             e.district, e.detail) for e in trail(db)
            if all(getattr(e, key) == value for key, value in where.items())]


def test_a_mentor_seeing_the_card_and_saving_a_visit_leaves_views_and_changes(players, db,
                                                                            ids):
    mentor, household = ids["mentor"], ids["household"]
    assert trail(db) == []   # the set-up wrote households and assignments: no actor, no record
    players["mentor"].say("บ้านที่ดูแล")
    assert "นางสมศรี ใจดี" in players["mentor"].text
    assert seen(db) == [(VIEW, CHAT, "household", mentor, "mentor", household, "เมืองเลย",
                         None)]

    report_escalated_visit(players["mentor"])
    changes = seen(db, action=CHANGE)
    assert {(c[1], c[3], c[4], c[5], c[6]) for c in changes} == {
        (CHAT, mentor, "mentor", household, "เมืองเลย")}
    assert sorted(c[2] for c in changes) == ["case_events", "cases", "households",
                                             "visit_problems", "visits"]
    with db.transaction() as s:
        visit_id = s.scalar(select(Visit.id))
        case_id = s.scalar(select(Case.id))
    detail = {c[2]: c[7] for c in changes}
    assert detail["visits"] == {"op": "insert", "id": visit_id}
    assert detail["cases"] == {"op": "insert", "id": case_id}
    assert detail["households"]["op"] == "update" and detail["households"]["id"] == household
    assert {"last_visit_on", "next_visit_due"} <= set(detail["households"]["fields"])
    # The questions of the report showed no card: the only view is the list's.
    assert len(seen(db, action=VIEW)) == 1


def test_a_coordinator_seeing_and_taking_a_case(players, raised, db, ids):
    before = len(trail(db))
    players["other"].say("เรื่องรอดำเนินการ")             # another district: nothing of it
    players["a"].say("เรื่องรอดำเนินการ")
    case_id = _the_case(db).id
    assert seen(db, actor_id=ids["other"]) == []
    assert seen(db, actor_id=ids["a"]) == [
        (VIEW, CHAT, "case", ids["a"], "coordinator", ids["household"], "เมืองเลย",
         {"case_id": case_id})]
    players["a"].tap("รับเรื่อง", raised["a"])
    mine = seen(db, actor_id=ids["a"])[1:]
    assert sorted((r[0], r[2]) for r in mine) == [(CHANGE, "case_events"), (CHANGE, "cases"),
                                                (VIEW, "case")]   # and the fresh card
    [update] = [r for r in mine if r[2] == "cases"]
    assert {"status", "acknowledged_by_id", "acknowledged_at"} <= set(update[7]["fields"])
    assert len(trail(db)) == before + 4


def test_a_coordinator_registering_sees_the_cases_nobody_was_told(db, clock, line, fake_line):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี")
        household = factories.household(s, mentor, now=clock.now)
        case = Case(household_id=household.id, mentor_id=mentor.id, dimension="income",
                    province="เลย", district="เมืองเลย", created_at=clock.now)
        coordinator = factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR,
                                       phone=None)
        s.add(case)
        s.flush()
        code, ids = factories.code_for(s, coordinator, clock.now), (coordinator.id, case.id)
    newcomer = player(line, fake_line, clock, COORD_A)
    newcomer.say(code)
    assert "ยังไม่มีผู้รับ 1 เรื่องค่ะ" in newcomer.text
    assert seen(db) == [(VIEW, CHAT, "case", ids[0], "coordinator", household.id, "เมืองเลย",
                         {"case_id": ids[1]})]


def _the_case(db) -> Case:
    with db.transaction() as s:
        return s.scalars(select(Case)).one()


def test_an_event_that_fails_leaves_no_record(players, db, ids, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the alert could not be made")
    monkeypatch.setattr("handlers.cards.alert_coordinators", broken)
    with pytest.raises(AssertionError):
        report_escalated_visit(players["mentor"])   # the apology instead of the summary
    assert "ขออภัยค่ะ ระบบขัดข้องชั่วคราว" in players["mentor"].text
    with db.transaction() as s:
        assert s.scalar(select(Visit.id)) is None
    assert trail(db) == []


def test_a_transaction_writes_its_records_in_one_insert(db, ids, clock):
    """Three flushes of changes (an item added, its status set twice) and a view: one INSERT."""
    inserts: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            inserts.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.transaction() as s:
            mentor = s.get(Person, ids["mentor"])
            household = s.get(Household, ids["household"])
            ctx = Context(now=clock.now, tz=TZ)
            audit_session.act_as(s, Actor.of(mentor, CHAT), clock.now)
            audit_session.viewed_one(s, "plan", household)
            item = plans.add_item(s, household, mentor, plans.ItemDraft(
                "income", "ปลูกผักขาย", None, date(2026, 5, 1), date(2026, 6, 1)), ctx)
            s.flush()
            plans.change_status(s, item, mentor, ItemStatus.ONGOING, ctx)
            s.flush()
            plans.change_status(s, item, mentor, ItemStatus.DONE, ctx)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(inserts) == 1
    subjects = sorted(e.subject for e in trail(db))
    assert subjects == ["plan", *["plan_item_status_changes"] * 3, *["plan_items"] * 3]
    assert {e.household_id for e in trail(db)} == {ids["household"]}


def test_the_database_refuses_to_change_or_delete_a_record(db, ids, clock):
    with db.transaction() as s:
        audit.record(s, audit.OPERATOR, AuditAction.VIEW, "household", clock.now,
                     household=s.get(Household, ids["household"]))
    for statement in ("UPDATE audit_events SET subject = 'plan'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.transaction() as s:
                s.execute(text(statement))
    [record] = trail(db)
    assert record.subject == "household"


def test_the_dashboard_records_the_households_it_shows(app, db, line, fake_line, clock,
                                                        area_ids):
    client = app.test_client()
    assert client.get(path_of(link_from_chat(player(line, fake_line, clock, COORD)))
                      ).status_code == 303
    assert client.get("/dashboard/district").status_code == 200      # figures: no household
    assert trail(db) == []
    assert client.get(f"/dashboard/households/{area_ids['home']}").status_code == 200
    assert client.get(f"/dashboard/households/{area_ids['away']}").status_code == 404
    assert seen(db) == [(VIEW, DASHBOARD, "household", area_ids["coord"], "coordinator",
                         area_ids["home"], "เมืองเลย", None)]
    assert client.get(f"/dashboard/mentors/{area_ids['mentor']}").status_code == 200
    assert seen(db, subject="household_list") == [
        (VIEW, DASHBOARD, "household_list", area_ids["coord"], "coordinator",
         area_ids["home"], "เมืองเลย", {"mentor_id": area_ids["mentor"]})]


def test_no_record_holds_personal_data(app, db, line, fake_line, clock, area_ids):
    """A scripted walk through everything that records (lists, a plan, a visit with a typed
    note naming a person and a phone number, a case taken, referred and closed, the dashboard,
    an export): no name, phone number, house code or typed text in any subject or detail."""
    mentor, coordinator = (player(line, fake_line, clock, who) for who in (MENTOR, COORD))
    typed = ["มีรายได้พอใช้จ่าย", "โทร 0812345678 นางบุญมี ศรีสุข",
             "ได้เข้าฝึกอาชีพที่ศูนย์แล้ว 0899999999"]
    mentor.say("บ้านที่ดูแล")
    mentor.say("แผนพัฒนาครัวเรือน")
    mentor.tap("ตั้งเป้าหมาย")
    mentor.say(typed[0])
    mentor.tap("พอเพียง")
    report_escalated_visit(mentor, note=typed[1])
    coordinator.say("เรื่องรอดำเนินการ")
    coordinator.tap("รับเรื่อง")
    coordinator.tap("ส่งต่อหน่วยงาน")
    coordinator.tap("ข้อ 1")
    coordinator.tap("ปิดเรื่อง")
    coordinator.say(typed[2])
    assert "ปิดเรื่อง #" in coordinator.text
    client = app.test_client()
    client.get(path_of(link_from_chat(coordinator)))
    assert client.get(f"/dashboard/households/{area_ids['home']}").status_code == 200
    with db.transaction() as s:
        secrets = {*typed, *s.scalars(select(Person.name)), *s.scalars(select(Household.head_name)),
                   *s.scalars(select(Household.house_id)),
                   *(p for p in s.scalars(select(Person.phone)) if p)}
    records = trail(db)
    subjects = {e.subject for e in records}
    assert {"household", "plan", "case", "visits", "cases", "case_events",
            "household_plans"} <= subjects, subjects
    assert sum(1 for e in records if e.detail) >= 10     # the details are there to be read
    written = "\n".join(f"{e.subject} {json.dumps(e.detail, ensure_ascii=False)}"
                        for e in records)
    found = [secret for secret in secrets
             if secret in written or secret.split()[-1] in written]
    assert found == [], found
    assert all(e.actor_id is not None for e in records)
