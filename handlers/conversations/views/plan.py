"""The household plan card: the goal on its ladder, then one bubble per action-plan item with
the buttons that change its status (one tap from the card)."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from models import GoalLevel, Household, HouseholdPlan, ItemStatus, PlanItem

from ... import plans
from ...buttons import add_item_button, goal_button, item_status_button
from ...limits import MAX_BUBBLES
from ...replies import Button, Card, Cards, Field
from ...thai_dates import THAI_MONTHS_SHORT, format_thai_month

MAX_ITEM_CARDS = MAX_BUBBLES - 1   # the plan itself, then its items
TEXT_SHOWN = 200      # characters of an item's texts on its bubble (carousels are 50 KB at most)

# The provincial action-plan template's rows, in its order.
PLAN_DIMENSIONS: dict[str, str] = {
    "income": "ด้านรายได้/รายจ่าย",
    "living": "ด้านความเป็นอยู่",
    "health": "ด้านสุขภาพ",
    "education": "ด้านการศึกษา",
    "access": "ด้านการเข้าถึงรัฐ",
}
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


def shown_first(items: list[PlanItem]) -> list[PlanItem]:
    """Items not done yet before done ones; the most recent first within each."""
    return sorted(items, key=lambda item: (item.status is ItemStatus.DONE, -item.id))


def _clip(text: str, limit: int = TEXT_SHOWN) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def status_button(item: PlanItem, status: ItemStatus) -> Button:
    word = STATUS_WORDS[status]
    return item_status_button(item.id, status.value, word,
                              f"{word}: {_clip(item.household_action, 60)}",
                              primary=status is ItemStatus.DONE)


def item_card(item: PlanItem) -> Card:
    return Card(
        title=PLAN_DIMENSIONS[item.dimension],
        fields=(Field("ครัวเรือนทำเอง", _clip(item.household_action)),
                Field("พี่เลี้ยง/หน่วยงานสนับสนุน", _clip(item.support_action or "-")),
                Field("ช่วงเวลา", month_range(item.start_month, item.end_month)),
                Field("สถานะ", STATUS_WORDS[item.status], color=STATUS_COLORS[item.status])),
        buttons=tuple(status_button(item, s) for s in ItemStatus if s is not item.status),
        accent=STATUS_COLORS[item.status])


def _progress(items: list[PlanItem]) -> str:
    if not items:
        return "ยังไม่มีกิจกรรม"
    counts = {s: sum(1 for i in items if i.status is s) for s in ItemStatus}
    return (f"สำเร็จ {counts[ItemStatus.DONE]}/{len(items)} กิจกรรม "
            f"(ต่อเนื่อง {counts[ItemStatus.ONGOING]}, "
            f"ยังไม่เริ่ม {counts[ItemStatus.NOT_STARTED]})")


def plan_card(household: Household, plan: HouseholdPlan | None, items: list[PlanItem]) -> Card:
    hidden = max(0, len(items) - MAX_ITEM_CARDS)
    if not items:
        body = "ยังไม่มีกิจกรรม กด เพิ่มกิจกรรม เพื่อวางแผนร่วมกับครัวเรือนค่ะ"
    elif hidden:
        body = (f"แสดง {MAX_ITEM_CARDS} กิจกรรม (ที่ยังไม่สำเร็จและล่าสุดก่อน) "
                f"ยังมีอีก {hidden} กิจกรรม")
    else:
        body = "เลื่อนดูกิจกรรมทางขวา กดปุ่มใต้กิจกรรมเพื่อเปลี่ยนสถานะค่ะ"
    level = plan.level if plan else None
    goal = plan.goal if plan else None
    has_goal = bool(goal)
    return Card(
        title="แผนพัฒนาครัวเรือน",
        subtitle=household.head_name,
        fields=(Field("เป้าหมายสูงสุด", goal if goal else "ยังไม่ได้ตั้งเป้าหมาย"),
                Field("ระดับ", f"{LEVEL_WORDS[level]} ({LADDER})" if level else "-"),
                Field("ความคืบหน้า", _progress(items))),
        body=body,
        buttons=(goal_button(household.id, primary=not has_goal),
                 add_item_button(household.id, primary=has_goal)))


def plan_reply(session: Session, household: Household) -> Cards:
    """The plan as a carousel: the goal and progress first, then up to 11 items."""
    plan = plans.plan_of(session, household.id)
    items = plans.items_of(session, household.id)
    done = sum(1 for i in items if i.status is ItemStatus.DONE)
    cards = (plan_card(household, plan, items),
             *(item_card(i) for i in shown_first(items)[:MAX_ITEM_CARDS]))
    return Cards(alt_text=f"แผนพัฒนาครัวเรือน: สำเร็จ {done}/{len(items)} กิจกรรม", cards=cards)
