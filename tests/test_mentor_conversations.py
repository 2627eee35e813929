"""A mentor with many households: the numbered household picker, all households page by page,
visit dates typed as words, and a paused visit draft that survives other flows."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import ConversationState, Visit

from . import factories
from .players import Player

MENTOR = "U" + "4" * 32
# Two households whose heads share a name, and a very long name.
HEADS = (["นางสมศรี ใจดี", "นางสมศรี ใจดี", "นายประเสริฐศักดิ์สิทธิ์วงศ์ ยิ่งใหญ่มากมาย"]
         + [f"นายคนที่{n} ทดสอบ" for n in range(4, 24)])


@pytest.fixture
def many(db, clock):
    """A mentor with 23 households (ordered as created: none has a due date yet)."""
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        ids = [factories.household(s, mentor, house_id=f"420100{n:05d}", head=head,
                                   village=f"บ้านที่{n}", now=clock.now - timedelta(days=40)).id
               for n, head in enumerate(HEADS, start=1)]
    return ids


@pytest.fixture
def mentor(line, fake_line, clock, many):
    return Player(line, fake_line, MENTOR, clock)


def test_the_household_picker_numbers_households_and_pages_both_ways(mentor, many):
    mentor.say("รายงานการเยี่ยมบ้าน")
    labels = mentor.labels()
    assert labels[:2] == ["1 สมศรี", "2 สมศรี"] and labels[2].startswith("3 ประเสริฐ")
    assert all(len(label) <= 20 for label in labels) and len(labels) <= 13
    assert "หน้าก่อน" not in labels and "หน้าถัดไป" in labels and labels[-1] == "ยกเลิก"
    assert "1. นางสมศรี ใจดี (บ้านที่1)" in mentor.text
    assert "2. นางสมศรี ใจดี (บ้านที่2)" in mentor.text

    mentor.tap("หน้าถัดไป")
    middle = mentor.labels()
    assert len(middle) <= 13 and {"หน้าก่อน", "หน้าถัดไป", "ยกเลิก"} <= set(middle)
    first_here = int(middle[0].split()[0])
    assert first_here == len([lb for lb in labels if lb[0].isdigit()]) + 1
    mentor.tap("หน้าถัดไป")
    last = mentor.labels()
    assert "หน้าก่อน" in last and "หน้าถัดไป" not in last
    assert last[[i for i, lb in enumerate(last) if lb[0].isdigit()][-1]].startswith("23 ")
    mentor.tap("หน้าก่อน")
    assert mentor.labels() == middle
    mentor.tap("หน้าก่อน")
    mentor.tap("2 สมศรี")
    assert "ไปเยี่ยมบ้านวันไหน" in mentor.text


def test_the_second_of_two_equal_names_is_the_one_reported(mentor, many, db):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("2 สมศรี")
    mentor.say("วันนี้")
    with db.transaction() as s:
        assert s.get(ConversationState, MENTOR).data["h"] == many[1]


@pytest.mark.parametrize("word, days_ago", [("วันนี้", 0), ("เมื่อวาน", 1)])
def test_visit_date_typed_as_a_word(mentor, db, clock, word, days_ago):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("1 สมศรี")
    mentor.say(word)
    assert "4 ท" in mentor.text
    with db.transaction() as s:
        stored = s.get(ConversationState, MENTOR).data["date"]
    assert stored == (date(2026, 5, 7) - timedelta(days=days_ago)).isoformat()


def test_a_paused_visit_survives_another_flow_and_can_be_resumed(mentor, db, clock):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("1 สมศรี")
    mentor.tap("วันนี้")
    mentor.say("อยากพัฒนา")
    clock.advance(minutes=31)
    mentor.say("แผนพัฒนาครัวเรือน")              # a menu word: the draft is paused, plan starts
    assert "หมดเวลา" in mentor.text
    mentor.say("ยกเลิก")
    mentor.say("บ้านที่ดูแล")
    mentor.tap("ทำต่อ", mentor.history[-3])      # the button offered when the visit timed out
    assert "ทักษะ" in mentor.text
    mentor.say("ทำเกษตรได้")
    for label in ("ข้าม", "ข้าม", "ไม่พบปัญหาใหม่", "ข้าม", "6 มิ.ย. 2569", "ยืนยัน"):
        mentor.tap(label)
    with db.transaction() as s:
        [visit] = s.scalars(select(Visit)).all()
    assert (visit.attitude, visit.skills) == ("อยากพัฒนา", "ทำเกษตรได้")


def test_resume_without_a_draft_keeps_the_current_question(mentor, db, clock):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("1 สมศรี")
    mentor.tap("วันนี้")
    mentor.say("อยากพัฒนา")
    clock.advance(minutes=31)
    mentor.say("เมนู")                                 # paused; the menu
    offered = mentor.history[-1]
    mentor.tap("ทิ้งรายการนี้", offered)
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("1 สมศรี")
    mentor.tap("ทำต่อ", offered)                        # an old button; nothing to resume
    assert "ไม่มีรายการค้าง" in mentor.text
    assert "ไปเยี่ยมบ้านวันไหน" in mentor.text           # the question in progress, again
    mentor.tap("วันนี้")
    assert "4 ท" in mentor.text


def test_my_households_can_be_seen_twelve_at_a_time(mentor, many):
    mentor.say("บ้านที่ดูแล")
    first = mentor.last
    assert "และอีก 11 ครัวเรือน" in mentor.text
    assert "ดูเพิ่ม" in mentor.labels()
    shown_first = str(first)
    assert "นายคนที่12 ทดสอบ" in shown_first and "นายคนที่13 ทดสอบ" not in shown_first
    mentor.tap("ดูเพิ่ม")
    second = str(mentor.last)
    assert "นายคนที่13 ทดสอบ" in second and "นายคนที่23 ทดสอบ" in second
    assert "นายคนที่12 ทดสอบ" not in second
    assert "ดูเพิ่ม" not in mentor.labels()
