"""The global buttons: what each one sends back when tapped (``{"a": action, ...}``).

The action table that reads these payloads is ``ACTIONS`` in handlers/conversations/commands.py
(and every action re-checks access to the record a payload names). Buttons bound to one step of
a conversation are made by ``Conversation.tap`` instead.
"""
from __future__ import annotations

from .replies import Button

# The actions, as the table in handlers/conversations/commands.py knows them.
CMD, VISIT, PLAN, GOAL, ADD_ITEM, ITEM, CASE, HOUSEHOLDS, RESUME, DISCARD = (
    "cmd", "visit", "plan", "goal", "additem", "item", "case", "households", "resume", "discard")
# The household's way out: dimensions passed, leaving the programme, editing a plan item.
DIMS, LEAVE, EXIT_DECISION, EDIT_ITEM = "dims", "leave", "exit", "edititem"


def command_payload(key: str) -> dict:
    """A menu command (handlers/conversations/menu.py keys); the rich menu sends the same."""
    return {"a": CMD, "k": key}


def command_button(key: str, label: str, style: str = "secondary") -> Button:
    return Button(label, payload=command_payload(key), text=label, style=style)


def visit_button(household_id: int, head_name: str) -> Button:
    return Button("รายงานการเยี่ยม", payload={"a": VISIT, "h": household_id},
                  text=f"รายงานการเยี่ยม {head_name}", style="primary")


def plan_button(household_id: int, head_name: str) -> Button:
    return Button("ดูแผนพัฒนา", payload={"a": PLAN, "h": household_id},
                  text=f"แผนพัฒนา {head_name}")


def goal_button(household_id: int, primary: bool) -> Button:
    return Button("ตั้งเป้าหมาย", payload={"a": GOAL, "h": household_id}, text="ตั้งเป้าหมาย",
                  style="primary" if primary else "secondary")


def add_item_button(household_id: int, primary: bool) -> Button:
    return Button("เพิ่มกิจกรรม", payload={"a": ADD_ITEM, "h": household_id}, text="เพิ่มกิจกรรม",
                  style="primary" if primary else "secondary")


def item_status_button(item_id: int, status: str, label: str, text: str,
                       primary: bool) -> Button:
    return Button(label=label, payload={"a": ITEM, "i": item_id, "st": status}, text=text,
                  style="primary" if primary else "secondary")


def case_button(case_id: int, do: str, label: str, primary: bool) -> Button:
    return Button(label=label, payload={"a": CASE, "c": case_id, "do": do}, text=label,
                  style="primary" if primary else "secondary")


def households_page_button(page: int) -> Button:
    return Button("ดูเพิ่ม", payload={"a": HOUSEHOLDS, "p": page}, text="ดูเพิ่ม")


def resume_button() -> Button:
    return Button("ทำต่อ", payload={"a": RESUME}, text="ทำต่อ")


def discard_button() -> Button:
    return Button("ทิ้งรายการนี้", payload={"a": DISCARD}, text="ทิ้งรายการนี้")


def dimensions_button(household_id: int) -> Button:
    """Opens the list of the household's failing dimensions, to mark passed or reopen."""
    return Button("มิติที่ผ่าน", payload={"a": DIMS, "h": household_id}, text="มิติที่ผ่าน")


def leave_button(household_id: int) -> Button:
    """The mentor asks for the household to leave the programme."""
    return Button("ออกจากโครงการ", payload={"a": LEAVE, "h": household_id},
                  text="แจ้งครัวเรือนออกจากโครงการ", style="link")


def exit_decision_button(exit_id: int, confirm: bool) -> Button:
    """A coordinator's one tap on a request to leave the programme."""
    label = "ยืนยัน" if confirm else "ไม่ยืนยัน"
    return Button(label, payload={"a": EXIT_DECISION, "x": exit_id, "ok": confirm},
                  text=f"{label}ครัวเรือนออกจากโครงการ",
                  style="primary" if confirm else "secondary")


def edit_item_button(item_id: int) -> Button:
    """One button per plan item that opens a small flow: edit a text or the months, or remove."""
    return Button("แก้ไข/ลบ", payload={"a": EDIT_ITEM, "i": item_id}, text="แก้ไข/ลบกิจกรรม",
                  style="link")
