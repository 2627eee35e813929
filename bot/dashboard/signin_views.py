"""Signing in: the one-time link from the chat, the LIFF page inside LINE, and signing out.

The link's token is used at once and the browser is sent on to a URL without it (a 303), so
the token stays out of the history, bookmarks and (with Referrer-Policy: no-referrer)
any Referer header.
"""
from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from delivery.line_login import IdTokenRefused, LineLogin, channel_id_of
from handlers.dashboard import signin

from ..services import services
from . import access

log = logging.getLogger(__name__)
LIFF_KEY = "mentorbot.line_login"

REFUSALS = {
    signin.Refusal.UNKNOWN: "ลิงก์นี้ไม่ถูกต้องค่ะ",
    signin.Refusal.USED: "ลิงก์นี้ถูกใช้ไปแล้วค่ะ ลิงก์แต่ละลิงก์ใช้ได้ครั้งเดียวค่ะ",
    signin.Refusal.EXPIRED: "ลิงก์นี้หมดอายุแล้วค่ะ ลิงก์ใช้ได้ภายใน 10 นาทีหลังจากขอค่ะ",
    signin.Refusal.NOT_ALLOWED: "บัญชีนี้ไม่มีสิทธิ์เข้าแดชบอร์ดค่ะ",
}


def refused_page(message: str, status: int) -> Response:
    response = make_response(render_template("dashboard/refused.html", message=message), status)
    return response


def _signed_in_response(opened: signin.OpenSession, target: str) -> Response:
    response = redirect(target, code=303)
    _set_cookie(response, opened)
    return response


def _set_cookie(response: Response, opened: signin.OpenSession) -> None:
    response.set_cookie(access.COOKIE, opened.token,
                        max_age=int(signin.SESSION_TTL.total_seconds()),
                        path=access.COOKIE_PATH, httponly=True, samesite="Lax",
                        secure=access.cookie_secure())


def register(bp: Blueprint) -> None:
    @bp.get("/signin")
    def signin_link():
        token = request.args.get("t", "")
        svc = services()
        with svc.db.transaction() as session:
            now = svc.clock()
            result = signin.redeem_link(session, token, now)
            if result.person is None:
                log.info("dashboard: sign-in link refused (%s)", result.refusal)
                refusal = result.refusal or signin.Refusal.UNKNOWN
                return refused_page(REFUSALS[refusal], 410 if refusal in (
                    signin.Refusal.USED, signin.Refusal.EXPIRED) else 403)
            opened = signin.open_session(session, result.person, now, via="link")
            log.info("dashboard: signed in by link (person=%s)", result.person.id)
        return _signed_in_response(opened, url_for("dashboard.home"))

    @bp.post("/signout")
    @access.signed_in
    def signout():
        signin.end_session(access.db(), request.cookies.get(access.COOKIE), g.now)
        log.info("dashboard: signed out (person=%s)", access.person().id)
        response = make_response(render_template("dashboard/signed_out.html"))
        response.delete_cookie(access.COOKIE, path=access.COOKIE_PATH)
        return response

    @bp.get("/liff")
    @bp.get("/liff/<path:rest>")
    def liff_page(rest: str = ""):
        liff_id = current_app.config.get("LIFF_ID")
        if not liff_id:
            return refused_page("แดชบอร์ดใน LINE ยังไม่เปิดใช้ค่ะ กรุณาพิมพ์ แดชบอร์ด ในแชต"
                                "เพื่อขอลิงก์ค่ะ", 404)
        nonce = signin.issue_nonce(_nonce_secret(), services().clock())
        return render_template("dashboard/liff.html", liff_id=liff_id, nonce=nonce,
                               sdk_url=current_app.config["LIFF_SDK_URL"])

    @bp.post("/liff/session")
    def liff_session():
        body = request.get_json(silent=True) or {}
        id_token, nonce = body.get("idToken"), body.get("nonce")
        if not isinstance(id_token, str) or not isinstance(nonce, str):
            return jsonify(error="ข้อมูลไม่ครบค่ะ"), 400
        login = _line_login()
        if login is None:
            return jsonify(error="แดชบอร์ดใน LINE ยังไม่เปิดใช้ค่ะ"), 404
        svc = services()
        now = svc.clock()
        # The nonce first: the request must come from a page this server served just now.
        if not signin.nonce_ok(_nonce_secret(), nonce, now):
            log.info("dashboard: LIFF sign-in with a nonce that is not ours or has expired")
            return jsonify(error="หน้านี้หมดอายุแล้วค่ะ กรุณาเปิดใหม่อีกครั้งค่ะ"), 403
        try:
            verified = login.verify(id_token, now)
        except IdTokenRefused as exc:
            log.info("dashboard: LIFF ID token refused (%s)", exc)
            return jsonify(error="ยืนยันตัวตนกับ LINE ไม่สำเร็จค่ะ กรุณาเปิดใหม่อีกครั้งค่ะ"), 403
        with svc.db.transaction() as session:
            if not signin.use_id_token(session, id_token, verified.expires_at, now):
                log.info("dashboard: LIFF ID token used a second time; refused")
                return jsonify(error="กรุณาปิดหน้านี้แล้วเปิดแดชบอร์ดใหม่อีกครั้งค่ะ",
                               again=True), 403
            person = signin.person_for_line_user(session, verified.line_user_id)
            if person is None:
                log.info("dashboard: LIFF sign-in by a LINE user with no dashboard rights")
                return jsonify(error=REFUSALS[signin.Refusal.NOT_ALLOWED]), 403
            opened = signin.open_session(session, person, svc.clock(), via="liff")
            log.info("dashboard: signed in by LIFF (person=%s)", person.id)
        response = jsonify(next=url_for("dashboard.home"))
        _set_cookie(response, opened)
        return response


def _nonce_secret() -> str:
    return str(current_app.config.get("LINE_CHANNEL_SECRET") or current_app.config["SECRET_KEY"]
               or "")


def _line_login() -> LineLogin | None:
    app = current_app
    channel = channel_id_of(app.config)
    if not channel:
        return None
    login = app.extensions.get(LIFF_KEY)
    if login is None:
        base = app.config.get("LINE_LOGIN_API_BASE_URL") or app.config["LINE_API_BASE_URL"]
        login = app.extensions[LIFF_KEY] = LineLogin(base, channel,
                                                     timeout=float(app.config["LINE_HTTP_TIMEOUT"]))
    return login
