"""What menu items and global buttons do. Declared as tables, looked up by key."""
from __future__ import annotations

from collections.abc import Callable

from models import Role

from .. import buttons
from ..replies import TextReply
from .actions import case_actions, exit_actions, plan_actions
from .engine import PAUSED, Conversation, Engine
from .menu import show_menu
from .views import cases as case_views
from .views import dashboard as dashboard_views
from .views import district as district_views
from .views import households as household_views
from .views import monthly as monthly_views

Command = Callable[[Conversation, Engine], None]
Action = Callable[[Conversation, Engine, dict], None]

MENTOR, COORDINATOR = frozenset({Role.MENTOR}), frozenset({Role.COORDINATOR})
DASHBOARD_USERS = frozenset({Role.COORDINATOR, Role.PROVINCE})

# Menu items: key -> (who may run it, what it does).
COMMANDS: dict[str, tuple[frozenset[Role], Command]] = {
    "households": (MENTOR, household_views.show_households),
    "visit": (MENTOR, lambda conv, engine: engine.start(conv, "visit")),
    "plan": (MENTOR, lambda conv, engine: engine.start(conv, "plan")),
    "my_cases": (MENTOR, case_views.show_my_cases),
    "assist": (MENTOR, lambda conv, engine: engine.start(conv, "assist")),
    "case_queue": (COORDINATOR, case_views.show_case_queue),
    "district_summary": (COORDINATOR, district_views.show_summary),
    "monthly_figures": (COORDINATOR, monthly_views.show_monthly),
    "dashboard": (DASHBOARD_USERS, dashboard_views.show_dashboard_link),
}


def _start_for_household(flow: str) -> Action:
    def action(conv: Conversation, engine: Engine, payload: dict) -> None:
        engine.start(conv, flow, {"household_id": payload.get("h")})
    return action


def _resume(conv: Conversation, engine: Engine, payload: dict) -> None:
    paused = conv.state.data.get(PAUSED)
    if not paused or not engine.knows(paused.get("flow"), paused.get("step")):
        _say_then_current(conv, engine, "ไม่มีรายการค้างให้ทำต่อค่ะ")
        return
    _leave_current_flow(conv, engine)   # a flow started since the pause ends, and says so
    conv.state.flow, conv.state.step = paused["flow"], paused["step"]
    conv.state.data = paused["data"]
    engine.resume(conv)


def _discard(conv: Conversation, engine: Engine, payload: dict) -> None:
    """Throw the paused draft away; a flow in progress goes on untouched."""
    if conv.state.data.get(PAUSED):
        conv.state.data = {k: v for k, v in conv.state.data.items() if k != PAUSED}
    _say_then_current(conv, engine, "ทิ้งรายการที่ค้างไว้แล้วค่ะ")


def _say_then_current(conv: Conversation, engine: Engine, note: str) -> None:
    """The note, then the question in progress again (or the menu when there is none)."""
    if conv.state.flow:
        engine.ask(conv, note=note)
    else:
        show_menu(conv, note)


# Global buttons (postback {"a": ...}): every handler checks access to the record it names.
ACTIONS: dict[str, tuple[frozenset[Role], Action]] = {
    buttons.VISIT: (MENTOR, _start_for_household("visit")),
    buttons.PLAN: (MENTOR, _start_for_household("plan")),
    buttons.GOAL: (MENTOR, _start_for_household("plan_goal")),
    buttons.ADD_ITEM: (MENTOR, _start_for_household("plan_item")),
    buttons.ITEM: (MENTOR, plan_actions.set_item_status),
    buttons.CASE: (COORDINATOR, case_actions.act_on_case),
    buttons.HOUSEHOLDS: (MENTOR, household_views.show_households_page),
    buttons.RESUME: (MENTOR | COORDINATOR, _resume),
    buttons.DISCARD: (MENTOR | COORDINATOR, _discard),
    # The household's way out.
    buttons.DIMS: (MENTOR, _start_for_household("dimensions")),
    buttons.LEAVE: (MENTOR, _start_for_household("household_exit")),
    buttons.EXIT_DECISION: (COORDINATOR, exit_actions.decide_exit),
    buttons.EDIT_ITEM: (MENTOR, lambda conv, engine, payload: engine.start(
        conv, "plan_item_edit", {"item_id": payload.get("i")})),
}
# Actions that work beside a conversation in progress instead of ending it.
KEEP_FLOW = frozenset({buttons.RESUME, buttons.DISCARD, buttons.ITEM,
                       buttons.EXIT_DECISION})


def run_command(conv: Conversation, engine: Engine, key: str) -> None:
    roles, command = COMMANDS.get(key, (frozenset(), None))
    if command is None or conv.person.role not in roles:
        show_menu(conv, "เมนูนี้ไม่ได้มีไว้สำหรับบทบาทของท่านค่ะ")
        return
    _leave_current_flow(conv, engine)
    command(conv, engine)


def run_action(conv: Conversation, engine: Engine, payload: dict) -> None:
    if payload.get("a") == buttons.CMD:
        run_command(conv, engine, str(payload.get("k")))
        return
    roles, action = ACTIONS.get(str(payload.get("a")), (frozenset(), None))
    if action is None or conv.person.role not in roles:
        show_menu(conv, "ปุ่มนี้ใช้ไม่ได้ค่ะ")
        return
    if payload.get("a") not in KEEP_FLOW:
        _leave_current_flow(conv, engine)
    action(conv, engine, payload)


def _leave_current_flow(conv: Conversation, engine: Engine) -> None:
    """Starting something else ends what was in progress, and says so."""
    if conv.state.flow:
        title = engine.flows[conv.state.flow].title
        engine.finish(conv)
        conv.outcome.replies.insert(0, _note(f"ยกเลิก{title}ที่ค้างอยู่แล้ว ไม่มีการบันทึกค่ะ"))


def _note(text: str) -> TextReply:
    return TextReply(text)
