"""แผนพัฒนาครัวเรือน (programme steps 2 and 3): see the plan, set its goal, add an item.

plan:      household -> the plan card, and the flow ends (the card's buttons are global).
plan_goal: household -> goal (typed, or keep the current one) -> level -> saved -> the card.
plan_item: household -> dimension -> what the household will do -> what is supported (or ข้าม)
           -> start month -> end month -> saved as ยังไม่เริ่ม -> the card.
"""
from __future__ import annotations

from datetime import date

from models import GoalLevel
from models.dimensions import DIMENSIONS, parse_dimension

from ... import plans
from ...replies import TextReply
from ...thai_dates import format_thai_month
from ..engine import Answer, Conversation, Done, Flow, Next, Stay, Step
from ..views.plan import LADDER, LEVEL_WORDS, PLAN_DIMENSIONS, month_range, plan_reply
from .common import (
    PICK_HOUSEHOLD,
    SKIP,
    begin_with_household,
    checked_household,
    household_guard,
)

GONE = "ครัวเรือนนี้ไม่ได้อยู่ในความดูแลของท่านแล้ว จึงยกเลิกการแก้ไขแผนค่ะ"
MONTH_BUTTONS = 6          # this month and the next five
START_BACK, START_AHEAD = 12, 24   # how far a typed start month may be from this month
LONGEST_ITEM = 24          # months from start to end
KEEP = "ใช้เป้าหมายเดิม"
MONTH_HINT = "กดปุ่ม หรือพิมพ์ เช่น พ.ค. 2569 หรือ 5/2569 ค่ะ"


def _with_card(conv: Conversation, note: str | None = None) -> Done:
    replies = [TextReply(note)] if note else []
    return Done([*replies, plan_reply(conv.session, checked_household(conv), conv.ctx.tz)])


def too_long(text: str, limit: int) -> Stay | None:
    if len(text) > limit:
        return Stay(f"ข้อความยาว {len(text)} ตัวอักษร เกิน {limit} ตัวอักษร กรุณาพิมพ์ให้สั้นลงค่ะ")
    return None


# -- plan: show the card -------------------------------------------------------------------
def _view_start(conv: Conversation, args: dict) -> Next:
    first = begin_with_household(conv, args, "show")
    return _with_card(conv) if first == "show" else first


def _view_picked(conv: Conversation, value: str, payload: dict) -> Answer:
    assert PICK_HOUSEHOLD.on_tap is not None   # the household list is answered by a tap
    picked = PICK_HOUSEHOLD.on_tap(conv, value, payload)
    return _with_card(conv) if picked == "show" else picked


# -- plan_goal -----------------------------------------------------------------------------
def _ask_goal(conv: Conversation):
    plan = plans.plan_of(conv.session, conv.data["h"])
    text = (f"เป้าหมายสูงสุดของครัวเรือน {checked_household(conv).head_name} คืออะไรคะ\n"
            f"พิมพ์สั้น ๆ ไม่เกิน {plans.GOAL_MAX} ตัวอักษร "
            "เช่น “มีรายได้พอใช้จ่าย ไม่มีหนี้นอกระบบ” ค่ะ")
    if plan and plan.goal:
        return [TextReply(f"{text}\n\nเป้าหมายเดิม: {plan.goal}",
                          buttons=(conv.tap(KEEP, "keep"),))]
    return [TextReply(text)]


def _goal_typed(conv: Conversation, text: str) -> Next:
    if text == KEEP:   # typed the button's label
        return _goal_kept(conv, "keep", {}) or Stay("ยังไม่มีเป้าหมายเดิม กรุณาพิมพ์เป้าหมายค่ะ")
    refused = too_long(text, plans.GOAL_MAX)
    if refused:
        return refused
    conv.data["goal"] = text
    return "level"


def _goal_kept(conv: Conversation, value: str, payload: dict) -> Answer:
    plan = plans.plan_of(conv.session, conv.data["h"])
    if value != "keep" or not (plan and plan.goal):
        return None
    conv.data["goal"] = plan.goal
    return "level"


def _ask_level(conv: Conversation):
    return [TextReply(f"เป้าหมาย: {conv.data['goal']}\n\nเป้าหมายนี้อยู่ระดับใด ({LADDER}) คะ",
                      buttons=tuple(conv.tap(word, level.value)
                                    for level, word in LEVEL_WORDS.items()))]


def _level_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value not in {level.value for level in GoalLevel}:
        return None
    plans.set_goal(conv.session, checked_household(conv), conv.person, conv.data["goal"],
                   GoalLevel(value), conv.ctx)
    return _with_card(conv, "บันทึกเป้าหมายของครัวเรือนแล้วค่ะ")


# -- plan_item -----------------------------------------------------------------------------
def dimension_buttons(conv: Conversation):
    """One per dimension, in the template's order: the label is the dimension's name (LINE's
    20 characters), what the mentor appears to say is the plan's row name ('ด้านสุขภาพ')."""
    return tuple(conv.tap(name, code, text=PLAN_DIMENSIONS[code])
                 for code, name in DIMENSIONS.items())


def _ask_dimension(conv: Conversation):
    return [TextReply("เพิ่มกิจกรรมในแผนพัฒนาครัวเรือน\nกิจกรรมนี้อยู่ด้านใดคะ",
                      buttons=dimension_buttons(conv))]


def _dimension_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value not in PLAN_DIMENSIONS:
        return None
    conv.data["dim"] = value
    return "doing"


def typed_dimension(text: str) -> str:
    """'ด้านสุขภาพ', 'สุขภาพ' or 'health' -> its code ('' when it is none)."""
    return parse_dimension(text) or ""


def _ask_doing(conv: Conversation):
    return [TextReply(f"{PLAN_DIMENSIONS[conv.data['dim']]}: ครัวเรือนจะทำอะไรเองคะ\n"
                      "พิมพ์สั้น ๆ เช่น “ปลูกผักสวนครัว 10 ชนิด ทำบัญชีครัวเรือน ลดหวย บุหรี่” ค่ะ")]


def _doing_typed(conv: Conversation, text: str) -> Next:
    return _kept(conv, "doing", text, then="support")


def _ask_support(conv: Conversation):
    return [TextReply("พี่เลี้ยงหรือหน่วยงานจะสนับสนุนอะไรคะ\n"
                      "เช่น “หาเมล็ดพันธุ์และกล้าผัก สอนทำปุ๋ยหมัก” หรือกด ข้าม ค่ะ",
                      buttons=(conv.tap(SKIP, "skip"),))]


def _support_given(conv: Conversation, text: str | None) -> Next:
    return _kept(conv, "support", text, then="start")


def _kept(conv: Conversation, key: str, text: str | None, *, then: str) -> Next:
    """Keep a typed answer (None: skipped) if it is short enough, and go on to ``then``."""
    refused = too_long(text or "", plans.ACTION_MAX)
    if refused:
        return refused
    conv.data[key] = text
    return then


def month_buttons(conv: Conversation, first: date):
    return tuple(
        conv.tap(format_thai_month(month), month.isoformat()[:7])
        for month in (plans.add_months(first, n) for n in range(MONTH_BUTTONS))
    )


def _tapped_month(value: str) -> date | None:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        return None


def ask_start(conv: Conversation):
    this_month = plans.first_of_month(conv.ctx.today)
    return [TextReply(f"เริ่มทำเดือนไหนคะ\n{MONTH_HINT}", buttons=month_buttons(conv, this_month))]


def set_start(conv: Conversation, month: date | None) -> Next:
    if month is None:
        return Stay(f"ยังอ่านเดือนไม่ออกค่ะ\n{MONTH_HINT}")
    offset = plans.months_between(plans.first_of_month(conv.ctx.today), month)
    if not -START_BACK <= offset <= START_AHEAD:
        return Stay(f"เดือนเริ่มต้องอยู่ในช่วง {START_BACK} เดือนก่อน ถึง {START_AHEAD} เดือนหลังจากนี้ค่ะ")
    conv.data["start"] = month.isoformat()
    return "end"


def ask_end(conv: Conversation):
    start = date.fromisoformat(conv.data["start"])
    return [
        TextReply(
            f"เริ่ม {format_thai_month(start)} ทำถึงเดือนไหนคะ\n{MONTH_HINT}",
            buttons=month_buttons(conv, start),
        )
    ]


def wrong_end(conv: Conversation, month: date | None) -> Stay | None:
    """Why a typed or tapped end month cannot be taken (after conv.data["start"]), or None."""
    if month is None:
        return Stay(f"ยังอ่านเดือนไม่ออกค่ะ\n{MONTH_HINT}")
    start = date.fromisoformat(conv.data["start"])
    if month < start:
        return Stay(f"เดือนสิ้นสุดต้องไม่ก่อนเดือนเริ่ม ({format_thai_month(start)}) ค่ะ")
    if plans.months_between(start, month) > LONGEST_ITEM:
        return Stay(f"กิจกรรมหนึ่งยาวได้ไม่เกิน {LONGEST_ITEM} เดือนค่ะ")
    return None


def _set_end(conv: Conversation, month: date | None) -> Next:
    wrong = wrong_end(conv, month)
    if wrong or month is None:
        return wrong or Stay(MONTH_HINT)
    start = date.fromisoformat(conv.data["start"])
    draft = plans.ItemDraft(
        dimension=conv.data["dim"],
        household_action=conv.data["doing"],
        support_action=conv.data.get("support"),
        start_month=start,
        end_month=month,
    )
    plans.add_item(conv.session, checked_household(conv), conv.person, draft, conv.ctx)
    return _with_card(
        conv,
        f"เพิ่มกิจกรรม{PLAN_DIMENSIONS[draft.dimension]} "
        f"({month_range(start, month)}) ในแผนแล้ว สถานะ ยังไม่เริ่ม ค่ะ",
    )


def month_step(ask, set_month) -> Step:
    return Step(
        ask=ask,
        on_tap=lambda conv, value, payload: set_month(conv, _tapped_month(value)),
        on_text=lambda conv, text: set_month(conv, plans.parse_typed_month(text)),
        reprompt="กรุณาเลือกเดือนจากปุ่ม หรือพิมพ์ เช่น พ.ค. 2569 ค่ะ",
    )


TEXT_REPROMPT = "กรุณาพิมพ์เป็นข้อความค่ะ"

VIEW = Flow(
    name="plan",
    title="การดูแผนพัฒนาครัวเรือน",
    start=_view_start,
    guard=household_guard(GONE),
    steps={"household": Step(ask=PICK_HOUSEHOLD.ask, on_tap=_view_picked)},
)

GOAL = Flow(
    name="plan_goal",
    title="การตั้งเป้าหมายครัวเรือน",
    guard=household_guard(GONE),
    start=lambda conv, args: begin_with_household(conv, args, "goal"),
    steps={
        "household": PICK_HOUSEHOLD,
        "goal": Step(
            ask=_ask_goal,
            on_text=_goal_typed,
            on_tap=_goal_kept,
            reprompt="กรุณาพิมพ์เป้าหมายเป็นข้อความค่ะ",
        ),
        "level": Step(ask=_ask_level, on_tap=_level_tapped),
    },
)

ITEM = Flow(
    name="plan_item",
    title="การเพิ่มกิจกรรมในแผน",
    guard=household_guard(GONE),
    start=lambda conv, args: begin_with_household(conv, args, "dimension"),
    steps={
        "household": PICK_HOUSEHOLD,
        "dimension": Step(ask=_ask_dimension, on_tap=_dimension_tapped,
                          on_text=lambda c, text: _dimension_tapped(c, typed_dimension(text), {})),
        "doing": Step(ask=_ask_doing, on_text=_doing_typed, reprompt=TEXT_REPROMPT),
        "support": Step(
            ask=_ask_support,
            on_text=lambda c, text: _support_given(c, None if text == SKIP else text),
            on_tap=lambda c, v, p: _support_given(c, None) if v == "skip" else None,
            reprompt="พิมพ์เป็นข้อความสั้น ๆ หรือกด ข้าม ค่ะ",
        ),
        "start": month_step(ask_start, set_start),
        "end": month_step(ask_end, _set_end),
    },
)

FLOWS = (VIEW, GOAL, ITEM)
