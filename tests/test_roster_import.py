"""`mentorbot import roster`: reading, validating and applying a district roster (both DBs)."""
from __future__ import annotations

import logging
from datetime import timedelta

from openpyxl import Workbook
from sqlalchemy import event, func, select

from handlers.invites import create_coordinator
from models import Assignment, Household, HouseholdDimension, Person, RegistrationCode, Role

# /work/shared/samples/roster_sample.csv, verbatim (synthetic people), so the tests stand alone.
SAMPLE_CSV = """\
house_id,head_name,house_no,village_no,village_name,subdistrict,district,province,members,dimensions,mentor_name,mentor_position,mentor_agency,mentor_phone
42010000011,นางสมศรี ใจดี,12,3,บ้านนาโป่ง,นาโป่ง,เมืองเลย,เลย,4,income|health,นายวิชัย ทองดี,นักวิชาการพัฒนาชุมชน,สำนักงานพัฒนาชุมชนอำเภอเมืองเลย,0810000001
42010000022,นายบุญมี ศรีสุข,45/1,7,บ้านกกดู่,นาดินดำ,เมืองเลย,เลย,2,income|living,นางสาวพรทิพย์ แก้วมณี,พยาบาลวิชาชีพ,โรงพยาบาลเลย,0810000002
42010000033,นางคำปุน แสนคำ,8,2,บ้านศรีสองรัก,ศรีสองรัก,เมืองเลย,เลย,5,income|education,นายอนุชา พรหมมา,ครู,โรงเรียนบ้านศรีสองรัก,0810000003
42090000014,นายสมพงษ์ มีสุข,101,5,บ้านผาน้อย,ผาน้อย,วังสะพุง,เลย,3,income,นางวันเพ็ญ ศรีวงศ์,เจ้าพนักงานปกครอง,ที่ว่าการอำเภอวังสะพุง,0810000004
42090000025,นางหนูพิน บุญมา,66,9,บ้านหนองงิ้ว,หนองงิ้ว,วังสะพุง,เลย,6,income|living|access,นายประเสริฐ คำภู,นักวิชาการเกษตร,สำนักงานเกษตรอำเภอวังสะพุง,0810000005
42030000016,นายทองใบ จันทร์เพ็ง,23,1,บ้านเชียงคาน,เชียงคาน,เชียงคาน,เลย,1,income|health|access,นางสาวกมลวรรณ ศรีเมือง,นักพัฒนาสังคม,สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเลย,0810000006
42050000017,นางบัวลี สีดา,14,4,บ้านนาหอ,ด่านซ้าย,ด่านซ้าย,เลย,4,income|education,นายสุริยา พันธ์ดี,ครู,โรงเรียนด่านซ้าย,0810000007
42050000028,นายเสาร์ แก้วดี,77,6,บ้านโคกงาม,โคกงาม,ด่านซ้าย,เลย,3,income,นายสุริยา พันธ์ดี,ครู,โรงเรียนด่านซ้าย,0810000007
"""
HEADER = SAMPLE_CSV.splitlines()[0]


def write_roster(tmp_path, text, name="roster.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def import_roster(runner, path):
    return runner.invoke(args=["import", "roster", str(path)])


def count(db, model, *where) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def household(session, house_id) -> Household:
    return session.scalars(select(Household).where(Household.house_id == house_id)).one()


def current_mentor(session, house_id) -> Person:
    return session.scalars(select(Assignment).join(Assignment.household).where(
        Household.house_id == house_id, Assignment.ended_at.is_(None))).one().mentor


def test_sample_imports_households_mentors_assignments_and_codes(runner, db, tmp_path, clock,
                                                                  caplog):
    caplog.set_level(logging.INFO)
    result = import_roster(runner, write_roster(tmp_path, SAMPLE_CSV))

    assert result.exit_code == 0, result.output
    assert "households: 8 created, 0 updated, 0 unchanged" in result.stdout
    assert "mentors: 7 created, 0 updated, 0 unchanged" in result.stdout
    assert "assignments: 8 created, 0 ended" in result.stdout
    assert "registration codes issued: 7" in result.stdout
    with db.transaction() as s:
        first = household(s, "42010000011")
        assert (first.head_name, first.house_no, first.village_no, first.members) == (
            "นางสมศรี ใจดี", "12", "3", 4)
        assert first.dimensions == ["health", "income"]
        assert (first.district, first.province) == ("เมืองเลย", "เลย")
        mentor = current_mentor(s, "42050000028")
        assert mentor is not None and current_mentor(s, "42050000017").id == mentor.id
        assert (mentor.role, mentor.phone, mentor.district, mentor.position) == (
            Role.MENTOR, "0810000007", "ด่านซ้าย", "ครู")
        assert {a.assigned_at for a in s.scalars(select(Assignment))} == {clock.now}
        codes = s.scalars(select(RegistrationCode)).all()
    assert len({c.person_id for c in codes}) == 7
    assert {c.expires_at for c in codes} == {clock.now + timedelta(days=14)}
    assert count(db, HouseholdDimension) == 16
    # Logs carry counts only: no names, no phone numbers.
    assert "0810000001" not in caplog.text and "วิชัย" not in caplog.text


def test_reimport_is_idempotent(runner, db, tmp_path):
    path = write_roster(tmp_path, SAMPLE_CSV)
    assert import_roster(runner, path).exit_code == 0
    result = import_roster(runner, path)

    assert result.exit_code == 0, result.output
    assert "households: 0 created, 0 updated, 8 unchanged" in result.stdout
    assert "mentors: 0 created, 0 updated, 7 unchanged" in result.stdout
    assert "assignments: 0 created, 0 ended" in result.stdout
    assert "registration codes issued: 0" in result.stdout
    assert count(db, Assignment) == 8
    assert count(db, RegistrationCode) == 7
    assert count(db, HouseholdDimension) == 16


def test_changed_mentor_ends_the_old_assignment(runner, db, tmp_path, clock):
    assert import_roster(runner, write_roster(tmp_path, SAMPLE_CSV)).exit_code == 0
    old_mentor = "นายวิชัย ทองดี,นักวิชาการพัฒนาชุมชน,สำนักงานพัฒนาชุมชนอำเภอเมืองเลย,0810000001"
    changed = (SAMPLE_CSV
               .replace(old_mentor, "นางใหม่ ทดลอง,ครู,โรงเรียนบ้านนาโป่ง,0810000099")
               .replace("เลย,2,income|living,", "เลย,3,living,"))
    clock.advance(days=1)
    result = import_roster(runner, write_roster(tmp_path, changed, "changed.csv"))

    assert result.exit_code == 0, result.output
    assert "households: 0 created, 1 updated, 7 unchanged" in result.stdout
    assert "mentors: 1 created, 0 updated, 6 unchanged" in result.stdout
    assert "assignments: 1 created, 1 ended" in result.stdout
    assert "registration codes issued: 1" in result.stdout
    with db.transaction() as s:
        history = s.scalars(select(Assignment).join(Assignment.household).where(
            Household.house_id == "42010000011").order_by(Assignment.id)).all()
        assert [(a.mentor.phone, a.ended_at) for a in history] == [
            ("0810000001", clock.now), ("0810000099", None)]
        updated = household(s, "42010000022")
        assert (updated.members, updated.dimensions) == (3, ["living"])


def test_thai_headers_thai_digits_bom_and_stray_spaces(runner, db, tmp_path):
    text = (" รหัสบ้าน ,ชื่อหัวหน้าครัวเรือน,หมายเหตุ,อำเภอ,จังหวัด, จำนวนสมาชิก,มิติที่มีปัญหา,"
            "ชื่อข้าราชการพี่เลี้ยง,เบอร์โทร\n"
            "๔๒๐๑-๐๐๐๐-๐๑๑,  นางสมศรี   ใจดี ,ไม่มี,เมืองเลย ,เลย,๔,\"รายได้, ด้านสุขภาพ\","
            "นายวิชัย ทองดี,+66 81-000-000๑\n")
    result = import_roster(runner, write_roster(tmp_path, text, encoding="utf-8-sig"))

    assert result.exit_code == 0, result.output
    with db.transaction() as s:
        home = household(s, "42010000011")
        assert (home.head_name, home.district, home.members, home.house_no) == (
            "นางสมศรี ใจดี", "เมืองเลย", 4, None)
        assert home.dimensions == ["health", "income"]
        assert current_mentor(s, "42010000011").phone == "0810000001"


def test_xlsx_roster_with_numeric_cells(runner, db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    # Excel keeps codes and phones as numbers: the phone loses its leading zero.
    sheet.append([42010000011, "นางสมศรี ใจดี", 12, 3, "บ้านนาโป่ง", "นาโป่ง", "เมืองเลย", "เลย",
                  4, "income|health", "นายวิชัย ทองดี", "ครู", "โรงเรียน", 810000001])
    sheet.append([None] * 3)
    sheet.append(["42010000022", "นายบุญมี ศรีสุข", None, None, None, None, "เมืองเลย", "เลย",
                  2.0, "living", "นายวิชัย ทองดี", "ครู", "โรงเรียน", "0810000001"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    result = import_roster(runner, path)

    assert result.exit_code == 0, result.output
    assert "households: 2 created" in result.stdout
    assert "mentors: 1 created" in result.stdout
    with db.transaction() as s:
        home = household(s, "42010000011")
        assert (home.house_no, home.village_no, home.members) == ("12", "3", 4)
        assert current_mentor(s, "42010000022").phone == "0810000001"
        assert household(s, "42010000022").members == 2


def test_bad_rows_change_nothing_and_every_one_is_listed(runner, db, tmp_path):
    good = SAMPLE_CSV.splitlines()[1]
    rows = [
        good,                                                                    # line 2: fine
        good.replace("42010000011", "4201"),                                     # line 3
        SAMPLE_CSV.splitlines()[2].replace("income|living", "income|wealth"),    # line 4
        SAMPLE_CSV.splitlines()[3].replace(",5,income", ",0,income")
        .replace("0810000003", "12345"),                                         # line 5, twice
        SAMPLE_CSV.splitlines()[4].replace("นางวันเพ็ญ ศรีวงศ์", ""),                 # line 6
        good.replace("นางสมศรี", "นางสมใจ"),                                      # line 7
        SAMPLE_CSV.splitlines()[5].replace("นายประเสริฐ คำภู", "นายอื่น ๆ")
        .replace("0810000005", "0810000001"),                                    # line 8
    ]
    result = import_roster(runner, write_roster(tmp_path, "\n".join([HEADER, *rows]) + "\n"))

    assert result.exit_code == 1
    expected = [
        "line 3: house_id '4201' is not 11 digits",
        "line 4: dimensions 'income|wealth' has unknown dimension(s) wealth",
        "line 5: members '0' is not a whole number of at least 1",
        "line 5: mentor_phone '12345' is not a phone number",
        "line 6: mentor_name is empty",
        "line 7: house_id '42010000011' is also on line 2",
        "line 8: mentor_phone '0810000001' belongs to 'นายอื่น ๆ' here "
        "but to 'นายวิชัย ทองดี' on line 2",
    ]
    for message in expected:
        assert message in result.stderr
    assert "line 2:" not in result.stderr
    assert "7 error(s); no changes made" in result.stderr
    assert result.stdout == ""
    assert count(db, Household) == 0 and count(db, Person) == 0


def test_missing_required_column_is_one_clear_error(runner, db, tmp_path):
    header = HEADER.replace(",district", "").replace(",mentor_phone", "")
    result = import_roster(runner, write_roster(tmp_path, header + "\n"))

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 1: missing required column(s): district (อำเภอ), mentor_phone (เบอร์โทร)",
        "1 error(s); no changes made"]
    assert count(db, Household) == 0


def test_missing_or_undecodable_file_exits_2(runner, db, tmp_path):
    missing = import_roster(runner, tmp_path / "nope.csv")
    thai_windows = import_roster(runner, write_roster(tmp_path, SAMPLE_CSV, encoding="cp874"))

    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert thai_windows.exit_code == 2 and "not UTF-8" in thai_windows.stderr
    assert count(db, Household) == 0


def test_a_coordinators_phone_cannot_be_a_mentors(runner, db, tmp_path, clock):
    with db.transaction() as s:
        create_coordinator(s, "นางสาวสมหญิง ใจงาม", "วังสะพุง", "เลย", "0810000004", clock.now, 14,
                           force=True)   # before the roster: no household yet
    result = import_roster(runner, write_roster(tmp_path, SAMPLE_CSV))

    assert result.exit_code == 1
    assert "line 5: mentor_phone '0810000004' belongs to a district coordinator" in result.stderr
    assert count(db, Household) == 0
    assert count(db, Person, Person.role == Role.MENTOR) == 0


def test_large_roster_is_written_in_bulk_with_progress(runner, db, tmp_path):
    lines = [HEADER] + [
        f"4201{n:07d},หัวหน้า {n},1,1,บ้าน,ตำบล,เมืองเลย,เลย,3,income,พี่เลี้ยง {n // 2},ครู,"
        f"โรงเรียน,08{n // 2:08d}" for n in range(2500)]
    path = write_roster(tmp_path, "\n".join(lines) + "\n")
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    first = import_roster(runner, path)
    first_count = len(statements)
    again = import_roster(runner, path)

    assert first.exit_code == 0, first.output
    assert "households: 2500 created" in first.stdout and "mentors: 1250 created" in first.stdout
    assert "imported 1000/2500 rows" in first.stderr and "imported 2500/2500 rows" in first.stderr
    assert "households: 0 created, 0 updated, 2500 unchanged" in again.stdout
    # Chunked IN queries and executemany: a query per row would be thousands of statements.
    assert first_count < 60 and len(statements) - first_count < 60
