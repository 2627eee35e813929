"""The `logbook` export: a row per visit and per assistance record, as district staff key them
into the TPMAP Logbook, after a month of activity in a district (and some in another district,
which must not appear). Rows are read straight from the export's sheet, inside a transaction,
as a writer reads them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from handlers import dimension_passes, plans
from handlers.exports import logbook
from handlers.exports.table import Area
from models import Case, ExitReason, GoalLevel, Household, Person, Role

from .case_fixtures import COORD_A, MENTOR
from .export_fixtures import (
    ELSEWHERE,
    MAY_FIRST,
    MAY_LAST,
    Script,
    item_done,
    move,
    problem,
    sheets_of,
)
from .players import Player

HEADERS = [c.header for c in logbook.COLUMNS]
DISTRICT = Area(province="เลย", district="เมืองเลย")


def col(row: tuple, header: str):
    return row[HEADERS.index(header)]


def logbook_rows(db, area=DISTRICT, start=MAY_FIRST, end=MAY_LAST) -> list[tuple]:
    [rows] = sheets_of(db, logbook, area, start, end).values()
    return rows


@pytest.fixture
def people(db, clock):
    """Two households of เมืองเลย (one per mentor), one of วังสะพุง; a coordinator."""
    with db.transaction() as s:
        play = Script(s, clock)
        wichai = play.person("นายวิชัย ทองดี", phone="0810000001", line_user_id=MENTOR,
                             position="นักวิชาการพัฒนาชุมชน", agency="สำนักงานพัฒนาชุมชนอำเภอ")
        porn = play.person("นางสาวพร ดีงาม", phone="0810000002")
        far = play.person("นายไกล บ้านไกล", phone="0810000009", district=ELSEWHERE)
        coordinator = play.person("นางสาวมาลี ศรีเลย", phone=None, role=Role.COORDINATOR,
                                  line_user_id=COORD_A)
        h1 = play.household(wichai, "42010000011", "นางสมศรี ใจดี", ("income", "health"))
        h2 = play.household(porn, "42010000022", "นายบุญมี ศรีสุข", ("living",))
        h9 = play.household(far, "42020000099", "นายห่างไกล นอกเขต")
        return {"wichai": wichai.id, "porn": porn.id, "far": far.id,
                "coordinator": coordinator.id, "h1": h1.id, "h2": h2.id, "h9": h9.id}


@pytest.fixture
def month(db, clock, people):
    """May 2026 in เมืองเลย through the domain functions, and a visit and help elsewhere."""
    with db.transaction() as s:
        play = Script(s, clock)
        wichai, porn, far, coordinator = (s.get(Person, people[k]) for k in (
            "wichai", "porn", "far", "coordinator"))
        h1, h2, h9 = (s.get(Household, people[k]) for k in ("h1", "h2", "h9"))
        play.visit(h2, porn, date(2026, 4, 30), next_due=date(2026, 5, 3))    # before the range
        play.visit(h2, porn, date(2026, 5, 3), next_due=date(2026, 6, 2),
                   four_t=("อยากซ่อมบ้าน", "งานช่าง", None, "ขอวัสดุจาก อบต."),
                   problems=[problem("living", indicator=8)])
        item = plans.add_item(s, h1, wichai, plans.ItemDraft(
            "income", "ปลูกผักสวนครัว 10 ชนิด", "หาเมล็ดพันธุ์", MAY_FIRST, MAY_FIRST),
            play.ctx(date(2026, 5, 2)))
        case = play.raise_case(h1, wichai, date(2026, 5, 6))
        play.close(case, coordinator, date(2026, 5, 12))
        play.help(h1, coordinator, date(2026, 5, 12), agency="พช.อ.", value="3000",
                  note="ทุนเลี้ยงไก่", case_id=case.id)
        play.visit(h1, wichai, date(2026, 5, 20), next_due=date(2026, 6, 19),
                   follow_ups=[item_done(item.id)])
        play.help(h1, wichai, date(2026, 5, 20), kind="supplies", typed="มูลนิธิเพื่อนบ้าน",
                  value="1500.50", note="เมล็ดพันธุ์ผัก")
        play.goal(h1, wichai, GoalLevel.SUFFICIENT, date(2026, 5, 20))
        dimension_passes.pass_dimension(s, h1, wichai, "health", date(2026, 5, 20),
                                        play.ctx(date(2026, 5, 20)))
        play.leave(h2, porn, coordinator, ExitReason.MOVED, date(2026, 5, 25))
        play.visit(h9, far, date(2026, 5, 10), next_due=date(2026, 6, 9),
                   four_t=("นอกเขต", None, None, None))
        play.help(h9, far, date(2026, 5, 10), agency="พช.อ.", value="999")
        return {"case": case.id}


def test_a_month_of_a_district_in_keying_order(db, month):
    rows = logbook_rows(db)
    assert [(col(r, "รหัสประจำบ้าน"), col(r, "วันที่"), col(r, "ประเภทรายการ")) for r in rows] == [
        ("42010000011", date(2026, 5, 12), "ความช่วยเหลือ"),
        ("42010000011", date(2026, 5, 20), "เยี่ยมบ้าน"),      # the visit before the day's help
        ("42010000011", date(2026, 5, 20), "ความช่วยเหลือ"),
        ("42010000022", date(2026, 5, 3), "เยี่ยมบ้าน"),       # 30 April is out of the range
    ]
    assert all(len(r) == len(HEADERS) for r in rows)
    assert "นอกเขต" not in str(rows) and "42020000099" not in str(rows)   # another district

    closed_help, visit, typed_help, h2_visit = rows
    assert col(visit, "ติดตามผล") == "ปลูกผักสวนครัว 10 ชนิด: สำเร็จ"
    assert col(visit, "ปัญหาที่พบ") == "ไม่พบปัญหาใหม่"
    assert (col(visit, "พี่เลี้ยง"), col(visit, "ตำแหน่ง"), col(visit, "หน่วยงาน")) == (
        "นายวิชัย ทองดี", "นักวิชาการพัฒนาชุมชน", "สำนักงานพัฒนาชุมชนอำเภอ")
    assert col(visit, "ประเภทความช่วยเหลือ") is None and col(visit, "มูลค่า (บาท)") is None

    # Help recorded by the coordinator closing a case: the household's mentor is named.
    assert col(closed_help, "พี่เลี้ยง") == "นายวิชัย ทองดี"
    assert col(closed_help, "หน่วยงานที่ช่วยเหลือ") == "พช.อ. (สำนักงานพัฒนาชุมชนอำเภอ)"
    assert col(closed_help, "มูลค่า (บาท)") == Decimal("3000.00")
    assert (col(closed_help, "เรื่อง #"), col(closed_help, "สถานะเรื่อง")) == (
        month["case"], "ปิดเรื่องแล้ว")
    assert (col(closed_help, "ประเภทความช่วยเหลือ"), col(closed_help, "ด้าน"),
            col(closed_help, "บันทึก")) == ("ฝึกอาชีพ", "รายได้", "ทุนเลี้ยงไก่")
    assert col(closed_help, "ทัศนคติ") is None and col(closed_help, "ปัญหาที่พบ") is None

    assert (col(typed_help, "หน่วยงานที่ช่วยเหลือ"), col(typed_help, "มูลค่า (บาท)"),
            col(typed_help, "ประเภทความช่วยเหลือ")) == (
        "มูลนิธิเพื่อนบ้าน", Decimal("1500.50"), "สิ่งของ/อุปกรณ์การเกษตร")
    assert col(typed_help, "เรื่อง #") is None

    # The household as it stands now, on each of its rows.
    for row in (closed_help, visit, typed_help):
        assert (col(row, "ระดับ"), col(row, "มิติที่ยังไม่ผ่าน"), col(row, "นัดเยี่ยมครั้งถัดไป"),
                col(row, "สถานะครัวเรือน")) == ("พอเพียง", "รายได้", date(2026, 6, 19),
                                               "อยู่ในโครงการ")
        assert col(row, "หมู่บ้าน") == "บ้านนาโป่ง" and col(row, "ตำบล") == "นาโป่ง"
        assert (col(row, "อำเภอ"), col(row, "จังหวัด")) == ("เมืองเลย", "เลย")

    assert (col(h2_visit, "ทัศนคติ"), col(h2_visit, "ทักษะ"), col(h2_visit, "ทรัพยากร"),
            col(h2_visit, "ทางออก")) == ("อยากซ่อมบ้าน", "งานช่าง", None, "ขอวัสดุจาก อบต.")
    assert col(h2_visit, "ปัญหาที่พบ") == "ความเป็นอยู่ (ตัวชี้วัดข้อ 8, พี่เลี้ยงช่วยแก้เอง)"
    assert col(h2_visit, "ชื่อหัวหน้าครัวเรือน") == "นายบุญมี ศรีสุข"
    assert col(h2_visit, "ระดับ") is None and col(h2_visit, "มิติที่ยังไม่ผ่าน") == "ความเป็นอยู่"
    assert col(h2_visit, "สถานะครัวเรือน") == "ออกจากโครงการ 25 พ.ค. 2569 (ย้ายออกนอกพื้นที่)"


def test_the_province_has_both_districts_and_a_range_cuts_by_date(db, month):
    province = logbook_rows(db, Area(province="เลย"))
    assert [col(r, "รหัสประจำบ้าน") for r in province] == (
        ["42010000011"] * 3 + ["42010000022"] + ["42020000099"] * 2)
    assert [col(r, "ประเภทรายการ") for r in province[-2:]] == ["เยี่ยมบ้าน", "ความช่วยเหลือ"]
    one_day = logbook_rows(db, start=date(2026, 5, 20), end=date(2026, 5, 20))
    assert [col(r, "ประเภทรายการ") for r in one_day] == ["เยี่ยมบ้าน", "ความช่วยเหลือ"]
    april = logbook_rows(db, start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert [(col(r, "รหัสประจำบ้าน"), col(r, "วันที่")) for r in april] == [
        ("42010000022", date(2026, 4, 30))]


def test_an_empty_range_gives_no_rows(db, month):
    assert logbook_rows(db, start=date(2026, 1, 1), end=date(2026, 1, 31)) == []
    assert logbook_rows(db, Area(province="เลย", district="ไม่มีอำเภอนี้")) == []
    with db.transaction() as s:
        export = logbook.build(s, DISTRICT, date(2026, 1, 1), date(2026, 1, 31))
        [sheet] = export.sheets
        assert len(sheet.title) <= 31 and sheet.empty_note


def test_a_visit_and_a_case_closed_through_line_land_in_the_logbook(db, clock, people, line,
                                                                     fake_line):
    """The bot's own path: the mentor reports a visit (4 ท, an escalated income problem with
    its indicator, a health problem solved with advice), a coordinator closes the case with
    the assistance given."""
    mentor = Player(line, fake_line, MENTOR, clock)
    coordinator = Player(line, fake_line, COORD_A, clock)
    move(clock, date(2026, 5, 5), 10)
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    mentor.say("อยากมีรายได้เพิ่ม")
    mentor.say("ทำเกษตรได้")
    mentor.tap("ข้าม")
    mentor.say("ปลูกผักขาย")
    mentor.tap("★รายได้")
    mentor.tap("★สุขภาพ")
    mentor.tap("ถัดไป")
    mentor.tap("ข้อ 27")
    mentor.tap("ต้องการหน่วยงานช่วย")
    mentor.say("พช.อ.")
    mentor.say("ต้องการฝึกอาชีพ")
    mentor.tap("ไม่ระบุ")
    mentor.tap("ช่วยแก้เองได้")
    mentor.tap("ให้คำแนะนำ/ความรู้")
    mentor.say("แนะนำให้ไปตรวจสุขภาพที่ รพ.สต.")
    mentor.tap("ข้าม")
    mentor.tap("เลือกวันที่", date_value=date(2026, 6, 4))
    mentor.tap("ยืนยัน")
    assert "ส่งเรื่องขอความช่วยเหลือ 1 เรื่อง" in mentor.text

    move(clock, date(2026, 5, 8), 14)
    coordinator.say("เรื่องรอดำเนินการ")
    coordinator.tap("ปิดเรื่อง")
    coordinator.tap("ได้รับความช่วยเหลือ")
    coordinator.tap("ฝึกอาชีพ")
    coordinator.tap("พช.อ.")
    coordinator.say("3,000")
    coordinator.say("8 พ.ค. 69")
    with db.transaction() as s:
        [case_id] = s.scalars(select(Case.id)).all()

    visit, advice, closing = logbook_rows(db)
    assert (col(visit, "ประเภทรายการ"), col(visit, "วันที่")) == ("เยี่ยมบ้าน", date(2026, 5, 5))
    assert (col(visit, "ทัศนคติ"), col(visit, "ทักษะ"), col(visit, "ทรัพยากร"),
            col(visit, "ทางออก")) == ("อยากมีรายได้เพิ่ม", "ทำเกษตรได้", None, "ปลูกผักขาย")
    assert col(visit, "ปัญหาที่พบ") == (
        f"รายได้ (ตัวชี้วัดข้อ 27, ส่งต่อ พช.อ., เรื่อง #{case_id} ปิดเรื่องแล้ว): "
        "ต้องการฝึกอาชีพ; สุขภาพ (พี่เลี้ยงช่วยแก้เอง)")
    assert col(visit, "นัดเยี่ยมครั้งถัดไป") == date(2026, 6, 4)
    assert col(visit, "มิติที่ยังไม่ผ่าน") == "รายได้, สุขภาพ"

    assert (col(advice, "ประเภทรายการ"), col(advice, "วันที่"), col(advice, "ประเภทความช่วยเหลือ"),
            col(advice, "ด้าน"), col(advice, "หน่วยงานที่ช่วยเหลือ"), col(advice, "บันทึก")) == (
        "ความช่วยเหลือ", date(2026, 5, 5), "ให้คำแนะนำ/ความรู้", "สุขภาพ", "พี่เลี้ยง (ช่วยเอง)",
        "แนะนำให้ไปตรวจสุขภาพที่ รพ.สต.")
    assert (col(closing, "วันที่"), col(closing, "ประเภทความช่วยเหลือ"),
            col(closing, "หน่วยงานที่ช่วยเหลือ"), col(closing, "มูลค่า (บาท)"),
            col(closing, "เรื่อง #"), col(closing, "สถานะเรื่อง"), col(closing, "พี่เลี้ยง")) == (
        date(2026, 5, 8), "ฝึกอาชีพ", "พช.อ. (สำนักงานพัฒนาชุมชนอำเภอ)", Decimal("3000.00"),
        case_id, "ปิดเรื่องแล้ว", "นายวิชัย ทองดี")


def test_the_cli_writes_the_logbook_as_xlsx(runner, db, clock, month, people, tmp_path):
    """`mentorbot export logbook`: the workbook opens, its headers are the Thai ones, a visit's
    and a help's cells are typed, and a note typed as a formula stays text."""
    with db.transaction() as s:
        Script(s, clock).help(s.get(Household, people["h1"]), s.get(Person, people["wichai"]),
                              date(2026, 5, 28), kind="advice", by_mentor=True,
                              note='=HYPERLINK("http://x","y")')
    out = tmp_path / "logbook.xlsx"
    result = runner.invoke(args=["export", "logbook", "--district", "เมืองเลย", "--from",
                                 "2026-05-01", "--to", "2026-05-31", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"5 rows written to {out}"
    book = openpyxl.load_workbook(out)
    sheet = book["เยี่ยมบ้านและความช่วยเหลือ"]
    cells = list(sheet.iter_rows())
    assert [c.value for c in cells[0]] == HEADERS
    header = {c.value: c.column - 1 for c in cells[0]}
    closed_help, visit = cells[1], cells[2]
    assert visit[header["ประเภทรายการ"]].value == "เยี่ยมบ้าน"
    day = visit[header["วันที่"]]
    assert day.is_date and day.value == datetime(2026, 5, 20)
    assert visit[header["ติดตามผล"]].value == "ปลูกผักสวนครัว 10 ชนิด: สำเร็จ"
    money = closed_help[header["มูลค่า (บาท)"]]
    assert money.data_type == "n" and money.value == 3000
    assert closed_help[header["เรื่อง #"]].value == month["case"]
    formula = cells[4][header["บันทึก"]]
    assert formula.data_type == "s" and formula.value == "'" + '=HYPERLINK("http://x","y")'
    assert "42020000099" not in str([[c.value for c in row] for row in cells])
