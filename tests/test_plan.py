"""A mentor builds and follows a household development plan in LINE (programme steps 2 and 3)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.services import services
from handlers.replies import Button
from models import Assignment, GoalLevel, HouseholdPlan, ItemStatus, PlanItem, PlanItemStatusChange

from . import factories
from .line_events import postback_event
from .players import Player, all_text

MENTOR = "U" + "6" * 32
NS, ON, DONE = ItemStatus.NOT_STARTED, ItemStatus.ONGOING, ItemStatus.DONE


@pytest.fixture
def setup(db, clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        household = factories.household(s, mentor, now=clock.now)
        return {"mentor": mentor.id, "household": household.id}


@pytest.fixture
def mentor(line, fake_line, clock, setup):
    return Player(line, fake_line, MENTOR, clock)


def seed(db, setup, clock, *specs, household=None) -> list[int]:
    """Plan items (dimension, household action, status), each with its first history row."""
    ids = []
    with db.transaction() as s:
        for dimension, action, status in specs:
            item = PlanItem(household_id=household or setup["household"], dimension=dimension,
                            household_action=action, support_action="เมล็ดพันธุ์",
                            start_month=date(2026, 5, 1), end_month=date(2026, 6, 1),
                            status=status, created_by_id=setup["mentor"], created_at=clock.now,
                            updated_at=clock.now)
            s.add(item)
            s.flush()
            s.add(PlanItemStatusChange(item_id=item.id, from_status=None, to_status=status,
                                       changed_by_id=setup["mentor"], changed_at=clock.now))
            ids.append(item.id)
    return ids


def items(db) -> list[PlanItem]:
    with db.transaction() as s:
        return list(s.scalars(select(PlanItem).order_by(PlanItem.id)))


def history(db, item_id) -> list[tuple]:
    with db.transaction() as s:
        return [(h.from_status, h.to_status) for h in s.scalars(
            select(PlanItemStatusChange).where(PlanItemStatusChange.item_id == item_id)
            .order_by(PlanItemStatusChange.id))]


def bubbles(messages) -> list[dict]:
    [flex] = [m for m in messages if m["type"] == "flex"]
    contents = flex["contents"]
    return contents["contents"] if contents["type"] == "carousel" else [contents]


def bubble(messages, words: str) -> list[dict]:
    """The one bubble that mentions ``words``, as a message list Player.tap can search."""
    found = [b for b in bubbles(messages) if words in all_text([b])]
    assert len(found) == 1, f"{len(found)} bubbles mention {words!r}"
    return found


def signed(app, payload: dict) -> str:
    """A genuinely signed button payload, as the bot itself would make it."""
    return services(app).processor.renderer.action(Button("x", payload=payload))["data"]


def add_item(mentor, dimension, doing, support, start, end):
    mentor.tap("เพิ่มกิจกรรม")
    mentor.tap(dimension)
    mentor.say(doing)
    mentor.tap("ข้าม") if support is None else mentor.say(support)
    mentor.tap(start)
    mentor.tap(end)


def test_build_a_plan_with_a_goal_and_two_items_then_view_it(mentor, db, clock, setup):
    mentor.say("แผนพัฒนาครัวเรือน")
    assert "ยังไม่ได้ตั้งเป้าหมาย" in mentor.text and "ยังไม่มีกิจกรรม" in mentor.text
    mentor.tap("ตั้งเป้าหมาย")
    assert "เป้าหมายสูงสุดของครัวเรือน นางสมศรี ใจดี คืออะไรคะ" in mentor.text
    mentor.say("มีรายได้พอใช้จ่าย ไม่มีหนี้นอกระบบ")
    assert mentor.labels() == ["อยู่รอด", "พอเพียง", "ยั่งยืน", "ยกเลิก"]
    mentor.tap("พอเพียง")
    assert "บันทึกเป้าหมาย" in mentor.text
    assert "มีรายได้พอใช้จ่าย ไม่มีหนี้นอกระบบ" in mentor.text
    assert "พอเพียง (ตั้งแต่ 7 พ.ค. 2569)" in mentor.text   # its first level: no history yet
    assert "พี่เลี้ยง\nนายวิชัย ทองดี" in mentor.text          # the card names the mentor
    with db.transaction() as s:
        [plan] = s.scalars(select(HouseholdPlan)).all()
        assert (plan.household_id, plan.goal, plan.level, plan.updated_by_id, plan.updated_at) == (
            setup["household"], "มีรายได้พอใช้จ่าย ไม่มีหนี้นอกระบบ", GoalLevel.SUFFICIENT,
            setup["mentor"], clock.now)

    add_item(mentor, "รายได้", "ปลูกผัก 10 ชนิด ทำบัญชีครัวเรือน",
             "หาเมล็ดพันธุ์ สอนทำปุ๋ยหมัก", "พ.ค. 2569", "มิ.ย. 2569")
    assert "เพิ่มกิจกรรมด้านรายได้ (พ.ค. – มิ.ย. 2569)" in mentor.text
    clock.advance(minutes=5)
    add_item(mentor, "สุขภาพ", "เลิกบุหรี่", None, "มิ.ย. 2569", "ส.ค. 2569")
    first, second = items(db)
    assert (first.dimension, first.household_action, first.support_action, first.start_month,
            first.end_month, first.status, first.created_by_id) == (
        "income", "ปลูกผัก 10 ชนิด ทำบัญชีครัวเรือน", "หาเมล็ดพันธุ์ สอนทำปุ๋ยหมัก",
        date(2026, 5, 1), date(2026, 6, 1), NS, setup["mentor"])
    assert (second.dimension, second.support_action, second.start_month, second.end_month) == (
        "health", None, date(2026, 6, 1), date(2026, 8, 1))
    with db.transaction() as s:
        rows = s.scalars(select(PlanItemStatusChange).order_by(PlanItemStatusChange.id)).all()
        assert [(r.item_id, r.from_status, r.to_status, r.changed_by_id, r.changed_at)
                for r in rows] == [(first.id, None, NS, setup["mentor"], first.created_at),
                                   (second.id, None, NS, setup["mentor"], clock.now)]

    mentor.say("แผนพัฒนาครัวเรือน")                       # the menu item: just the card
    cards = bubbles(mentor.last)
    assert len(cards) == 3 and "สำเร็จ 0/2 กิจกรรม" in all_text(cards[:1])
    assert "กิจกรรมที่ 1 ด้านรายได้" in all_text(cards[1:2])   # the template's row order
    assert "กิจกรรมที่ 2 ด้านสุขภาพ" in all_text(cards[2:3])
    assert "มิ.ย. – ส.ค. 2569" in all_text(cards[2:3])
    assert "พี่เลี้ยง/หน่วยงานสนับสนุน\n-\n" in all_text(cards[2:3])   # skipped
    assert mentor.labels(cards[2:]) == ["ต่อเนื่อง", "สำเร็จ", "แก้ไข/ลบ"]
    assert "ยังไม่เริ่ม" in all_text(cards[2:])


def test_a_status_is_updated_in_two_taps_from_the_menu_with_history(mentor, db, clock, setup):
    ours, other = seed(db, setup, clock, ("income", "ปลูกผักสวนครัว", NS),
                       ("health", "เลิกบุหรี่", NS))
    clock.advance(hours=1)
    mentor.say("แผนพัฒนาครัวเรือน")                                       # tap 1
    mentor.tap("สำเร็จ", bubble(mentor.last, "ปลูกผักสวนครัว"))            # tap 2
    assert "บันทึกสถานะกิจกรรม “ปลูกผักสวนครัว” เป็น สำเร็จ" in mentor.text
    assert "สำเร็จ 1/2 กิจกรรม" in mentor.text                            # the fresh card
    assert mentor.labels(bubble(mentor.last, "ปลูกผักสวนครัว")) == ["ยังไม่เริ่ม", "ต่อเนื่อง",
                                                                  "แก้ไข/ลบ"]
    assert [i.status for i in items(db)] == [DONE, NS]
    assert history(db, ours) == [(None, NS), (NS, DONE)]
    assert history(db, other) == [(None, NS)]
    with db.transaction() as s:
        last = s.scalars(select(PlanItemStatusChange).order_by(PlanItemStatusChange.id)).all()[-1]
        assert (last.changed_by_id, last.changed_at) == (setup["mentor"], clock.now)
    mentor.tap("ต่อเนื่อง", bubble(mentor.last, "ปลูกผักสวนครัว"))          # from the fresh card
    assert history(db, ours) == [(None, NS), (NS, DONE), (DONE, ON)]
    assert "สำเร็จ 0/2 กิจกรรม (ต่อเนื่อง 1, ยังไม่เริ่ม 1)" in mentor.text


def test_the_households_card_reaches_the_plan_in_one_tap(mentor, db, clock, setup):
    seed(db, setup, clock, ("living", "ซ่อมหลังคา", NS))
    mentor.say("บ้านที่ดูแล")
    mentor.tap("ดูแผนพัฒนา")
    mentor.tap("ต่อเนื่อง", bubble(mentor.last, "ซ่อมหลังคา"))
    assert [i.status for i in items(db)] == [ON]


def test_a_stale_status_button_sets_what_it_names_or_says_it_already_is(mentor, db, clock, setup):
    [ours] = seed(db, setup, clock, ("income", "ปลูกผักสวนครัว", NS))
    mentor.say("แผนพัฒนาครัวเรือน")
    old = bubble(mentor.last, "ปลูกผักสวนครัว")          # offers ต่อเนื่อง and สำเร็จ
    mentor.tap("ต่อเนื่อง", old)
    mentor.tap("ต่อเนื่อง", old)                          # the same old button again: a no-op
    assert "มีสถานะ ต่อเนื่อง อยู่แล้ว" in mentor.text and "ไม่มีการเปลี่ยนแปลง" in mentor.text
    assert history(db, ours) == [(None, NS), (NS, ON)]
    mentor.tap("สำเร็จ", old)                             # recorded from what it really was
    assert history(db, ours) == [(None, NS), (NS, ON), (ON, DONE)]
    assert [i.status for i in items(db)] == [DONE]


def test_a_signed_button_for_another_mentors_item_is_refused(mentor, db, clock, setup, app):
    with db.transaction() as s:
        other = factories.person(s, name="นางอื่น ๆ", phone="0810000098")
        theirs = factories.household(s, other, house_id="42010000099", now=clock.now).id
    [their_item] = seed(db, setup, clock, ("income", "ของบ้านอื่น", NS), household=theirs)
    [ours] = seed(db, setup, clock, ("income", "ของเรา", NS))
    mentor._send(postback_event(MENTOR, signed(app, {"a": "item", "i": their_item, "st": "done"})))
    assert "ไม่พบกิจกรรมนี้" in mentor.text
    mentor._send(postback_event(MENTOR, signed(app, {"a": "item", "i": ours, "st": "finished"})))
    assert "ปุ่มนี้ใช้ไม่ได้" in mentor.text
    mentor._send(postback_event(MENTOR, signed(app, {"a": "item", "i": str(ours), "st": "done"})))
    assert "ไม่พบกิจกรรมนี้" in mentor.text
    assert [i.status for i in items(db)] == [NS, NS]
    assert history(db, their_item) == [(None, NS)] and history(db, ours) == [(None, NS)]


def test_an_item_of_a_household_no_longer_assigned_is_not_found(mentor, db, clock, setup):
    [ours] = seed(db, setup, clock, ("income", "ปลูกผักสวนครัว", NS))
    mentor.say("แผนพัฒนาครัวเรือน")
    card = mentor.last
    with db.transaction() as s:
        s.scalar(select(Assignment)).ended_at = datetime(2026, 5, 7, 4, tzinfo=UTC)
    mentor.tap("สำเร็จ", bubble(card, "ปลูกผักสวนครัว"))
    assert "ไม่พบกิจกรรมนี้ในแผนของครัวเรือนที่ท่านดูแล" in mentor.text
    assert [i.status for i in items(db)] == [NS] and history(db, ours) == [(None, NS)]
    mentor.tap("เพิ่มกิจกรรม", card)
    assert "ไม่พบครัวเรือนนี้ในความดูแลของท่าน" in mentor.text


PLAN_ITEM_STEPS = [lambda m: None, lambda m: m.tap("การศึกษา"),
                   lambda m: m.say("ส่งลูกเรียนต่อ กศน."), lambda m: m.tap("ข้าม"),
                   lambda m: m.tap("พ.ค. 2569")]


def test_cancel_works_at_every_step_of_adding_an_item(mentor, db):
    for depth in range(len(PLAN_ITEM_STEPS)):
        mentor.say("แผนพัฒนาครัวเรือน")
        mentor.tap("เพิ่มกิจกรรม")
        for step in PLAN_ITEM_STEPS[:depth + 1]:
            step(mentor)
        assert "ยกเลิก" in mentor.labels(), f"no cancel after step {depth}"
        mentor.tap("ยกเลิก")
        assert "ยกเลิกการเพิ่มกิจกรรมในแผนแล้ว ไม่มีการบันทึกค่ะ" in mentor.text
    assert items(db) == []


def test_cancel_works_at_every_step_of_setting_the_goal(mentor, db):
    for depth in range(2):
        mentor.say("แผนพัฒนาครัวเรือน")
        mentor.tap("ตั้งเป้าหมาย")
        if depth:
            mentor.say("พึ่งพาตนเองได้")
        mentor.tap("ยกเลิก")
        assert "ยกเลิกการตั้งเป้าหมายครัวเรือนแล้ว ไม่มีการบันทึกค่ะ" in mentor.text
    with db.transaction() as s:
        assert s.scalars(select(HouseholdPlan)).all() == []


def test_typed_months_in_thai_digits_are_accepted_and_checked(mentor, db):
    mentor.say("แผนพัฒนาครัวเรือน")
    add_steps = PLAN_ITEM_STEPS[1:4]
    mentor.tap("เพิ่มกิจกรรม")
    for step in add_steps:
        step(mentor)
    mentor.say("เร็ว ๆ นี้")
    assert "ยังอ่านเดือนไม่ออก" in mentor.text and "พ.ค. 2569" in mentor.labels()
    mentor.say("๕/๒๕๗๕")
    assert "เดือนเริ่มต้องอยู่ในช่วง" in mentor.text
    mentor.say("๕/๒๕๖๙")
    assert "เริ่ม พ.ค. 2569 ทำถึงเดือนไหน" in mentor.text
    mentor.say("เม.ย. ๒๕๖๙")
    assert "ต้องไม่ก่อนเดือนเริ่ม (พ.ค. 2569)" in mentor.text
    assert items(db) == []
    mentor.say("กรกฎาคม ๒๕๖๙")
    [item] = items(db)
    assert (item.start_month, item.end_month, item.dimension) == (
        date(2026, 5, 1), date(2026, 7, 1), "education")
    assert "พ.ค. – ก.ค. 2569" in mentor.text


@pytest.mark.parametrize("wrong", ["sticker", "image", "text"])
def test_wrong_kinds_of_input_get_the_steps_reprompt(mentor, wrong):
    mentor.say("แผนพัฒนาครัวเรือน")
    mentor.tap("เพิ่มกิจกรรม")
    question = mentor.labels()
    {"sticker": mentor.sticker, "image": mentor.image, "text": lambda: mentor.say("ไม่รู้")}[wrong]()
    assert "กรุณาเลือกจากปุ่ม" in mentor.text and mentor.labels() == question
    mentor.tap("สุขภาพ")
    mentor.sticker()                                      # the household's action is text
    assert "กรุณาพิมพ์เป็นข้อความ" in mentor.text


def test_a_goal_too_long_is_refused_and_the_goal_can_be_kept_while_the_level_changes(mentor, db):
    mentor.say("แผนพัฒนาครัวเรือน")
    mentor.tap("ตั้งเป้าหมาย")
    mentor.say("ก" * 501)
    assert "เกิน 500 ตัวอักษร" in mentor.text
    mentor.say("ก" * 500)
    mentor.tap("อยู่รอด")
    mentor.tap("ตั้งเป้าหมาย")
    assert "เป้าหมายเดิม" in mentor.text
    mentor.tap("ใช้เป้าหมายเดิม")
    mentor.tap("ยั่งยืน")
    with db.transaction() as s:
        [plan] = s.scalars(select(HouseholdPlan)).all()
        assert (plan.goal, plan.level) == ("ก" * 500, GoalLevel.SUSTAINABLE)


def test_more_than_eleven_items_keep_those_not_done_in_numbered_order(mentor, db, clock, setup,
                                                                   fake_line):
    long_text = "ปลูกผักสวนครัวและทำบัญชีครัวเรือน " * 8          # ~300 characters each
    specs = [("income", f"{n:02d} {long_text}", DONE if n < 4 else NS) for n in range(14)]
    seed(db, setup, clock, *specs)
    mentor.say("แผนพัฒนาครัวเรือน")
    fake_line.assert_no_violations()                      # 12 bubbles, sizes within LINE's limits
    cards = bubbles(mentor.last)
    assert len(cards) == 12 and "ยังมีอีก 3 กิจกรรม" in all_text(cards[:1])
    assert "สำเร็จ 4/14 กิจกรรม" in all_text(cards[:1])
    # Those not done yet are kept (the most recent done one fills the last place), shown in
    # the template's order with their numbers: 00-02 (numbers 1-3) are done and left out.
    shown = [all_text([c]).split("ครัวเรือนทำเอง")[1][1:3] for c in cards[1:]]
    assert shown == ["03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13"]
    assert "กิจกรรมที่ 4 ด้านรายได้" in all_text(cards[1:2])
    assert "กิจกรรมที่ 14 ด้านรายได้" in all_text(cards[11:])


def test_a_mentor_with_several_households_picks_one_first(mentor, db, clock, setup):
    with db.transaction() as s:
        mentor_row = s.get(factories.Person, setup["mentor"])
        factories.household(s, mentor_row, house_id="42010000022", head="นายบุญมี ศรีสุข",
                            now=clock.now)
    mentor.say("แผนพัฒนาครัวเรือน")
    assert "เลือกครัวเรือน" in mentor.text
    mentor.tap("ยกเลิก")                                  # cancel at the pick step too
    assert "ยกเลิกการดูแผนพัฒนาครัวเรือนแล้ว" in mentor.text
    mentor.say("แผนพัฒนาครัวเรือน")
    mentor.tap("2 บุญมี")                                # numbered picker
    assert "นายบุญมี ศรีสุข" in all_text(bubbles(mentor.last)[:1])
    mentor.tap("เพิ่มกิจกรรม")                             # the card names its household
    assert "กิจกรรมนี้อยู่ด้านใด" in mentor.text


def test_a_status_tap_during_another_flow_keeps_that_flow(mentor, db, clock, setup):
    [ours] = seed(db, setup, clock, ("income", "ปลูกผักสวนครัว", NS))
    mentor.say("แผนพัฒนาครัวเรือน")
    card = mentor.last
    mentor.tap("เพิ่มกิจกรรม")
    mentor.tap("สุขภาพ")
    mentor.tap("สำเร็จ", bubble(card, "ปลูกผักสวนครัว"))
    assert "เป็น สำเร็จ" in mentor.text and "ครัวเรือนจะทำอะไรเอง" in mentor.text
    mentor.say("ออกกำลังกาย")
    mentor.tap("ข้าม")
    mentor.tap("พ.ค. 2569")
    mentor.tap("พ.ค. 2569")
    assert [(i.dimension, i.status) for i in items(db)] == [("income", DONE), ("health", NS)]


def test_a_household_reassigned_mid_way_ends_the_flow_unsaved(mentor, db, clock):
    mentor.say("แผนพัฒนาครัวเรือน")
    mentor.tap("เพิ่มกิจกรรม")
    mentor.tap("สุขภาพ")
    with db.transaction() as s:
        s.scalar(select(Assignment)).ended_at = clock.now
    mentor.say("ออกกำลังกาย")
    assert "ไม่ได้อยู่ในความดูแลของท่านแล้ว" in mentor.text
    assert items(db) == []
