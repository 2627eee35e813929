"""The `plans` and `mentors` export kinds: what their rows hold for the shared area
(tests/export_area.py), and that exporting changes nothing."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from handlers.exports import mentors as mentors_kind
from handlers.exports import plans as plans_kind
from handlers.exports.table import Area
from models import (
    Assignment,
    Household,
    HouseholdStatus,
    PlanItem,
)


def test_plans_rows(db, area_data):
    with db.transaction() as s:
        rows = list(plans_kind.build(s, Area("เลย", "เมืองเลย"), date(2026, 5, 1),
                                     date(2026, 5, 31)).sheets[0].rows)
    header = [c.header for c in plans_kind.COLUMNS]
    as_dicts = [dict(zip(header, r, strict=True)) for r in rows]
    first, second, empty = as_dicts
    assert first["รหัสประจำบ้าน"] == "42010000011" and first["พี่เลี้ยง"] == "นายวิชัย ทองดี"
    assert first["สถานะครัวเรือน"] == "อยู่ในโครงการ"
    assert first["ระดับ"] == "พอเพียง" and first["วันที่ตั้งระดับ"] == date(2026, 5, 5)
    # Numbered as on the plan card (template order: income, living, health, education):
    # the removed item is gone, the September one is out of the range.
    assert (first["กิจกรรมที่"], first["ด้าน"], first["สถานะกิจกรรม"]) == (
        1, "ด้านรายได้", "สำเร็จ")
    assert first["วันที่เปลี่ยนสถานะล่าสุด"] == date(2026, 5, 6)
    assert (first["เดือนที่เริ่ม"], first["เดือนที่สิ้นสุด"]) == (date(2026, 4, 1),
                                                              date(2026, 5, 1))
    assert (second["กิจกรรมที่"], second["ด้าน"], second["สถานะกิจกรรม"]) == (
        2, "ด้านสุขภาพ", "ยังไม่เริ่ม")
    assert second["พี่เลี้ยง/หน่วยงานสนับสนุน"] == "+1 รพ.สต."
    assert second["วันที่เปลี่ยนสถานะล่าสุด"] == date(2026, 4, 7)
    # A household with no plan: one row, its goal columns empty.
    assert empty["รหัสประจำบ้าน"] == "42010000029"
    assert all(empty[h] is None for h in header[10:])


def test_plans_of_a_household_that_left_still_listed(db, area_data):
    with db.transaction() as s:
        s.get(Household, area_data["second"]).status = HouseholdStatus.LEFT
    with db.transaction() as s:
        rows = list(plans_kind.build(s, Area("เลย"), date(2026, 9, 1),
                                     date(2026, 9, 30)).sheets[0].rows)
    # (Rows come by district, then house code; districts compare as the database collates.)
    assert sorted((r[0], r[8], r[13]) for r in rows) == [
        ("42010000011", "อยู่ในโครงการ", 3), ("42010000029", "ออกจากโครงการ", None),
        ("42050000016", "อยู่ในโครงการ", None)]


def test_mentors_rows(db, area_data, clock):
    with db.transaction() as s:
        # A household handed on to another mentor no longer counts for the first.
        s.add(Assignment(household_id=area_data["second"], mentor_id=area_data["vichai"],
                         assigned_at=clock.now - timedelta(days=90),
                         ended_at=clock.now - timedelta(days=60)))
    with db.transaction() as s:
        rows = list(mentors_kind.build(s, Area("เลย", "เมืองเลย"), date(2026, 5, 1),
                                       date(2026, 5, 31)).sheets[0].rows)
        wang = list(mentors_kind.build(s, Area("เลย"), date(2026, 5, 1),
                                       date(2026, 5, 10)).sheets[0].rows)
    assert sorted(rows, key=lambda r: r[3]) == [
        ("นายวิชัย ทองดี", "นักวิชาการ", "อำเภอเมืองเลย", "0810000001", "เมืองเลย", 2,
         date(2026, 4, 20), 2, "ลงทะเบียนแล้ว", date(2026, 4, 7)),
        ("นางสาวใหม่ ยังไม่มา", None, None, "0810000002", "เมืองเลย", 0, None, 0,
         "ยังไม่ลงทะเบียน", None)]
    # The province: both districts; overdue as of 10 May counts only the one due on 1 May.
    assert sorted((r[0], r[5], r[7]) for r in wang) == sorted([
        ("นายวิชัย ทองดี", 2, 1), ("นางสาวใหม่ ยังไม่มา", 0, 0), ("นายสมัย วังดี", 1, 0)])


def test_mentors_count_only_households_still_in_the_programme(db, area_data):
    with db.transaction() as s:
        s.get(Household, area_data["second"]).status = HouseholdStatus.LEFT
    with db.transaction() as s:
        vichai, = (r for r in mentors_kind.build(s, Area("เลย", "เมืองเลย"), date(2026, 5, 1),
                                              date(2026, 5, 31)).sheets[0].rows
                   if r[3] == "0810000001")
    assert (vichai[5], vichai[7]) == (1, 1)


# -- the province officer -------------------------------------------------------------------
def test_stored_items_still_match_after_the_export(db, area_data):
    """The export reads only: nothing it touched changed."""
    with db.transaction() as s:
        before = [(i.id, i.status, i.updated_at) for i in s.scalars(select(PlanItem))]
        list(plans_kind.build(s, Area("เลย"), date(2026, 1, 1), date(2026, 12, 31))
             .sheets[0].rows)
    with db.transaction() as s:
        assert [(i.id, i.status, i.updated_at) for i in s.scalars(select(PlanItem))] == before


