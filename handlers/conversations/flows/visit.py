"""รายงานการเยี่ยมบ้าน: the visit report (programme steps 1 and 4), declared step by step.

household -> date -> 4 ท (attitude, skills, resources, way out) -> problems -> for each problem:
route (solve myself / outside help) -> agency -> note -> photo -> next visit -> summary.
Nothing is saved until the summary is confirmed. A routine visit (one household, no new
problem): menu, วันนี้, ข้ามทั้ง 4 ท, ไม่พบปัญหาใหม่, ข้าม (photo), the default next date
(30 days on, shown as a date), ยืนยัน = 7 taps.
"""
from __future__ import annotations

from datetime import date, timedelta

from ... import access, visits
from ...names import given_name
from ...replies import Card, Cards, Field, TextReply
from ...thai_dates import format_thai_date, parse_typed_date, to_local_date
from ..engine import Answer, Conversation, Done, Flow, Next, Stay, Step
from .common import (
    PICK_HOUSEHOLD,
    SKIP,
    begin_with_household,
    checked_household,
    clip,
    current_household,
    return_to_summary,
)
from .visit_problems import AGENCY, NOTE, PROBLEMS, ROUTE, problem_lines

FOUR_T = (("attitude", "ทัศนคติ", "ครอบครัวมองปัญหาและการพัฒนาตนเองอย่างไร"),
          ("skills", "ทักษะ", "สมาชิกมีความรู้ ทักษะ อาชีพอะไรบ้าง"),
          ("resources", "ทรัพยากร", "มีที่ดิน ทุน แหล่งน้ำ หรือสิ่งที่ใช้ได้อะไรบ้าง"),
          ("way_out", "ทางออก", "ทางออกที่ตกลงร่วมกันกับครอบครัว"))
NEXT_VISIT_DAYS = visits.DEFAULT_INTERVAL_DAYS
GONE = "ครัวเรือนนี้ไม่ได้อยู่ในความดูแลของท่านแล้วค่ะ จึงยกเลิกการรายงาน"


def _start(conv: Conversation, args: dict) -> Next:
    return begin_with_household(conv, args, "date")


# -- visit date ----------------------------------------------------------------------------
def _assigned_on(conv: Conversation) -> date | None:
    household = current_household(conv)
    assignment = access.assignment_of(conv.session, household) if household else None
    return to_local_date(assignment.assigned_at, conv.ctx.tz) if assignment else None


def _ask_date(conv: Conversation):
    household = checked_household(conv)
    today = conv.ctx.today
    return [TextReply(
        f"รายงานการเยี่ยมบ้าน: {household.head_name}\nไปเยี่ยมบ้านวันไหนคะ "
        "(กดปุ่ม หรือพิมพ์ เช่น 7/5/2569)",
        buttons=(conv.tap(f"วันนี้ {format_thai_date(today)[:-5]}", "today"),
                 conv.tap("เมื่อวาน", "yesterday"),
                 conv.date_button("เลือกวันที่", initial=today, min_date=_assigned_on(conv),
                                  max_date=today)))]


def _set_date(conv: Conversation, day: date) -> Next:
    if day > conv.ctx.today:
        return Stay("วันที่เยี่ยมต้องไม่เป็นวันในอนาคตค่ะ")
    assigned = _assigned_on(conv)
    if assigned and day < assigned:
        return Stay(f"วันที่เยี่ยมต้องไม่ก่อนวันที่ได้รับมอบหมายครัวเรือน ({format_thai_date(assigned)}) ค่ะ")
    conv.data["date"] = day.isoformat()
    return return_to_summary(conv, "t_attitude")


# Buttons' values and words people type for a recent day -> days before today.
DAY_OFFSETS = {"today": 0, "yesterday": 1}
DAY_WORDS = {"วันนี้": 0, "เมื่อวาน": 1, "เมื่อวานนี้": 1, "เมื่อวานซืน": 2}


def _date_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value not in DAY_OFFSETS:
        return None
    return _set_date(conv, conv.ctx.today - timedelta(days=DAY_OFFSETS[value]))


def _date_typed(conv: Conversation, text: str) -> Next:
    word = "".join(text.split())
    if word in DAY_WORDS:
        return _set_date(conv, conv.ctx.today - timedelta(days=DAY_WORDS[word]))
    day = parse_typed_date(text)
    return _set_date(conv, day) if day else Stay("ยังอ่านวันที่ไม่ออกค่ะ กดปุ่ม หรือพิมพ์เช่น 7/5/2569")


# -- the 4 ท -------------------------------------------------------------------------------
def _four_t_step(index: int) -> Step:
    key, word, hint = FOUR_T[index]
    following = f"t_{FOUR_T[index + 1][0]}" if index + 1 < len(FOUR_T) else None

    def ask(conv: Conversation):
        buttons = [conv.tap(SKIP, "skip")]
        if index == 0:
            buttons.append(conv.tap("ข้ามทั้ง 4 ท", "skipall"))
        return [TextReply(f"วิเคราะห์ 4 ท ({index + 1}/4) {word}: {hint}\n"
                          "พิมพ์สั้น ๆ หรือกด ข้าม", buttons=tuple(buttons))]

    def store(conv: Conversation, value: str | None) -> Next:
        conv.data.setdefault("t", {})[key] = value
        return following or return_to_summary(conv, "problems")

    def tapped(conv: Conversation, value: str, payload: dict) -> Answer:
        if value == "skipall":
            conv.data["t"] = {}
            return return_to_summary(conv, "problems")
        return store(conv, None) if value == "skip" else None

    return Step(ask=ask, on_tap=tapped, on_text=lambda conv, text: store(conv, clip(text)),
                reprompt="พิมพ์เป็นข้อความสั้น ๆ หรือกด ข้าม ค่ะ")


# -- photo, next visit, summary ------------------------------------------------------------
def _ask_photo(conv: Conversation):
    return [TextReply("ส่งรูปถ่ายการเยี่ยมบ้าน 1 รูป (ถ้ามี) หรือกด ข้าม",
                      buttons=(conv.tap(SKIP, "skip"),))]


def _photo_sent(conv: Conversation, incoming) -> Next:
    conv.data["photo"] = incoming.message_id
    return return_to_summary(conv, "next")


def _photo_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value != "skip":
        return None
    conv.data.pop("photo", None)
    return return_to_summary(conv, "next")


def _default_next(conv: Conversation) -> date:
    visited = date.fromisoformat(conv.data["date"])
    return max(visited + timedelta(days=NEXT_VISIT_DAYS), conv.ctx.today + timedelta(days=1))


def _ask_next(conv: Conversation):
    default = _default_next(conv)
    return [TextReply("นัดเยี่ยมครั้งถัดไปวันไหนคะ",
                      buttons=(conv.tap(f"{format_thai_date(default)}", "default"),
                               conv.date_button("เลือกวันที่", initial=default,
                                                min_date=conv.ctx.today + timedelta(days=1),
                                                max_date=conv.ctx.today + timedelta(days=365))))]


def _set_next(conv: Conversation, day: date) -> Next:
    if day <= conv.ctx.today:
        return Stay("วันนัดครั้งถัดไปต้องเป็นวันหลังจากวันนี้ค่ะ")
    if day > conv.ctx.today + timedelta(days=365):
        return Stay("วันนัดครั้งถัดไปต้องไม่เกิน 1 ปีจากวันนี้ค่ะ")
    conv.data["next"] = day.isoformat()
    return "summary"


def _next_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    return _set_next(conv, _default_next(conv)) if value == "default" else None


def _next_typed(conv: Conversation, text: str) -> Next:
    day = parse_typed_date(text)
    return _set_next(conv, day) if day else Stay("ยังอ่านวันที่ไม่ออกค่ะ กดปุ่ม หรือพิมพ์เช่น 7/6/2569")


def _ask_summary(conv: Conversation):
    household = checked_household(conv)
    four_t = conv.data.get("t", {})
    fields = [Field("ครัวเรือน", household.head_name),
              Field("วันที่เยี่ยม", format_thai_date(date.fromisoformat(conv.data["date"])))]
    fields += [Field(word, four_t.get(key) or "-") for key, word, _ in FOUR_T]
    fields += [Field("ปัญหาที่พบ", problem_lines(conv)),
               Field("รูปถ่าย", "มี 1 รูป" if conv.data.get("photo") else "ไม่มี"),
               Field("นัดครั้งถัดไป", format_thai_date(date.fromisoformat(conv.data["next"])))]
    card = Card(title="สรุปการเยี่ยมบ้าน", subtitle="ตรวจสอบแล้วกดยืนยันเพื่อบันทึก",
                fields=tuple(fields),
                buttons=(conv.tap("ยืนยัน", "confirm"), conv.tap("แก้ไข", "edit"),
                         conv.tap("ยกเลิก", "cancel")))
    return [Cards(alt_text="สรุปการเยี่ยมบ้าน กดยืนยันเพื่อบันทึก", cards=(card,),
                  buttons=(conv.tap("ยืนยัน", "confirm"), conv.tap("แก้ไข", "edit")))]


def _summary_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value == "confirm":
        return _save(conv)
    if value == "edit":
        conv.data["edit"] = True
        return "edit"
    if value == "cancel":
        return Done([TextReply("ยกเลิกการรายงานแล้วค่ะ ไม่มีการบันทึก")])
    return None


EDIT_TARGETS = (("date", "วันที่เยี่ยม"), ("t_attitude", "4 ท"), ("problems", "ปัญหาที่พบ"),
                ("photo", "รูปถ่าย"), ("next", "นัดครั้งถัดไป"), ("summary", "กลับไปหน้าสรุป"))


def _ask_edit(conv: Conversation):
    return [TextReply("ต้องการแก้ไขส่วนไหนคะ",
                      buttons=tuple(conv.tap(label, step) for step, label in EDIT_TARGETS))]


def _edit_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    steps = dict(EDIT_TARGETS)
    if value not in steps:
        return None
    if value == "problems":
        conv.data["dims"] = [p["d"] for p in conv.data.get("problems", [])]
    return value


def _save(conv: Conversation) -> Next:
    household = current_household(conv)
    if household is None:
        return Done([TextReply(GONE)])
    draft = visits.VisitDraft(
        visited_on=date.fromisoformat(conv.data["date"]),
        attitude=conv.data.get("t", {}).get("attitude"),
        skills=conv.data.get("t", {}).get("skills"),
        resources=conv.data.get("t", {}).get("resources"),
        way_out=conv.data.get("t", {}).get("way_out"),
        problems=tuple(visits.ProblemDraft(p["d"], bool(p.get("o")), p.get("a"), p.get("n"))
                       for p in conv.data.get("problems", [])),
        next_visit_due=date.fromisoformat(conv.data["next"]),
        photo_message_id=conv.data.get("photo"))
    visit, pushes = visits.record_visit(conv.session, household, conv.person, draft, conv.ctx)
    conv.outcome.pushes.extend(pushes)
    cases = sum(1 for p in draft.problems if p.outside)
    text = (f"บันทึกการเยี่ยมบ้าน{given_name(household.head_name)}แล้วค่ะ\n"
            f"นัดเยี่ยมครั้งถัดไป {format_thai_date(draft.next_visit_due)}")
    if cases:
        text += f"\nส่งเรื่องขอความช่วยเหลือ {cases} เรื่องถึง ศจพ.อ. แล้ว"
    if visit.was_overdue:
        text += "\n(รายงานหลังวันนัด บันทึกว่าเยี่ยมล่าช้า)"
    return Done([TextReply(text)])


def _still_theirs(conv: Conversation) -> str | None:
    """The household may be reassigned mid-report: then the report cannot go on."""
    if "h" in conv.data and current_household(conv) is None:
        return GONE
    return None


FLOW = Flow(
    name="visit",
    title="การรายงานการเยี่ยมบ้าน",
    start=_start,
    guard=_still_theirs,
    resumable=True,
    steps={
        "household": PICK_HOUSEHOLD,
        "date": Step(ask=_ask_date, on_tap=_date_tapped, on_date=_set_date, on_text=_date_typed,
                     reprompt="กรุณากดเลือกวันที่จากปุ่ม หรือพิมพ์วันที่ เช่น 7/5/2569 ค่ะ"),
        **{f"t_{key}": _four_t_step(i) for i, (key, _, _) in enumerate(FOUR_T)},
        "problems": PROBLEMS,
        "route": ROUTE,
        "agency": AGENCY,
        "note": NOTE,
        "photo": Step(ask=_ask_photo, on_tap=_photo_tapped, on_image=_photo_sent,
                      reprompt="ส่งเป็นรูปภาพ หรือกด ข้าม ค่ะ"),
        "next": Step(ask=_ask_next, on_tap=_next_tapped, on_date=_set_next, on_text=_next_typed,
                     reprompt="กรุณาเลือกวันนัดจากปุ่ม หรือพิมพ์วันที่ค่ะ"),
        "summary": Step(ask=_ask_summary, on_tap=_summary_tapped,
                        reprompt="กด ยืนยัน เพื่อบันทึก หรือ แก้ไข ค่ะ"),
        "edit": Step(ask=_ask_edit, on_tap=_edit_tapped),
    },
)

FLOWS = (FLOW,)
