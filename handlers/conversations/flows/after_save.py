"""What to offer once something is saved, so the chat never ends without buttons: the
household's plan, another household, recording help, the menu."""
from __future__ import annotations

from models import Household

from ... import access
from ...buttons import command_button, plan_button
from ...replies import Button
from ..engine import Conversation


def next_actions(conv: Conversation, household: Household) -> tuple[Button, ...]:
    buttons = [plan_button(household.id, household.head_name)]
    if access.mentor_household_count(conv.session, conv.person) > 1:
        buttons.append(command_button("visit", "เยี่ยมบ้านหลังอื่น"))
    buttons.append(command_button("assist", "บันทึกความช่วยเหลือ"))
    buttons.append(Button("เมนู", text="เมนู"))
    return tuple(buttons)
