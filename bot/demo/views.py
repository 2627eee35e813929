"""The demo page: a LINE-like chat in the browser, and the small JSON API it needs.

Registered only by ``bot.demo.server`` on the demo app, never in production: ``/demo/api/session``
hands the channel secret to the browser (so the page can sign webhooks like LINE does), which is
only acceptable because the demo generates a throw-away secret per run.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request

from ..services import services
from . import setup

EXTENSION_KEY = "mentorbot_demo"
MAX_CONTENT_BYTES = 10 * 1024 * 1024
_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
_REPLY_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{8,200}$")
_MESSAGE_ID = re.compile(r"^[0-9]{1,30}$")

bp = Blueprint("demo", __name__, url_prefix="/demo",
               template_folder="templates", static_folder="static")


@dataclass
class DemoContext:
    """What the page needs beyond the bot itself: the stand-in LINE API and the run's secrets."""

    fake: Any                 # bot.line_fake.FakeLineApi, mounted under ``line_prefix``
    channel_secret: str
    destination: str          # the bot's own user id, as LINE puts it in every webhook
    run_id: str               # changes every start: the page forgets chats of an older run
    line_prefix: str = "/_line"


def init_app(app: Flask, context: DemoContext) -> None:
    app.extensions[EXTENSION_KEY] = context
    app.register_blueprint(bp)


def _demo() -> DemoContext:
    return current_app.extensions[EXTENSION_KEY]


def demo_user_id(person_id: int) -> str:
    """A stable fake LINE user id for a sample person: ``U`` + 32 hex characters."""
    return "U" + hashlib.sha256(f"mentorbot-demo-person:{person_id}".encode()).hexdigest()[:32]


@bp.after_request
def _no_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@bp.get("/")
def page():
    return render_template("demo.html")


@bp.get("/api/session")
def session_info():
    demo = _demo()
    return jsonify(runId=demo.run_id, channelSecret=demo.channel_secret,
                   destination=demo.destination, linePrefix=demo.line_prefix,
                   callbackPath="/callback", requestsSeq=_last_request_seq(),
                   people=_people())


@bp.get("/api/requests")
def line_requests():
    """What the bot asked of LINE after ``since`` (the stand-in's own list has no filter)."""
    try:
        since = int(request.args.get("since", "0"))
    except ValueError:
        abort(400)
    found = [r for r in _demo().fake.requests if r.seq > since]
    return jsonify(requests=[r.as_json() for r in found], last=_last_request_seq())


def _last_request_seq() -> int:
    recorded = _demo().fake.requests
    return recorded[-1].seq if recorded else 0


@bp.get("/api/people")
def people():
    return jsonify(people=_people())


@bp.post("/api/reply-token")
def reply_token():
    """Tell the stand-in whose webhook a reply token came with (LINE knows; a fake can't)."""
    data = request.get_json(silent=True) or {}
    token, user_id = data.get("replyToken"), data.get("userId")
    if not (isinstance(token, str) and _REPLY_TOKEN.match(token)
            and isinstance(user_id, str) and _USER_ID.match(user_id)):
        abort(400)
    _demo().fake.register_reply_token(token, user_id)
    return "", 204


@bp.put("/api/content/<message_id>")
def message_content(message_id: str):
    """The bytes of an image the person "sent", for the bot to fetch from the data API."""
    if not _MESSAGE_ID.match(message_id):
        abort(400)
    data = request.get_data(cache=False)
    if not data or len(data) > MAX_CONTENT_BYTES:
        abort(413 if data else 400)
    content_type = (request.content_type or "image/jpeg").split(";")[0]
    if not content_type.startswith("image/"):
        abort(415)
    _demo().fake.set_message_content(message_id, data, content_type)
    return "", 204


@bp.get("/api/richmenu")
def rich_menu():
    """The rich menu this user sees (linked to them, else the default), as the bot created it."""
    user_id = request.args.get("user", "")
    if not _USER_ID.match(user_id):
        abort(400)
    fake = _demo().fake
    menu_id = fake.rich_menu_of(user_id)
    menu = fake.rich_menus.get(menu_id) if menu_id else None
    if menu is None:
        return jsonify(menu=None, image=None)
    menu = dict(menu, richMenuId=menu_id)
    image = None
    if menu_id in fake.rich_menu_images:
        image = f"{request.script_root}/demo/api/richmenu/{menu_id}/image"
    return jsonify(menu=menu, image=image)


@bp.get("/api/richmenu/<menu_id>/image")
def rich_menu_image(menu_id: str):
    found = _demo().fake.rich_menu_images.get(menu_id)
    if found is None:
        abort(404)
    data, content_type = found
    return current_app.response_class(data, mimetype=content_type)


def _people() -> list[dict]:
    svc = services()
    now = svc.clock()
    rows = setup.sample_people(svc.db, now)
    out = []
    for row in rows:
        out.append({
            "key": f"person-{row.id}",
            "personId": row.id,
            "name": row.name,
            "role": row.role,
            "roleLabel": setup.ROLE_LABELS.get(row.role, row.role),
            "district": row.district,
            "province": row.province,
            "position": row.position,
            "agency": row.agency,
            "registered": row.registered,
            "code": row.code,
            "households": row.households,
            "userId": row.line_user_id or demo_user_id(row.id),
        })
    return out
