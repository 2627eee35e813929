"""The plan over time: the goal level's history, and plan items edited and removed (each kept
as it was in a revision), numbered on the card in the provincial template's row order."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import GoalLevel, GoalLevelChange, ItemStatus, PlanItem, PlanItemRevision

from . import factories
from .players import Player, all_text
from .test_plan import MENTOR, NS, bubble, bubbles, history, items, seed

DONE = ItemStatus.DONE


@pytest.fixture
def setup(db, clock):
    """The set-up of tests/test_plan.py: a mentor with one household (นางสมศรี ใจดี)."""
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        household = factories.household(s, mentor, now=clock.now)
        return {"mentor": mentor.id, "household": household.id}


@pytest.fixture
def mentor(line, fake_line, clock, setup):
    return Player(line, fake_line, MENTOR, clock)


def level_rows(db) -> list[tuple]:
    with db.transaction() as s:
        return [(r.from_level, r.to_level, r.changed_by_id, r.changed_at)
                for r in s.scalars(select(GoalLevelChange).order_by(GoalLevelChange.id))]


def revisions(db, item_id) -> list[tuple]:
    with db.transaction() as s:
        return [(r.change, r.dimension, r.household_action, r.support_action, r.start_month,
                 r.end_month, r.changed_by_id) for r in s.scalars(
            select(PlanItemRevision).where(PlanItemRevision.item_id == item_id)
            .order_by(PlanItemRevision.id))]


def item(db, item_id) -> PlanItem:
    with db.transaction() as s:
        found = s.get(PlanItem, item_id)
        assert found is not None
        return found


def test_a_level_change_is_kept_with_its_date_and_shown_on_the_card(mentor, db, clock, setup):
    mentor.say("แผนพัฒนาครัวเรือน")
    mentor.tap("ตั้งเป้าหมาย")
    mentor.say("มีอาหารพอกินตลอดปี")
    mentor.tap("อยู่รอด")
    first = clock.now
    assert "อยู่รอด (ตั้งแต่ 7 พ.ค. 2569)" in mentor.text
    clock.advance(days=30)
    mentor.tap("ตั้งเป้าหมาย")
    mentor.tap("ใช้เป้าหมายเดิม")
    mentor.tap("พอเพียง")
    assert "พอเพียง (ตั้งแต่ 6 มิ.ย. 2569 เดิม อยู่รอด)" in mentor.text
    assert "ประวัติระดับ\nอยู่รอด 7 พ.ค. 2569 → พอเพียง 6 มิ.ย. 2569" in mentor.text
    assert level_rows(db) == [(None, GoalLevel.SURVIVE, setup["mentor"], first),
                              (GoalLevel.SURVIVE, GoalLevel.SUFFICIENT, setup["mentor"],
                               clock.now)]
    clock.advance(days=1)
    mentor.tap("ตั้งเป้าหมาย")                          # the goal reworded, the level kept
    mentor.say("มีอาหารพอกินและมีเงินออม")
    mentor.tap("พอเพียง")
    assert len(level_rows(db)) == 2                     # not a move: no history row
    assert "พอเพียง (ตั้งแต่ 6 มิ.ย. 2569 เดิม อยู่รอด)" in mentor.text


def test_items_are_numbered_in_the_templates_order(mentor, db, clock, setup):
    seed(db, setup, clock, ("health", "เลิกบุหรี่", NS), ("income", "ปลูกผักสวนครัว", NS),
         ("access", "ทำบัตรสวัสดิการ", NS), ("income", "ทำบัญชีครัวเรือน", NS))
    mentor.say("แผนพัฒนาครัวเรือน")
    titles = [all_text([b]).split("\n")[0] for b in bubbles(mentor.last)[1:]]
    assert titles == ["กิจกรรมที่ 1 ด้านรายได้", "กิจกรรมที่ 2 ด้านรายได้",
                      "กิจกรรมที่ 3 ด้านสุขภาพ", "กิจกรรมที่ 4 ด้านการเข้าถึงบริการรัฐ"]
    assert "ปลูกผักสวนครัว" in all_text(bubbles(mentor.last)[1:2])   # oldest first within


def test_an_item_is_edited_and_its_old_wording_kept(mentor, db, clock, setup):
    income, health = seed(db, setup, clock, ("income", "ปลูกผักสวนครัว", NS),
                          ("health", "เลิกบุหรี่", DONE))
    clock.advance(hours=1)
    mentor.say("แผนพัฒนาครัวเรือน")
    mentor.tap("แก้ไข/ลบ", bubble(mentor.last, "เลิกบุหรี่"))
    assert "กิจกรรมที่ 2 ด้านสุขภาพ" in mentor.text and "ต้องการแก้ไขส่วนไหนคะ" in mentor.text
    assert mentor.labels() == ["ครัวเรือนทำเอง", "การสนับสนุน", "ช่วงเดือน", "ด้าน",
                               "ลบกิจกรรม", "ยกเลิก"]
    mentor.tap("ครัวเรือนทำเอง")
    assert "เดิม: เลิกบุหรี่" in mentor.text
    mentor.say("ลดบุหรี่เหลือวันละ 3 มวน")
    assert "แก้ไขกิจกรรมที่ 2 ด้านสุขภาพ แล้วค่ะ" in mentor.text
    assert "ลดบุหรี่เหลือวันละ 3 มวน" in all_text(bubbles(mentor.last)[2:])   # the fresh card
    edited = item(db, health)
    assert (edited.household_action, edited.status, edited.updated_at) == (
        "ลดบุหรี่เหลือวันละ 3 มวน", DONE, clock.now)
    assert revisions(db, health) == [("edit", "health", "เลิกบุหรี่", "เมล็ดพันธุ์",
                                      date(2026, 5, 1), date(2026, 6, 1), setup["mentor"])]
    assert history(db, health) == [(None, DONE)]           # the status history is untouched

    mentor.tap("แก้ไข/ลบ", bubble(mentor.last, "ลดบุหรี่"))
    mentor.tap("ช่วงเดือน")
    assert "เดิม: พ.ค. – มิ.ย. 2569" in mentor.text
    mentor.tap("มิ.ย. 2569")
    mentor.tap("ก.ย. 2569")
    assert "มิ.ย. – ก.ย. 2569" in all_text(bubble(mentor.last, "ลดบุหรี่"))
    mentor.tap("แก้ไข/ลบ", bubble(mentor.last, "ลดบุหรี่"))
    mentor.tap("การสนับสนุน")
    mentor.tap("ไม่มีการสนับสนุน")
    mentor.tap("แก้ไข/ลบ", bubble(mentor.last, "ลดบุหรี่"))
    mentor.tap("ด้าน")
    mentor.say("ด้านความเป็นอยู่")                           # typed as the plan names it
    assert "กิจกรรมที่ 2 ด้านความเป็นอยู่" in all_text(bubbles(mentor.last)[2:])
    edited = item(db, health)
    assert (edited.dimension, edited.support_action, edited.start_month, edited.end_month) == (
        "living", None, date(2026, 6, 1), date(2026, 9, 1))
    m = "ลดบุหรี่เหลือวันละ 3 มวน"
    may, jun, sep = date(2026, 5, 1), date(2026, 6, 1), date(2026, 9, 1)
    assert revisions(db, health) == [                        # each as it was before the edit
        ("edit", "health", "เลิกบุหรี่", "เมล็ดพันธุ์", may, jun, setup["mentor"]),
        ("edit", "health", m, "เมล็ดพันธุ์", may, jun, setup["mentor"]),
        ("edit", "health", m, "เมล็ดพันธุ์", jun, sep, setup["mentor"]),
        ("edit", "health", m, None, jun, sep, setup["mentor"])]
    assert revisions(db, income) == []

    mentor.tap("แก้ไข/ลบ", bubble(mentor.last, "ลดบุหรี่"))     # the same text again: no change
    mentor.tap("ครัวเรือนทำเอง")
    mentor.say("ลดบุหรี่เหลือวันละ 3 มวน")
    assert "ไม่มีการเปลี่ยนแปลงค่ะ" in mentor.text and len(revisions(db, health)) == 4


def test_an_item_is_removed_after_confirmation_and_stays_in_the_database(mentor, db, clock,
                                                                         setup):
    first, health, second = seed(db, setup, clock, ("income", "ปลูกผักสวนครัว", DONE),
                                 ("health", "เลิกบุหรี่", NS), ("income", "ทำบัญชีครัวเรือน", NS))
    mentor.say("แผนพัฒนาครัวเรือน")
    card = mentor.last
    assert "สำเร็จ 1/3 กิจกรรม" in all_text(bubbles(card)[:1])
    assert "กิจกรรมที่ 3 ด้านสุขภาพ" in all_text(bubble(card, "เลิกบุหรี่"))
    mentor.tap("แก้ไข/ลบ", bubble(card, "ทำบัญชีครัวเรือน"))
    mentor.tap("ลบกิจกรรม")
    assert "ลบกิจกรรมที่ 2 ด้านรายได้ “ทำบัญชีครัวเรือน” ออกจากแผนใช่ไหมคะ" in mentor.text
    assert mentor.labels() == ["ยืนยันลบ", "ยกเลิก"]
    mentor.tap("ยกเลิก")                                       # asked first: nothing removed
    assert item(db, second).removed_at is None
    clock.advance(minutes=5)
    mentor.tap("แก้ไข/ลบ", bubble(card, "ทำบัญชีครัวเรือน"))
    mentor.tap("ลบกิจกรรม")
    mentor.tap("ยืนยันลบ")
    assert "ลบกิจกรรมที่ 2 ด้านรายได้ ออกจากแผนแล้วค่ะ" in mentor.text
    shown = bubbles(mentor.last)
    assert len(shown) == 3 and "ทำบัญชีครัวเรือน" not in all_text(shown)
    assert "สำเร็จ 1/2 กิจกรรม" in all_text(shown[:1])            # not counted any more
    assert "กิจกรรมที่ 2 ด้านสุขภาพ" in all_text(bubble(mentor.last, "เลิกบุหรี่"))  # renumbered
    removed = item(db, second)
    assert (removed.removed_at, removed.removed_by_id) == (clock.now, setup["mentor"])
    assert revisions(db, second) == [("remove", "income", "ทำบัญชีครัวเรือน", "เมล็ดพันธุ์",
                                      date(2026, 5, 1), date(2026, 6, 1), setup["mentor"])]
    assert [i.id for i in items(db)] == [first, health, second]   # nothing deleted

    mentor.tap("สำเร็จ", bubble(card, "ทำบัญชีครัวเรือน"))          # its old buttons
    assert "ไม่พบกิจกรรมนี้" in mentor.text and item(db, second).status is NS
    mentor.tap("แก้ไข/ลบ", bubble(card, "ทำบัญชีครัวเรือน"))
    assert "ไม่พบกิจกรรมนี้" in mentor.text and len(revisions(db, second)) == 1
    mentor.say("บ้านที่ดูแล")
    assert "สำเร็จ 1/2 กิจกรรม" in mentor.text


def test_cancel_works_at_every_step_of_editing_an_item(mentor, db, clock, setup):
    [ours] = seed(db, setup, clock, ("income", "ปลูกผักสวนครัว", NS))
    for path in (["ครัวเรือนทำเอง"], ["การสนับสนุน"], ["ช่วงเดือน"], ["ช่วงเดือน", "พ.ค. 2569"],
                 ["ด้าน"], ["ลบกิจกรรม"]):
        mentor.say("แผนพัฒนาครัวเรือน")
        mentor.tap("แก้ไข/ลบ", bubble(mentor.last, "ปลูกผักสวนครัว"))
        mentor.tap_through(*path)
        mentor.tap("ยกเลิก")
        assert "ยกเลิกการแก้ไขกิจกรรมในแผนแล้ว ไม่มีการบันทึก" in mentor.text, path
    assert revisions(db, ours) == [] and item(db, ours).removed_at is None
