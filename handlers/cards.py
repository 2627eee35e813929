"""Cards that the domain, the conversations and the digests share: one builder each.

A case card is what a coordinator acts on (with its buttons) and what a mentor follows; the
same card goes into the new-case alert, the case lists and the coordinators' digest.
"""
from __future__ import annotations

from typing import cast

from sqlalchemy.orm import Session

from models import Case, CaseStatus
from models.dimensions import dimension_label

from . import access, cases
from .buttons import case_button
from .context import Context
from .replies import Button, Card, Cards, Field, Push
from .thai_dates import format_thai_date, to_local_date

STATUS_WORDS = {
    CaseStatus.OPEN: "ยังไม่มีผู้รับเรื่อง",
    CaseStatus.ACKNOWLEDGED: "รับเรื่องแล้ว",
    CaseStatus.REFERRED: "ส่งต่อหน่วยงานแล้ว",
    CaseStatus.CLOSED: "ปิดเรื่องแล้ว",
}
STATUS_COLORS = {CaseStatus.OPEN: "#D32F2F", CaseStatus.ACKNOWLEDGED: "#F57C00",
                 CaseStatus.REFERRED: "#1976D2", CaseStatus.CLOSED: "#388E3C"}
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
            case_button(case.id, do, label, primary=do == "ack")
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


def alert_coordinators(session: Session, case: Case, ctx: Context) -> Push | None:
    """The new-case card for every registered coordinator of the case's district."""
    coordinators = access.district_coordinators(session, case.province, case.district)
    if not coordinators:
        return None
    card = case_card(case, ctx, for_coordinator=True)
    # district_coordinators() gives registered people only: each has a LINE user id.
    return Push(to=tuple(cast(str, c.line_user_id) for c in coordinators),
                replies=(Cards(alt_text=f"เรื่องใหม่จากพี่เลี้ยง: ด้าน{dimension_label(case.dimension)}",
                               cards=(card,)),),
                dedupe_key=f"case-new:{case.id}")
