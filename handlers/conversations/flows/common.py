"""Steps and helpers more than one flow uses."""
from __future__ import annotations

from models import Household

from ... import access
from ...replies import TextReply
from ..engine import Conversation, Done, Next, Step

PAGE = 11   # households per page of quick replies (13 minus "more" and ยกเลิก)
SKIP = "ข้าม"


def short_name(full_name: str) -> str:
    from ...registration import _given_name
    return _given_name(full_name)


def current_household(conv: Conversation) -> Household | None:
    """The household the flow is about, re-checked against the person's access every time."""
    return access.household_for(conv.session, conv.person, conv.data.get("h"))


def begin_with_household(conv: Conversation, args: dict, first_step: str) -> Next:
    """Set the household from the button that started the flow, or ask for one."""
    if args.get("household_id") is not None:
        household = access.household_for(conv.session, conv.person, args["household_id"])
        if household is None:
            return Done([TextReply("ไม่พบครัวเรือนนี้ในความดูแลของท่านค่ะ")])
        conv.data["h"] = household.id
        return first_step
    households = access.mentor_households(conv.session, conv.person)
    if not households:
        return Done([TextReply("ยังไม่มีครัวเรือนในความดูแลของท่านค่ะ "
                               "กรุณาติดต่อ ศจพ.อ. เพื่อรับมอบหมายครัวเรือน")])
    if len(households) == 1:
        conv.data["h"] = households[0].id
        return first_step
    conv.data["after_pick"] = first_step
    return "household"


def _ask_household(conv: Conversation):
    households = access.mentor_households(conv.session, conv.person)
    page = int(conv.data.get("page", 0))
    shown = households[page * PAGE:(page + 1) * PAGE]
    buttons = [conv.tap(short_name(h.head_name), str(h.id)) for h in shown]
    if len(households) > (page + 1) * PAGE:
        buttons.append(conv.tap("หน้าถัดไป", "more"))
    listing = "\n".join(f"• {h.head_name} ({h.village_name or '-'})" for h in shown)
    return [TextReply(f"เลือกครัวเรือนค่ะ\n{listing}", buttons=tuple(buttons))]


def _household_tapped(conv: Conversation, value: str, payload: dict) -> Next:
    if value == "more":
        conv.data["page"] = int(conv.data.get("page", 0)) + 1
        return "household"
    household = access.household_for(conv.session, conv.person, _int(value))
    if household is None:
        return "household"
    conv.data["h"] = household.id
    conv.data.pop("page", None)
    return conv.data.pop("after_pick")


PICK_HOUSEHOLD = Step(ask=_ask_household, on_tap=_household_tapped)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def clip(text: str, limit: int = 1000) -> str:
    return text.strip()[:limit]


def return_to_summary(conv: Conversation, natural_next: str) -> str:
    """While editing from a summary, each section goes back to the summary when done."""
    return "summary" if conv.data.get("edit") else natural_next
