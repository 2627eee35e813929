"""Every step of every flow asks its question within LINE's limits: rendered without a database
or HTTP. The session is a stand-in that answers each query with a made-up record of the type
asked for, so a new step (or a step that grows a button too many) is caught here first."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from delivery.postback_codec import PostbackCodec
from delivery.render import Renderer
from handlers.context import Context
from handlers.conversations.engine import Conversation, Engine, Flow, Step, with_cancel
from handlers.conversations.router import ENGINE
from handlers.limits import MAX_BUBBLES, MAX_LABEL, MAX_MESSAGES, MAX_QUICK_REPLIES
from handlers.replies import Button, Card, Cards, Outcome, TextReply
from models import (
    Agency,
    Assignment,
    AssistanceKind,
    Case,
    CaseStatus,
    ConversationState,
    Household,
    HouseholdPlan,
    ItemStatus,
    Person,
    PlanItem,
    Role,
)

NOW = datetime(2026, 5, 7, 3, 0, tzinfo=UTC)
MENTOR = Person(id=1, role=Role.MENTOR, name="นายวิชัย ทองดี", district="เมืองเลย", province="เลย",
                line_user_id="U" + "4" * 32)
COORDINATOR = Person(id=2, role=Role.COORDINATOR, name="นางสาวมาลี ศรีเลย", district="เมืองเลย",
                     province="เลย", line_user_id="U" + "5" * 32)
HOUSEHOLD = Household(id=1, house_id="42010000011", head_name="นางสมศรี ใจดี", village_no="3",
                      village_name="บ้านนาโป่ง", subdistrict="นาโป่ง", district="เมืองเลย",
                      province="เลย", members=4)
RECORDS = {
    Household: HOUSEHOLD,
    AssistanceKind: AssistanceKind(code="supplies", label_th="สิ่งของ/อุปกรณ์การเกษตร",
                                   short_th="สิ่งของ/อุปกรณ์", position=8),
    Agency: Agency(id=1, province="", district="", short_name="พัฒนาฝีมือแรงงาน",
                   name="สำนักงานพัฒนาฝีมือแรงงาน / สถาบันพัฒนาฝีมือแรงงาน",
                   ministry="กระทรวงแรงงาน", dimensions="income|education", position=17,
                   active=True),
    Assignment: Assignment(id=1, household_id=1, mentor_id=1, assigned_at=datetime(2026, 3, 1,
                                                                                   tzinfo=UTC),
                           household=HOUSEHOLD, mentor=MENTOR),
    HouseholdPlan: HouseholdPlan(household_id=1, goal="พอเพียง", level=None),
    PlanItem: PlanItem(id=1, household_id=1, dimension="income", household_action="ปลูกผัก",
                       support_action=None, start_month=date(2026, 5, 1),
                       end_month=date(2026, 6, 1), status=ItemStatus.NOT_STARTED),
    Case: Case(id=1, household_id=1, mentor_id=1, dimension="income", status=CaseStatus.OPEN,
               district="เมืองเลย", province="เลย", created_at=NOW, household=HOUSEHOLD,
               mentor=MENTOR),
}
# What a flow has gathered by the time it reaches any step.
DATA = {"h": 1, "case": 1, "date": "2026-05-07", "next": "2026-06-06", "dim": "income",
        "dims": ["income"], "problems": [{"d": "income", "o": True}], "pi": 0,
        "goal": "พอเพียง", "doing": "ปลูกผัก", "support": None, "start": "2026-05-01",
        "i": 1, "reason": "other", "as": {"d": "income", "k": "advice"},
        "fl": [{"t": "item", "id": 1}, {"t": "case", "id": 1}], "fi": 0, "fa": {}, "fh": {}}


class NoDatabase:
    """Answers ``get``, ``scalar`` and ``scalars`` with the made-up record of the entity asked
    for; anything else a question needs is a failure of this test, on purpose."""

    def get(self, model, _id):
        return RECORDS.get(model)

    def scalar(self, statement):
        entity = statement.column_descriptions[0].get("entity")
        return RECORDS.get(entity)

    def scalars(self, statement):
        found = self.scalar(statement)
        return [found] if found is not None else []

    def execute(self, statement):
        raise AssertionError(f"a question ran a query: {statement}")


def steps():
    return [(flow, step) for flow in ENGINE.flows for step in ENGINE.flows[flow].steps]


@pytest.mark.parametrize("flow,step", steps())
def test_every_step_asks_within_lines_limits(flow, step):
    person = COORDINATOR if flow.startswith("case_") else MENTOR
    state = ConversationState(line_user_id=person.line_user_id, flow=flow, step=step,
                              data=dict(DATA), version=3)
    conv = Conversation(session=NoDatabase(), person=person, state=state,
                        ctx=Context(now=NOW, tz=ZoneInfo("Asia/Bangkok")), outcome=Outcome())
    replies = with_cancel(ENGINE.flows[flow].steps[step].ask(conv))
    assert replies, f"{flow}.{step} asks nothing"
    messages = Renderer(PostbackCodec("secret")).messages(replies)   # raises beyond a limit
    assert len(messages) <= MAX_MESSAGES
    for message in messages:
        items = (message.get("quickReply") or {}).get("items", [])
        assert len(items) <= MAX_QUICK_REPLIES
        assert all(len(item["action"]["label"]) <= MAX_LABEL for item in items)
        assert message.get("text") or message.get("altText")
    assert any(b.text == "ยกเลิก" for b in replies[-1].buttons)   # cancel at every step


def _goes_nowhere(conv, value, payload):
    return "renamed_step"


def test_a_flow_whose_handler_goes_to_a_missing_step_fails_when_loaded():
    broken = Flow(name="broken", title="ทดสอบ", start=lambda conv, args: "only",
                  steps={"only": Step(ask=lambda conv: [], on_tap=_goes_nowhere)})
    with pytest.raises(ValueError, match="renamed_step"):
        Engine({"broken": broken})
    assert Engine({"visit": ENGINE.flows["visit"]}).flows   # the real flows load


def test_content_beyond_lines_limits_raises_instead_of_being_dropped():
    renderer = Renderer(PostbackCodec("secret"))
    card = Card(title="บ้าน")
    with pytest.raises(ValueError, match="12"):
        renderer.messages([Cards(alt_text="บ้าน", cards=(card,) * (MAX_BUBBLES + 1))])
    full = TextReply("เลือกค่ะ", buttons=tuple(Button(f"ข้อ {n}", text=f"ข้อ {n}")
                                           for n in range(MAX_QUICK_REPLIES)))
    with pytest.raises(ValueError, match="ยกเลิก"):
        with_cancel([full])
    assert len(renderer.messages([Cards(alt_text="บ้าน", cards=(card,) * MAX_BUBBLES)])) == 1
