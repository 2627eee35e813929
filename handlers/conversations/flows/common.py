"""Steps and helpers more than one flow uses."""
from __future__ import annotations

from collections.abc import Callable

from models import Household

from ... import access
from ...names import given_name
from ...replies import TextReply
from ...thai_text import thai_digits_to_arabic
from ..engine import Answer, Conversation, Done, Next, Step

# Households per page of quick replies: LINE's 13 minus หน้าก่อน, หน้าถัดไป and ยกเลิก.
PAGE = 10
LABEL_MAX = 20   # LINE's quick-reply label limit
SKIP = "ข้าม"


def current_household(conv: Conversation) -> Household | None:
    """The household the flow is about, checked against the person's access at every event
    (once per event: the guard, the question and the answer share the look-up)."""
    household_id = conv.data.get("h")
    found = conv.memo.setdefault("households", {})
    if household_id not in found:
        found[household_id] = access.household_for(conv.session, conv.person, household_id)
    return found[household_id]


def _my_households(conv: Conversation) -> list[Household]:
    """The person's households, listed once per event (the start and the list share it)."""
    if "my_households" not in conv.memo:
        conv.memo["my_households"] = access.mentor_households(conv.session, conv.person)
    return conv.memo["my_households"]


def _set_household(conv: Conversation, household: Household) -> None:
    """The flow is now about ``household``, just checked: its look-up is remembered."""
    conv.data["h"] = household.id
    conv.memo.setdefault("households", {})[household.id] = household


def checked_household(conv: Conversation) -> Household:
    """The flow's household where it must be there: just picked, or let through by the flow's
    guard, which ends the flow once the household is no longer the person's."""
    household = current_household(conv)
    if household is None:
        raise LookupError(f"household {conv.data.get('h')}: not the person's, past the guard")
    return household


def household_guard(gone: str) -> Callable[[Conversation], str | None]:
    """A flow's guard: the household may be reassigned (or leave the programme) while the mentor
    is half-way through; then the flow cannot go on, and ``gone`` says so."""
    def guard(conv: Conversation) -> str | None:
        if "h" in conv.data and current_household(conv) is None:
            return gone
        return None
    return guard


def begin_with_household(conv: Conversation, args: dict, first_step: str) -> Next:
    """Set the household from the button that started the flow, or ask for one."""
    if args.get("household_id") is not None:
        household = access.household_for(conv.session, conv.person, args["household_id"])
        if household is None:
            return Done([TextReply("ไม่พบครัวเรือนนี้ในความดูแลของท่านค่ะ")])
        _set_household(conv, household)
        return first_step
    households = _my_households(conv)
    if not households:
        return Done([TextReply("ยังไม่มีครัวเรือนในความดูแลของท่านค่ะ "
                               "กรุณาติดต่อ ศจพ.อ. เพื่อรับมอบหมายครัวเรือนค่ะ")])
    if len(households) == 1:
        _set_household(conv, households[0])
        return first_step
    conv.data["after_pick"] = first_step
    return "household"


def _ask_household(conv: Conversation):
    """A numbered list; buttons say number + first name ('1 สมศรี'), so two heads with the
    same name, or long names LINE would cut, can still be told apart."""
    households = _my_households(conv)
    page = _page(conv, len(households))
    start = page * PAGE
    shown = households[start:start + PAGE]
    buttons = [conv.tap(_label(start + i + 1, h), str(h.id)) for i, h in enumerate(shown)]
    if page > 0:
        buttons.append(conv.tap("หน้าก่อน", "back"))
    if len(households) > start + PAGE:
        buttons.append(conv.tap("หน้าถัดไป", "more"))
    listing = "\n".join(f"{start + i + 1}. {h.head_name} ({h.village_name or '-'})"
                         for i, h in enumerate(shown))
    return [TextReply(f"เลือกครัวเรือนค่ะ\n{listing}", buttons=tuple(buttons))]


def _label(number: int, household: Household) -> str:
    first = (given_name(household.head_name).split() or ["-"])[0]
    return f"{number} {first}"[:LABEL_MAX]


def _page(conv: Conversation, count: int) -> int:
    """The page asked for, kept within the list (it may have shrunk meanwhile)."""
    last = max(0, (count - 1) // PAGE)
    return min(max(0, int(conv.data.get("page", 0))), last)


PAGE_MOVES = {"more": 1, "back": -1}


def _household_tapped(conv: Conversation, value: str, payload: dict) -> Next:
    if value in PAGE_MOVES:
        conv.data["page"] = max(0, int(conv.data.get("page", 0)) + PAGE_MOVES[value])
        return "household"
    return _pick(conv, _int(value))


def _household_typed(conv: Conversation, text: str) -> Answer:
    """A typed list number ('2' or '๒') picks that household."""
    number = _int(thai_digits_to_arabic(text).strip().rstrip("."))
    households = _my_households(conv)
    if number is None or not 1 <= number <= len(households):
        return None
    return _pick(conv, households[number - 1].id)


def _pick(conv: Conversation, household_id: int | None) -> Next:
    household = access.household_for(conv.session, conv.person, household_id)
    if household is None:
        return "household"
    _set_household(conv, household)
    conv.data.pop("page", None)
    return conv.data.pop("after_pick")


PICK_HOUSEHOLD = Step(ask=_ask_household, on_tap=_household_tapped, on_text=_household_typed,
                      reprompt="กดปุ่มหมายเลขครัวเรือน หรือพิมพ์หมายเลขค่ะ")


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
