"""The dashboard for coordinators and province officers, opened from LINE (/dashboard).

Wired by ``init_app``: the blueprint (pages, sign-in, exports), its security headers, and the
export builder pool. Server-rendered Thai pages; Chart.js and the Sarabun font are served from
the package (static/), never from a CDN.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, g, render_template, request
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response

from handlers.assistance import format_baht
from handlers.thai_dates import format_thai_date

from ..services import services
from . import access, export_views, pages, signin_views
from .export_runner import ExportRunner

LIFF_CONNECT = "https://api.line.me https://access.line.me https://liffsdk.line-scdn.net"


def init_app(app: Flask) -> None:
    bp = Blueprint("dashboard", __name__, url_prefix="/dashboard",
                   template_folder="templates", static_folder="static")
    signin_views.register(bp)
    pages.register(bp)
    export_views.register(bp)
    bp.after_request(_security_headers)
    bp.context_processor(_page_context)
    bp.app_template_filter("thai_date")(format_thai_date)
    bp.app_template_filter("num")(lambda n: f"{n:,}")
    bp.app_template_filter("baht")(format_baht)
    bp.register_error_handler(access.SignedOut, _signed_out)
    bp.register_error_handler(NotFound, _not_found)
    bp.register_error_handler(Forbidden, _forbidden)
    app.register_blueprint(bp)
    directory = Path(app.config.get("EXPORT_DIR") or Path(app.instance_path) / "exports")
    app.extensions[export_views.RUNNER_KEY] = ExportRunner(
        services(app), directory, workers=int(app.config.get("EXPORT_WORKERS") or 1),
        keep=timedelta(hours=int(app.config.get("EXPORT_KEEP_HOURS") or 24)))


def _origin(url: str) -> str:
    parts = url.split("/")
    return "/".join(parts[:3]) if url.startswith(("https://", "http://")) else ""


def _security_headers(response: Response) -> Response:
    script, connect = "'self'", "'self'"
    if request.endpoint == "dashboard.liff_page":
        sdk = _origin(str(current_app.config.get("LIFF_SDK_URL") or ""))
        script = f"'self' {sdk}".strip()
        connect = f"'self' {LIFF_CONNECT}"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {script}; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'")
    # LIFF opens the page itself (never in a frame), so no one may frame it.
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "dashboard.static":
        # Households' data: never kept by the browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
    return response


def _page_context() -> dict[str, Any]:
    me = g.get("me")
    return {
        "me": me,
        "csrf": g.get("csrf"),
        "role_words": me.role_words if me is not None else "",
        "is_province": me is not None and me.is_province,
        "counts": _pairs,
        "help_records": lambda rows: [(r.label, r.records) for r in rows],
        "district_values": lambda rows, name: [(r.district, getattr(r, name)) for r in rows],
        "district_param": None,
        "nav": None,
    }


def _pairs(rows: Iterable[Any]) -> list[tuple[str, int]]:
    return [(r.label, r.value) for r in rows]


def _signed_out(_error: Exception) -> tuple[str, int]:
    return render_template("dashboard/refused.html",
                           message="ยังไม่ได้เข้าสู่ระบบ หรือหมดเวลาการใช้งานแล้วค่ะ "
                                   "(เข้าได้ครั้งละ 8 ชั่วโมง)"), 401


def _not_found(_error: Exception) -> tuple[str, int]:
    return render_template("dashboard/error.html", heading="ไม่พบหน้านี้ค่ะ",
                           message="ไม่พบข้อมูลที่ต้องการ หรือข้อมูลนี้อยู่นอกพื้นที่ของท่านค่ะ"), 404


def _forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("dashboard/error.html", heading="ทำรายการไม่ได้ค่ะ",
                           message="หน้านี้หมดอายุแล้วค่ะ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้งค่ะ"), 403
