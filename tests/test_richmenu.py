"""Rich menus: one per role, deployed by `mentorbot richmenu deploy`, linked on registration,
and tapping an area does what the quick-reply menu does."""
from __future__ import annotations

import logging
import struct
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.commands.richmenu_commands import richmenu_group
from delivery import richmenu
from delivery.postback_codec import PostbackCodec
from handlers.conversations.menu import MENUS
from models import AppSetting, Household, Role

from . import factories
from .conftest import CHANNEL_SECRET
from .line_events import text_event
from .players import Player

MENTORS = ["U" + c * 32 for c in "abc"]          # registered mentors
COORDINATOR = "U" + "d" * 32                     # a registered coordinator
NEWCOMER = "U" + "e" * 32                        # registers during a test


@pytest.fixture
def people(db, clock):
    """Three registered mentors, one registered coordinator, and two not registered yet."""
    with db.transaction() as s:
        for i, user in enumerate(MENTORS):
            factories.person(s, name=f"นายพี่เลี้ยง {i}", phone=f"081000001{i}",
                             line_user_id=user)
        factories.person(s, name="นางรอ ลงทะเบียน", phone="0810000020")
        factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR, phone=None,
                         line_user_id=COORDINATOR)
        factories.person(s, name="นายยัง ไม่มา", role=Role.COORDINATOR, phone=None,
                         district="วังสะพุง")


def deploy(runner, expect_ok: bool = True):
    result = runner.invoke(richmenu_group, ["deploy"])
    assert (result.exit_code == 0) is expect_ok, result.output
    return result


def stored(db) -> dict[str, str]:
    with db.transaction() as s:
        return dict(s.execute(select(AppSetting.key, AppSetting.value)).all())


def menu_ids(db) -> dict[Role, str]:
    settings = stored(db)
    return {role: settings[richmenu.setting_key(role)] for role in richmenu.LAYOUTS}


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


# -- the menus themselves -----------------------------------------------------------------
@pytest.mark.parametrize("role", list(richmenu.LAYOUTS))
def test_each_layout_offers_every_menu_item_inside_its_committed_image(role):
    layout = richmenu.LAYOUTS[role]
    keys = [area.key for area in layout.areas if area.key is not None]
    assert sorted(keys) == sorted(item.key for item in MENUS[role])
    assert None in [area.key for area in layout.areas]          # the เมนู area
    data = richmenu.image_path(role).read_bytes()
    assert png_size(data) == (layout.width, layout.height)
    assert len(data) <= 1_000_000
    cells = set()
    for area in layout.areas:
        assert area.x + area.width <= layout.width and area.y + area.height <= layout.height
        cell = {(x, y) for x in range(area.x, area.x + area.width, 50)
                for y in range(area.y, area.y + area.height, 50)}
        assert not cells & cell, f"{area.key} overlaps another area"
        cells |= cell


def test_deploy_creates_both_menus_with_images_and_links_registered_people(
        runner, fake_line, db, people):
    result = deploy(runner)
    ids = menu_ids(db)
    assert set(fake_line.rich_menus) == set(ids.values())
    for role, menu_id in ids.items():
        image, content_type = fake_line.rich_menu_images[menu_id]
        assert content_type == "image/png"
        assert image == richmenu.image_path(role).read_bytes()
    for user in MENTORS:
        assert fake_line.rich_menu_of(user) == ids[Role.MENTOR]
    assert fake_line.rich_menu_of(COORDINATOR) == ids[Role.COORDINATOR]
    linked = [user for call in fake_line.calls("linkRichMenuIdToUsers")
              for user in call.json["userIds"]]
    assert sorted(linked) == sorted(MENTORS + [COORDINATOR])   # nobody unregistered
    assert "linked 3 registered mentor(s)" in result.output
    assert "linked 1 registered coordinator(s)" in result.output
    assert "พี่เลี้ยง" not in result.output and "มาลี" not in result.output


def test_areas_carry_the_quick_reply_payloads_with_thai_labels(runner, fake_line, db, people):
    deploy(runner)
    codec = PostbackCodec(CHANNEL_SECRET)
    menu = fake_line.rich_menus[menu_ids(db)[Role.MENTOR]]
    assert menu["chatBarText"] == "เมนู" and menu["size"] == {"width": 2500, "height": 1686}
    actions = [area["action"] for area in menu["areas"]]
    postbacks = [(codec.decode(a["data"]), a["displayText"], a["label"]) for a in actions
                 if a["type"] == "postback"]
    assert sorted(payload["k"] for payload, _, _ in postbacks) == sorted(
        item.key for item in MENUS[Role.MENTOR])
    labels = {item.key: item.label for item in MENUS[Role.MENTOR]}
    for payload, display_text, label in postbacks:
        assert payload == {"a": "cmd", "k": payload["k"]}
        assert display_text == label == labels[payload["k"]]
    assert {"type": "message", "label": "เมนู", "text": "เมนู"} in actions


def test_a_second_deploy_replaces_the_first(runner, fake_line, db, people):
    deploy(runner)
    first = menu_ids(db)
    result = deploy(runner)
    second = menu_ids(db)
    assert set(first.values()).isdisjoint(second.values())
    assert set(fake_line.rich_menus) == set(second.values())       # the old ones are deleted
    assert fake_line.rich_menu_of(MENTORS[0]) == second[Role.MENTOR]
    assert fake_line.rich_menu_of(COORDINATOR) == second[Role.COORDINATOR]
    assert f"deleted {len(richmenu.LAYOUTS)} replaced rich menu(s)" in result.output
    status = runner.invoke(richmenu_group, ["status"]).output
    assert second[Role.MENTOR] in status and second[Role.COORDINATOR] in status
    assert first[Role.MENTOR] not in status and "to delete" not in status


def test_people_are_linked_in_batches(runner, fake_line, db, people, monkeypatch):
    monkeypatch.setattr(richmenu, "BULK_LINK_MAX", 2)
    deploy(runner)
    batches = [call.json["userIds"] for call in fake_line.calls("linkRichMenuIdToUsers")]
    assert [len(batch) for batch in batches] == [2, 1, 1]          # 3 mentors, 1 coordinator
    assert all(fake_line.rich_menu_of(user) == menu_ids(db)[Role.MENTOR] for user in MENTORS)


def test_a_failed_image_upload_leaves_no_menu_behind(runner, fake_line, db, people):
    fake_line.fail_next(status=500, endpoint="setRichMenuImage")
    result = deploy(runner, expect_ok=False)
    assert "image upload: LINE answered 500" in result.output
    assert fake_line.rich_menus == {}
    assert stored(db) == {}
    assert fake_line.rich_menu_of(MENTORS[0]) is None


def test_a_failed_link_keeps_the_old_menus_until_the_next_deploy(runner, fake_line, db, people):
    deploy(runner)
    first = menu_ids(db)
    fake_line.fail_next(status=500, endpoint="linkRichMenuIdToUsers")
    deploy(runner, expect_ok=False)
    assert len(fake_line.rich_menus) == 2 * len(richmenu.LAYOUTS)
    assert fake_line.rich_menu_of(COORDINATOR) == first[Role.COORDINATOR]   # still has a menu
    assert runner.invoke(richmenu_group, ["status"]).output.count("to delete") == len(
        richmenu.LAYOUTS)
    deploy(runner)
    assert set(fake_line.rich_menus) == set(menu_ids(db).values())
    assert not [k for k in stored(db) if k.startswith(richmenu.RETIRING_PREFIX)]
    assert fake_line.rich_menu_of(COORDINATOR) == menu_ids(db)[Role.COORDINATOR]


def test_a_replaced_menu_that_cannot_be_deleted_waits_for_the_next_deploy(runner, fake_line,
                                                                          db, people):
    deploy(runner)
    fake_line.fail_next(status=500, endpoint="deleteRichMenu")
    result = deploy(runner)                       # the new menus are live: not a failure
    kept = len(richmenu.LAYOUTS)
    assert (f"deleted {kept - 1} replaced rich menu(s); 1 left for the next deploy"
            in result.output)
    assert len(fake_line.rich_menus) == kept + 1
    assert runner.invoke(richmenu_group, ["status"]).output.count("to delete") == 1
    # A menu already gone on LINE (404) is forgotten rather than retried forever.
    fake_line.fail_next(status=404, endpoint="deleteRichMenu")
    result = deploy(runner)
    assert f"deleted {kept + 1} replaced rich menu(s)" in result.output
    assert "to delete" not in runner.invoke(richmenu_group, ["status"]).output


def test_deploy_needs_the_line_channel(runner, fake_line, app):
    app.config["LINE_CHANNEL_ACCESS_TOKEN"] = None
    result = deploy(runner, expect_ok=False)
    assert "LINE_CHANNEL_ACCESS_TOKEN" in result.output
    assert fake_line.requests == []


def test_status_before_any_deploy(runner, db):
    output = runner.invoke(richmenu_group, ["status"]).output
    assert "mentor       not deployed" in output and "coordinator  not deployed" in output


# -- linking on registration --------------------------------------------------------------
def _register(line, db, clock, role: Role) -> None:
    with db.transaction() as s:
        person = factories.person(s, name="นางสาวใหม่ ลงทะเบียน", role=role, phone="0810000077")
        code = factories.code_for(s, person, clock.now)
    response = line.post(text_event(NEWCOMER, code))
    assert response.status_code == 200


@pytest.mark.parametrize("role", list(richmenu.LAYOUTS))
def test_registering_links_the_menu_of_the_role(runner, line, fake_line, db, clock, role):
    deploy(runner)
    _register(line, db, clock, role)
    assert "ยินดีต้อนรับ" in fake_line.sent_messages(NEWCOMER)[-1]["text"]
    assert fake_line.rich_menu_of(NEWCOMER) == menu_ids(db)[role]


def test_the_province_officers_menu_opens_the_dashboard(runner, line, fake_line, db, clock):
    deploy(runner)
    _register(line, db, clock, Role.PROVINCE)
    menu = fake_line.rich_menu_of(NEWCOMER)
    assert menu == menu_ids(db)[Role.PROVINCE]
    labels = [area["action"]["label"] for area in fake_line.rich_menus[menu]["areas"]]
    assert labels == ["แดชบอร์ด", "เมนู"]


def test_registering_before_any_deploy_links_nothing(line, fake_line, db, clock):
    _register(line, db, clock, Role.MENTOR)
    assert "ยินดีต้อนรับ" in fake_line.sent_messages(NEWCOMER)[-1]["text"]
    assert fake_line.calls("linkRichMenuIdToUser") == []


def test_a_failed_link_on_registration_is_logged_without_the_user(runner, line, fake_line, db,
                                                                  clock, caplog):
    deploy(runner)
    caplog.set_level(logging.DEBUG)
    fake_line.fail_next(status=500, endpoint="linkRichMenuIdToUser")
    _register(line, db, clock, Role.MENTOR)
    assert "ยินดีต้อนรับ" in fake_line.sent_messages(NEWCOMER)[-1]["text"]
    assert fake_line.rich_menu_of(NEWCOMER) is None
    assert "rich menu link: LINE answered 500" in caplog.text
    assert NEWCOMER not in caplog.text


# -- tapping the menu ---------------------------------------------------------------------
def _areas(fake_line, user: str) -> list[dict]:
    return fake_line.rich_menus[fake_line.rich_menu_of(user)]["areas"]


def test_the_households_area_answers_with_the_household_carousel(runner, line, fake_line, db,
                                                                  clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTORS[0])
        factories.household(s, mentor, now=clock.now - timedelta(days=40))
        factories.household(s, mentor, house_id="42010000012", head="นายสมชาย ดีใจ",
                            now=clock.now)
        for household in s.scalars(select(Household)):
            household.next_visit_due = date(2026, 5, 1)
    deploy(runner)
    player = Player(line, fake_line, MENTORS[0], clock)
    player.tap("บ้านที่ดูแล", _areas(fake_line, MENTORS[0]))
    [card] = player.last
    assert card["type"] == "flex" and card["contents"]["type"] == "carousel"
    assert "เลยกำหนด 6 วัน" in str(card)
    player.tap("รายงานการเยี่ยมบ้าน", _areas(fake_line, MENTORS[0]))
    assert "เลือกครัวเรือน" in player.text and "นายสมชาย ดีใจ" in player.text


def test_the_menu_area_shows_the_quick_reply_menu(runner, line, fake_line, db, clock, people):
    deploy(runner)
    coordinator = Player(line, fake_line, COORDINATOR, clock)
    coordinator.tap("เมนู", _areas(fake_line, COORDINATOR))
    assert coordinator.labels() == [item.label for item in MENUS[Role.COORDINATOR]]
