"""A coordinator moving a case on: ส่งต่อหน่วยงาน (case_refer) and ปิดเรื่อง (case_close).

Referring is one question long; closing asks the outcome and, when help was given, what help
(kind, agency, value, date: assistance_steps.py), so the province can count it. The case is
re-checked before every question and answer (another coordinator may take or close it
meanwhile), and once more under a row lock when saving.
"""
from __future__ import annotations

from models import Case, CaseClosure, Household
from models.dimensions import dimension_label

from ... import access, assistance, audit_session, cases
from ...agencies import agencies_for
from ...cards import case_card
from ...replies import Cards, Push, TextReply
from ...thai_text import clean
from ..engine import Answer, Conversation, Done, Flow, Next, Stay, Step
from . import assistance_steps

NOT_FOUND = "ไม่พบเรื่องนี้ค่ะ"
MAX_AGENCIES = 6
MAX_AGENCY = 300    # characters (cases.referred_agency)
MAX_OUTCOME = 300   # characters of a typed outcome
# Common outcomes: closure -> (button label, what is recorded). HELPED goes on to record the
# assistance; a typed outcome is another reason, kept as typed.
OUTCOMES: dict[CaseClosure, tuple[str, str]] = {
    CaseClosure.HELPED: ("ได้รับความช่วยเหลือ", "ได้รับความช่วยเหลือแล้ว"),
    CaseClosure.DECLINED: ("ครัวเรือนไม่ประสงค์", "ครัวเรือนไม่ประสงค์รับความช่วยเหลือ"),
    CaseClosure.UNABLE: ("หน่วยงานช่วยไม่ได้", "หน่วยงานไม่สามารถช่วยเหลือได้"),
}


def _case(conv: Conversation) -> Case | None:
    return access.case_for(conv.session, conv.person, conv.data.get("case"))


def _asked_case(conv: Conversation) -> Case:
    """The case a step asks about: the guard (_still_actionable) ends the flow if it is gone."""
    case = _case(conv)
    if case is None:
        raise LookupError(f"case {conv.data.get('case')} is gone, but the guard let it ask")
    return case


def _begin(first_step: str):
    def start(conv: Conversation, args: dict) -> Next:
        case = access.case_for(conv.session, conv.person, args.get("case_id"))
        if case is None:
            return Done([TextReply(NOT_FOUND)])
        why = cases.blocker(case, conv.person)
        if why:
            return Done([TextReply(why)])
        conv.data["case"] = case.id
        if first_step == "agency":
            conv.data["opts"] = _agency_options(conv, case)
        return first_step
    return start


def _still_actionable(conv: Conversation) -> str | None:
    if "case" not in conv.data:
        return None
    case = _case(conv)
    return NOT_FOUND if case is None else cases.blocker(case, conv.person)


def _heading(case: Case) -> str:
    return (f"เรื่อง #{case.id} ครัวเรือน{case.household.head_name} "
            f"ด้าน{dimension_label(case.dimension)}")


def _save(conv: Conversation, change, value: str, done_text: str) -> Done:
    """Apply ``change`` to the case under a row lock, after checking it once more."""
    case = cases.locked(conv.session, conv.person, conv.data["case"])
    if case is None:
        return Done([TextReply(NOT_FOUND)])
    why = cases.blocker(case, conv.person)
    if why:
        return Done([TextReply(why)])
    push: Push | None = change(conv.session, case, conv.person, value, conv.ctx)
    if push is not None:
        conv.outcome.pushes.append(push)
        done_text += "\nแจ้งพี่เลี้ยงทราบแล้วค่ะ"
    card = case_card(case, conv.ctx, for_coordinator=True)
    audit_session.viewed_one(conv.session, "case", case.household, {"case_id": case.id})
    return Done([TextReply(done_text), Cards(alt_text=f"เรื่อง #{case.id}", cards=(card,))])


# -- ส่งต่อหน่วยงาน ----------------------------------------------------------------------
def _agency_options(conv: Conversation, case: Case) -> list[str]:
    """The agency the mentor suggested, then the lead agencies of the dimension."""
    options = [case.suggested_agency] if case.suggested_agency else []
    for agency in agencies_for(conv.session, case.province, case.district, case.dimension,
                               indicator_no=case.indicator_no, limit=MAX_AGENCIES):
        if agency.short_name not in options:
            options.append(agency.short_name)
    return options[:MAX_AGENCIES]


def _ask_agency(conv: Conversation):
    case, options = _asked_case(conv), conv.data.get("opts", [])
    listing = "\n".join(f"{i}. {name}" + (" (พี่เลี้ยงเสนอ)" if i == 1 and case.suggested_agency
                                           else "")
                        for i, name in enumerate(options, 1))
    ask = ("เลือกข้อ หรือพิมพ์ชื่อหน่วยงานค่ะ" if options
           else "พิมพ์ชื่อหน่วยงานที่จะส่งต่อค่ะ")
    text = f"ส่งต่อ{_heading(case)}\n" + (f"หน่วยงานที่แนะนำ:\n{listing}\n\n" if options else "")
    buttons = tuple(conv.tap(f"ข้อ {i}", str(i)) for i in range(1, len(options) + 1))
    return [TextReply(text + ask, buttons=buttons)]


def _option(conv: Conversation, value: str) -> str | None:
    options = conv.data.get("opts", [])
    if value.isdigit() and 1 <= int(value) <= len(options):
        return options[int(value) - 1]
    return None


def _refer(conv: Conversation, agency: str) -> Done:
    done = f"ส่งต่อเรื่อง #{conv.data['case']} ถึง {agency} แล้วค่ะ"
    return _save(conv, cases.refer, agency, done)


def _agency_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    agency = _option(conv, value)
    return _refer(conv, agency) if agency else None


def _agency_typed(conv: Conversation, text: str) -> Next:
    # A list number ('๒' too) picks an option; a name is kept as typed.
    agency = _option(conv, clean(text)) or text.strip()
    if len(agency) < 2:
        return Stay("พิมพ์ชื่อหน่วยงาน หรือเลือกข้อจากปุ่มค่ะ")
    if len(agency) > MAX_AGENCY:
        return Stay(f"ชื่อหน่วยงานยาวเกินไป ไม่เกิน {MAX_AGENCY} ตัวอักษรค่ะ")
    return _refer(conv, agency)


# -- ปิดเรื่อง ------------------------------------------------------------------------------
def _ask_outcome(conv: Conversation):
    buttons = tuple(conv.tap(label, closure.value, text=recorded)
                    for closure, (label, recorded) in OUTCOMES.items())
    return [TextReply(f"ปิด{_heading(_asked_case(conv))}\nผลการดำเนินการเป็นอย่างไรคะ "
                      "กดเลือกจากปุ่ม หรือถ้าช่วยไม่ได้ด้วยเหตุอื่น พิมพ์เหตุผลสั้น ๆ "
                      f"(ไม่เกิน {MAX_OUTCOME} ตัวอักษร) ค่ะ", buttons=buttons)]


def _close(conv: Conversation, outcome: str, closure: CaseClosure) -> Done:
    def change(session, case, coordinator, value, ctx):
        return cases.close(session, case, coordinator, value, ctx, closure=closure)
    return _save(conv, change, outcome, f"ปิดเรื่อง #{conv.data['case']} แล้วค่ะ")


def _outcome_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    closure = next((c for c in OUTCOMES if c.value == value), None)
    if closure is None:
        return None
    if closure is CaseClosure.HELPED:
        assistance_steps.begin(conv, _asked_case(conv).dimension)
        return HELP.first
    return _close(conv, OUTCOMES[closure][1], closure)


def _outcome_typed(conv: Conversation, text: str) -> Next:
    """Another reason no help could be given, kept as typed."""
    if len(clean(text)) < 2:
        return Stay("พิมพ์ผลการดำเนินการสั้น ๆ หรือกดเลือกจากปุ่มค่ะ")
    if len(text) > MAX_OUTCOME:
        return Stay(f"ยาว {len(text)} ตัวอักษร กรุณาสรุปให้ไม่เกิน {MAX_OUTCOME} ตัวอักษรค่ะ")
    return _close(conv, text, CaseClosure.OTHER)


def _close_helped(conv: Conversation) -> Next:
    """Close the case as helped, with the assistance recorded beside it."""
    words = assistance.kind_words(conv.session)
    line = assistance_steps.summary_line(conv, words)
    draft = assistance_steps.draft(conv, case_id=conv.data["case"])

    def change(session, case, coordinator, value, ctx):
        assistance.record(session, case.household, coordinator, draft, ctx)
        return cases.close(session, case, coordinator, value, ctx, closure=CaseClosure.HELPED,
                           help_given=line)
    return _save(conv, change, OUTCOMES[CaseClosure.HELPED][1],
                 f"ปิดเรื่อง #{conv.data['case']} และบันทึกความช่วยเหลือ ({line}) แล้วค่ะ")


def _case_household(conv: Conversation) -> Household:
    return _asked_case(conv).household


def _referred_to(conv: Conversation) -> str | None:
    case = _asked_case(conv)
    return case.referred_agency or case.suggested_agency


HELP = assistance_steps.AssistanceSteps(
    prefix="help_", household=_case_household, then=_close_helped,
    heading=lambda conv: f"ปิด{_heading(_asked_case(conv))}", ask_note=False,
    preferred=_referred_to, indicator=lambda conv: _asked_case(conv).indicator_no)


def _one_question(name: str, title: str, step: str, step_def: Step) -> Flow:
    """A flow one question long, about a case still open to this coordinator."""
    return Flow(name=name, title=title, start=_begin(step), guard=_still_actionable,
                steps={step: step_def})


REFER = _one_question("case_refer", "การส่งต่อหน่วยงาน", "agency", Step(
    ask=_ask_agency, on_tap=_agency_tapped, on_text=_agency_typed,
    reprompt="เลือกข้อจากปุ่ม หรือพิมพ์ชื่อหน่วยงานค่ะ"))
CLOSE = Flow(name="case_close", title="การปิดเรื่อง", start=_begin("outcome"),
             guard=_still_actionable,
             steps={"outcome": Step(ask=_ask_outcome, on_tap=_outcome_tapped,
                                    on_text=_outcome_typed,
                                    reprompt="กดเลือกผลจากปุ่ม หรือพิมพ์สั้น ๆ ค่ะ"),
                    **HELP.steps()})

FLOWS = (REFER, CLOSE)
