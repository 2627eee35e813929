"""The `monthly` export: assistance and cases by agency, and each district's progress, for each
month of the range, after a month of scripted activity in เมืองเลย (and some in วังสะพุง, which a
district export must not count). The figures are checked against what was recorded."""
from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from handlers.exports import monthly
from handlers.exports.periods import Period, periods
from handlers.exports.table import Area
from models import AssistanceRecord, CaseClosure, GoalLevel, Household, Person, Role

from .case_fixtures import COORD_A, MENTOR
from .export_fixtures import ELSEWHERE, HERE, MAY_FIRST, MAY_LAST, Script, move, sheets_of
from .players import Player

DISTRICT = Area(province="เลย", district=HERE)
PROVINCE = Area(province="เลย")
MAY = (MAY_FIRST, "ทั้งเดือน")


def figures(db, area=DISTRICT, start=MAY_FIRST, end=MAY_LAST) -> dict[str, list[tuple]]:
    return sheets_of(db, monthly, area, start, end)


def by_key(rows: list[tuple], width: int) -> dict[tuple, tuple]:
    """The rows keyed by their first ``width`` columns (month, range, district[, agency])."""
    return {row[:width]: row[width:] for row in rows}


@pytest.fixture
def month(db, clock, line, fake_line):
    """April–June 2026 in เมืองเลย: households H1–H6 of an unregistered mentor and H7 of a
    registered one (who asks, in LINE, for it to leave the programme on 15 May: a coordinator
    confirms in LINE), and one household of วังสะพุง."""
    with db.transaction() as s:
        play = Script(s, clock)
        porn = play.person("นางสาวพร ดีงาม", phone="0810000002")
        wichai = play.person("นายวิชัย ทองดี", phone="0810000001", line_user_id=MENTOR)
        far = play.person("นายไกล บ้านไกล", phone="0810000009", district=ELSEWHERE)
        coordinator = play.person("นางสาวมาลี ศรีเลย", phone=None, role=Role.COORDINATOR,
                                  line_user_id=COORD_A)
        h = {n: play.household(porn, f"4201000000{n}", f"ครัวเรือนที่ {n}") for n in range(1, 6)}
        h[6] = play.household(porn, "42010000006", "ครัวเรือนที่ 6", created=date(2026, 5, 25))
        h[7] = play.household(wichai, "42010000007", "ครัวเรือนที่ 7")
        h[9] = play.household(far, "42020000009", "ครัวเรือนนอกเขต")

        play.goal(h[4], porn, GoalLevel.SURVIVE, date(2026, 4, 10))
        play.visit(h[4], porn, date(2026, 4, 20), next_due=date(2026, 5, 20))
        play.goal(h[2], porn, GoalLevel.SUSTAINABLE, date(2026, 4, 20))
        case_d = play.raise_case(h[4], porn, date(2026, 4, 28))
        play.acknowledge(case_d, coordinator, date(2026, 4, 29))
        play.help(h[1], porn, date(2026, 4, 30), agency="พช.อ.", value="700")
        play.goal(h[1], porn, GoalLevel.SURVIVE, date(2026, 5, 2))          # the first: no move
        play.close(case_d, coordinator, date(2026, 5, 2), closure=CaseClosure.HELPED)
        case_a = play.raise_case(h[1], porn, date(2026, 5, 3))
        play.acknowledge(case_a, coordinator, date(2026, 5, 4))
        play.visit(h[1], porn, date(2026, 5, 5), next_due=date(2026, 6, 4))
        play.help(h[1], porn, date(2026, 5, 5), agency="พช.อ.", value="3000")
        case_b = play.raise_case(h[2], porn, date(2026, 5, 5))
        play.refer(case_a, coordinator, "เกษตรอำเภอ", date(2026, 5, 6))
        case_e = play.raise_case(h[9], far, date(2026, 5, 6))
        play.close(case_b, coordinator, date(2026, 5, 8))              # taken and closed at once
        play.close(case_a, coordinator, date(2026, 5, 10), closure=CaseClosure.HELPED)
        play.visit(h[2], porn, date(2026, 5, 10), next_due=date(2026, 5, 25))
        play.help(h[2], porn, date(2026, 5, 10), agency="พช.อ.")       # no value given
        play.help(h[2], porn, date(2026, 5, 10), by_mentor=True, kind="supplies", value="500")
        play.visit(h[9], far, date(2026, 5, 12), next_due=date(2026, 6, 11))
        play.help(h[9], far, date(2026, 5, 12), agency="พช.อ.", value="999")
        play.help(h[3], porn, date(2026, 5, 12), typed="มูลนิธิเพื่อนบ้าน", value="1000")
        ids = {"h7": h[7].id, "e": case_e.id}

    # 15 May, in LINE: the mentor asks for H7 to leave (no longer poor); a coordinator confirms.
    move(clock, date(2026, 5, 15), 9)
    mentor = Player(line, fake_line, MENTOR, clock)
    mentor.say("บ้านที่ดูแล")
    mentor.tap_through("ออกจากโครงการ", "พ้นเกณฑ์", "ข้าม", "ยืนยัน")
    assert "ส่งคำขอถึง ศจพ.อ. แล้วค่ะ" in mentor.text
    move(clock, date(2026, 5, 15), 11)
    coordinator_player = Player(line, fake_line, COORD_A, clock)
    coordinator_player.say("เรื่องรอดำเนินการ")
    coordinator_player.tap("ยืนยัน")
    assert "ออกจากโครงการแล้วค่ะ" in coordinator_player.text

    with db.transaction() as s:
        play = Script(s, clock)
        porn, coordinator = s.get(Person, porn.id), s.get(Person, coordinator.id)
        h = {n: s.get(Household, household.id) for n, household in h.items()}
        play.visit(h[1], porn, date(2026, 5, 20), next_due=date(2026, 6, 19))
        play.help(h[1], porn, date(2026, 5, 20), agency="พช.อ.", value="2000")
        play.goal(h[1], porn, GoalLevel.SUFFICIENT, date(2026, 5, 20))      # up
        case_c = play.raise_case(h[3], porn, date(2026, 5, 20))
        play.goal(h[2], porn, GoalLevel.SUFFICIENT, date(2026, 5, 22))      # down
        case_f = play.raise_case(h[5], porn, date(2026, 5, 25))
        play.goal(h[4], porn, GoalLevel.SUFFICIENT, date(2026, 5, 31), 23)  # up, late on the 31st
        play.close(case_f, coordinator, date(2026, 5, 31), 23)             # still May in Bangkok
        # 00:30 on 1 June in Bangkok is 31 May in UTC: June's, not May's.
        play.acknowledge(case_c, coordinator, date(2026, 6, 1), 0, 30)
        play.goal(h[4], porn, GoalLevel.SUSTAINABLE, date(2026, 6, 1), 0)
        # Visited after the month: H4 again, H5 and H6 for the first time.
        play.visit(h[4], porn, date(2026, 6, 3), next_due=date(2026, 7, 3))
        play.visit(h[5], porn, date(2026, 6, 5), next_due=date(2026, 7, 5))
        play.visit(h[6], porn, date(2026, 6, 10), next_due=date(2026, 7, 10))
        ids.update(a=case_a.id, b=case_b.id, c=case_c.id, d=case_d.id, f=case_f.id)
    return ids


def test_assistance_by_agency_matches_the_records(db, month):
    sheet = figures(db)[monthly.ASSISTANCE_TITLE]
    assert by_key(sheet, 4) == {
        (*MAY, HERE, "พช.อ."): (2, 3, Decimal("5000.00")),       # H1 twice, H2 once (no value)
        (*MAY, HERE, "พี่เลี้ยง (ช่วยเอง)"): (1, 1, Decimal("500.00")),
        (*MAY, HERE, "มูลนิธิเพื่อนบ้าน"): (1, 1, Decimal("1000.00")),   # typed, as typed
    }
    # The totals are the records' own (of the district, dated in May).
    with db.transaction() as s:
        records, value = s.execute(
            select(func.count(), func.sum(AssistanceRecord.value_baht))
            .where(AssistanceRecord.district == HERE,
                   AssistanceRecord.given_on.between(MAY_FIRST, MAY_LAST))).one()
    assert sum(row[5] for row in sheet) == records == 5
    assert sum(row[6] for row in sheet) == Decimal(str(value)) == Decimal("6500")


def test_cases_by_agency_with_the_median_days_to_close(db, month):
    sheet = figures(db)[monthly.CASES_TITLE]
    assert by_key(sheet, 4) == {
        # B, C, F opened; B and F taken (C was taken at 00:30 on 1 June, Bangkok time);
        # B (3 days), D (4; opened in April) and F (6) closed, D with help.
        (*MAY, HERE, "พช.อ."): (3, 2, 0, 3, 1, 4.0),
        # A went to เกษตรอำเภอ: each step in May, closed with help after 7 days.
        (*MAY, HERE, "เกษตรอำเภอ"): (1, 1, 1, 1, 1, 7.0),
    }


def test_the_districts_month(db, month):
    [row] = figures(db)[monthly.DISTRICTS_TITLE]
    headers = [c.header for c in monthly.DISTRICT_COLUMNS]
    assert dict(zip(headers, row, strict=True)) == {
        "เดือน": MAY_FIRST, "ช่วงที่นับ": "ทั้งเดือน", "อำเภอ": HERE,
        "ครัวเรือนในโครงการ": 7,              # H1–H7 (H6 came on 25 May, H7 left on the 15th)
        "ครัวเรือนที่ได้รับการเยี่ยม": 2, "จำนวนการเยี่ยม": 3,   # H1 twice, H2
        # On 31 May: H2 (due 25 May), H3 (never visited, due 15 April), H4 (due 20 May by its
        # April visit, visited again only in June), H5 (first visited, late, in June); not H1,
        # not H6 (assigned 25 May), not H7 (left).
        "เลยกำหนดเยี่ยม ณ วันสุดท้าย": 4,
        "ออกจากโครงการ: พ้นเกณฑ์/พึ่งตนเองได้": 1, "ออกจากโครงการ: ย้ายออกนอกพื้นที่": 0,
        "ออกจากโครงการ: เสียชีวิต": 0, "ออกจากโครงการ: อื่น ๆ": 0,
        "ระดับสูงขึ้น": 2, "ระดับลดลง": 1,     # H1 and H4 up, H2 down; first levels are no move
    }


def test_a_district_export_leaves_other_districts_out_and_the_province_has_them(db, month):
    district = figures(db)
    assert ELSEWHERE not in str(district) and "999" not in str(district)
    province = figures(db, PROVINCE)
    assistance = by_key(province[monthly.ASSISTANCE_TITLE], 4)
    assert assistance[(*MAY, ELSEWHERE, "พช.อ.")] == (1, 1, Decimal("999.00"))
    assert assistance[(*MAY, HERE, "พช.อ.")] == (2, 3, Decimal("5000.00"))
    assert by_key(province[monthly.CASES_TITLE], 4)[(*MAY, ELSEWHERE, "พช.อ.")] == (
        1, 0, 0, 0, 0, None)
    districts = by_key(province[monthly.DISTRICTS_TITLE], 3)
    assert districts[(*MAY, ELSEWHERE)] == (1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
    assert districts[(*MAY, HERE)][:4] == (7, 2, 3, 4)


def test_a_range_over_two_months_counts_the_partial_month_by_its_days(db, month):
    sheets = figures(db, start=date(2026, 4, 15), end=MAY_LAST)
    april = (date(2026, 4, 1), "15–30 เม.ย. 2569")
    assert by_key(sheets[monthly.ASSISTANCE_TITLE], 4)[(*april, HERE, "พช.อ.")] == (
        1, 1, Decimal("700.00"))
    assert by_key(sheets[monthly.CASES_TITLE], 4)[(*april, HERE, "พช.อ.")] == (
        1, 1, 0, 0, 0, None)
    districts = by_key(sheets[monthly.DISTRICTS_TITLE], 3)
    # On 30 April: H1, H2, H5 (first visits later, due 15 April), H3, H7 (never visited):
    # overdue; H4 visited on the 20th.
    assert districts[(*april, HERE)] == (6, 1, 1, 5, 0, 0, 0, 0, 0, 0)
    assert districts[(*MAY, HERE)][:4] == (7, 2, 3, 4)
    # A later cut of May: the 31st's late closing and level move fall out.
    cut = figures(db, start=MAY_FIRST, end=date(2026, 5, 30))
    [(_, label, *_)] = cut[monthly.DISTRICTS_TITLE]
    assert label == "1–30 พ.ค. 2569"
    cases = by_key(cut[monthly.CASES_TITLE], 4)[(MAY_FIRST, label, HERE, "พช.อ.")]
    assert cases == (3, 1, 0, 2, 1, 3.5)            # B (3 days) and D (4)


def test_an_empty_range_gives_no_rows(db, month):
    sheets = figures(db, start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert sheets == {monthly.ASSISTANCE_TITLE: [], monthly.CASES_TITLE: [],
                      monthly.DISTRICTS_TITLE: []}
    nowhere = figures(db, Area(province="เลย", district="ไม่มีอำเภอนี้"))
    assert not any(nowhere.values())


def test_months_of_a_range():
    assert periods(date(2026, 5, 7), date(2026, 5, 7)) == [
        Period(date(2026, 5, 1), date(2026, 5, 7), date(2026, 5, 7))]
    assert periods(date(2026, 5, 2), date(2026, 5, 1)) == []
    spans = periods(date(2025, 12, 15), date(2026, 2, 28))
    assert [(p.month, p.label) for p in spans] == [
        (date(2025, 12, 1), "15–31 ธ.ค. 2568"), (date(2026, 1, 1), "ทั้งเดือน"),
        (date(2026, 2, 1), "ทั้งเดือน")]
    assert periods(date(2026, 5, 7), date(2026, 5, 7))[0].label == "7 พ.ค. 2569"
    assert monthly.median_days([3, 4]) == 3.5 and monthly.median_days([7]) == 7.0


def test_every_sheet_title_fits_a_workbook(db, month):
    with db.transaction() as s:
        export = monthly.build(s, DISTRICT, MAY_FIRST, MAY_LAST)
        assert all(len(sheet.title) <= 31 for sheet in export.sheets)
        for sheet in export.sheets:
            assert all(len(row) == len(sheet.columns) for row in sheet.rows)


def test_the_cli_writes_the_monthly_figures_as_xlsx_and_csv(runner, month, tmp_path):
    """`mentorbot export monthly`: one workbook sheet per table (then the export's own), the
    figures typed; as CSV, one file per table."""
    out = tmp_path / "monthly.xlsx"
    args = ["export", "monthly", "--district", "เมืองเลย", "--from", "2026-05-01", "--to",
            "2026-05-31"]
    result = runner.invoke(args=[*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"6 rows written to {out}"      # 3 agencies, 2, 1 district
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:3] == [monthly.ASSISTANCE_TITLE, monthly.CASES_TITLE,
                                   monthly.DISTRICTS_TITLE]
    rows = list(book[monthly.DISTRICTS_TITLE].iter_rows())
    assert [c.value for c in rows[0]] == [c.header for c in monthly.DISTRICT_COLUMNS]
    month_cell, *_ = rows[1]
    assert month_cell.is_date and month_cell.value == datetime(2026, 5, 1)
    assert [c.value for c in rows[1][3:7]] == [7, 2, 3, 4]
    assistance = {tuple(c.value for c in row[:4]): row for row in
                  book[monthly.ASSISTANCE_TITLE].iter_rows(min_row=2)}
    value = assistance[(datetime(2026, 5, 1), "ทั้งเดือน", HERE, "พช.อ.")][6]
    assert value.data_type == "n" and value.value == 5000

    result = runner.invoke(args=[*args, "-o", str(tmp_path / "monthly.csv")])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in tmp_path.glob("monthly*.csv"))
    assert len(files) == 3
    with open(tmp_path / "monthly.csv", encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == [c.header for c in monthly.ASSISTANCE_COLUMNS] and len(table) == 4
    assert ["2026-05-01", "ทั้งเดือน", HERE, "พช.อ.", "2", "3", "5000.00"] in table
