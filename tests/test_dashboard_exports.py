"""Exports from the dashboard: asked for on a page, built off the request with progress shown,
downloaded by the one who asked, within their area; every one in the audit trail."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
from sqlalchemy import select

from bot.dashboard.export_views import RUNNER_KEY
from models import ExportJob, ExportJobStatus, ExportRecord, Visit

from .dashboard_helpers import (
    COORD,
    COORD_OTHER,
    PROVINCE,
    link_from_chat,
    path_of,
    player,
)


def sign_in(app, line, fake_line, clock, user_id):
    client = app.test_client()
    client.get(path_of(link_from_chat(player(line, fake_line, clock, user_id))))
    page = client.get("/dashboard/exports").get_data(as_text=True)
    return client, page.split('name="csrf" value="')[1].split('"')[0]


def ask(client, csrf, **form):
    data = {"csrf": csrf, "kind": "logbook", "format": "xlsx", "start": "2026-04-01",
            "end": "2026-05-07", **form}
    return client.post("/dashboard/exports", data=data)


def a_visit(db, area_ids):
    with db.transaction() as s:
        s.add(Visit(household_id=area_ids["home"], mentor_id=area_ids["mentor"],
                    visited_on=date(2026, 5, 1), next_visit_due=date(2026, 5, 31),
                    attitude="อยากมีรายได้เพิ่ม"))


def test_a_logbook_is_built_in_the_background_and_downloaded(app, db, line, fake_line, clock,
                                                             area_ids):
    a_visit(db, area_ids)
    client, csrf = sign_in(app, line, fake_line, clock, COORD)
    response = ask(client, csrf)
    assert response.status_code == 303
    job_url = response.headers["Location"]
    with db.transaction() as s:
        [job] = s.scalars(select(ExportJob)).all()
        assert job.district == "เมืองเลย" and job.status in (ExportJobStatus.PENDING,
                                                              ExportJobStatus.RUNNING,
                                                              ExportJobStatus.DONE)
    app.extensions[RUNNER_KEY].drain()
    status = client.get(job_url + "/status").get_json()
    assert status["status"] == "done" and status["available"] and status["rows"] == 1
    assert "เสร็จแล้ว 1 แถวค่ะ" == status["words"]
    page = client.get(job_url).get_data(as_text=True)
    assert "ดาวน์โหลดไฟล์" in page
    download = client.get(job_url + "/download")
    assert download.status_code == 200
    assert 'filename=logbook-20260401-20260507.xlsx' in download.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(download.data), read_only=True)
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert "อยากมีรายได้เพิ่ม" in cells and "นางสมศรี ใจดี" in cells   # Thai text intact
    with db.transaction() as s:
        [record] = s.scalars(select(ExportRecord)).all()
        assert (record.person_id, record.rows, record.actor) == (area_ids["coord"], 1,
                                                                 "dashboard")


def test_a_monthly_csv_comes_as_one_zip_of_its_sheets(app, db, line, fake_line, clock, area_ids):
    a_visit(db, area_ids)
    client, csrf = sign_in(app, line, fake_line, clock, COORD)
    job_url = ask(client, csrf, kind="monthly", format="csv").headers["Location"]
    app.extensions[RUNNER_KEY].drain()
    download = client.get(job_url + "/download")
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert len(names) == 3 and all(n.startswith("monthly-20260401-20260507") for n in names)
    first = zipfile.ZipFile(io.BytesIO(download.data)).read(names[0])
    assert first.startswith(b"\xef\xbb\xbf")    # BOM: Excel opens Thai text intact


def test_someone_elses_export_is_not_found(app, db, line, fake_line, clock, area_ids):
    client, csrf = sign_in(app, line, fake_line, clock, COORD)
    job_url = ask(client, csrf).headers["Location"]
    app.extensions[RUNNER_KEY].drain()
    other, _ = sign_in(app, line, fake_line, clock, COORD_OTHER)
    for suffix in ("", "/status", "/download"):
        assert other.get(job_url + suffix).status_code == 404


def test_an_export_outside_the_area_is_refused(app, db, line, fake_line, clock, area_ids):
    client, csrf = sign_in(app, line, fake_line, clock, COORD)
    assert ask(client, csrf, d="วังสะพุง").status_code == 404
    with db.transaction() as s:
        assert s.scalars(select(ExportJob)).all() == []


def test_a_province_officer_exports_the_province_or_a_district(app, db, line, fake_line, clock,
                                                               area_ids):
    client, csrf = sign_in(app, line, fake_line, clock, PROVINCE)
    assert ask(client, csrf, kind="mentors").status_code == 303
    assert ask(client, csrf, kind="mentors", d="วังสะพุง").status_code == 303
    app.extensions[RUNNER_KEY].drain()
    with db.transaction() as s:
        jobs = s.scalars(select(ExportJob).order_by(ExportJob.id)).all()
        assert [(j.district, j.status) for j in jobs] == [(None, ExportJobStatus.DONE),
                                                          ("วังสะพุง", ExportJobStatus.DONE)]


def test_a_bad_request_is_told_in_thai_and_makes_nothing(app, db, line, fake_line, clock,
                                                        area_ids):
    client, csrf = sign_in(app, line, fake_line, clock, COORD)
    response = ask(client, csrf, start="2026-05-08", end="2026-05-01")
    assert response.status_code == 400
    assert "วันที่เริ่มต้นต้องไม่อยู่หลังวันที่สิ้นสุดค่ะ" in response.get_data(as_text=True)
    assert ask(client, csrf, kind="everything").status_code == 400
    assert ask(client, "not-the-token").status_code == 403
    with db.transaction() as s:
        assert s.scalars(select(ExportJob)).all() == []


def test_a_job_whose_rights_went_is_not_built(app, db, line, fake_line, clock, area_ids):
    from models import Person, Role
    client, csrf = sign_in(app, line, fake_line, clock, COORD)
    runner = app.extensions[RUNNER_KEY]
    runner.pool.submit(lambda: None).result()
    with db.transaction() as s:
        from handlers.exports import jobs
        from handlers.exports.table import Area
        person = s.get(Person, area_ids["coord"])
        job = jobs.ask(s, person, "logbook", Area("เลย", "เมืองเลย"), date(2026, 5, 1),
                       date(2026, 5, 7), "xlsx", clock.now)
        person.district = "วังสะพุง"
        job_id = job.id
    runner.run(job_id)
    with db.transaction() as s:
        job = s.get(ExportJob, job_id)
        assert job.status is ExportJobStatus.FAILED and job.stored_as is None
        assert s.scalars(select(ExportRecord)).all() == []
    _ = Role


def test_a_job_left_by_a_stopped_process_is_shown_as_failed(app, db, line, fake_line, clock,
                                                            area_ids):
    from handlers.exports import jobs
    from handlers.exports.table import Area
    from models import Person
    client, _ = sign_in(app, line, fake_line, clock, COORD)
    with db.transaction() as s:
        job = jobs.ask(s, s.get(Person, area_ids["coord"]), "logbook", Area("เลย", "เมืองเลย"),
                       date(2026, 5, 1), date(2026, 5, 7), "xlsx", clock.now)
        job_id = job.id      # asked, but no builder ever took it (its process stopped)
    assert client.get(f"/dashboard/exports/{job_id}/status").get_json()["status"] == "pending"
    clock.advance(minutes=59)       # waiting behind a long export is not failing
    assert client.get(f"/dashboard/exports/{job_id}/status").get_json()["status"] == "pending"
    clock.advance(minutes=2)
    status = client.get(f"/dashboard/exports/{job_id}/status").get_json()
    assert status["status"] == "failed" and "ขอใหม่" in status["words"]
