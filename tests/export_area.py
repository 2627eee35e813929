"""The area the export tests share: two districts of เลย (and one of another province), with
mentors, households, plans and visits; and the CLI call the tests make.

The fixture clock is 7 May 2026 (10:00 in Bangkok)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers import plans as plan_logic
from handlers.context import Context
from models import (
    GoalLevel,
    ItemStatus,
    Role,
)

from . import factories

TZ = ZoneInfo("Asia/Bangkok")
INJECTION = '=HYPERLINK("http://x","y")'
MAY = ("--from", "2026-05-01", "--to", "2026-05-31")
COORD_PHONE, OTHER_COORD_PHONE, PROVINCE_PHONE = "0890000001", "0890000002", "0890000003"
OFFICER_LINE = "U" + "7" * 32


def export(runner, *args):
    return runner.invoke(args=["export", *args])


def ctx_at(moment: datetime) -> Context:
    return Context(now=moment, tz=TZ)


@pytest.fixture
def area_data(db, clock):
    """เมืองเลย: a registered mentor with two households (one with a goal and three items,
    one removed; one without a plan), an unregistered mentor with none, a coordinator; the
    next district (วังสะพุง) with a mentor, a household and a coordinator; a province officer."""
    now = clock.now
    april = now - timedelta(days=30)
    with db.transaction() as s:
        vichai = factories.person(s, name="นายวิชัย ทองดี", phone="0810000001",
                                  line_user_id="U" + "1" * 32)
        vichai.position, vichai.agency, vichai.registered_at = "นักวิชาการ", "อำเภอเมืองเลย", april
        factories.person(s, name="นางสาวใหม่ ยังไม่มา", phone="0810000002")
        first = factories.household(s, vichai, house_id="42010000011", head="นางสมศรี ใจดี",
                                    now=april)
        second = factories.household(s, vichai, house_id="42010000029", head="นายมา นาดี",
                                     now=april)
        first.last_visit_on, first.next_visit_due = date(2026, 4, 20), date(2026, 5, 20)
        second.last_visit_on, second.next_visit_due = date(2026, 4, 1), date(2026, 5, 1)
        other = factories.person(s, name="นายสมัย วังดี", phone="0810000003",
                                 district="วังสะพุง")
        factories.household(s, other, house_id="42050000016", head="นางวัง สะพุง", now=april)
        factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR, phone=COORD_PHONE)
        factories.person(s, name="นายรัตน์ ภูเรือ", role=Role.COORDINATOR,
                         phone=OTHER_COORD_PHONE, district="วังสะพุง")
        factories.person(s, name="นายจังหวัด เลยดี", role=Role.PROVINCE, phone=PROVINCE_PHONE,
                         district="")

        plan_logic.set_goal(s, first, vichai, "-1 ลดรายจ่าย", GoalLevel.SURVIVE, ctx_at(april))
        plan_logic.set_goal(s, first, vichai, "-1 ลดรายจ่าย", GoalLevel.SUFFICIENT,
                            ctx_at(now - timedelta(days=2)))

        def item(dimension, action, support, start, end):
            return plan_logic.add_item(s, first, vichai, plan_logic.ItemDraft(
                dimension, action, support, start, end), ctx_at(april))

        health = item("health", "@x ออกกำลังกาย", "+1 รพ.สต.", date(2026, 5, 1),
                      date(2026, 6, 1))
        income = item("income", INJECTION, None, date(2026, 4, 1), date(2026, 5, 1))
        item("education", "เรียนต่อ", None, date(2026, 9, 1), date(2026, 10, 1))  # out of range
        removed = item("living", "ซ่อมบ้าน", None, date(2026, 5, 1), date(2026, 5, 1))
        plan_logic.change_status(s, income, vichai, ItemStatus.DONE,
                                 ctx_at(now - timedelta(days=1)))
        plan_logic.remove_item(s, removed, vichai, ctx_at(now))
        return {"vichai": vichai.id, "first": first.id, "second": second.id,
                "health": health.id, "income": income.id}


# -- the files ------------------------------------------------------------------------------
