"""Exports on the dashboard: ask for one (built in the background), watch it, download it.
The same rights as the CLI's ``--as``: handlers/exports/access.allowed, asked in
``access.area_of`` when the export is asked for and again by the builder; a download is the
asker's own job only, and still within their rights."""
from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from handlers.exports import jobs, kinds
from handlers.exports.access import allowed
from handlers.exports.table import Area
from models import ExportJob, ExportJobStatus

from . import access
from .access import ID_MAX
from .pages import districts_of_province, today

KIND_LABELS = {
    "logbook": "ไฟล์สำหรับ TPMAP Logbook",
    "monthly": "สถิติรายเดือน",
    "plans": "แผนพัฒนาครัวเรือน",
    "mentors": "รายชื่อพี่เลี้ยง",
    "audit": "บันทึกการเข้าถึงข้อมูล (audit trail)",
}
FORMATS = ("xlsx", "csv")
RUNNER_KEY = "mentorbot.export_runner"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def job_area(job: ExportJob) -> str:
    return Area(province=job.province, district=job.district).label


def status_words(job: ExportJob) -> str:
    if job.status is ExportJobStatus.DONE:
        return f"เสร็จแล้ว {job.rows:,} แถวค่ะ"
    if job.status is ExportJobStatus.FAILED or jobs.is_stale(job, access.g.now):
        return "สร้างไฟล์ไม่สำเร็จค่ะ กรุณาขอใหม่อีกครั้งค่ะ"
    if job.status is ExportJobStatus.RUNNING:
        return f"กำลังสร้างไฟล์ เขียนแล้ว {job.rows:,} แถวค่ะ"
    return "รอคิวสร้างไฟล์ค่ะ"


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def _own_job(job_id: int) -> ExportJob:
    job = access.found(jobs.job_of(access.db(), access.person(), job_id), "export", job_id)
    if not allowed(access.person(), Area(province=job.province, district=job.district)):
        access.refuse("export", job_id)
    return job


def register(bp: Blueprint) -> None:
    @bp.route("/exports", methods=["GET", "POST"])
    @access.signed_in
    def exports():
        me, error = access.person(), None
        day = today()
        start, end = day.replace(day=1), day
        if request.method == "POST":
            kind = request.form.get("kind", "")
            file_format = request.form.get("format", "xlsx")
            area = access.area_of(request.form.get("d"))
            start_in, end_in = (_parse_day(request.form.get("start")),
                                _parse_day(request.form.get("end")))
            if kind not in kinds.KINDS or file_format not in FORMATS:
                error = "กรุณาเลือกชนิดและรูปแบบไฟล์ค่ะ"
            elif start_in is None or end_in is None:
                error = "กรุณาเลือกวันที่เริ่มต้นและวันที่สิ้นสุดค่ะ"
            elif start_in > end_in:
                error = "วันที่เริ่มต้นต้องไม่อยู่หลังวันที่สิ้นสุดค่ะ"
            elif end_in - start_in > timedelta(days=366 * 3):
                error = "ช่วงวันที่ยาวเกินไปค่ะ ขอได้ครั้งละไม่เกิน 3 ปีค่ะ"
            else:
                job = jobs.ask(access.db(), me, kind, area, start_in, end_in, file_format,
                               access.g.now)
                job_id = job.id
                # Built once this request's transaction has committed (the builder must see
                # the job), by the pool: never in the request.
                access.after_commit(lambda: runner().submit(job_id))
                return redirect(url_for("dashboard.export_job", job_id=job_id), code=303)
            start, end = start_in or start, end_in or end
        return render_template(
            "dashboard/exports.html", nav="exports", error=error, home=access.area_of(),
            kinds=list(KIND_LABELS.items()), start=start.isoformat(), end=end.isoformat(),
            jobs=jobs.recent_jobs(access.db(), me), district_param=None,
            districts=districts_of_province() if access.is_province(me) else [],
            kind_label=kind_label, job_area=job_area, status_words=status_words,
        ), 400 if error else 200

    @bp.get(f"/exports/<int(max={ID_MAX}):job_id>")
    @access.signed_in
    def export_job(job_id: int):
        job = _own_job(job_id)
        return render_template("dashboard/export_job.html", job=job, nav="exports",
                               district_param=None, available=runner().path_of(job) is not None,
                               kind_label=kind_label, job_area=job_area,
                               status_words=status_words)

    @bp.get(f"/exports/<int(max={ID_MAX}):job_id>/status")
    @access.signed_in
    def export_status(job_id: int):
        job = _own_job(job_id)
        status = "failed" if jobs.is_stale(job, access.g.now) else job.status.value
        return jsonify(status=status, rows=job.rows, words=status_words(job),
                       available=runner().path_of(job) is not None)

    @bp.get(f"/exports/<int(max={ID_MAX}):job_id>/download")
    @access.signed_in
    def export_download(job_id: int):
        job = _own_job(job_id)
        path = runner().path_of(job)
        if job.status is not ExportJobStatus.DONE or path is None or not job.file_name:
            abort(404)   # the asker's own job, not built or its file gone: no refusal to log
        return send_file(path, as_attachment=True, download_name=job.file_name,
                         max_age=0, etag=False)


def runner():
    return current_app.extensions[RUNNER_KEY]



