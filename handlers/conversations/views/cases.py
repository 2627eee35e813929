"""Case cards: what a coordinator acts on, and what a mentor follows."""
from __future__ import annotations

from models import Case, CaseStatus
from models.dimensions import dimension_label

from ... import audit_session, cases, household_exits
from ...cards import STATUS_WORDS, case_card
from ...context import Context
from ...limits import MAX_BUBBLES
from ...replies import Cards, TextReply
from ...thai_dates import format_thai_date, to_local_date
from ..engine import Conversation, Engine
from ..menu import menu_buttons

MAX_LINES = 30    # a mentor's compact list


def show_case_queue(conv: Conversation, engine: Engine) -> None:
    """เรื่องรอดำเนินการ: the district's cases not closed, open ones (oldest) first."""
    shown, total = cases.district_queue(conv.session, conv.person, MAX_BUBBLES)
    exits, exits_total = household_exits.waiting_in_district(conv.session, conv.person,
                                                             MAX_BUBBLES)
    if not shown and not exits:
        conv.outcome.say(TextReply("ไม่มีเรื่องค้างในอำเภอค่ะ", buttons=menu_buttons(conv.person.role)))
        return
    if shown:
        cards = tuple(case_card(c, conv.ctx, for_coordinator=True) for c in shown)
        conv.outcome.say(Cards(alt_text=f"เรื่องรอดำเนินการ {total} เรื่อง", cards=cards))
        seen_cases(conv, shown)
    if total > len(shown):
        conv.outcome.say(
            TextReply(f"และอีก {total - len(shown)} เรื่องค่ะ "
                      f"ด้านบนคือ {len(shown)} เรื่องที่รอนานที่สุดค่ะ")
        )
    if exits:
        # Requests to leave the programme wait here too: a coordinator who registered after
        # the request's card was pushed still finds it.
        more = f" (แสดง {len(exits)} รายการแรก)" if exits_total > len(exits) else ""
        conv.outcome.say(TextReply(f"คำขอให้ครัวเรือนออกจากโครงการที่รอยืนยัน {exits_total} "
                                   f"รายการ{more}ค่ะ"))
        conv.outcome.say(Cards(alt_text=f"คำขอออกจากโครงการ {exits_total} รายการ", cards=tuple(
            household_exits.exit_card(conv.session, request, household, conv.ctx, mentor=mentor)
            for request, household, mentor in exits)))
        audit_session.viewed(conv.session, "household_exit", (
            (household, {"exit_id": request.id}) for request, household, _ in exits))


def show_my_cases(conv: Conversation, engine: Engine) -> None:
    """เรื่องที่ส่งต่อ: the cases of the households the mentor looks after now, and where each
    stands, newest first."""
    shown, total = cases.raised_by(conv.session, conv.person, MAX_LINES)
    if not shown:
        conv.outcome.say(
            TextReply("ยังไม่มีเรื่องที่ส่งขอความช่วยเหลือค่ะ", buttons=menu_buttons(conv.person.role))
        )
        return
    seen_cases(conv, shown)   # a card or a line, each names the household
    if total <= MAX_BUBBLES:
        cards = tuple(case_card(c, conv.ctx, for_coordinator=False) for c in shown)
        conv.outcome.say(Cards(alt_text=f"เรื่องที่ส่งต่อ {total} เรื่อง", cards=cards))
        return
    lines = [f"เรื่องที่ส่งขอความช่วยเหลือ {total} เรื่อง (ล่าสุดก่อน)"]
    lines += [_compact_line(c, conv.ctx) for c in shown]
    if total > len(shown):
        lines.append(f"และอีก {total - len(shown)} เรื่องค่ะ")
    conv.outcome.say(TextReply("\n".join(lines)))


def seen_cases(conv: Conversation, shown: list[Case]) -> None:
    audit_session.viewed(conv.session, "case", ((c.household, {"case_id": c.id}) for c in shown))


def _compact_line(case: Case, ctx: Context) -> str:
    where = STATUS_WORDS[case.status]
    if case.status is CaseStatus.REFERRED and case.referred_agency:
        where += f" ({case.referred_agency})"
    day = format_thai_date(to_local_date(case.created_at, ctx.tz))
    return (
        f"• #{case.id} {case.household.head_name} ด้าน{dimension_label(case.dimension)} "
        f"{day}: {where}"
    )
