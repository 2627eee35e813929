"""Exports and the audit trail (issue 13): every export leaves a record with its filter and
row count; a coordinator exports their district's trail, the province officer their
province's, from the CLI (`mentorbot export audit`) and from the dashboard."""
from __future__ import annotations

import csv
import inspect
import io
from datetime import datetime, timedelta

import openpyxl
from sqlalchemy import select

from bot.dashboard.export_views import RUNNER_KEY
from handlers import audit
from handlers.audit import Actor, Area
from handlers.exports import audit_trail
from handlers.exports.writers import DATETIME_FORMAT
from models import (
    AuditAction,
    AuditChannel,
    AuditEvent,
    ExportRecord,
    Household,
    Person,
    Role,
)

from . import factories
from .dashboard_helpers import COORD, link_from_chat, path_of, player
from .export_area import (
    COORD_PHONE,
    MAY,
    OTHER_COORD_PHONE,
    PROVINCE_PHONE,
    export,
)

HEADERS = [c.header for c in audit_trail.COLUMNS]


def exports_in_trail(db) -> list[AuditEvent]:
    with db.transaction() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
                              .order_by(AuditEvent.id)))


def test_an_export_is_recorded_with_its_filter_and_row_count(runner, area_data, db, tmp_path):
    out = tmp_path / "plans.csv"
    result = export(runner, "plans", "--district", "เมืองเลย", *MAY, "-o", str(out),
                    "--as", COORD_PHONE)
    assert result.exit_code == 0, result.output
    assert export(runner, "mentors", "--province", "เลย", *MAY, "-o",
                  str(tmp_path / "m.xlsx")).exit_code == 0          # the operator's
    with db.transaction() as s:
        coordinator = s.scalar(select(Person).where(Person.phone == COORD_PHONE))
        first, second = s.scalars(select(ExportRecord).order_by(ExportRecord.id)).all()
    by_coordinator, by_operator = exports_in_trail(db)
    assert (by_coordinator.channel, by_coordinator.actor_id, by_coordinator.actor_role,
            by_coordinator.subject, by_coordinator.province, by_coordinator.district,
            by_coordinator.household_id) == (AuditChannel.EXPORT, coordinator.id,
                                             "coordinator", "plans", "เลย", "เมืองเลย", None)
    assert by_coordinator.detail == {"format": "csv", "rows": 3, "start": "2026-05-01",
                                     "end": "2026-05-31", "export_record_id": first.id}
    assert result.stdout.startswith("3 rows")
    assert (by_operator.channel, by_operator.actor_id, by_operator.actor_role,
            by_operator.subject, by_operator.district) == (AuditChannel.EXPORT, None, None,
                                                           "mentors", None)
    assert by_operator.detail["export_record_id"] == second.id
    assert by_operator.detail["rows"] == second.rows == 3   # three mentors in เลย


def _trail_world(db, clock, ids) -> dict:
    """Records in both districts of เลย, one of the province as a whole, one of another
    province and one before the range; a household and a person erased since."""
    now = clock.now
    with db.transaction() as s:
        vichai = s.get(Person, ids["vichai"])
        first, second = s.get(Household, ids["first"]), s.get(Household, ids["second"])
        away = s.scalar(select(Household).where(Household.house_id == "42050000016"))
        somai = s.scalar(select(Person).where(Person.name == "นายสมัย วังดี"))
        officer = s.scalar(select(Person).where(Person.phone == PROVINCE_PHONE))
        gone = factories.person(s, name="นางลบ แล้ว", phone="0810000077")
        chat = Actor.of(vichai, AuditChannel.CHAT)
        audit.record(s, chat, AuditAction.VIEW, "household", now, household=first)
        audit.record(s, chat, AuditAction.CHANGE, "visits", now + timedelta(minutes=5),
                     household=second, detail={"op": "insert", "id": 7})
        audit.record(s, Actor.of(gone, AuditChannel.CHAT), AuditAction.VIEW, "plan",
                     now + timedelta(minutes=6), household=first)
        audit.record(s, chat, AuditAction.VIEW, "plan", now - timedelta(days=40),
                     household=first)                                    # April: not in May
        audit.record(s, Actor.of(somai, AuditChannel.CHAT), AuditAction.VIEW, "household",
                     now, household=away)
        audit.record(s, Actor.of(officer, AuditChannel.DASHBOARD), AuditAction.EXPORT,
                     "monthly", now, area=Area("เลย"), detail={"rows": 9})
        audit.record(s, audit.OPERATOR, AuditAction.VIEW, "household", now,
                     area=Area("หนองคาย", "เมืองหนองคาย"))
        second.erased_at = gone.erased_at = now
        return {"vichai": vichai.id, "gone": gone.id, "first": first.id, "second": second.id}


def _csv_rows(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in rows[1:]]


def test_a_coordinator_exports_their_district_trail_and_nothing_else(runner, area_data, db,
                                                                     clock, tmp_path):
    world = _trail_world(db, clock, area_data)
    out = tmp_path / "trail.csv"
    refused = export(runner, "audit", "--district", "เมืองเลย", *MAY, "-o", str(out),
                     "--as", OTHER_COORD_PHONE)
    assert refused.exit_code == 1 and "ไม่มีสิทธิ์" in refused.stderr and not out.exists()
    assert export(runner, "audit", "--province", "เลย", *MAY, "-o", str(out),
                  "--as", COORD_PHONE).exit_code == 1                # not the whole province
    result = export(runner, "audit", "--district", "เมืองเลย", *MAY, "-o", str(out),
                    "--as", COORD_PHONE)
    assert result.exit_code == 0, result.output
    rows = _csv_rows(out)
    assert {r["อำเภอ"] for r in rows} == {"เมืองเลย"} and len(rows) == 3
    view, change, by_gone = rows
    assert view == {
        "วันที่-เวลา": "2026-05-07T10:00:00+07:00", "บทบาท": "ข้าราชการพี่เลี้ยง",
        "รหัสผู้ใช้": str(world["vichai"]), "ชื่อผู้ใช้": "นายวิชัย ทองดี", "ช่องทาง": "LINE",
        "การกระทำ": "ดูข้อมูล", "ข้อมูลที่เกี่ยวข้อง": "ครัวเรือน",
        "รหัสครัวเรือนในระบบ": str(world["first"]), "รหัสประจำบ้าน": "42010000011",
        "อำเภอ": "เมืองเลย", "จังหวัด": "เลย", "รายละเอียด": ""}
    # An erased household keeps its id in the trail, not its house code; an erased person
    # their id and role, not their name.
    assert (change["การกระทำ"], change["ข้อมูลที่เกี่ยวข้อง"], change["รหัสประจำบ้าน"],
            change["รหัสครัวเรือนในระบบ"], change["รายละเอียด"]) == (
        "บันทึก/แก้ไข", "การเยี่ยมบ้าน", "", str(world["second"]), '{"id":7,"op":"insert"}')
    assert (by_gone["รหัสผู้ใช้"], by_gone["ชื่อผู้ใช้"], by_gone["บทบาท"],
            by_gone["ข้อมูลที่เกี่ยวข้อง"]) == (str(world["gone"]), "", "ข้าราชการพี่เลี้ยง",
                                               "แผนพัฒนาครัวเรือน")
    # The export of the trail is itself in the trail, with its row count.
    [record] = exports_in_trail(db)[1:]
    assert (record.subject, record.district, record.detail["rows"]) == ("audit", "เมืองเลย", 3)


def test_the_province_exports_its_province_trail(runner, area_data, db, clock, tmp_path):
    _trail_world(db, clock, area_data)
    out = tmp_path / "trail.xlsx"
    result = export(runner, "audit", "--province", "เลย", *MAY, "-o", str(out),
                    "--as", PROVINCE_PHONE)
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["บันทึกการเข้าถึงข้อมูล"]
    assert [c.value for c in ws[1]] == HEADERS
    rows = [dict(zip(HEADERS, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=2)]
    assert sorted((r["อำเภอ"] or "-", r["ข้อมูลที่เกี่ยวข้อง"]) for r in rows) == [
        ("-", "ไฟล์สถิติรายเดือน"), ("วังสะพุง", "ครัวเรือน"), ("เมืองเลย", "การเยี่ยมบ้าน"),
        ("เมืองเลย", "ครัวเรือน"), ("เมืองเลย", "แผนพัฒนาครัวเรือน")]
    assert {r["จังหวัด"] for r in rows} == {"เลย"}                      # not หนองคาย
    [export_row] = [r for r in rows if r["ข้อมูลที่เกี่ยวข้อง"] == "ไฟล์สถิติรายเดือน"]
    assert (export_row["บทบาท"], export_row["ชื่อผู้ใช้"], export_row["ช่องทาง"]) == (
        "เจ้าหน้าที่ ศจพ.จ.", "นายจังหวัด เลยดี", "แดชบอร์ด")
    moment = ws.cell(2, 1)
    assert moment.is_date and moment.number_format == DATETIME_FORMAT
    assert moment.value == datetime(2026, 5, 7, 10, 0)                 # Bangkok wall time


def test_a_coordinator_exports_the_trail_from_the_dashboard(app, db, line, fake_line, clock,
                                                            area_ids):
    with db.transaction() as s:       # another district's record, which must not come out
        away = s.get(Household, area_ids["away"])
        audit.record(s, audit.OPERATOR, AuditAction.VIEW, "household", clock.now,
                     household=away)
    client = app.test_client()
    client.get(path_of(link_from_chat(player(line, fake_line, clock, COORD))))
    assert client.get(f"/dashboard/households/{area_ids['home']}").status_code == 200
    page = client.get("/dashboard/exports").get_data(as_text=True)
    assert 'value="audit"' in page
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    job_url = client.post("/dashboard/exports", data={
        "csrf": csrf, "kind": "audit", "format": "csv", "start": "2026-05-01",
        "end": "2026-05-07"}).headers["Location"]
    app.extensions[RUNNER_KEY].drain()
    download = client.get(job_url + "/download")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    [row] = [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]
    assert (row["ชื่อผู้ใช้"], row["บทบาท"], row["ช่องทาง"], row["ข้อมูลที่เกี่ยวข้อง"],
            row["รหัสประจำบ้าน"]) == ("นางสาวมาลี ศรีเลย", "ผู้ประสานงาน ศจพ.อ.", "แดชบอร์ด",
                                       "ครัวเรือน", "42010000011")
    [record] = exports_in_trail(db)
    assert (record.channel, record.actor_id, record.actor_role, record.subject,
            record.district, record.detail["rows"], record.detail["format"]) == (
        AuditChannel.DASHBOARD, area_ids["coord"], Role.COORDINATOR.value, "audit",
        "เมืองเลย", 1, "csv")


def test_every_subject_the_code_records_has_thai_words_in_the_export():
    """A subject missing from SUBJECT_WORDS would reach coordinators as an English code."""
    from handlers import audit_changes
    from handlers.exports.audit_trail import SUBJECT_WORDS
    from handlers.exports.kinds import KINDS
    from handlers.privacy import erasure, person_erasure, retention
    recorded = ({erasure.SUBJECT, person_erasure.SUBJECT, "household", "household_list",
                 "plan", "case", "household_exit"}
                | set(audit_changes.BY_TABLE) | set(KINDS)
                | {subject for subject in ("outbox", "registration_attempts")
                   if f'"{subject}"' in inspect.getsource(retention)})
    assert recorded - set(SUBJECT_WORDS) == set()
    assert all(words and not words.isascii() for words in SUBJECT_WORDS.values())
