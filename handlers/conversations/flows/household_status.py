"""The household's way out, as the mentor records it.

dimensions:     household -> its failing TPMAP dimensions, ✓ for those passed: tap one that
                fails -> the day it passed (วันนี้ / เมื่อวาน / a date) -> the list again; tap
                one with ✓ to reopen it (today) -> the list again; เสร็จ ends.
household_exit: household -> reason -> a note (optional; required for อื่น ๆ) -> ยืนยัน: the
                request goes to the district's coordinators, who confirm or decline in one tap
                (handlers/conversations/actions/exit_actions.py).
"""
from __future__ import annotations

from datetime import date, timedelta

from models import ExitReason
from models.dimensions import DIMENSIONS

from ... import dimension_passes, household_exits
from ...buttons import command_button
from ...replies import Button, TextReply
from ...thai_dates import format_thai_date, parse_typed_date, to_local_date
from ..engine import Answer, Conversation, Done, Flow, Next, Stay, Step
from .common import PICK_HOUSEHOLD, SKIP, begin_with_household, checked_household, current_household
from .plan import too_long

GONE = "ครัวเรือนนี้ไม่ได้อยู่ในความดูแลของท่านแล้ว จึงยกเลิกรายการนี้ค่ะ"
NO_DIMENSIONS = "ครัวเรือนนี้ไม่มีมิติที่ไม่ผ่านตามข้อมูล TPMAP ค่ะ"
PASSED_BACK = 365    # days: how long ago a typed or picked day of passing may be
DATE_HINT = "กดปุ่ม หรือพิมพ์วันที่ เช่น 7/5/2569 ค่ะ"
MARK = "✓"


def _households_button() -> Button:
    return command_button("households", "บ้านที่ดูแล")


# -- dimensions ----------------------------------------------------------------------------
def _dimensions_guard(conv: Conversation) -> str | None:
    if "h" not in conv.data:
        return None
    household = current_household(conv)
    if household is None:
        return GONE
    return None if household.dimensions else NO_DIMENSIONS


def _ask_dimensions(conv: Conversation):
    household = checked_household(conv)
    states = dimension_passes.states_of(conv.session, household)
    failing = sum(1 for s in states if s.passed_on is None)
    lines = [f"{MARK} {DIMENSIONS[s.code]}: ผ่านแล้ว {format_thai_date(s.passed_on)}"
             if s.passed_on else f"• {DIMENSIONS[s.code]}: ยังไม่ผ่าน" for s in states]
    said = conv.data.pop("said", None)
    text = "\n".join([
        *([said, ""] if said else []),
        f"มิติที่ครัวเรือน {household.head_name} ไม่ผ่านตามข้อมูล TPMAP ค่ะ",
        *lines,
        "",
        f"ยังไม่ผ่าน {failing} จาก {len(states)} มิติค่ะ",
        f"กดชื่อมิติที่ครัวเรือนผ่านแล้ว หรือกดมิติที่มี {MARK} เพื่อเปิดใหม่ค่ะ"])
    buttons = [conv.tap(f"{MARK}{DIMENSIONS[s.code]}", f"reopen:{s.code}",
                        text=f"เปิดใหม่: {DIMENSIONS[s.code]}") if s.passed_on else
               conv.tap(DIMENSIONS[s.code], f"pass:{s.code}", text=f"ผ่านแล้ว: {DIMENSIONS[s.code]}")
               for s in states]
    return [TextReply(text, buttons=(*buttons, conv.tap("เสร็จ", "done")))]


def _dimension_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value == "done":
        return _dimensions_done(conv)
    move, _, code = value.partition(":")
    household = checked_household(conv)
    if code not in household.dimensions or move not in ("pass", "reopen"):
        return None
    name = DIMENSIONS[code]
    passed = {s.code: s.passed_on for s in dimension_passes.states_of(conv.session, household)}
    if move == "pass":
        if passed.get(code):
            conv.data["said"] = f"มิติ{name} บันทึกว่าผ่านไว้แล้วค่ะ"
            return "dimensions"
        conv.data["dim"] = code
        return "when"
    if dimension_passes.reopen_dimension(conv.session, household, conv.person, code, conv.ctx):
        conv.data["said"] = f"เปิดมิติ{name} ใหม่แล้ว บันทึกว่ายังไม่ผ่านค่ะ"
    else:
        conv.data["said"] = f"มิติ{name} ยังไม่ผ่านอยู่แล้วค่ะ"
    return "dimensions"


def _dimensions_done(conv: Conversation) -> Done:
    household = checked_household(conv)
    states = dimension_passes.states_of(conv.session, household)
    failing = sum(1 for s in states if s.passed_on is None)
    return Done([TextReply(f"ครัวเรือน {household.head_name} ยังไม่ผ่าน {failing} จาก "
                           f"{len(states)} มิติค่ะ", buttons=(_households_button(),))])


def _ask_when(conv: Conversation):
    today = conv.ctx.today
    return [TextReply(f"มิติ{DIMENSIONS[conv.data['dim']]}: ครัวเรือนผ่านเมื่อวันไหนคะ\n{DATE_HINT}",
                      buttons=(conv.tap("วันนี้", "0"), conv.tap("เมื่อวาน", "1"),
                               conv.date_button("เลือกวันที่", initial=today,
                                                min_date=today - timedelta(days=PASSED_BACK),
                                                max_date=today)))]


def _when_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value not in ("0", "1"):
        return None
    return _passed_on(conv, conv.ctx.today - timedelta(days=int(value)))


def _passed_on(conv: Conversation, day: date | None) -> Next:
    today = conv.ctx.today
    if day is None:
        return Stay(f"ยังอ่านวันที่ไม่ออกค่ะ\n{DATE_HINT}")
    if day > today:
        return Stay("วันที่ผ่านต้องไม่เป็นวันในอนาคตค่ะ")
    if day < today - timedelta(days=PASSED_BACK):
        return Stay(f"วันที่ผ่านต้องอยู่ภายใน {PASSED_BACK} วันที่ผ่านมาค่ะ")
    code = conv.data.pop("dim")
    name = DIMENSIONS[code]
    if dimension_passes.pass_dimension(conv.session, checked_household(conv), conv.person, code,
                                       day, conv.ctx):
        conv.data["said"] = f"บันทึกมิติ{name} ผ่านแล้ว เมื่อ {format_thai_date(day)} ค่ะ"
    else:
        conv.data["said"] = f"มิติ{name} บันทึกว่าผ่านไว้แล้วค่ะ"
    return "dimensions"


DIMENSIONS_FLOW = Flow(
    name="dimensions",
    title="การบันทึกมิติที่ผ่าน",
    guard=_dimensions_guard,
    start=lambda conv, args: begin_with_household(conv, args, "dimensions"),
    steps={
        "household": PICK_HOUSEHOLD,
        "dimensions": Step(ask=_ask_dimensions, on_tap=_dimension_tapped),
        "when": Step(ask=_ask_when, on_tap=_when_tapped,
                     on_date=lambda conv, day: _passed_on(conv, day),
                     on_text=lambda conv, text: _passed_on(
                         conv, parse_typed_date(text, today=conv.ctx.today)),
                     reprompt="กรุณาเลือกวันที่จากปุ่ม หรือพิมพ์วันที่ เช่น 7/5/2569 ค่ะ"),
    },
)


# -- household_exit ------------------------------------------------------------------------
# The reasons' button labels (LINE allows 20 characters); the full words are what is said.
REASON_LABELS: dict[ExitReason, str] = {
    ExitReason.GRADUATED: "พ้นเกณฑ์",
    ExitReason.MOVED: "ย้ายออกนอกพื้นที่",
    ExitReason.DIED: "เสียชีวิต",
    ExitReason.OTHER: "อื่น ๆ",
}


def _exit_guard(conv: Conversation) -> str | None:
    if "h" not in conv.data:
        return None
    if current_household(conv) is None:
        return GONE
    waiting = household_exits.open_request(conv.session, conv.data["h"])
    if waiting is None:
        return None
    asked = format_thai_date(to_local_date(waiting.requested_at, conv.ctx.tz))
    return (f"ครัวเรือนนี้มีคำขอออกจากโครงการ "
            f"({household_exits.REASON_WORDS[waiting.reason]}) ที่ส่งเมื่อ {asked} "
            "รอ ศจพ.อ. ยืนยันอยู่แล้วค่ะ")


def _reason(conv: Conversation) -> ExitReason:
    return ExitReason(conv.data["reason"])


def _ask_reason(conv: Conversation):
    household = checked_household(conv)
    reasons = "\n".join(f"• {word}" for word in household_exits.REASON_WORDS.values())
    return [TextReply(f"แจ้งครัวเรือน {household.head_name} ออกจากโครงการ\n"
                      f"ด้วยเหตุผลใดคะ\n{reasons}\n\n"
                      "ศจพ.อ. ของอำเภอจะได้รับคำขอนี้เพื่อยืนยันค่ะ",
                      buttons=tuple(conv.tap(REASON_LABELS[r], r.value,
                                             text=household_exits.REASON_WORDS[r])
                                    for r in ExitReason))]


def _reason_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value not in {r.value for r in ExitReason}:
        return None
    conv.data["reason"] = value
    conv.data.pop("note", None)
    return "note"


def _ask_note(conv: Conversation):
    if _reason(conv) is ExitReason.OTHER:
        return [TextReply("กรุณาพิมพ์เหตุผลที่ครัวเรือนออกจากโครงการค่ะ")]
    return [TextReply("พิมพ์บันทึกเพิ่มเติมถึง ศจพ.อ. (ถ้ามี) หรือกด ข้าม ค่ะ",
                      buttons=(conv.tap(SKIP, "skip"),))]


def _note_typed(conv: Conversation, text: str) -> Next:
    if not text:   # a blank message (the engine strips what is typed)
        if _reason(conv) is ExitReason.OTHER:
            return Stay("กรุณาพิมพ์เหตุผลที่ครัวเรือนออกจากโครงการค่ะ")
        return Stay("พิมพ์บันทึกเพิ่มเติม หรือกด ข้าม ค่ะ")
    refused = too_long(text, household_exits.NOTE_MAX)
    if refused:
        return refused
    conv.data["note"] = text
    return "confirm"


def _note_skipped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value != "skip" or _reason(conv) is ExitReason.OTHER:
        return None
    conv.data["note"] = None
    return "confirm"


def _ask_confirm(conv: Conversation):
    household = checked_household(conv)
    note = conv.data.get("note")
    return [TextReply("\n".join([
        "ขอให้ครัวเรือนออกจากโครงการ",
        f"ครัวเรือน: {household.head_name}",
        f"เหตุผล: {household_exits.REASON_WORDS[_reason(conv)]}",
        *([f"บันทึก: {note}"] if note else []),
        "",
        "เมื่อกด ยืนยัน คำขอจะส่งถึง ศจพ.อ. เพื่อยืนยันค่ะ "
        "ระหว่างรอ ครัวเรือนยังอยู่ในความดูแลของท่านตามเดิมค่ะ"]),
        buttons=(conv.tap("ยืนยัน", "yes"),))]


def _confirmed(conv: Conversation, value: str, payload: dict) -> Answer:
    if value != "yes":
        return None
    household = checked_household(conv)
    request, push = household_exits.request_exit(
        conv.session, household, conv.person, _reason(conv), conv.data.get("note"), conv.ctx)
    if request is None:
        return Done([TextReply("ครัวเรือนนี้มีคำขอออกจากโครงการรอ ศจพ.อ. ยืนยันอยู่แล้วค่ะ")])
    if push is None:
        text = (f"บันทึกคำขอแล้วค่ะ แต่อำเภอ{household.district}ยังไม่มี ศจพ.อ. ที่ลงทะเบียนในระบบ "
                "กรุณาแจ้ง ศจพ.อ. โดยตรงค่ะ")
    else:
        conv.outcome.pushes.append(push)
        text = ("ส่งคำขอถึง ศจพ.อ. แล้วค่ะ เมื่อ ศจพ.อ. ยืนยัน ครัวเรือนนี้จะออกจากรายการ"
                "บ้านที่ดูแล และระบบจะแจ้งให้ท่านทราบค่ะ")
    return Done([TextReply(text, buttons=(_households_button(),))])


EXIT_FLOW = Flow(
    name="household_exit",
    title="การแจ้งครัวเรือนออกจากโครงการ",
    guard=_exit_guard,
    start=lambda conv, args: begin_with_household(conv, args, "reason"),
    steps={
        "household": PICK_HOUSEHOLD,
        "reason": Step(ask=_ask_reason, on_tap=_reason_tapped),
        "note": Step(ask=_ask_note, on_text=_note_typed, on_tap=_note_skipped,
                     reprompt="กรุณาพิมพ์เป็นข้อความค่ะ"),
        "confirm": Step(ask=_ask_confirm, on_tap=_confirmed),
    },
)

FLOWS = (DIMENSIONS_FLOW, EXIT_FLOW)
