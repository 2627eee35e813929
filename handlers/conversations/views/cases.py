"""Case cards: what a coordinator acts on, and what a mentor follows."""
from __future__ import annotations

from models import Case, CaseStatus
from models.dimensions import dimension_label

from ... import cases
from ...context import Context
from ...replies import Button, Card, Cards, Field, TextReply
from ...thai_dates import format_thai_date, to_local_date
from ..engine import Conversation, Engine
from ..menu import menu_buttons

STATUS_WORDS = {
    CaseStatus.OPEN: "รอรับเรื่อง",
    CaseStatus.ACKNOWLEDGED: "รับเรื่องแล้ว",
    CaseStatus.REFERRED: "ส่งต่อหน่วยงานแล้ว",
    CaseStatus.CLOSED: "ปิดเรื่องแล้ว",
}
STATUS_COLORS = {CaseStatus.OPEN: "#D32F2F", CaseStatus.ACKNOWLEDGED: "#F57C00",
                 CaseStatus.REFERRED: "#1976D2", CaseStatus.CLOSED: "#388E3C"}
MAX_CARDS = 12    # LINE's carousel limit
MAX_LINES = 30    # a mentor's compact list


def case_card(case: Case, ctx: Context, *, for_coordinator: bool) -> Card:
    household = case.household
    village = " ".join(
        filter(
            None,
            [
                f"หมู่ {household.village_no}" if household.village_no else "",
                household.village_name or "",
                f"ต.{household.subdistrict}" if household.subdistrict else "",
            ],
        )
    )
    fields = [
        Field("ครัวเรือน", household.head_name),
        Field("ที่อยู่", village or "-"),
        Field("ด้าน", dimension_label(case.dimension)),
        Field("หน่วยงานที่เสนอ", case.suggested_agency or "-"),
        Field("สถานะ", STATUS_WORDS[case.status], color=STATUS_COLORS[case.status]),
        Field("แจ้งเมื่อ", format_thai_date(to_local_date(case.created_at, ctx.tz))),
    ]
    if for_coordinator:
        fields.insert(4, Field("พี่เลี้ยง", case.mentor.name))
    taken_by = cases.holder(case)   # None until a coordinator takes the case
    if taken_by is not None:
        fields.append(Field("ผู้รับเรื่อง", taken_by))
    if case.referred_agency:
        fields.append(Field("ส่งต่อถึง", case.referred_agency))
    if case.outcome:
        fields.append(Field("ผล", case.outcome))
    buttons: tuple[Button, ...] = ()
    if for_coordinator and case.status is not CaseStatus.CLOSED:
        buttons = tuple(
            Button(
                label=label,
                payload={"a": "case", "c": case.id, "do": do},
                text=label,
                style="primary" if do == "ack" else "secondary",
            )
            for do, label in (("ack", "รับเรื่อง"), ("refer", "ส่งต่อหน่วยงาน"), ("close", "ปิดเรื่อง"))
            if not (do == "ack" and case.status is not CaseStatus.OPEN)
        )
    return Card(
        title=f"เรื่องขอความช่วยเหลือ #{case.id}",
        subtitle=f"อำเภอ{case.district}",
        fields=tuple(fields),
        body=f"บันทึกของพี่เลี้ยง: {case.note}" if case.note else None,
        buttons=buttons,
        accent=STATUS_COLORS[case.status],
    )


def show_case_queue(conv: Conversation, engine: Engine) -> None:
    """เรื่องรอดำเนินการ: the district's cases not closed, open ones (oldest) first."""
    shown, total = cases.district_queue(conv.session, conv.person, MAX_CARDS)
    if not shown:
        conv.outcome.say(TextReply("ไม่มีเรื่องค้างในอำเภอค่ะ", buttons=menu_buttons(conv.person.role)))
        return
    cards = tuple(case_card(c, conv.ctx, for_coordinator=True) for c in shown)
    conv.outcome.say(Cards(alt_text=f"เรื่องรอดำเนินการ {total} เรื่อง", cards=cards))
    if total > len(shown):
        conv.outcome.say(
            TextReply(f"และอีก {total - len(shown)} เรื่อง (แสดง {len(shown)} เรื่องที่รอนานที่สุดก่อน)")
        )


def show_my_cases(conv: Conversation, engine: Engine) -> None:
    """เรื่องที่ส่งต่อ: the cases of the households the mentor looks after now, and where each
    stands, newest first."""
    shown, total = cases.raised_by(conv.session, conv.person, MAX_LINES)
    if not shown:
        conv.outcome.say(
            TextReply("ยังไม่มีเรื่องที่ส่งขอความช่วยเหลือค่ะ", buttons=menu_buttons(conv.person.role))
        )
        return
    if total <= MAX_CARDS:
        cards = tuple(case_card(c, conv.ctx, for_coordinator=False) for c in shown)
        conv.outcome.say(Cards(alt_text=f"เรื่องที่ส่งต่อ {total} เรื่อง", cards=cards))
        return
    lines = [f"เรื่องที่ส่งขอความช่วยเหลือ {total} เรื่อง (ล่าสุดก่อน)"]
    lines += [_compact_line(c, conv.ctx) for c in shown]
    if total > len(shown):
        lines.append(f"และอีก {total - len(shown)} เรื่อง")
    conv.outcome.say(TextReply("\n".join(lines)))


def _compact_line(case: Case, ctx: Context) -> str:
    where = STATUS_WORDS[case.status]
    if case.status is CaseStatus.REFERRED and case.referred_agency:
        where += f" ({case.referred_agency})"
    day = format_thai_date(to_local_date(case.created_at, ctx.tz))
    return (
        f"• #{case.id} {case.household.head_name} ด้าน{dimension_label(case.dimension)} "
        f"{day}: {where}"
    )
