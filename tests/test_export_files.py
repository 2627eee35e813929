"""Exports: the files (XLSX and CSV), the area and who may have it, the audit trail, the
and the province officer (`invite province`, registering in LINE).

The fixture clock is 7 May 2026 (10:00 in Bangkok)."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from handlers.exports import plans as plans_kind
from handlers.exports import writers
from handlers.exports.access import AreaError, allowed, resolve_area
from handlers.exports.table import Area, Column, Export, Kind, Sheet
from handlers.exports.writers import DATE_FORMAT, META_SHEET, write_csv, write_xlsx
from models import (
    ExportRecord,
    Household,
    Person,
    Role,
)

from .export_area import (  # the shared area: its fixture, area_data, is in conftest
    COORD_PHONE,
    INJECTION,
    MAY,
    OFFICER_LINE,
    OTHER_COORD_PHONE,
    PROVINCE_PHONE,
    TZ,
    export,
)
from .line_events import text_event


def _open(path):
    return openpyxl.load_workbook(path)


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_plans_xlsx_opens_with_headers_frozen_filtered_dates_and_numbers(
        runner, area_data, tmp_path):
    out = tmp_path / "plans.xlsx"
    result = export(runner, "plans", "--district", "เมืองเลย", *MAY, "-o", str(out))

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"3 rows written to {out}"
    book = _open(out)
    assert book.sheetnames == ["แผนพัฒนาครัวเรือน", META_SHEET]
    ws = book["แผนพัฒนาครัวเรือน"]
    assert [c.value for c in ws[1]] == [c.header for c in plans_kind.COLUMNS]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:U{ws.max_row}" and ws.max_row == 4
    assert ws.column_dimensions["K"].width == pytest.approx(40, abs=1)
    header = {c.value: c.column - 1 for c in ws[1]}
    row = [c for c in ws[2]]
    start = row[header["เดือนที่เริ่ม"]]
    assert start.is_date and start.number_format == DATE_FORMAT
    assert start.value == datetime(2026, 4, 1)
    number = row[header["กิจกรรมที่"]]
    assert number.data_type == "n" and number.value == 1
    # Typed text that looks like a formula stays text, with its apostrophe.
    action = row[header["สิ่งที่ครัวเรือนทำเอง"]]
    assert action.data_type == "s" and action.value == "'" + INJECTION
    assert ws.cell(3, header["สิ่งที่ครัวเรือนทำเอง"] + 1).value == "'@x ออกกำลังกาย"
    assert ws.cell(3, header["พี่เลี้ยง/หน่วยงานสนับสนุน"] + 1).value == "'+1 รพ.สต."
    assert ws.cell(2, header["เป้าหมายสูงสุดของครัวเรือน"] + 1).value == "'-1 ลดรายจ่าย"
    with zipfile.ZipFile(out) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml and "hyperlink" not in sheet_xml

    meta = dict((label, value) for label, value in _rows(book[META_SHEET]))
    assert meta["ข้อมูลที่ส่งออก"] == "แผนพัฒนาคุณภาพชีวิตครัวเรือน"
    assert meta["พื้นที่"] == "อำเภอเมืองเลย จังหวัดเลย"
    assert meta["ช่วงวันที่"] == "1 พ.ค. 2569 – 31 พ.ค. 2569"
    assert meta["ส่งออกเมื่อ"] == "7 พ.ค. 2569 เวลา 10:00 น."
    assert meta["ส่งออกโดย"].endswith("(ผู้ดูแลระบบ)")
    assert meta["จำนวนแถว"] == 3


def test_plans_csv_has_a_bom_one_header_row_and_safe_text(runner, area_data, tmp_path):
    out = tmp_path / "plans.csv"
    result = export(runner, "plans", "--district", "อำเภอเมืองเลย", *MAY, "-o", str(out))

    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in plans_kind.COLUMNS] and len(rows) == 4
    header = {name: i for i, name in enumerate(rows[0])}
    assert rows[1][header["สิ่งที่ครัวเรือนทำเอง"]] == "'" + INJECTION
    assert rows[2][header["สิ่งที่ครัวเรือนทำเอง"]] == "'@x ออกกำลังกาย"
    assert rows[2][header["พี่เลี้ยง/หน่วยงานสนับสนุน"]] == "'+1 รพ.สต."
    assert rows[1][header["เดือนที่เริ่ม"]] == "2026-04-01"   # ISO: a real date anywhere
    assert rows[1][header["กิจกรรมที่"]] == "1"


def _sample(rows) -> Export:
    columns = (Column("ข้อความ"), Column("วันที่", Kind.DATE), Column("จำนวน", Kind.INT),
               Column("มูลค่า (บาท)", Kind.MONEY), Column("ค่ากลาง", Kind.NUMBER))
    return Export(kind="test", title="ทดสอบ", area=Area("เลย", "เมืองเลย"),
                  start=date(2026, 5, 1), end=date(2026, 5, 31),
                  sheets=[Sheet("หลัก", columns, rows, empty_note="ไม่มีข้อมูล"),
                          Sheet("สอง", columns[:2], iter([("-", date(2026, 5, 2))]))])


MADE_AT = datetime(2026, 5, 7, 10, 0, tzinfo=TZ)


def test_an_empty_sheet_gets_headers_and_its_note_and_csv_headers_only(tmp_path):
    xlsx, csv_file = tmp_path / "e.xlsx", tmp_path / "e.csv"
    assert write_xlsx(_sample(iter([])), xlsx, made_by="ทดสอบ", made_at=MADE_AT) == 1
    ws = _open(xlsx)["หลัก"]
    assert _rows(ws) == [["ข้อความ", "วันที่", "จำนวน", "มูลค่า (บาท)", "ค่ากลาง"],
                         ["ไม่มีข้อมูล", None, None, None, None]]
    assert ws.auto_filter.ref == "A1:E2" and ws.freeze_panes == "A2"

    assert write_csv(_sample(iter([])), csv_file, made_by="ทดสอบ", made_at=MADE_AT) == 1
    assert csv_file.read_text("utf-8-sig").splitlines() == [
        "ข้อความ,วันที่,จำนวน,มูลค่า (บาท),ค่ากลาง"]
    # Each further sheet is a file of its own beside the first.
    assert (tmp_path / "e-สอง.csv").read_text("utf-8-sig").splitlines() == [
        "ข้อความ,วันที่", "'-,2026-05-02"]


def test_numbers_money_and_dangerous_starts_in_both_formats(tmp_path):
    rows = [("=1+1", date(2026, 5, 3), 7, Decimal("1234.5"), 2.5),
            ("\tแท็บ", None, None, None, None), ("\rซีอาร์", None, 0, Decimal("0"), None),
            ("ปกติ -1", None, None, None, None)]
    xlsx, csv_file = tmp_path / "n.xlsx", tmp_path / "n.csv"
    seen: list[int] = []
    assert write_xlsx(_sample(iter(rows)), xlsx, made_by="ทดสอบ", made_at=MADE_AT,
                      progress=seen.append) == 5
    assert seen[-1] == 5
    book = _open(xlsx)
    ws = book["หลัก"]
    assert [c.value for c in ws[2]] == ["'=1+1", datetime(2026, 5, 3), 7, 1234.5, 2.5]
    assert ws["D2"].number_format == "#,##0.00" and ws["C2"].data_type == "n"
    # (A CR is stored escaped, _x000D_, as XML requires; Excel reads it back as a CR.)
    assert ws["A3"].value == "'\tแท็บ" and ws["A4"].value in ("'\rซีอาร์", "'_x000D_ซีอาร์")
    assert ws["A5"].value == "ปกติ -1"
    meta = dict(_rows(book[META_SHEET]))
    assert meta["จำนวนแถว"] == 5 and meta["จำนวนแถว: หลัก"] == 4

    write_csv(_sample(iter(rows)), csv_file, made_by="ทดสอบ", made_at=MADE_AT)
    with open(csv_file, encoding="utf-8-sig", newline="") as handle:
        parsed = list(csv.reader(handle))
    assert parsed[1] == ["'=1+1", "2026-05-03", "7", "1234.50", "2.5"]
    assert parsed[2][0] == "'\tแท็บ" and parsed[3][0] == "'\rซีอาร์"


# -- areas and rights -----------------------------------------------------------------------
def test_unknown_district_or_province_is_one_line_listing_those_that_exist(
        runner, area_data, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.xlsx"
    result = export(runner, "mentors", "--district", "เมืองลอย", *MAY, "-o", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "เมืองลอย" in line and "เมืองเลย (เลย)" in line and "วังสะพุง (เลย)" in line
    result = export(runner, "mentors", "--province", "ลอย", *MAY, "-o", str(out))
    assert result.exit_code == 1 and "known: เลย" in result.stderr
    assert list(folder.iterdir()) == []   # no file, no temporary left behind


def test_usage_errors_exit_2(runner, area_data, tmp_path):
    out = str(tmp_path / "x.xlsx")
    after = export(runner, "mentors", "--district", "เมืองเลย", "--from", "2026-06-01",
                   "--to", "2026-05-31", "-o", out)
    assert after.exit_code == 2 and "after" in after.stderr
    assert export(runner, "mentors", *MAY, "-o", out).exit_code == 2
    assert export(runner, "mentors", "--district", "เมืองเลย", "--from", "1/5/2569",
                  "--to", "2026-05-31", "-o", out).exit_code == 2


def test_resolve_area(db, area_data):
    with db.transaction() as s:
        assert resolve_area(s, district="อ.วังสะพุง") == Area("เลย", "วังสะพุง")
        assert resolve_area(s, province="จังหวัดเลย") == Area("เลย")
        assert resolve_area(s, district="เมืองเลย", province="เลย") == Area("เลย", "เมืองเลย")
        with pytest.raises(AreaError, match="known: เมืองเลย, วังสะพุง"):
            resolve_area(s, district="ด่านซ้าย", province="เลย")
        mentor = s.get(Person, area_data["vichai"])
        s.add(Household(house_id="39010000010", head_name="ทดสอบ", district="วังสะพุง",
                        province="หนองบัวลำภู", members=1))
        s.flush()
        with pytest.raises(AreaError, match="หนองบัวลำภู, เลย|เลย, หนองบัวลำภู"):
            resolve_area(s, district="วังสะพุง")
        assert resolve_area(s, district="วังสะพุง", province="เลย") == Area("เลย", "วังสะพุง")
        assert not allowed(mentor, Area("เลย", "เมืองเลย"))


def test_rights_coordinator_own_district_province_officer_province(runner, area_data, db,
                                                                     tmp_path):
    out = tmp_path / "m.xlsx"

    def as_(phone, *area):
        return export(runner, "mentors", *area, *MAY, "-o", str(out), "--as", phone)

    refused = as_(OTHER_COORD_PHONE, "--district", "เมืองเลย")
    assert refused.exit_code == 1 and "ไม่มีสิทธิ์" in refused.stderr and not out.exists()
    assert as_(COORD_PHONE, "--province", "เลย").exit_code == 1       # not the whole province
    assert as_("0810000001", "--district", "เมืองเลย").exit_code == 1  # a mentor: nothing
    assert as_("0899999999", "--district", "เมืองเลย").exit_code == 1  # nobody
    with db.transaction() as s:
        assert s.scalars(select(ExportRecord)).all() == []

    assert as_(COORD_PHONE, "--district", "เมืองเลย").exit_code == 0
    assert dict(_rows(_open(out)[META_SHEET]))["ส่งออกโดย"] == (
        "นางสาวมาลี ศรีเลย (ผู้ประสานงาน ศจพ.อ.เมืองเลย)")
    assert as_(PROVINCE_PHONE, "--district", "วังสะพุง").exit_code == 0
    assert as_(PROVINCE_PHONE, "--province", "เลย").exit_code == 0
    with db.transaction() as s:
        coordinator = s.scalar(select(Person).where(Person.phone == COORD_PHONE))
        officer = s.scalar(select(Person).where(Person.phone == PROVINCE_PHONE))
        records = s.scalars(select(ExportRecord).order_by(ExportRecord.id)).all()
        assert [(r.person_id, r.district, r.rows) for r in records] == [
            (coordinator.id, "เมืองเลย", 2), (officer.id, "วังสะพุง", 1), (officer.id, None, 3)]


def test_every_export_is_recorded(runner, area_data, db, clock, tmp_path):
    runs = [("plans", "xlsx", "--district", "เมืองเลย"), ("plans", "csv", "--province", "เลย"),
            ("mentors", "csv", "--district", "วังสะพุง")]
    for kind, file_format, *area in runs:
        result = export(runner, kind, *area, *MAY, "--format", file_format,
                        "-o", str(tmp_path / f"{kind}-{file_format}.out"))
        assert result.exit_code == 0, result.output
    with db.transaction() as s:
        records = s.scalars(select(ExportRecord).order_by(ExportRecord.id)).all()
    assert [(r.kind, r.file_format, r.province, r.district, r.start, r.end, r.rows)
            for r in records] == [
        ("plans", "xlsx", "เลย", "เมืองเลย", date(2026, 5, 1), date(2026, 5, 31), 3),
        ("plans", "csv", "เลย", None, date(2026, 5, 1), date(2026, 5, 31), 4),
        ("mentors", "csv", "เลย", "วังสะพุง", date(2026, 5, 1), date(2026, 5, 31), 1)]
    assert all(r.person_id is None and r.actor and r.created_at == clock.now for r in records)
    assert (tmp_path / "plans-csv.out").read_bytes().startswith(b"\xef\xbb\xbf")


# -- the kinds' content ---------------------------------------------------------------------
def test_invite_province_prints_a_code_and_the_officer_registers(runner, db, area_data, line,
                                                                  fake_line, clock):
    refused = runner.invoke(args=["invite", "province", "--name", "นายสมชาย ใจดี",
                                  "--province", "ลอย"])
    assert refused.exit_code == 1 and "no household in province" in refused.stderr
    result = runner.invoke(args=["invite", "province", "--name", "นายสมชาย ใจดี",
                                 "--province", "จังหวัดเลย", "--phone", "0891234567"])
    assert result.exit_code == 0, result.output
    code, name, role, area, expires = result.stdout.strip().split("\t")
    assert (name, role, area, expires) == ("นายสมชาย ใจดี", "เจ้าหน้าที่ ศจพ.จ.", "จังหวัดเลย",
                                           "21 พ.ค. 2569")
    assert code in runner.invoke(args=["invite", "list"]).stdout
    with db.transaction() as s:
        officer = s.scalar(select(Person).where(Person.phone == "0891234567"))
        assert (officer.role, officer.province, officer.district) == (Role.PROVINCE, "เลย", "")

    line.post(text_event(OFFICER_LINE, code))
    greeting = fake_line.sent_messages(OFFICER_LINE)[-1]["text"]
    assert "ยินดีต้อนรับ นายสมชาย ใจดี ค่ะ" in greeting
    assert "ลงทะเบียนเป็นเจ้าหน้าที่ ศจพ.จ.เลย เรียบร้อยแล้วค่ะ" in greeting
    for typed in ("เมนู", "สวัสดี", "บ้านที่ดูแล", "สรุปอำเภอ"):
        assert line.post(text_event(OFFICER_LINE, typed)).status_code == 200
        reply = fake_line.sent_messages(OFFICER_LINE)[-1]
        # The province officer's chat offers the dashboard, nothing of a district's.
        assert [i["action"]["label"] for i in reply["quickReply"]["items"]] == ["แดชบอร์ด"]
    with db.transaction() as s:
        assert s.get(Person, officer.id).line_user_id == OFFICER_LINE
    # Registered now: the same phone cannot be invited again, nor by another role.
    again = runner.invoke(args=["invite", "province", "--name", "x", "--province", "เลย",
                                "--phone", "0891234567"])
    assert again.exit_code == 1 and "already registered" in again.stderr
    as_coordinator = runner.invoke(args=["invite", "coordinator", "--name", "x", "--district",
                                         "เมืองเลย", "--phone", "0891234567"])
    assert as_coordinator.exit_code == 1
    # And their rights: the province.
    with db.transaction() as s:
        officer = s.get(Person, officer.id)
        assert allowed(officer, Area("เลย")) and allowed(officer, Area("เลย", "วังสะพุง"))
        assert not allowed(officer, Area("หนองคาย"))


def test_a_sheet_longer_than_excel_allows_goes_on_in_continuation_sheets(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 3)   # the header and two rows per worksheet
    rows = [(f"แถว {n}", None, n, None, None) for n in range(1, 6)]
    assert write_xlsx(_sample(iter(rows)), tmp_path / "long.xlsx", made_by="ทดสอบ",
                      made_at=MADE_AT) == 6
    book = _open(tmp_path / "long.xlsx")
    assert book.sheetnames == ["หลัก", "หลัก (2)", "หลัก (3)", "สอง", META_SHEET]
    assert [_rows(book[name])[1:] for name in book.sheetnames[:3]] == [
        [["แถว 1", None, 1, None, None], ["แถว 2", None, 2, None, None]],
        [["แถว 3", None, 3, None, None], ["แถว 4", None, 4, None, None]],
        [["แถว 5", None, 5, None, None]]]
    assert all(book[name]["A1"].value == "ข้อความ" and book[name].freeze_panes == "A2"
               for name in book.sheetnames[:3])
    assert book["หลัก (3)"].auto_filter.ref == "A1:E2"
    assert dict(_rows(book[META_SHEET]))["จำนวนแถว: หลัก"] == 5
