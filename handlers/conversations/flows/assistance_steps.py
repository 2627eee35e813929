"""The questions that record an assistance: kind -> agency -> value -> date -> note.

Three flows ask them (a case's help received at a visit, a coordinator closing a case, a mentor
recording help between visits), each with its own prefix, its own questions left out, and its
own way on when they are answered. The answers live in ``conv.data["as"]`` until the flow saves
them (``draft``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from models import Household
from models.dimensions import dimension_label

from ... import assistance
from ...agencies import agencies_for
from ...replies import TextReply
from ...thai_dates import format_thai_date, parse_typed_date
from ..engine import Answer, Conversation, Next, Stay, Step
from .common import clip

KEY = "as"
AGENCY_BUTTONS = 8
NO_VALUE, SKIP_NOTE, MYSELF = "ไม่ระบุ", "ข้าม", "ตัวท่านเอง"
DAY_OFFSETS = {"today": 0, "yesterday": 1}


def answers(conv: Conversation) -> dict:
    return conv.data.setdefault(KEY, {})


def begin(conv: Conversation, dimension: str, **preset) -> None:
    """Start a fresh set of answers about ``dimension`` (``preset``: e.g. the date known)."""
    conv.data[KEY] = {"d": dimension, **preset}


def draft(conv: Conversation, *, given_on: date | None = None, case_id: int | None = None,
          visit_id: int | None = None) -> assistance.AssistanceDraft:
    a = answers(conv)
    return assistance.AssistanceDraft(
        dimension=a["d"], kind=a["k"],
        given_on=given_on or date.fromisoformat(a.get("on") or conv.ctx.today.isoformat()),
        agency_id=a.get("ag"), agency_name=a.get("an"), by_mentor=bool(a.get("me")),
        value_baht=Decimal(a["v"]) if a.get("v") else None, note=a.get("n"),
        case_id=case_id, visit_id=visit_id)


def summary_line(conv: Conversation, words: dict[str, str],
                 saved: dict | None = None) -> str:
    """'ฝึกอาชีพ โดย พช.อ. 3,000 บาท' for what is answered so far (or for ``saved`` answers
    kept aside by a flow)."""
    a = answers(conv) if saved is None else saved
    line = f"{words.get(a['k'], a['k'])} โดย "
    line += assistance.MENTOR_WORDS if a.get("me") else (a.get("an") or "-")
    if a.get("v"):
        line += f" {assistance.format_baht(Decimal(a['v']))}"
    return line


@dataclass(frozen=True)
class AssistanceSteps:
    prefix: str                                      # step names: f"{prefix}kind" ...
    household: Callable[[Conversation], Household]   # whose help (area of the agency list)
    then: Callable[[Conversation], Next]             # once the last question is answered
    heading: Callable[[Conversation], str]           # what the questions are about
    kind_question: str = "ความช่วยเหลือที่ได้รับเป็นแบบใดคะ"
    note_question: str = "บันทึกเพิ่มเติมสั้น ๆ (ถ้ามี) หรือกด ข้าม ค่ะ"
    ask_agency: bool = True
    ask_value: bool = True
    offer_myself: bool = False     # the mentor may be who helped
    ask_date: bool = True
    ask_note: bool = True
    # An agency name to put first (the one a case was referred to), if the list has it.
    preferred: Callable[[Conversation], str | None] = lambda conv: None
    indicator: Callable[[Conversation], int | None] = lambda conv: None

    def steps(self) -> dict[str, Step]:
        p = self.prefix
        steps = {f"{p}kind": Step(ask=self._ask_kind, on_tap=self._kind_tapped,
                                  reprompt="กดเลือกประเภทความช่วยเหลือจากปุ่มค่ะ")}
        if self.ask_agency:
            steps[f"{p}agency"] = Step(ask=self._ask_agency, on_tap=self._agency_tapped,
                                       on_text=self._agency_typed,
                                       reprompt="เลือกหน่วยงานจากปุ่ม หรือพิมพ์ชื่อหน่วยงานค่ะ")
        if self.ask_value:
            steps[f"{p}value"] = Step(ask=self._ask_value, on_tap=self._value_tapped,
                                      on_text=self._value_typed,
                                      reprompt="พิมพ์มูลค่าเป็นตัวเลข (บาท) หรือกด ไม่ระบุ ค่ะ")
        if self.ask_date:
            steps[f"{p}date"] = Step(ask=self._ask_date, on_tap=self._date_tapped,
                                     on_date=self._set_date, on_text=self._date_typed,
                                     reprompt="กดเลือกวันที่ หรือพิมพ์ เช่น 1/12/2569 ค่ะ")
        if self.ask_note:
            steps[f"{p}note"] = Step(ask=self._ask_note, on_tap=self._note_tapped,
                                     on_text=self._note_typed,
                                     reprompt="พิมพ์บันทึกสั้น ๆ หรือกด ข้าม ค่ะ")
        return steps

    @property
    def first(self) -> str:
        return f"{self.prefix}kind"

    def _after(self, conv: Conversation, step: str) -> Next:
        order = ["kind", "agency", "value", "date", "note"]
        present = {"kind": True, "agency": self.ask_agency and not answers(conv).get("me"),
                   "value": self.ask_value, "date": self.ask_date, "note": self.ask_note}
        for name in order[order.index(step) + 1:]:
            if present[name]:
                return f"{self.prefix}{name}"
        return self.then(conv)

    # -- kind --------------------------------------------------------------------------------
    def _ask_kind(self, conv: Conversation):
        kinds = assistance.kinds(conv.session)
        return [TextReply(f"{self.heading(conv)}\n{self.kind_question}",
                          buttons=tuple(conv.tap(k.short_th, k.code, text=k.label_th)
                                        for k in kinds))]

    def _kind_tapped(self, conv: Conversation, value: str, payload: dict) -> Answer:
        if value not in {k.code for k in assistance.kinds(conv.session)}:
            return None
        answers(conv)["k"] = value
        return self._after(conv, "kind")

    # -- agency ------------------------------------------------------------------------------
    def _options(self, conv: Conversation):
        household = self.household(conv)
        options = agencies_for(conv.session, household.province, household.district,
                               answers(conv)["d"], indicator_no=self.indicator(conv),
                               limit=AGENCY_BUTTONS + 1)
        preferred = self.preferred(conv)
        options.sort(key=lambda agency: agency.short_name != preferred)
        return options[:AGENCY_BUTTONS]

    def _ask_agency(self, conv: Conversation):
        options = self._options(conv)
        listing = "\n".join(f"{i}. {a.short_name} {a.name}" for i, a in enumerate(options, 1))
        buttons = [conv.tap(a.short_name[:20], f"ag:{a.id}", text=a.short_name) for a in options]
        if self.offer_myself:
            buttons.insert(0, conv.tap(MYSELF, "me", text="พี่เลี้ยงช่วยเอง"))
        dimension = dimension_label(answers(conv)["d"])
        return [TextReply(f"หน่วยงานใดให้ความช่วยเหลือคะ (ด้าน{dimension})\n{listing}\n\n"
                          "กดเลือก หรือพิมพ์ชื่อหน่วยงานอื่นได้ค่ะ", buttons=tuple(buttons))]

    def _agency_tapped(self, conv: Conversation, value: str, payload: dict) -> Answer:
        a = answers(conv)
        if value == "me" and self.offer_myself:
            a.update(me=True, ag=None, an=None)
            return self._after(conv, "agency")
        chosen = {f"ag:{agency.id}": agency for agency in self._options(conv)}.get(value)
        if chosen is None:
            return None
        a.update(me=False, ag=chosen.id, an=chosen.short_name)
        return self._after(conv, "agency")

    def _agency_typed(self, conv: Conversation, text: str) -> Next:
        typed = text.strip()
        if len(typed) < 2:
            return Stay("พิมพ์ชื่อหน่วยงาน หรือกดเลือกจากปุ่มค่ะ")
        if len(typed) > assistance.AGENCY_NAME_MAX:
            return Stay(f"ชื่อหน่วยงานยาวเกินไป ไม่เกิน {assistance.AGENCY_NAME_MAX} ตัวอักษรค่ะ")
        a = answers(conv)
        known = {agency.short_name: agency for agency in self._options(conv)}.get(typed)
        # อื่น ๆ: an agency the list lacks is kept as typed.
        a.update(me=False, ag=known.id if known else None, an=typed)
        return self._after(conv, "agency")

    # -- value -------------------------------------------------------------------------------
    def _ask_value(self, conv: Conversation):
        return [TextReply("มูลค่าความช่วยเหลือประมาณกี่บาทคะ พิมพ์ตัวเลข เช่น 3000 "
                          "หรือกด ไม่ระบุ ค่ะ", buttons=(conv.tap(NO_VALUE, "none"),))]

    def _value_tapped(self, conv: Conversation, value: str, payload: dict) -> Answer:
        if value != "none":
            return None
        answers(conv)["v"] = None
        return self._after(conv, "value")

    def _value_typed(self, conv: Conversation, text: str) -> Next:
        value = assistance.parse_baht(text)
        if value is None:
            return Stay("ยังอ่านจำนวนเงินไม่ออกค่ะ พิมพ์เป็นตัวเลข เช่น 3000 หรือ 3,000 ค่ะ")
        answers(conv)["v"] = str(value)
        return self._after(conv, "value")

    # -- date --------------------------------------------------------------------------------
    def _ask_date(self, conv: Conversation):
        today = conv.ctx.today
        return [TextReply("ได้รับความช่วยเหลือวันไหนคะ กดปุ่ม หรือพิมพ์ เช่น 1/12/2569 ก็ได้ค่ะ",
                          buttons=(conv.tap("วันนี้", "today"), conv.tap("เมื่อวาน", "yesterday"),
                                   conv.date_button("เลือกวันที่", initial=today,
                                                    max_date=today)))]

    def _set_date(self, conv: Conversation, day: date) -> Next:
        if day > conv.ctx.today:
            return Stay("วันที่ได้รับความช่วยเหลือต้องไม่เป็นวันในอนาคตค่ะ")
        if day < conv.ctx.today - timedelta(days=366):
            return Stay("วันที่ย้อนหลังได้ไม่เกิน 1 ปีค่ะ")
        answers(conv)["on"] = day.isoformat()
        return self._after(conv, "date")

    def _date_tapped(self, conv: Conversation, value: str, payload: dict) -> Answer:
        if value not in DAY_OFFSETS:
            return None
        return self._set_date(conv, conv.ctx.today - timedelta(days=DAY_OFFSETS[value]))

    def _date_typed(self, conv: Conversation, text: str) -> Next:
        day = parse_typed_date(text, today=conv.ctx.today)
        if day is None:
            return Stay("ยังอ่านวันที่ไม่ออกค่ะ กดปุ่ม หรือพิมพ์ เช่น 1/12/2569 ค่ะ")
        return self._set_date(conv, day)

    # -- note --------------------------------------------------------------------------------
    def _ask_note(self, conv: Conversation):
        return [TextReply(self.note_question,
                          buttons=(conv.tap(SKIP_NOTE, "skip"),))]

    def _note_tapped(self, conv: Conversation, value: str, payload: dict) -> Answer:
        if value != "skip":
            return None
        answers(conv)["n"] = None
        return self._after(conv, "note")

    def _note_typed(self, conv: Conversation, text: str) -> Next:
        answers(conv)["n"] = clip(text, assistance.NOTE_MAX)
        return self._after(conv, "note")


def format_day(iso: str | None) -> str:
    return format_thai_date(date.fromisoformat(iso)) if iso else "-"
