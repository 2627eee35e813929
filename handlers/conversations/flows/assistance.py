"""บันทึกความช่วยเหลือ: a mentor records help that reached the household between visits.

household -> dimension (the household's failing TPMAP dimensions first, marked ★) -> kind ->
agency (or the mentor themself, or a name typed) -> value -> date -> note -> saved.
"""
from __future__ import annotations

from models.dimensions import DIMENSIONS, dimension_label

from ... import assistance
from ...replies import TextReply
from ..engine import Answer, Conversation, Done, Flow, Next, Step
from . import assistance_steps as steps
from .after_save import next_actions
from .common import (
    PICK_HOUSEHOLD,
    begin_with_household,
    checked_household,
    current_household,
    household_guard,
)

GONE = "ครัวเรือนนี้ไม่ได้อยู่ในความดูแลของท่านแล้วค่ะ จึงยกเลิกการบันทึกค่ะ"
FAILING_MARK = "★"


def dimension_buttons(conv: Conversation, failing: list[str], chosen: tuple[str, ...] = ()):
    """The five dimensions, the household's failing ones first and marked; ✓ when chosen.
    One mark at a time keeps every label within LINE's 20 characters."""
    ordered = sorted(DIMENSIONS, key=lambda d: d not in failing)   # stable: template order
    marks = {d: "✓" if d in chosen else FAILING_MARK if d in failing else "" for d in ordered}
    return [conv.tap(marks[d] + dimension_label(d), d, text=dimension_label(d)) for d in ordered]


def failing_note(failing: list[str]) -> str:
    if not failing:
        return ""
    names = ", ".join(dimension_label(d) for d in DIMENSIONS if d in failing)
    return f"\n{FAILING_MARK} = มิติที่ครัวเรือนไม่ผ่านเกณฑ์ TPMAP ({names})"


def _ask_dimension(conv: Conversation):
    household = checked_household(conv)
    return [TextReply(f"บันทึกความช่วยเหลือ: {household.head_name}\n"
                      f"ความช่วยเหลือนี้อยู่ด้านใดคะ{failing_note(household.dimensions)}",
                      buttons=tuple(dimension_buttons(conv, household.dimensions)))]


def _dimension_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value not in DIMENSIONS:
        return None
    steps.begin(conv, value)
    return STEPS.first


def _save(conv: Conversation) -> Next:
    household = current_household(conv)
    if household is None:
        return Done([TextReply(GONE)])
    words = assistance.kind_words(conv.session)
    line = steps.summary_line(conv, words)
    assistance.record(conv.session, household, conv.person, steps.draft(conv), conv.ctx)
    day = steps.format_day(steps.answers(conv).get("on"))
    return Done([TextReply(
        f"บันทึกความช่วยเหลือของครัวเรือน {household.head_name} แล้วค่ะ\n"
        f"ด้าน{dimension_label(steps.answers(conv)['d'])}: {line} ({day})",
        buttons=next_actions(conv, household))])


def _heading(conv: Conversation) -> str:
    return f"ด้าน{dimension_label(steps.answers(conv)['d'])}"


STEPS = steps.AssistanceSteps(prefix="", household=checked_household, then=_save,
                              heading=_heading, offer_myself=True)


FLOW = Flow(
    name="assist",
    title="การบันทึกความช่วยเหลือ",
    start=lambda conv, args: begin_with_household(conv, args, "dimension"),
    guard=household_guard(GONE),
    steps={
        "household": PICK_HOUSEHOLD,
        "dimension": Step(ask=_ask_dimension, on_tap=_dimension_tapped),
        **STEPS.steps(),
    },
)

FLOWS = (FLOW,)
