"""The menus: what each role can ask for, as words to type, quick replies and rich menu areas."""
from __future__ import annotations

from dataclasses import dataclass

from models import Role

from ..buttons import command_button
from ..replies import Button, TextReply


@dataclass(frozen=True)
class MenuItem:
    key: str      # the command it runs (handlers/conversations/commands.py)
    label: str    # Thai; also the words that run it when typed


MENUS: dict[Role, tuple[MenuItem, ...]] = {
    Role.MENTOR: (
        MenuItem("households", "บ้านที่ดูแล"),
        MenuItem("visit", "รายงานการเยี่ยมบ้าน"),
        MenuItem("plan", "แผนพัฒนาครัวเรือน"),
        MenuItem("my_cases", "เรื่องที่ส่งต่อ"),
        MenuItem("assist", "บันทึกความช่วยเหลือ"),
    ),
    Role.COORDINATOR: (
        MenuItem("case_queue", "เรื่องรอดำเนินการ"),
        MenuItem("district_summary", "สรุปอำเภอ"),
        MenuItem("monthly_figures", "สรุปรายเดือน"),
        MenuItem("dashboard", "แดชบอร์ด"),
    ),
    # The province officer (ศจพ.จ.) works on the dashboard: the chat only hands out the link.
    Role.PROVINCE: (
        MenuItem("dashboard", "แดชบอร์ด"),
    ),
}
# Words that name a command of another role: the person is told it is not for them, rather
# than that the bot did not understand (a mentor who heard of the dashboard asks for it).
OTHER_ROLES_WORDS = {"แดชบอร์ด": "dashboard", "dashboard": "dashboard"}
NO_MENU = ("ขณะนี้ยังไม่มีเมนูในแชตนี้สำหรับบทบาทของท่านค่ะ "
           "ไฟล์ข้อมูลและสถิติขอได้จากผู้ดูแลระบบค่ะ")

MENU_WORDS = {"เมนู", "menu", "เมนูหลัก"}


def menu_buttons(role: Role) -> tuple[Button, ...]:
    return tuple(command_button(item.key, item.label) for item in MENUS[role])


def command_for_text(role: Role, text: str) -> str | None:
    typed = text.strip()
    for item in MENUS[role]:
        if typed == item.label:
            return item.key
    return OTHER_ROLES_WORDS.get(typed.lower())


def show_menu(conv, note: str | None = None) -> None:
    """The menu as quick replies, after an optional note."""
    buttons = menu_buttons(conv.person.role)
    text = (note + "\n\n" if note else "") + ("เลือกสิ่งที่ต้องการได้เลยค่ะ" if buttons else NO_MENU)
    conv.outcome.say(TextReply(text, buttons=buttons))
