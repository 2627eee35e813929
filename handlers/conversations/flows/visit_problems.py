"""The visit report's problem steps: which dimensions, solved by the mentor or sent out, to
which agency, with what note. Part of flows/visit.py's flow."""
from __future__ import annotations

from models.dimensions import DIMENSIONS, dimension_label

from ...agencies import suggested_agencies
from ...replies import TextReply
from ..engine import Answer, Conversation, Next, Step
from .common import SKIP, clip, return_to_summary


# -- problems found ------------------------------------------------------------------------
def _ask_problems(conv: Conversation):
    chosen = conv.data.get("dims", [])
    buttons = [conv.tap(("✓ " if code in chosen else "") + label, code)
               for code, label in DIMENSIONS.items()]
    buttons.append(conv.tap("ถัดไป", "next") if chosen else conv.tap("ไม่พบปัญหาใหม่", "none"))
    picked = ", ".join(dimension_label(c) for c in chosen) or "ยังไม่ได้เลือก"
    return [TextReply("พบปัญหาใหม่ด้านใดบ้างคะ (เลือกได้หลายด้าน แล้วกด ถัดไป)\n"
                      f"เลือกแล้ว: {picked}", buttons=tuple(buttons))]


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
        return "route"
    return None


def _problem(conv: Conversation) -> dict:
    return conv.data["problems"][conv.data["pi"]]


def _next_problem(conv: Conversation) -> Next:
    conv.data["pi"] += 1
    if conv.data["pi"] < len(conv.data["problems"]):
        return "route"
    return return_to_summary(conv, "photo")


def _ask_route(conv: Conversation):
    n, total = conv.data["pi"] + 1, len(conv.data["problems"])
    label = dimension_label(_problem(conv)["d"])
    return [TextReply(f"ปัญหาด้าน{label} ({n}/{total})\nพี่เลี้ยงช่วยแก้ไขเองได้ "
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
        return _next_problem(conv)
    return "agency"


def _agencies(conv: Conversation) -> list[str]:
    return suggested_agencies(conv.session, _problem(conv)["d"], limit=5)


def _ask_agency(conv: Conversation):
    options = _agencies(conv)
    listing = "\n".join(f"{i}. {name}" for i, name in enumerate(options, 1))
    buttons = [conv.tap(f"ข้อ {i}" + (" (แนะนำ)" if i == 1 else ""), str(i))
               for i in range(1, len(options) + 1)]
    return [TextReply("หน่วยงานหลักตามตัวชี้วัด จปฐ. ด้าน"
                      f"{dimension_label(_problem(conv)['d'])}:\n{listing}\n\n"
                      "เลือกข้อ หรือพิมพ์ชื่อหน่วยงานอื่น", buttons=tuple(buttons))]


def _agency_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    options = _agencies(conv)
    if not value.isdigit() or not 1 <= int(value) <= len(options):
        return None
    _problem(conv)["a"] = options[int(value) - 1]
    return "note"


def _agency_typed(conv: Conversation, text: str) -> Next:
    options = _agencies(conv)
    if text.isdigit() and 1 <= int(text) <= len(options):
        _problem(conv)["a"] = options[int(text) - 1]
    else:
        _problem(conv)["a"] = clip(text, 300)
    return "note"


def _ask_note(conv: Conversation):
    return [TextReply("เล่าปัญหาสั้น ๆ ให้ ศจพ.อ. ทราบค่ะ (ไม่ต้องใส่เลขบัตรประชาชน) "
                      "หรือกด ข้าม", buttons=(conv.tap(SKIP, "skip"),))]


def _note_given(conv: Conversation, note: str | None) -> Next:
    _problem(conv)["n"] = note
    return _next_problem(conv)


def problem_lines(conv: Conversation) -> str:
    lines = []
    for p in conv.data.get("problems", []):
        route = f"ส่งต่อ: {p.get('a') or '-'}" if p.get("o") else "พี่เลี้ยงช่วยแก้เอง"
        lines.append(f"ด้าน{dimension_label(p['d'])} ({route})")
    return "\n".join(lines) or "ไม่พบปัญหาใหม่"


PROBLEMS = Step(ask=_ask_problems, on_tap=_problems_tapped)
ROUTE = Step(ask=_ask_route, on_tap=_route_tapped)
AGENCY = Step(ask=_ask_agency, on_tap=_agency_tapped, on_text=_agency_typed,
              reprompt="เลือกข้อจากปุ่ม หรือพิมพ์ชื่อหน่วยงานค่ะ")
NOTE = Step(ask=_ask_note, on_tap=lambda c, v, p: _note_given(c, None) if v == "skip" else None,
            on_text=lambda conv, text: _note_given(conv, clip(text, 500)),
            reprompt="พิมพ์เป็นข้อความสั้น ๆ หรือกด ข้าม ค่ะ")
