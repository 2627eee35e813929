"""The visit report's problem steps: which dimensions, which จปฐ. indicator (optional), solved by
the mentor (with the kind of help given) or sent out, to which agency, with what note. Part of
flows/visit.py's flow.

For each problem: indicator -> route -> self: self_kind -> self_note | outside: agency -> note.
"""
from __future__ import annotations

from models.dimensions import DIMENSIONS, dimension_label

from ... import assistance
from ...agencies import agencies_for, indicator_label, indicators_for
from ...replies import TextReply
from ...thai_text import thai_digits_to_arabic
from ..engine import Answer, Conversation, Next, Stay, Step
from . import assistance_steps
from .assistance import dimension_buttons, failing_note
from .common import checked_household, clip, return_to_summary

AGENCY_OPTIONS = 6
INDICATOR_PAGE = 10     # indicator buttons per page: with ไม่ระบุ, ถัดไป and ยกเลิก, 13
NOTE_MIN = 5            # characters: the coordinator needs to know what is asked
NOTE_MAX = 500
NO_INDICATOR = "ไม่ระบุ"


# -- problems found ------------------------------------------------------------------------
def _ask_problems(conv: Conversation):
    chosen = conv.data.get("dims", [])
    failing = checked_household(conv).dimensions
    buttons = dimension_buttons(conv, failing, tuple(chosen))
    buttons.append(conv.tap("ถัดไป", "next") if chosen else conv.tap("ไม่พบปัญหาใหม่", "none"))
    picked = ", ".join(dimension_label(c) for c in chosen) or "ยังไม่ได้เลือก"
    return [TextReply("พบปัญหาใหม่ด้านใดบ้างคะ เลือกได้หลายด้าน แล้วกด ถัดไป ค่ะ"
                      f"{failing_note(failing)}\nเลือกแล้ว: {picked}", buttons=tuple(buttons))]


def _problems_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    chosen = list(conv.data.get("dims", []))
    if value in DIMENSIONS:
        chosen.remove(value) if value in chosen else chosen.append(value)
        conv.data["dims"] = [c for c in DIMENSIONS if c in chosen]
        return "problems"
    if value == "none":
        conv.data["dims"], conv.data["problems"] = [], []
        return return_to_summary(conv, "photo")
    if value == "next" and chosen:
        conv.data["problems"] = [{"d": c} for c in chosen]
        conv.data["pi"] = 0
        return "indicator"
    return None


def _problem(conv: Conversation) -> dict:
    return conv.data["problems"][conv.data["pi"]]


def _next_problem(conv: Conversation) -> Next:
    conv.data["pi"] += 1
    if conv.data["pi"] < len(conv.data["problems"]):
        return "indicator"
    return return_to_summary(conv, "photo")


def _heading(conv: Conversation) -> str:
    n, total = conv.data["pi"] + 1, len(conv.data["problems"])
    return f"ปัญหาด้าน{dimension_label(_problem(conv)['d'])} ({n}/{total})"


# -- the จปฐ. indicator (optional) --------------------------------------------------------
def _indicators(conv: Conversation):
    return indicators_for(conv.session, _problem(conv)["d"])


def _ask_indicator(conv: Conversation):
    indicators = _indicators(conv)
    page = int(conv.data.get("ipage", 0))
    start = page * INDICATOR_PAGE
    shown = indicators[start:start + INDICATOR_PAGE]
    # The catalogue's own numbers: officials know the indicators as "ข้อ 27".
    listing = "\n".join(f"{ind.no}. {indicator_label(ind)}" for ind in shown)
    buttons = [conv.tap(f"ข้อ {ind.no}", str(ind.no)) for ind in shown]
    if len(indicators) > start + INDICATOR_PAGE:
        buttons.append(conv.tap("ข้อถัดไป", "more"))
    elif page:
        buttons.append(conv.tap("ข้อก่อนหน้า", "back"))
    buttons.append(conv.tap(NO_INDICATOR, "none"))
    return [TextReply(f"{_heading(conv)}\nตรงกับตัวชี้วัด จปฐ. ข้อใดคะ (ไม่บังคับ)\n{listing}\n\n"
                      "กดเลือกข้อ พิมพ์หมายเลข หรือกด ไม่ระบุ ค่ะ", buttons=tuple(buttons))]


def _set_indicator(conv: Conversation, no: int | None) -> Next:
    _problem(conv)["i"] = no
    conv.data.pop("ipage", None)
    return "route"


def _indicator_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value in ("more", "back"):
        conv.data["ipage"] = max(0, int(conv.data.get("ipage", 0)) + (1 if value == "more" else -1))
        return "indicator"
    if value == "none":
        return _set_indicator(conv, None)
    known = {str(ind.no): ind.no for ind in _indicators(conv)}
    return _set_indicator(conv, known[value]) if value in known else None


def _indicator_typed(conv: Conversation, text: str) -> Answer:
    """A typed indicator number ('27', '๒๗' or 'ข้อ 27') of this dimension picks it."""
    typed = thai_digits_to_arabic(text).replace("ข้อ", "").strip().rstrip(".")
    known = {str(ind.no): ind.no for ind in _indicators(conv)}
    return _set_indicator(conv, known[typed]) if typed in known else None


# -- solved by the mentor, or sent out ------------------------------------------------------
def _ask_route(conv: Conversation):
    return [TextReply(f"{_heading(conv)}\nพี่เลี้ยงช่วยแก้ไขเองได้ "
                      "หรือต้องการความช่วยเหลือจากหน่วยงานภายนอกคะ",
                      buttons=(conv.tap("ช่วยแก้เองได้", "self"),
                               conv.tap("ต้องการหน่วยงานช่วย", "outside")))]


def _route_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value not in ("self", "outside"):
        return None
    problem = _problem(conv)
    problem["o"] = value == "outside"
    if value == "self":
        problem.pop("a", None), problem.pop("n", None)
        assistance_steps.begin(conv, problem["d"], me=True)
        return SELF_HELP.first
    problem.pop("s", None)
    return "agency"


def _self_help_given(conv: Conversation) -> Next:
    _problem(conv)["s"] = dict(assistance_steps.answers(conv))
    conv.data.pop(assistance_steps.KEY, None)
    return _next_problem(conv)


SELF_HELP = assistance_steps.AssistanceSteps(
    prefix="self_", household=checked_household, then=_self_help_given,
    heading=lambda conv: f"{_heading(conv)}: พี่เลี้ยงช่วยแก้เอง",
    kind_question="ท่านช่วยครัวเรือนแบบใดคะ",
    note_question="เล่าสั้น ๆ ว่าทำอะไรไปบ้าง (ถ้ามี) หรือกด ข้าม ค่ะ",
    ask_agency=False, ask_value=False, ask_date=False)


def _agencies(conv: Conversation) -> list[str]:
    household = checked_household(conv)
    problem = _problem(conv)
    return [agency.short_name for agency in agencies_for(
        conv.session, household.province, household.district, problem["d"],
        indicator_no=problem.get("i"), limit=AGENCY_OPTIONS)]


def _ask_agency(conv: Conversation):
    options = _agencies(conv)
    listing = "\n".join(f"{i}. {name}" for i, name in enumerate(options, 1))
    buttons = [conv.tap(name[:20], str(i), text=name) for i, name in enumerate(options, 1)]
    return [TextReply(f"{_heading(conv)}\nเสนอหน่วยงานที่ควรช่วยค่ะ (ตามตัวชี้วัด จปฐ. "
                      f"และหน่วยงานในอำเภอ)\n{listing}\n\n"
                      "กดเลือก หรือพิมพ์ชื่อหน่วยงานอื่นได้ค่ะ", buttons=tuple(buttons))]


def _agency_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    options = _agencies(conv)
    if not value.isdigit() or not 1 <= int(value) <= len(options):
        return None
    _problem(conv)["a"] = options[int(value) - 1]
    return "note"


def _agency_typed(conv: Conversation, text: str) -> Next:
    if len(text) < 2:
        return Stay("พิมพ์ชื่อหน่วยงาน หรือกดเลือกจากปุ่มค่ะ")
    _problem(conv)["a"] = clip(text, 300)    # อื่น ๆ: kept as typed
    return "note"


def _ask_note(conv: Conversation):
    return [TextReply("เล่าปัญหาและสิ่งที่ขอให้ช่วยสั้น ๆ ให้ ศจพ.อ. ทราบค่ะ "
                      "ไม่ต้องใส่เลขบัตรประชาชนค่ะ")]


def _note_typed(conv: Conversation, text: str) -> Next:
    if len(text) < NOTE_MIN:
        return Stay("ศจพ.อ. ต้องรู้ว่าขอให้ช่วยเรื่องอะไร กรุณาเล่าสั้น ๆ อย่างน้อย 1 ประโยคค่ะ")
    if len(text) > NOTE_MAX:
        return Stay(f"ยาว {len(text)} ตัวอักษร กรุณาสรุปให้ไม่เกิน {NOTE_MAX} ตัวอักษรค่ะ")
    _problem(conv)["n"] = text
    return _next_problem(conv)


def problem_lines(conv: Conversation) -> str:
    words = assistance.kind_words(conv.session)
    lines = []
    for p in conv.data.get("problems", []):
        if p.get("o"):
            route = f"ส่งต่อ: {p.get('a') or '-'}"
        else:
            route = f"พี่เลี้ยงช่วยแก้เอง: {words.get((p.get('s') or {}).get('k', ''), '-')}"
        indicator = f" ตัวชี้วัดข้อ {p['i']}" if p.get("i") else ""
        lines.append(f"ด้าน{dimension_label(p['d'])}{indicator} ({route})")
    return "\n".join(lines) or "ไม่พบปัญหาใหม่"


PROBLEMS = Step(ask=_ask_problems, on_tap=_problems_tapped)
INDICATOR = Step(ask=_ask_indicator, on_tap=_indicator_tapped, on_text=_indicator_typed,
                 reprompt="กดเลือกข้อ พิมพ์หมายเลข หรือกด ไม่ระบุ ค่ะ")
ROUTE = Step(ask=_ask_route, on_tap=_route_tapped)
AGENCY = Step(ask=_ask_agency, on_tap=_agency_tapped, on_text=_agency_typed,
              reprompt="เลือกจากปุ่ม หรือพิมพ์ชื่อหน่วยงานค่ะ")
NOTE = Step(ask=_ask_note, on_text=_note_typed, reprompt="กรุณาพิมพ์เป็นข้อความสั้น ๆ ค่ะ")
