"""บ้านที่ดูแล: a card per household the mentor looks after."""
from __future__ import annotations

from sqlalchemy import case, func, select

from models import Household, ItemStatus, PlanItem
from models.dimensions import dimension_label

from ... import access
from ...buttons import households_page_button, plan_button, visit_button
from ...limits import MAX_BUBBLES
from ...replies import Card, Cards, Field, TextReply
from ...thai_dates import format_thai_date
from ..engine import Conversation, Engine

OVERDUE = "#D32F2F"
DUE_SOON = "#F57C00"


def plan_progress(session, household_ids: list[int]) -> dict[int, tuple[int, int]]:
    """household id -> (items done, items in all), in one query."""
    if not household_ids:
        return {}
    rows = session.execute(
        select(PlanItem.household_id,
               func.sum(case((PlanItem.status == ItemStatus.DONE, 1), else_=0)),
               func.count())
        .where(PlanItem.household_id.in_(household_ids)).group_by(PlanItem.household_id))
    return {hid: (int(done or 0), int(total)) for hid, done, total in rows}


def due_field(household: Household, today) -> Field:
    due = household.next_visit_due
    if due is None:
        return Field("นัดครั้งถัดไป", "ยังไม่ได้นัด")
    days = (due - today).days
    if days < 0:
        return Field("นัดครั้งถัดไป", f"{format_thai_date(due)} (เลยกำหนด {-days} วัน)", OVERDUE)
    if days <= 2:
        return Field("นัดครั้งถัดไป", f"{format_thai_date(due)} (อีก {days} วัน)", DUE_SOON)
    return Field("นัดครั้งถัดไป", format_thai_date(due))


def household_card(household: Household, progress: tuple[int, int], today) -> Card:
    done, total = progress
    village = " ".join(filter(None, [
        f"บ้านเลขที่ {household.house_no}" if household.house_no else "",
        f"หมู่ {household.village_no}" if household.village_no else "",
        household.village_name or ""]))
    return Card(
        title=household.head_name,
        subtitle=village or None,
        fields=(
            Field("มิติที่มีปัญหา", ", ".join(dimension_label(d) for d in household.dimensions) or "-"),
            Field("เยี่ยมล่าสุด", format_thai_date(household.last_visit_on)
                  if household.last_visit_on else "ยังไม่เคยรายงาน"),
            due_field(household, today),
            Field("แผนพัฒนา", f"สำเร็จ {done}/{total} กิจกรรม" if total else "ยังไม่มีกิจกรรม"),
        ),
        buttons=(visit_button(household.id, household.head_name),
                 plan_button(household.id, household.head_name)),
    )


def show_households(conv: Conversation, engine: Engine, page: int = 0) -> None:
    """Twelve cards a page, most urgent first (ordered by next due date); ดูเพิ่ม for the next."""
    households = access.mentor_households(conv.session, conv.person)
    if not households:
        conv.outcome.say(TextReply("ยังไม่มีครัวเรือนในความดูแลของท่านค่ะ "
                                   "กรุณาติดต่อ ศจพ.อ. เพื่อรับมอบหมายครัวเรือน"))
        return
    last_page = (len(households) - 1) // MAX_BUBBLES
    page = min(max(page, 0), last_page)
    start = page * MAX_BUBBLES
    shown = households[start:start + MAX_BUBBLES]
    progress = plan_progress(conv.session, [h.id for h in shown])
    cards = tuple(household_card(h, progress.get(h.id, (0, 0)), conv.ctx.today) for h in shown)
    conv.outcome.say(Cards(alt_text=f"บ้านที่ดูแล {len(households)} ครัวเรือน", cards=cards))
    rest = len(households) - start - len(shown)
    if rest > 0:
        more = households_page_button(page + 1)
        conv.outcome.say(TextReply(
            f"และอีก {rest} ครัวเรือน (แสดงลำดับที่ {start + 1}-{start + len(shown)} "
            "เรียงตามวันที่ถึงกำหนดเยี่ยม)", buttons=(more,)))


def show_households_page(conv: Conversation, engine: Engine, payload: dict) -> None:
    """The ดูเพิ่ม button: a later page of the same list (only the mentor's own households)."""
    page = payload.get("p")
    show_households(conv, engine, page if isinstance(page, int) else 0)
