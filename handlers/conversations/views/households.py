"""บ้านที่ดูแล: a card per household the mentor looks after."""
from __future__ import annotations

from sqlalchemy import case, func, select

from models import Household, HouseholdExit, ItemStatus, PlanItem
from models.dimensions import dimension_label

from ... import access, audit_session, dimension_passes, household_exits
from ...buttons import (
    dimensions_button,
    households_page_button,
    leave_button,
    plan_button,
    visit_button,
)
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
        .where(PlanItem.household_id.in_(household_ids), PlanItem.removed_at.is_(None))
        .group_by(PlanItem.household_id))
    return {hid: (int(done or 0), int(total)) for hid, done, total in rows}


def days_until(days: int) -> str:
    """How far a due date is, as shown beside it: '(วันนี้)', '(อีก 2 วัน)', '(เลยกำหนด 3 วัน)'."""
    if days == 0:
        return "(วันนี้)"
    return f"(อีก {days} วัน)" if days > 0 else f"(เลยกำหนด {-days} วัน)"


def due_field(household: Household, today) -> Field:
    """The next visit due (a Household, or a row with next_visit_due and last_visit_on); for a
    household never visited, the date its first visit is due by."""
    due = household.next_visit_due
    if due is None:
        return Field("นัดครั้งถัดไป", "ยังไม่ได้นัด")
    days = (due - today).days
    shown = (format_thai_date(due) if household.last_visit_on
             else f"ควรเยี่ยมครั้งแรกภายใน {format_thai_date(due)}")
    if days < 0:
        return Field("นัดครั้งถัดไป", f"{shown} {days_until(days)}", OVERDUE)
    if days <= 2:
        return Field("นัดครั้งถัดไป", f"{shown} {days_until(days)}", DUE_SOON)
    return Field("นัดครั้งถัดไป", shown)


def dimension_fields(household: Household, passed: set[str]) -> tuple[Field, ...]:
    """The roster's failing dimensions (✓ for those passed since) and how many still fail."""
    codes = dimension_passes.in_template_order(household.dimensions)
    if not codes:
        return (Field("มิติที่มีปัญหา", "-"),)
    named = ", ".join(f"{dimension_label(d)} ✓" if d in passed else dimension_label(d)
                      for d in codes)
    failing = sum(1 for d in codes if d not in passed)
    return (Field("มิติที่มีปัญหา", named),
            Field("มิติที่ยังไม่ผ่าน", f"{failing} จาก {len(codes)}"))


def household_card(household: Household, progress: tuple[int, int], today,
                   passed: set[str] | None = None,
                   leaving: HouseholdExit | None = None) -> Card:
    done, total = progress
    village = " ".join(filter(None, [
        f"บ้านเลขที่ {household.house_no}" if household.house_no else "",
        f"หมู่ {household.village_no}" if household.village_no else "",
        household.village_name or ""]))
    return Card(
        title=household.head_name,
        subtitle=village or None,
        fields=(
            *dimension_fields(household, passed or set()),
            Field("เยี่ยมล่าสุด", format_thai_date(household.last_visit_on)
                  if household.last_visit_on else "ยังไม่เคยรายงาน"),
            due_field(household, today),
            Field("แผนพัฒนา", f"สำเร็จ {done}/{total} กิจกรรม" if total else "ยังไม่มีกิจกรรม"),
            *([Field("ออกจากโครงการ", "รอ ศจพ.อ. ยืนยัน ("
                     f"{household_exits.REASON_WORDS[leaving.reason]})", DUE_SOON)]
              if leaving else []),
        ),
        buttons=(visit_button(household.id, household.head_name),
                 plan_button(household.id, household.head_name),
                 *([dimensions_button(household.id)] if household.dimensions else []),
                 leave_button(household.id)),
    )


def show_households(conv: Conversation, engine: Engine, page: int = 0) -> None:
    """Twelve cards a page, most urgent first (ordered by next due date); ดูเพิ่ม for the next."""
    households = access.mentor_households(conv.session, conv.person)
    if not households:
        conv.outcome.say(TextReply("ยังไม่มีครัวเรือนในความดูแลของท่านค่ะ "
                                   "กรุณาติดต่อ ศจพ.อ. เพื่อรับมอบหมายครัวเรือนค่ะ"))
        return
    last_page = (len(households) - 1) // MAX_BUBBLES
    page = min(max(page, 0), last_page)
    start = page * MAX_BUBBLES
    shown = households[start:start + MAX_BUBBLES]
    ids = [h.id for h in shown]
    progress = plan_progress(conv.session, ids)
    passed = dimension_passes.passed_of(conv.session, ids)
    leaving = household_exits.open_requests_of(conv.session, ids)
    cards = tuple(household_card(h, progress.get(h.id, (0, 0)), conv.ctx.today,
                                 passed.get(h.id, set()), leaving.get(h.id)) for h in shown)
    conv.outcome.say(Cards(alt_text=f"บ้านที่ดูแล {len(households)} ครัวเรือน", cards=cards))
    # A card per household: a record per household whose card was shown (this page only).
    audit_session.viewed(conv.session, "household", ((h, None) for h in shown))
    rest = len(households) - start - len(shown)
    if rest > 0:
        more = households_page_button(page + 1)
        conv.outcome.say(TextReply(
            f"และอีก {rest} ครัวเรือนค่ะ ด้านบนคือลำดับที่ {start + 1}-{start + len(shown)} "
            "เรียงตามวันที่ถึงกำหนดเยี่ยมค่ะ", buttons=(more,)))


def show_households_page(conv: Conversation, engine: Engine, payload: dict) -> None:
    """The ดูเพิ่ม button: a later page of the same list (only the mentor's own households)."""
    page = payload.get("p")
    show_households(conv, engine, page if isinstance(page, int) else 0)
