"""`mentorbot demo`, driven in headless Chromium: the page plays LINE, the real bot answers.

Needs Debian's chromium at /usr/bin/chromium and the `playwright` Python package (no browser
download). Without chromium the tests skip, unless CI is set (then they fail).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Replies go through the worker pool and the stand-in; the page polls every 700 ms.
BOT_TIMEOUT_MS = 20_000
TITLES = ("นางสาว", "นาย", "นาง")


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(tmp_path):
    from bot.demo.server import DemoServer
    server = DemoServer(host="127.0.0.1", port=0, instance_path=str(tmp_path / "instance"),
                        fresh=True).start()
    yield server
    fake = server.fake
    server.shutdown()
    fake.assert_no_violations()


@pytest.fixture
def page(browser, demo):
    context = browser.new_context(viewport={"width": 900, "height": 900}, locale="th-TH",
                                  timezone_id="Asia/Bangkok")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(demo.page_url)
    page.locator(".person").first.wait_for()
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _given_name(full_name: str) -> str:
    for title in TITLES:
        if full_name.startswith(title):
            return full_name[len(title):].strip()
    return full_name


def _send(page, text: str) -> int:
    """Type and send; returns the status /callback answered the page's signed webhook with."""
    page.fill("#message-input", text)
    with page.expect_response(lambda r: r.url.endswith("/callback")) as response:
        page.press("#message-input", "Enter")
    return response.value.status


def test_mentor_registers_with_the_code_from_the_people_list(page, demo, tmp_path):
    mentor = page.locator('.person[data-role="mentor"]').first
    name = mentor.locator(".name").inner_text().strip()
    code = mentor.locator(".code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    assert mentor.get_attribute("data-registered") == "no"
    user_id = mentor.get_attribute("data-user-id")
    assert re.fullmatch(r"U[0-9a-f]{32}", user_id)

    mentor.click()
    assert name in page.locator("#who").inner_text()
    assert _send(page, code) == 200

    greeting = page.locator(".msg.bot").filter(has_text=_given_name(name))
    greeting.first.wait_for(timeout=BOT_TIMEOUT_MS)
    assert "ยินดีต้อนรับ" in greeting.first.inner_text()
    # The people list catches up: registered, and no code shown any more.
    page.locator(f'.person[data-user-id="{user_id}"][data-registered="yes"]').wait_for(
        timeout=BOT_TIMEOUT_MS)
    assert page.locator(f'.person[data-user-id="{user_id}"] .code').count() == 0
    assert page.locator("#banner").is_hidden()
    # Registration linked the mentor's rich menu (deployed to the stand-in when the demo started).
    assert demo.rich_menu_error is None
    page.locator("#rich-menu .rm-area").first.wait_for(timeout=BOT_TIMEOUT_MS)
    assert page.locator("#rich-menu img").count() == 1
    # What the page showed is what the bot sent to that user through the stand-in.
    sent = demo.fake.sent_messages(user_id)
    assert any(_given_name(name) in (m.get("text") or "") for m in sent)
    page.screenshot(path=str(tmp_path / "demo-mentor.png"), full_page=True)


def test_stranger_is_told_how_to_register(page, demo, tmp_path):
    from handlers.registration import HOW_TO_REGISTER

    stranger = page.locator('.person[data-role="stranger"]')
    stranger.click()
    user_id = stranger.get_attribute("data-user-id")
    assert _send(page, "สวัสดี") == 200

    me = page.locator(".msg.me").last
    assert me.inner_text().startswith("สวัสดี")
    reply = page.locator(".msg.bot").filter(has_text="รหัสลงทะเบียน")
    reply.first.wait_for(timeout=BOT_TIMEOUT_MS)
    shown = reply.first.locator(".bubble").inner_text()
    # Newlines are kept, as LINE shows them.
    assert shown.split("\n")[0] == HOW_TO_REGISTER.split("\n")[0]
    assert "\n" in shown
    assert demo.fake.sent_messages(user_id)
    page.screenshot(path=str(tmp_path / "demo-stranger.png"), full_page=True)


def test_wrong_input_kinds_reach_the_bot(page, demo):
    """A sticker and a location are real webhook events too; the bot must answer them in Thai."""
    page.locator('.person[data-role="stranger"]').click()
    page.click("#more-btn")
    for button in ("#send-sticker", "#send-location"):
        with page.expect_response(lambda r: r.url.endswith("/callback")) as response:
            page.click(button)
        assert response.value.status == 200
    page.locator(".msg.bot").nth(1).wait_for(timeout=BOT_TIMEOUT_MS)
    assert page.locator(".msg.me .sticker").count() == 1


def test_signature_fallback_matches_line_test_vector(page):
    # The pure-JS HMAC is used when crypto.subtle is missing (page opened over http from a LAN).
    got = page.evaluate(
        "() => window.mentorbotDemo.hmacFallback('channel_secret', 'bodybodybodybody')")
    assert got == "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="


FLEX = {
    "type": "flex", "altText": "บ้านที่ดูแล",
    "contents": {"type": "carousel", "contents": [{
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "นางสมศรี ใจดี", "weight": "bold", "size": "lg",
             "wrap": True}]},
        "hero": {"type": "image", "url": "http://127.0.0.1:9/none.png", "size": "full",
                 "aspectRatio": "20:13"},
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            {"type": "box", "layout": "baseline", "contents": [
                {"type": "text", "text": "เยี่ยมครั้งล่าสุด", "color": "#888888", "size": "sm",
                 "flex": 2},
                {"type": "text", "text": "7 พ.ค. 2569", "size": "sm", "flex": 3}]},
            {"type": "separator", "margin": "md"},
            {"type": "spacer", "size": "md"},
            {"type": "box", "layout": "horizontal", "contents": [
                {"type": "text", "text": "ค้างเยี่ยม", "color": "#D32F2F", "wrap": True}]}]},
        "footer": {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "style": "primary", "height": "sm",
             "action": {"type": "postback", "label": "รายงานการเยี่ยม", "data": "demo-test",
                        "displayText": "รายงานการเยี่ยม"}}]}}]},
    "quickReply": {"items": [
        {"type": "action", "action": {"type": "message", "label": "เมนู", "text": "เมนู"}},
        {"type": "action", "action": {"type": "datetimepicker", "label": "เลือกวัน", "data": "d",
                                      "mode": "date", "min": "2026-05-01", "max": "2026-05-31"}}]},
}
TEMPLATE = {"type": "template", "altText": "ยืนยัน",
            "template": {"type": "confirm", "text": "บันทึกการเยี่ยมนี้หรือไม่",
                         "actions": [{"type": "postback", "label": "บันทึก", "data": "yes"},
                                     {"type": "message", "label": "ยกเลิก", "text": "ยกเลิก"}]}}


def test_cards_quick_replies_and_date_picker(page, demo):
    """Flex, template and quick-reply rendering, and that their buttons post real events."""
    page.locator('.person[data-role="stranger"]').click()
    page.evaluate("(m) => window.mentorbotDemo.show(m)", FLEX)
    page.evaluate("(m) => window.mentorbotDemo.show(m)", TEMPLATE)
    assert page.locator(".fail").count() == 0
    assert page.locator(".fx-bubble").count() == 1
    assert "7 พ.ค. 2569" in page.locator(".fx-bubble").inner_text()
    assert page.locator(".card-actions.row .act").count() == 2

    # A button on an older message is still clickable; the postback shows its displayText.
    with page.expect_response(lambda r: r.url.endswith("/callback")) as response:
        page.locator(".fx-button", has_text="รายงานการเยี่ยม").click()
    assert response.value.status == 200
    assert page.locator(".msg.me .bubble").last.inner_text() == "รายงานการเยี่ยม"
    # A stranger's tap gets the how-to-register text; wait for it so it doesn't land in between.
    page.locator(".msg.bot").filter(has_text="รหัสลงทะเบียน").first.wait_for(timeout=BOT_TIMEOUT_MS)

    # Quick replies belong to the newest message only (as in LINE).
    page.evaluate("(m) => window.mentorbotDemo.show(m)", FLEX)
    assert page.locator("#quick-replies .qr").count() == 2
    page.locator("#quick-replies .qr", has_text="เลือกวัน").click()
    picker = page.locator("#picker-input")
    assert picker.get_attribute("type") == "date"
    assert picker.get_attribute("min") == "2026-05-01"
    assert picker.get_attribute("max") == "2026-05-31"
    picker.fill("2026-05-07")
    with page.expect_request(lambda r: r.url.endswith("/callback")) as request:
        page.click("#picker-ok")
    event = request.value.post_data_json["events"][0]
    assert event["type"] == "postback"
    assert event["postback"] == {"data": "d", "params": {"date": "2026-05-07"}}
    assert page.locator(".msg.system").last.inner_text() == "📅 เลือกวันที่ 7 พ.ค. 2569"


def test_push_to_someone_else_shows_as_unread(page, demo):
    """Pushes go through the outbox and the demo's clock, like production's clock process."""
    from bot.services import services
    from delivery.outbox import enqueue_messages

    page.locator('.person[data-role="stranger"]').click()
    coordinator = page.locator('.person[data-role="coordinator"]').first
    user_id = coordinator.get_attribute("data-user-id")
    svc = services(demo.app)
    with svc.db.transaction() as session:
        enqueue_messages(session, [user_id],
                         [{"type": "text", "text": "มีเรื่องขอความช่วยเหลือใหม่ 1 เรื่อง"}],
                         svc.clock())
    unread = page.locator(f'.person[data-user-id="{user_id}"] .badge.unread')
    unread.wait_for(timeout=BOT_TIMEOUT_MS)
    coordinator.click()
    message = page.locator(".msg.bot").filter(has_text="มีเรื่องขอความช่วยเหลือใหม่")
    message.wait_for(timeout=BOT_TIMEOUT_MS)
    assert "แจ้งเตือน" in message.locator(".time").inner_text()
    assert unread.count() == 0


def test_red_banner_when_line_would_refuse_a_call(page, demo):
    """A call the stand-in finds against LINE's spec shows as a red banner on the page."""
    import json
    import urllib.error
    import urllib.request

    stranger = page.locator('.person[data-role="stranger"]')
    stranger.click()
    user_id = stranger.get_attribute("data-user-id")
    assert _send(page, "สวัสดี") == 200
    page.locator(".msg.bot").first.wait_for(timeout=BOT_TIMEOUT_MS)
    assert page.locator("#banner").is_hidden()

    # A push LINE would refuse (a text message without its text), sent as the bot would.
    bad = urllib.request.Request(
        f"{demo.base_url}/_line/v2/bot/message/push", method="POST",
        data=json.dumps({"to": user_id, "messages": [{"type": "text"}]}).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {demo.app.config['LINE_CHANNEL_ACCESS_TOKEN']}"})
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=5)
        assert refused.value.code == 400
        banner = page.locator("#banner")
        banner.wait_for(state="visible", timeout=BOT_TIMEOUT_MS)
        assert "/v2/bot/message/push" in banner.inner_text()
        page.click("#banner-close")
        assert banner.is_hidden()
    finally:
        demo.fake.clear()   # the violation was made on purpose


def test_restart_keeps_people_and_codes(tmp_path):
    """Without --fresh the demo database is kept; the new stand-in gets fresh rich menus."""
    from bot.demo.server import DemoServer

    instance = str(tmp_path / "instance")
    first = DemoServer(port=0, instance_path=instance, fresh=True).start()
    try:
        people = first.load_report.roster.mentors_created
        assert people and first.load_report.coordinators_created
    finally:
        first.shutdown()
    again = DemoServer(port=0, instance_path=instance).start()
    try:
        assert again.load_report.roster is None            # nothing imported twice
        assert again.rich_menu_error is None
        assert again.fake.violations() == []                # no deletes of the old run's menus
    finally:
        again.shutdown()


def test_a_stranger_after_a_mentor_sees_no_rich_menu_and_the_page_is_thai(page, demo):
    mentor = page.locator('.person[data-role="mentor"]').first
    code = mentor.locator(".code").inner_text().strip()
    mentor.click()
    assert _send(page, code) == 200
    page.locator("#rich-menu .rm-area").first.wait_for(timeout=BOT_TIMEOUT_MS)
    page.locator('.person[data-role="stranger"]').click()
    page.wait_for_function("document.getElementById('rich-menu').hidden === true",
                           timeout=BOT_TIMEOUT_MS)
    mentor.click()
    page.locator("#rich-menu .rm-area").first.wait_for(timeout=BOT_TIMEOUT_MS)
    # The page speaks Thai, and says its people are made up.
    assert page.locator(".en").count() == 0
    assert "ข้อมูลสมมุติ" in page.locator(".panel-foot").inner_text()


def test_demo_households_were_assigned_weeks_ago_so_yesterday_works(page, demo):
    from sqlalchemy import select

    from bot.services import services
    from models import Household
    mentor = page.locator('.person[data-role="mentor"]').first
    code = mentor.locator(".code").inner_text().strip()
    mentor.click()
    assert _send(page, code) == 200
    page.locator(".msg.bot").filter(has_text="ยินดีต้อนรับ").first.wait_for(
        timeout=BOT_TIMEOUT_MS)
    assert _send(page, "รายงานการเยี่ยมบ้าน") == 200
    page.locator(".msg.bot").filter(has_text="วันไหน").first.wait_for(timeout=BOT_TIMEOUT_MS)
    page.locator("#quick-replies .qr", has_text="เมื่อวาน").click()
    page.locator(".msg.bot").filter(has_text="ทัศนคติ").first.wait_for(timeout=BOT_TIMEOUT_MS)
    with services(demo.app).db.transaction() as session:
        visited = session.scalars(select(Household.last_visit_on)).all()
    assert any(v is not None for v in visited) and any(v is None for v in visited)
