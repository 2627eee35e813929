"""The visit report's follow-up (the guideline's step 4, "at every visit"): after the visit date,
each open plan item and each open case of the household, one at a time, with one-tap answers.
An item: สำเร็จ / ต่อเนื่อง / ยังไม่เริ่ม; a case: ยังรอ / ได้รับความช่วยเหลือ (then what help, from
whom, how much). ไม่มีความเปลี่ยนแปลง answers every entry left at once. Part of flows/visit.py's
flow; nothing is saved before the summary's ยืนยัน.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from models import Case, CaseStatus, Household, ItemStatus, PlanItem
from models.dimensions import DIMENSIONS, dimension_label

from ... import assistance
from ...cards import STATUS_WORDS as CASE_WORDS
from ...replies import TextReply
from ..engine import Answer, Conversation, Next
from ..engine import Step as EngineStep
from . import assistance_steps
from .common import checked_household, return_to_summary

ENTRIES, INDEX, ANSWERS, HELP, SEEN = "fl", "fi", "fa", "fh", "fs"
ITEM_WORDS = {ItemStatus.DONE: "สำเร็จ", ItemStatus.ONGOING: "ต่อเนื่อง",
              ItemStatus.NOT_STARTED: "ยังไม่เริ่ม"}
WAITING, HELPED = "waiting", "helped"
NO_CHANGE = "ไม่มีความเปลี่ยนแปลง"
LISTED = 10    # entries named in the overview


def _open_rows(session: Session, household: Household) -> tuple[list[PlanItem], list[Case]]:
    """The household's plan items not done (template order: by dimension, then oldest) and its
    cases not closed (oldest first): two queries."""
    items = session.scalars(select(PlanItem).where(
        PlanItem.household_id == household.id, PlanItem.status != ItemStatus.DONE,
        PlanItem.removed_at.is_(None)).order_by(PlanItem.id)).all()
    order = list(DIMENSIONS)
    items = sorted(items, key=lambda i: (order.index(i.dimension), i.id))
    cases = session.scalars(_cases().where(
        Case.household_id == household.id, Case.status != CaseStatus.CLOSED)
        .order_by(Case.created_at, Case.id)).all()
    return items, list(cases)


def _cases():
    # Only a case's own columns are read here: no join to its household and mentor.
    return select(Case).options(lazyload(Case.household), lazyload(Case.mentor))


def _entries_of(items: list[PlanItem], cases: list[Case]) -> list[dict]:
    return [*({"t": "item", "id": i.id} for i in items),
            *({"t": "case", "id": c.id} for c in cases)]


def open_entries(session: Session, household: Household) -> list[dict]:
    """The household's open plan items and cases, as the follow-up's entries."""
    return _entries_of(*_open_rows(session, household))


def begin(conv: Conversation) -> bool:
    """Set the follow-up up for the picked household; False when there is nothing open."""
    if ENTRIES not in conv.data:
        items, cases = _open_rows(conv.session, checked_household(conv))
        conv.data[ENTRIES] = _entries_of(items, cases)
        conv.data[ANSWERS], conv.data[HELP] = {}, {}
        _remember(conv, {item.id: item for item in items}, {case.id: case for case in cases})
    conv.data[INDEX] = 0
    return bool(conv.data[ENTRIES])


def _key(entry: dict) -> str:
    return f"{entry['t']}:{entry['id']}"


def _entry(conv: Conversation) -> dict:
    return conv.data[ENTRIES][conv.data[INDEX]]


def _memo_key(conv: Conversation) -> tuple:
    return conv.data.get("h"), tuple(_key(entry) for entry in conv.data.get(ENTRIES) or [])


def _remember(conv: Conversation, items: dict[int, PlanItem], cases: dict[int, Case]) -> None:
    conv.memo["follow_rows"] = (_memo_key(conv), (items, cases))


def _rows(conv: Conversation) -> tuple[dict[int, PlanItem], dict[int, Case]]:
    """The entries' plan items and cases, by id: two queries per event, however many entries
    (the overview names up to ``LISTED`` of them, the summary all)."""
    cached = conv.memo.get("follow_rows")
    if cached is not None and cached[0] == _memo_key(conv):
        return cached[1]
    entries = conv.data.get(ENTRIES) or []
    item_ids = [entry["id"] for entry in entries if entry["t"] == "item"]
    case_ids = [entry["id"] for entry in entries if entry["t"] == "case"]
    items = {item.id: item for item in conv.session.scalars(
        select(PlanItem).where(PlanItem.id.in_(item_ids)))} if item_ids else {}
    cases = {case.id: case for case in conv.session.scalars(
        _cases().where(Case.id.in_(case_ids)))} if case_ids else {}
    _remember(conv, items, cases)
    return items, cases


def _item(conv: Conversation, item_id: int) -> PlanItem | None:
    item = _rows(conv)[0].get(item_id)
    return item if item is not None and item.household_id == conv.data["h"] else None


def _case(conv: Conversation, case_id: int) -> Case | None:
    case = _rows(conv)[1].get(case_id)
    return case if case is not None and case.household_id == conv.data["h"] else None


def _describe(conv: Conversation, entry: dict) -> str:
    if entry["t"] == "item":
        item = _item(conv, entry["id"])
        if item is None:
            return "กิจกรรมที่ถูกลบแล้ว"
        return (f"กิจกรรมด้าน{dimension_label(item.dimension)}: {_short(item.household_action)} "
                f"({ITEM_WORDS[item.status]})")
    case = _case(conv, entry["id"])
    if case is None:
        return "เรื่องที่ไม่พบแล้ว"
    return f"เรื่อง #{case.id} ด้าน{dimension_label(case.dimension)} ({CASE_WORDS[case.status]})"


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _ask(conv: Conversation):
    entries, index = conv.data[ENTRIES], conv.data[INDEX]
    entry = _entry(conv)
    text = ""
    if index == 0:
        listing = "\n".join(f"{n}. {_describe(conv, e)}" for n, e in enumerate(entries[:LISTED], 1))
        more = f"\nและอีก {len(entries) - LISTED} รายการ" if len(entries) > LISTED else ""
        text = (f"ติดตามแผนพัฒนาและเรื่องที่ส่งต่อ ({len(entries)} รายการ)\n{listing}{more}\n"
                f"ถ้าทุกรายการยังเหมือนเดิม กด {NO_CHANGE} ได้เลยค่ะ\n\n")
    text += f"รายการที่ {index + 1}/{len(entries)}: {_describe(conv, entry)}\n"
    if entry["t"] == "item":
        item = _item(conv, entry["id"])
        current = item.status if item else None
        buttons = [conv.tap(word + (" (เดิม)" if status is current else ""), status.value,
                            text=word) for status, word in ITEM_WORDS.items()]
        text += "ตอนนี้กิจกรรมนี้เป็นอย่างไรคะ"
    else:
        buttons = [conv.tap("ยังรอ", WAITING),
                   conv.tap("ได้รับความช่วยเหลือ", HELPED, text="ได้รับความช่วยเหลือแล้ว")]
        text += "ครัวเรือนได้รับความช่วยเหลือเรื่องนี้แล้วหรือยังคะ"
    buttons.append(conv.tap(NO_CHANGE, "same"))
    return [TextReply(text, buttons=tuple(buttons))]


def _advance(conv: Conversation) -> Next:
    conv.data[INDEX] += 1
    if conv.data[INDEX] < len(conv.data[ENTRIES]):
        return "follow"
    return return_to_summary(conv, "t_attitude")


def _tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    entry = _entry(conv)
    if value == "same":
        # Every entry left keeps its status (and is recorded as followed up, unchanged).
        for rest in conv.data[ENTRIES][conv.data[INDEX]:]:
            conv.data[ANSWERS].pop(_key(rest), None)
            if rest["t"] == "case":
                conv.data[HELP].pop(str(rest["id"]), None)
        return return_to_summary(conv, "t_attitude")
    if entry["t"] == "item" and value in {s.value for s in ITEM_WORDS}:
        conv.data[ANSWERS][_key(entry)] = value
        item = _item(conv, entry["id"])
        conv.data.setdefault(SEEN, {})[_key(entry)] = item.status.value if item else None
        return _advance(conv)
    if entry["t"] == "case" and value == WAITING:
        conv.data[ANSWERS][_key(entry)] = WAITING
        conv.data[HELP].pop(str(entry["id"]), None)
        return _advance(conv)
    if entry["t"] == "case" and value == HELPED:
        case = _case(conv, entry["id"])
        if case is None:
            return _advance(conv)
        assistance_steps.begin(conv, case.dimension)
        return CASE_HELP.first
    return None


def _help_given(conv: Conversation) -> Next:
    entry = _entry(conv)
    conv.data[ANSWERS][_key(entry)] = HELPED
    conv.data[HELP][str(entry["id"])] = dict(assistance_steps.answers(conv))
    conv.data.pop(assistance_steps.KEY, None)
    return _advance(conv)


def _case_heading(conv: Conversation) -> str:
    return f"ความช่วยเหลือที่ได้รับ: {_describe(conv, _entry(conv))}"


def _referred(conv: Conversation) -> str | None:
    case = _case(conv, _entry(conv)["id"])
    return case.referred_agency if case else None


def _indicator(conv: Conversation) -> int | None:
    case = _case(conv, _entry(conv)["id"])
    return case.indicator_no if case else None


CASE_HELP = assistance_steps.AssistanceSteps(
    prefix="fh_", household=checked_household, then=_help_given, heading=_case_heading,
    ask_date=False, ask_note=False, preferred=_referred, indicator=_indicator)

FOLLOW = EngineStep(ask=_ask, on_tap=_tapped, reprompt="กดเลือกคำตอบจากปุ่มค่ะ")


def summary(conv: Conversation) -> str | None:
    """The follow-up as the summary card shows it; None when there was nothing to follow."""
    entries = conv.data.get(ENTRIES)
    if not entries:
        return None
    answers, words = conv.data.get(ANSWERS, {}), assistance.kind_words(conv.session)
    lines, unchanged = [], 0
    for entry in entries:
        answer = answers.get(_key(entry))
        if answer is None or answer == WAITING:
            unchanged += 1
            continue
        if entry["t"] == "item":
            item = _item(conv, entry["id"])
            if item is not None and item.status.value == answer:
                unchanged += 1
                continue
            lines.append(f"{_short(item.household_action, 40) if item else '-'}: "
                         f"{ITEM_WORDS[ItemStatus(answer)]}")
        else:
            help_answers = conv.data.get(HELP, {}).get(str(entry["id"]))
            got = (assistance_steps.summary_line(conv, words, help_answers) if help_answers
                   else "-")
            lines.append(f"เรื่อง #{entry['id']}: ได้รับความช่วยเหลือ {got}")
    if unchanged:
        lines.append(f"ไม่เปลี่ยนแปลง {unchanged} รายการ")
    return "\n".join(lines)


def seen_status(conv: Conversation, entry: dict) -> str | None:
    """The item's status when the mentor answered about it (None: not answered)."""
    return conv.data.get(SEEN, {}).get(_key(entry))


def drafts(conv: Conversation) -> list[tuple[dict, str, dict | None]]:
    """(entry, answer, help answers) for every entry: unanswered ones as unchanged."""
    answers, help_by_case = conv.data.get(ANSWERS, {}), conv.data.get(HELP, {})
    return [(entry, answers.get(_key(entry), "same"),
             help_by_case.get(str(entry["id"])) if entry["t"] == "case" else None)
            for entry in conv.data.get(ENTRIES, [])]
