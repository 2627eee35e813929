"""Rich menus: one per role (mentor, coordinator, province officer), linked to every registered
person of it.

`mentorbot richmenu deploy` creates every menu with their committed images, stores their ids in
``app_settings``, links every registered person, then deletes the menus it replaced. Areas send
the same signed ``{"a": "cmd", "k": KEY}`` postbacks as the quick-reply menu, so the router
treats a tap on the rich menu exactly like a tap on a quick reply. The menu area sends the word
"เมนู" (shows the quick-reply menu and ends anything in progress).

``apply`` links a newly registered person to their role's menu after the registration commits.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from handlers.buttons import command_payload
from handlers.conversations.menu import MENUS
from models import AppSetting, Person, Role

from .line_gateway import SendError
from .postback_codec import PostbackCodec

log = logging.getLogger(__name__)

IMAGE_DIR = Path(__file__).with_name("richmenu_images")
MENU_WORD = "เมนู"
CHAT_BAR_TEXT = "เมนู"
KEY_PREFIX = "richmenu."
RETIRING_PREFIX = "richmenu.retiring."   # one row per replaced menu still to delete on LINE
BULK_LINK_MAX = 500                       # LINE's limit per link_rich_menu_id_to_users call


@dataclass(frozen=True)
class Area:
    key: str | None   # a command key from MENUS; None: the menu word
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    areas: tuple[Area, ...]


# The images in richmenu_images/ are drawn from these same rectangles (make_images.py).
LAYOUTS: dict[Role, Layout] = {
    Role.MENTOR: Layout(2500, 1686, (
        Area("visit", 0, 0, 833, 843), Area("households", 833, 0, 833, 843),
        Area("plan", 1666, 0, 834, 843), Area("my_cases", 0, 843, 833, 843),
        Area("assist", 833, 843, 833, 843), Area(None, 1666, 843, 834, 843))),
    Role.COORDINATOR: Layout(2500, 1686, (
        Area("case_queue", 0, 0, 833, 843), Area("district_summary", 833, 0, 833, 843),
        Area("monthly_figures", 1666, 0, 834, 843), Area("dashboard", 0, 843, 1250, 843),
        Area(None, 1250, 843, 1250, 843))),
    # The province officer works on the dashboard; the chat hands out the link.
    Role.PROVINCE: Layout(2500, 843, (
        Area("dashboard", 0, 0, 1666, 843), Area(None, 1666, 0, 834, 843))),
}


class DeployError(RuntimeError):
    """LINE refused or could not be reached; the message says which step (no user ids)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status   # LINE's HTTP status; None: no answer


@dataclass
class DeployReport:
    created: dict[Role, str] = field(default_factory=dict)
    linked: dict[Role, int] = field(default_factory=dict)
    batches: int = 0
    deleted: int = 0
    left_to_delete: int = 0


def setting_key(role: Role) -> str:
    return KEY_PREFIX + role.value


def image_path(role: Role) -> Path:
    return IMAGE_DIR / f"{role.value}.png"


def area_label(role: Role, area: Area) -> str:
    labels = {item.key: item.label for item in MENUS[role]}
    return MENU_WORD if area.key is None else labels[area.key]


def menu_body(role: Role, codec: PostbackCodec, name: str) -> dict:
    """The rich menu object LINE receives (create_rich_menu)."""
    layout = LAYOUTS[role]
    return {"size": {"width": layout.width, "height": layout.height}, "selected": True,
            "name": name, "chatBarText": CHAT_BAR_TEXT,
            "areas": [{"bounds": {"x": a.x, "y": a.y, "width": a.width, "height": a.height},
                       "action": _action(role, a, codec)} for a in layout.areas]}


def _action(role: Role, area: Area, codec: PostbackCodec) -> dict:
    label = area_label(role, area)
    if area.key is None:
        return {"type": "message", "label": label, "text": MENU_WORD}
    return {"type": "postback", "label": label, "displayText": label,
            "data": codec.encode(command_payload(area.key))}


# -- the stored ids -----------------------------------------------------------------------
def stored_ids(session) -> dict[str, str]:
    """Every rich menu setting: 'richmenu.mentor', 'richmenu.coordinator', retiring ones."""
    rows = session.execute(select(AppSetting.key, AppSetting.value)
                           .where(AppSetting.key.startswith(KEY_PREFIX)))
    return dict(rows.all())


def _store(session, key: str, value: str, now) -> None:
    row = session.get(AppSetting, key)
    if row is None:
        session.add(AppSetting(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


# -- deploy -------------------------------------------------------------------------------
def deploy(svc, say: Callable[[str], None] = log.info) -> DeployReport:
    """Create both menus, store them, link everyone, then delete the menus they replace."""
    now, report = svc.clock(), DeployReport()
    codec = PostbackCodec(svc.config["LINE_CHANNEL_SECRET"] or "")
    images = {role: image_path(role).read_bytes() for role in LAYOUTS}
    name = f"mentorbot {{}} {now:%Y-%m-%dT%H:%MZ}"
    try:
        for role in LAYOUTS:
            report.created[role] = _create(svc, menu_body(role, codec, name.format(role.value)),
                                           images[role])
            say(f"created the {role.value} rich menu {report.created[role]}")
    except DeployError:
        _delete_quietly(svc, report.created.values())
        raise
    try:
        people = _store_new_ids(svc, report.created, now)
    except Exception:
        _delete_quietly(svc, report.created.values())   # not stored: nobody would delete them
        raise
    for role, menu_id in report.created.items():
        users = [user for person_role, user in people if person_role is role]
        report.batches += _link_all(svc, menu_id, users)
        report.linked[role] = len(users)
        say(f"linked {len(users)} registered {role.value}(s)")
    _retire(svc, report)
    say(f"deleted {report.deleted} replaced rich menu(s)"
        + (f"; {report.left_to_delete} left for the next deploy" if report.left_to_delete else ""))
    return report


def _store_new_ids(svc, created: dict[Role, str], now) -> list:
    """Store the new ids (registrations from now on get them), mark the old ones for deletion,
    and return (role, LINE user id) of everyone registered."""
    with svc.db.transaction() as session:
        previous = stored_ids(session)
        for role, menu_id in created.items():
            old = previous.get(setting_key(role))
            if old and old != menu_id:
                _store(session, RETIRING_PREFIX + old, old, now)
            _store(session, setting_key(role), menu_id, now)
        return session.execute(select(Person.role, Person.line_user_id)
                               .where(Person.line_user_id.is_not(None))
                               .order_by(Person.id)).all()


def _create(svc, body: dict, image: bytes) -> str:
    menu_id = _call("create", svc.line.create_rich_menu, body)
    try:
        _call("image upload", svc.line.set_rich_menu_image, menu_id, image)
    except DeployError:
        _delete_quietly(svc, [menu_id])
        raise
    return menu_id


def _link_all(svc, menu_id: str, users: list[str]) -> int:
    batches = [users[i:i + BULK_LINK_MAX] for i in range(0, len(users), BULK_LINK_MAX)]
    for batch in batches:
        # Asynchronous on LINE's side: accepted now, applied within a few seconds.
        _call("bulk link", svc.line.link_rich_menu_to_users, menu_id, batch)
    return len(batches)


def _retire(svc, report: DeployReport) -> None:
    """Delete the replaced menus (and any a failed deploy left behind), forgetting each one."""
    with svc.db.transaction() as session:
        retiring = [v for k, v in stored_ids(session).items() if k.startswith(RETIRING_PREFIX)]
    for menu_id in retiring:
        try:
            _call("delete", svc.line.delete_rich_menu, menu_id)
        except DeployError as exc:
            if exc.status != 404:   # 404: already gone on LINE, so forget it too
                log.warning("%s", exc)
                report.left_to_delete += 1
                continue
        with svc.db.transaction() as session:
            session.delete(session.get(AppSetting, RETIRING_PREFIX + menu_id))
        report.deleted += 1


def _delete_quietly(svc, menu_ids) -> None:
    for menu_id in menu_ids:
        try:
            _call("delete", svc.line.delete_rich_menu, menu_id)
        except DeployError as exc:
            log.warning("could not delete an unfinished rich menu: %s", exc)


def _call(step: str, method, *args):
    """A gateway call; its failure as a DeployError that says which step failed and how."""
    try:
        return method(*args)
    except SendError as err:
        if err.status is None:
            raise DeployError(f"rich menu {step}: LINE not reached ({err.message})") from None
        raise DeployError(f"rich menu {step}: LINE answered {err.status}", err.status) from None


# -- after a registration -----------------------------------------------------------------
def apply(svc, effect) -> None:
    """Link the role's rich menu to the user, if the menus have been deployed. Never raises."""
    try:
        role = Role(effect.role)
        with svc.db.transaction() as session:
            setting = session.get(AppSetting, setting_key(role))
            menu_id = setting.value if setting is not None else None
    except (ValueError, SQLAlchemyError) as exc:
        log.warning("rich menu: could not read the %s menu id (%s)", effect.role,
                    type(exc).__name__)
        return
    if menu_id is None:
        log.debug("rich menu: none deployed for %s yet; run `mentorbot richmenu deploy`",
                  role.value)
        return
    try:
        _call("link", svc.line.link_rich_menu, effect.line_user_id, menu_id)
    except DeployError as exc:   # never the user id in the log
        log.warning("%s (the %s menu was not linked)", exc, role.value)
