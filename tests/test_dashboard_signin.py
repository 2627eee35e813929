"""Signing in to the dashboard from LINE: the one-time link, the session, what is refused."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.services import services
from models import DashboardLink, DashboardSession

from .dashboard_helpers import (
    COORD,
    MENTOR,
    PROVINCE,
    link_from_chat,
    path_of,
    player,
)
from .players import actions_in, all_text


def signed_in_client(app, line, fake_line, clock, user_id: str):
    client = app.test_client()
    link = link_from_chat(player(line, fake_line, clock, user_id))
    response = client.get(path_of(link))
    assert response.status_code == 303, response.get_data(as_text=True)
    return client, response


def test_a_coordinator_gets_a_personal_link_that_signs_in_once(app, line, fake_line, clock,
                                                               area_ids):
    coordinator = player(line, fake_line, clock, COORD)
    link = link_from_chat(coordinator)
    assert link.startswith("http://dashboard.test/dashboard/signin?t=")
    assert "ใช้ได้ครั้งเดียวภายใน 10 นาที" in all_text(coordinator.last)
    assert not [a for a in actions_in(coordinator.last) if a["type"] == "uri"
                and a in (coordinator.last[0].get("quickReply") or {}).get("items", [])]
    client = app.test_client()
    response = client.get(path_of(link))
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/"   # the token is gone from the URL
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/dashboard" in cookie
    assert "Max-Age=28800" in cookie
    page = client.get("/dashboard/district")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "ภาพรวมอำเภอเมืองเลย จังหวัดเลย" in body and "นางสาวมาลี ศรีเลย" in body
    # the same link again, from any browser
    again = app.test_client().get(path_of(link))
    assert again.status_code == 410
    assert "ถูกใช้ไปแล้ว" in again.get_data(as_text=True)
    assert "พิมพ์ <strong>แดชบอร์ด</strong>" in again.get_data(as_text=True)


def test_an_expired_link_is_refused(app, line, fake_line, clock, area_ids):
    link = link_from_chat(player(line, fake_line, clock, COORD))
    clock.advance(minutes=10, seconds=1)
    response = app.test_client().get(path_of(link))
    assert response.status_code == 410
    assert "หมดอายุ" in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["forged", "", "x" * 43])
def test_a_forged_link_is_refused(app, area_ids, token):
    response = app.test_client().get(f"/dashboard/signin?t={token}")
    assert response.status_code == 403
    assert "ลิงก์นี้ไม่ถูกต้อง" in response.get_data(as_text=True)


def test_mentors_and_strangers_get_no_link(app, db, line, fake_line, clock, area_ids):
    mentor = player(line, fake_line, clock, MENTOR)
    mentor.say("แดชบอร์ด")
    assert "ไม่ได้มีไว้สำหรับบทบาทของท่าน" in mentor.text
    assert not [a for a in actions_in(mentor.last) if a["type"] == "uri"]
    stranger = player(line, fake_line, clock, "U" + "f0" * 16)
    stranger.say("แดชบอร์ด")
    assert not [a for a in actions_in(stranger.last) if a["type"] == "uri"]
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(DashboardLink)) == 0


def test_a_province_officer_gets_a_link_to_the_province(app, line, fake_line, clock, area_ids):
    client, response = signed_in_client(app, line, fake_line, clock, PROVINCE)
    assert client.get("/dashboard/").headers["Location"] == "/dashboard/province"
    page = client.get("/dashboard/province")
    assert page.status_code == 200
    assert "ภาพรวมจังหวัดเลย" in page.get_data(as_text=True)


def test_pages_without_a_session_say_to_ask_the_bot(app, area_ids):
    response = app.test_client().get("/dashboard/district")
    assert response.status_code == 401
    assert "แดชบอร์ด" in response.get_data(as_text=True)


def test_signing_out_ends_the_session(app, db, line, fake_line, clock, area_ids):
    client, _ = signed_in_client(app, line, fake_line, clock, COORD)
    page = client.get("/dashboard/exports").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/dashboard/signout", data={"csrf": "wrong"}).status_code == 403
    out = client.post("/dashboard/signout", data={"csrf": csrf})
    assert out.status_code == 200 and "ออกจากระบบแล้วค่ะ" in out.get_data(as_text=True)
    assert client.get("/dashboard/district").status_code == 401
    with db.transaction() as s:
        assert s.scalar(select(DashboardSession.ended_at)) is not None


def test_a_session_lasts_eight_hours(app, line, fake_line, clock, area_ids):
    client, _ = signed_in_client(app, line, fake_line, clock, COORD)
    clock.advance(hours=7, minutes=59)
    assert client.get("/dashboard/district").status_code == 200
    clock.advance(minutes=2)
    assert client.get("/dashboard/district").status_code == 401


def test_a_session_ends_when_the_person_is_no_longer_a_coordinator(app, db, line, fake_line,
                                                                    clock, area_ids):
    from models import Person, Role
    client, _ = signed_in_client(app, line, fake_line, clock, COORD)
    with db.transaction() as s:
        s.get(Person, area_ids["coord"]).role = Role.MENTOR
    assert client.get("/dashboard/district").status_code == 401


def test_another_districts_records_are_not_found_and_the_attempt_is_logged(
        app, line, fake_line, clock, area_ids, caplog):
    client, _ = signed_in_client(app, line, fake_line, clock, COORD)
    assert client.get(f"/dashboard/households/{area_ids['home']}").status_code == 200
    caplog.set_level(logging.INFO)
    for url in (f"/dashboard/households/{area_ids['away']}",
                f"/dashboard/mentors/{area_ids['other_mentor']}",
                "/dashboard/district?d=วังสะพุง", "/dashboard/mentors?d=วังสะพุง",
                "/dashboard/households/999999", "/dashboard/province"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "นอกพื้นที่ของท่าน" in response.get_data(as_text=True)
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 6
    assert f"household id={area_ids['away']}" in refused[0]
    text = caplog.text
    for private in ("นายสมหมาย", "42010000029", "วังสะพุง", "มาลี"):
        assert private not in text


def test_a_province_officer_sees_any_district_of_the_province_only(app, line, fake_line, clock,
                                                                   area_ids):
    client, _ = signed_in_client(app, line, fake_line, clock, PROVINCE)
    assert client.get("/dashboard/district?d=วังสะพุง").status_code == 200
    assert client.get(f"/dashboard/households/{area_ids['away']}").status_code == 200
    assert client.get("/dashboard/district?d=เมืองหนองคาย").status_code == 404


def test_pages_carry_the_security_headers(app, line, fake_line, clock, area_ids):
    client, first = signed_in_client(app, line, fake_line, clock, COORD)
    for response in (first, client.get("/dashboard/district")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
    body = client.get("/dashboard/district").get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body   # nothing inline for the CSP


def test_no_dashboard_without_a_public_address(app, line, fake_line, clock, area_ids):
    app.config["PUBLIC_BASE_URL"] = None
    services(app).config["PUBLIC_BASE_URL"] = None
    coordinator = player(line, fake_line, clock, COORD)
    coordinator.say("แดชบอร์ด")
    assert "ยังไม่เปิดใช้" in coordinator.text


def test_the_coordinator_menu_offers_the_dashboard(line, fake_line, clock, area_ids):
    coordinator = player(line, fake_line, clock, COORD)
    coordinator.say("เมนู")
    assert "แดชบอร์ด" in coordinator.labels()
    link = coordinator.tap("แดชบอร์ด")
    assert any(a["type"] == "uri" for a in actions_in(link))


def test_links_and_sessions_are_stored_as_hashes(app, db, line, fake_line, clock, area_ids):
    link = link_from_chat(player(line, fake_line, clock, COORD))
    token = link.split("t=")[1]
    client = app.test_client()
    client.get(path_of(link))
    cookie = client.get_cookie("mentorbot_dashboard", path="/dashboard").value
    with db.transaction() as s:
        stored = [*s.scalars(select(DashboardLink.token_hash)),
                  *s.scalars(select(DashboardSession.token_hash))]
    assert token not in stored and cookie not in stored and len(stored) == 2
    _ = timedelta


def test_a_large_districts_mentors_come_a_hundred_at_a_time(app, db, line, fake_line, clock,
                                                           area_ids):
    from bot.dashboard.pages import MENTORS_PER_PAGE
    from tests import factories
    with db.transaction() as s:
        for n in range(MENTORS_PER_PAGE + 5):
            mentor = factories.person(s, name=f"นายพี่เลี้ยง ที่{n:03d}", phone=f"0820{n:06d}")
            factories.household(s, mentor, house_id=f"4301{n:07d}", now=clock.now)
    client, _ = signed_in_client(app, line, fake_line, clock, COORD)
    first = client.get("/dashboard/mentors?sort=households&desc=1").get_data(as_text=True)
    assert "106 คน (หน้า 1 จาก 2)" in first
    assert first.count('scope="row"') == MENTORS_PER_PAGE
    second = client.get("/dashboard/mentors?sort=households&desc=1&page=2").get_data(as_text=True)
    assert "หน้า 2 จาก 2" in second and "‹ หน้าก่อน" in second and "หน้าถัดไป" not in second
    assert second.count('scope="row"') == 6
    assert "หน้า 2 จาก 2" in client.get("/dashboard/mentors?page=99").get_data(as_text=True)


# -- inside LINE: the LIFF page ----------------------------------------------------------------
LIFF_ID = "1657000000-mentorbt"
CHANNEL = "1657000000"


def liff_attempt(client, fake_line, user_id: str, channel: str = CHANNEL, *, token=None,
                 nonce=None):
    page = client.get("/dashboard/liff").get_data(as_text=True)
    nonce = nonce or page.split('data-nonce="')[1].split('"')[0]
    token = token or fake_line.mint_id_token(user_id, channel)
    response = client.post("/dashboard/liff/session", json={"idToken": token, "nonce": nonce})
    return response, token


@pytest.fixture
def liff_app(app, fake_line, clock):
    app.config["LIFF_ID"] = LIFF_ID
    fake_line.clock = clock
    return app


def test_the_liff_page_signs_in_with_an_id_token_line_verified(liff_app, fake_line, area_ids):
    client = liff_app.test_client()
    page = client.get("/dashboard/liff")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://static.line-scdn.net" in csp and "unsafe-inline" not in csp
    response, _ = liff_attempt(client, fake_line, COORD)
    assert response.status_code == 200 and response.get_json()["next"] == "/dashboard/"
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert client.get("/dashboard/district").status_code == 200
    [verify] = fake_line.calls("verifyIdToken")
    assert verify.form["client_id"] == CHANNEL


def test_the_card_offers_the_liff_app_beside_the_link(liff_app, line, fake_line, clock,
                                                      area_ids):
    coordinator = player(line, fake_line, clock, COORD)
    coordinator.say("แดชบอร์ด")
    uris = {a["label"]: a["uri"] for a in actions_in(coordinator.last) if a["type"] == "uri"}
    assert uris["เปิดแดชบอร์ดใน LINE"] == f"https://liff.line.me/{LIFF_ID}"
    assert uris["เปิดในเบราว์เซอร์"].startswith("http://dashboard.test/dashboard/signin?t=")


def test_liff_refuses_another_channel_a_used_token_a_forged_nonce_and_a_mentor(
        liff_app, fake_line, clock, area_ids):
    client = liff_app.test_client()
    assert liff_attempt(client, fake_line, COORD, "1999999999")[0].status_code == 403
    ok, token = liff_attempt(client, fake_line, COORD)
    assert ok.status_code == 200
    again, _ = liff_attempt(liff_app.test_client(), fake_line, COORD, token=token)
    assert again.status_code == 403 and again.get_json()["again"] is True
    forged, _ = liff_attempt(client, fake_line, COORD, nonce="9999999999.salt.0000")
    assert forged.status_code == 403
    assert liff_attempt(client, fake_line, MENTOR)[0].status_code == 403
    expired = fake_line.mint_id_token(COORD, CHANNEL, ttl=timedelta(minutes=5))
    clock.advance(minutes=6)
    assert liff_attempt(client, fake_line, COORD, token=expired)[0].status_code == 403
    page = client.get("/dashboard/liff").get_data(as_text=True)
    stale_nonce = page.split('data-nonce="')[1].split('"')[0]
    clock.advance(minutes=11)
    assert liff_attempt(client, fake_line, COORD, nonce=stale_nonce)[0].status_code == 403


def test_opening_the_liff_page_writes_nothing(liff_app, db, fake_line, area_ids):
    from sqlalchemy import text
    with db.transaction() as s:
        before = s.execute(text("SELECT count(*) FROM used_id_tokens")).scalar()
    for _ in range(3):
        assert liff_app.test_client().get("/dashboard/liff").status_code == 200
    with db.transaction() as s:
        assert s.execute(text("SELECT count(*) FROM used_id_tokens")).scalar() == before == 0


def test_odd_input_is_a_4xx_never_a_500(app, line, fake_line, clock, area_ids):
    client, _ = signed_in_client(app, line, fake_line, clock, COORD)
    for url in ("/dashboard/households/99999999999999999999",
                "/dashboard/mentors/99999999999999999999",
                "/dashboard/exports/99999999999999999999/download"):
        assert client.get(url).status_code == 404, url
    assert client.post("/dashboard/signout", data={"csrf": "ค่ะ"}).status_code == 403
    assert client.post("/dashboard/liff/session", data="not json").status_code in (400, 404)


def test_a_page_takes_no_write_lock(app, db, line, fake_line, clock, area_ids):
    """On SQLite a page reads beside a writer (the webhook) instead of queueing for its lock."""
    from sqlalchemy import text
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    client, _ = signed_in_client(app, line, fake_line, clock, COORD)
    with db.transaction() as s:          # BEGIN IMMEDIATE: holds the database's write lock
        s.execute(text("UPDATE people SET name = name WHERE id = -1"))
        assert client.get("/dashboard/district").status_code == 200
        assert client.get("/dashboard/mentors").status_code == 200
    # A household's page reads the same way, then writes its audit record (who saw the
    # household) in a short transaction of its own: that one write queues like any other.
    assert client.get(f"/dashboard/households/{area_ids['home']}").status_code == 200
