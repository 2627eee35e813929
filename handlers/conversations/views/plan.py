"""The household plan card: the goal on its ladder (and when its level moved), the mentor, then
one numbered bubble per action-plan item, in the provincial template's row order, with the
buttons that change its status (one tap from the card) and แก้ไข/ลบ."""
from __future__ import annotations

from datetime import date, tzinfo

from sqlalchemy.orm import Session

from models import GoalLevel, GoalLevelChange, Household, HouseholdPlan, ItemStatus, PlanItem
from models.dimensions import DIMENSIONS

from ... import access, audit_session, plans
from ...buttons import (
    add_item_button,
    dimensions_button,
    edit_item_button,
    goal_button,
    item_status_button,
)
from ...limits import MAX_BUBBLES
from ...replies import Button, Card, Cards, Field
from ...thai_dates import THAI_MONTHS_SHORT, format_thai_date, format_thai_month, to_local_date

MAX_ITEM_CARDS = MAX_BUBBLES - 1   # the plan itself, then its items
TEXT_SHOWN = 200      # characters of an item's texts on its bubble (carousels are 50 KB at most)

# The provincial action-plan template's rows, in its order: one name per dimension, the same
# words as everywhere else (models/dimensions.py), "ด้าน" before it.
PLAN_DIMENSIONS: dict[str, str] = {code: f"ด้าน{name}" for code, name in DIMENSIONS.items()}
LEVEL_WORDS = {GoalLevel.SURVIVE: "อยู่รอด", GoalLevel.SUFFICIENT: "พอเพียง",
               GoalLevel.SUSTAINABLE: "ยั่งยืน"}
STATUS_WORDS = {ItemStatus.NOT_STARTED: "ยังไม่เริ่ม", ItemStatus.ONGOING: "ต่อเนื่อง",
                ItemStatus.DONE: "สำเร็จ"}
STATUS_COLORS = {ItemStatus.NOT_STARTED: "#757575", ItemStatus.ONGOING: "#F57C00",
                 ItemStatus.DONE: "#388E3C"}
LADDER = " → ".join(LEVEL_WORDS.values())


def month_range(start: date, end: date) -> str:
    """'เม.ย. – พ.ค. 2569'; 'พ.ค. 2569' for one month; years on both sides when they differ."""
    if start == end:
        return format_thai_month(start)
    if start.year == end.year:
        return f"{THAI_MONTHS_SHORT[start.month - 1]} – {format_thai_month(end)}"
    return f"{format_thai_month(start)} – {format_thai_month(end)}"


def shown_items(items: list[PlanItem]) -> list[tuple[int, PlanItem]]:
    """(number, item) for the bubbles: ``items`` are in the template's order (plans.items_of)
    and numbered so; when they do not all fit, those not done yet are kept first (the most
    recent done ones fill what room is left), still shown in their numbered order."""
    numbered = list(enumerate(items, start=1))
    if len(numbered) <= MAX_ITEM_CARDS:
        return numbered
    kept = sorted(numbered, key=lambda pair: (pair[1].status is ItemStatus.DONE,
                                              -pair[1].id if pair[1].status is ItemStatus.DONE
                                              else pair[0]))[:MAX_ITEM_CARDS]
    return sorted(kept, key=lambda pair: pair[0])


def _clip(text: str, limit: int = TEXT_SHOWN) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def status_button(item: PlanItem, status: ItemStatus) -> Button:
    word = STATUS_WORDS[status]
    return item_status_button(item.id, status.value, word,
                              f"{word}: {_clip(item.household_action, 60)}",
                              primary=status is ItemStatus.DONE)


def item_title(number: int, item: PlanItem) -> str:
    """'กิจกรรมที่ 3 ด้านสุขภาพ'."""
    return f"กิจกรรมที่ {number} {PLAN_DIMENSIONS[item.dimension]}"


def item_card(number: int, item: PlanItem) -> Card:
    return Card(
        title=item_title(number, item),
        fields=(Field("ครัวเรือนทำเอง", _clip(item.household_action)),
                Field("พี่เลี้ยง/หน่วยงานสนับสนุน", _clip(item.support_action or "-")),
                Field("ช่วงเวลา", month_range(item.start_month, item.end_month)),
                Field("สถานะ", STATUS_WORDS[item.status], color=STATUS_COLORS[item.status])),
        buttons=(*(status_button(item, s) for s in ItemStatus if s is not item.status),
                 edit_item_button(item.id)),
        accent=STATUS_COLORS[item.status])


def _progress(items: list[PlanItem]) -> str:
    if not items:
        return "ยังไม่มีกิจกรรม"
    counts = {s: sum(1 for i in items if i.status is s) for s in ItemStatus}
    return (f"สำเร็จ {counts[ItemStatus.DONE]}/{len(items)} กิจกรรม "
            f"(ต่อเนื่อง {counts[ItemStatus.ONGOING]}, "
            f"ยังไม่เริ่ม {counts[ItemStatus.NOT_STARTED]})")


def _on(moment, tz: tzinfo) -> str:
    return format_thai_date(to_local_date(moment, tz))


def level_text(level: GoalLevel | None, history: list[GoalLevelChange], tz: tzinfo) -> str:
    """'พอเพียง (ตั้งแต่ 7 พ.ค. 2569 เดิม อยู่รอด)'; the ladder while it has no history."""
    if level is None:
        return "-"
    last = history[-1] if history and history[-1].to_level is level else None
    if last is None:
        return f"{LEVEL_WORDS[level]} ({LADDER})"
    since = _on(last.changed_at, tz)
    before = f" เดิม {LEVEL_WORDS[last.from_level]}" if last.from_level else ""
    return f"{LEVEL_WORDS[level]} (ตั้งแต่ {since}{before})"


def level_moves(history: list[GoalLevelChange], tz: tzinfo) -> str | None:
    """'อยู่รอด 1 เม.ย. 2569 → พอเพียง 7 พ.ค. 2569': once the level has moved."""
    if len(history) < 2:
        return None
    return " → ".join(f"{LEVEL_WORDS[h.to_level]} {_on(h.changed_at, tz)}" for h in history)


def plan_card(household: Household, plan: HouseholdPlan | None, items: list[PlanItem],
              tz: tzinfo, *, mentor: str | None = None,
              history: list[GoalLevelChange] | None = None) -> Card:
    hidden = max(0, len(items) - MAX_ITEM_CARDS)
    if not items:
        body = "ยังไม่มีกิจกรรม กด เพิ่มกิจกรรม เพื่อวางแผนร่วมกับครัวเรือนค่ะ"
    elif hidden:
        body = (f"แสดง {MAX_ITEM_CARDS} จาก {len(items)} กิจกรรม (ที่ยังไม่สำเร็จก่อน) "
                f"ยังมีอีก {hidden} กิจกรรมค่ะ")
    else:
        body = "เลื่อนดูกิจกรรมทางขวา กดปุ่มใต้กิจกรรมเพื่อเปลี่ยนสถานะ แก้ไข หรือลบค่ะ"
    level = plan.level if plan else None
    goal = plan.goal if plan else None
    has_goal = bool(goal)
    moves = level_moves(history or [], tz)
    fields = [Field("เป้าหมายสูงสุด", goal if goal else "ยังไม่ได้ตั้งเป้าหมาย"),
              Field("ระดับ", level_text(level, history or [], tz)),
              *([Field("ประวัติระดับ", moves)] if moves else []),
              Field("ความคืบหน้า", _progress(items)),
              *([Field("พี่เลี้ยง", mentor)] if mentor else [])]
    return Card(
        title="แผนพัฒนาครัวเรือน",
        subtitle=household.head_name,
        fields=tuple(fields),
        body=body,
        buttons=(goal_button(household.id, primary=not has_goal),
                 add_item_button(household.id, primary=has_goal),
                 *([dimensions_button(household.id)] if household.dimensions else [])))


def plan_reply(session: Session, household: Household, tz: tzinfo) -> Cards:
    """The plan as a carousel: the goal and progress first, then up to 11 numbered items."""
    plan = plans.plan_of(session, household.id)
    items = plans.items_of(session, household.id)
    mentor = access.current_mentor(session, household.id)
    done = sum(1 for i in items if i.status is ItemStatus.DONE)
    audit_session.viewed_one(session, "plan", household)
    cards = (plan_card(household, plan, items, tz, mentor=mentor.name if mentor else None,
                       history=plans.level_history(session, household.id)),
             *(item_card(number, item) for number, item in shown_items(items)))
    return Cards(alt_text=f"แผนพัฒนาครัวเรือน: สำเร็จ {done}/{len(items)} กิจกรรม", cards=cards)
