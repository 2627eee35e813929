"""The dashboard in headless Chromium, on the demo (its sample district with weeks of made-up
history): signing in from the chat's link and inside LINE (LIFF, against the stand-in's verify
endpoint), every page with data, every chart drawn, nothing wider than a phone, the refusals,
and a Logbook export downloaded with its Thai text intact."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.demo.server import DEMO_LIFF_ID
from bot.services import services
from handlers.dashboard import signin
from handlers.invites import create_province_officer
from models import DashboardLink, Household, Person, Role, utcnow

from .test_demo_page import BOT_TIMEOUT_MS, _send, browser, demo  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
PAGES_TIMEOUT_MS = 15_000


@pytest.fixture
def context(browser):   # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok",
                                  accept_downloads=True)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def _db(demo):   # noqa: F811
    return services(demo.app).db


def _registered(demo, role: Role, district: str | None = None) -> Person:   # noqa: F811
    """A person of the demo with a LINE user id (as if they had typed their code)."""
    with _db(demo).transaction() as s:
        query = select(Person).where(Person.role == role)
        if district:
            query = query.where(Person.district == district)
        person = s.scalars(query.order_by(Person.id)).first()
        if person is None and role is Role.PROVINCE:
            code = create_province_officer(s, "นางสาวกานดา จังหวัดดี", "เลย", None,
                                           utcnow(), 14)
            person = s.get(Person, code.person_id)
        assert person is not None
        if person.line_user_id is None:
            person.line_user_id = "U" + f"{person.id:032x}"
        s.flush()
        s.expunge(person)
        return person


def _link(demo, person: Person, *, ago: timedelta = timedelta(0)) -> str:   # noqa: F811
    with _db(demo).transaction() as s:
        token = signin.issue_link(s, s.get(Person, person.id), utcnow() - ago)
    return f"{demo.base_url}/dashboard/signin?t={token}"


def _busiest_district(demo) -> str:   # noqa: F811
    with _db(demo).transaction() as s:
        return s.execute(select(Household.district, func.count()).group_by(Household.district)
                         .order_by(func.count().desc())).first()[0]


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def _charts_drawn(page) -> int:
    """Every chart on the page has drawn: its canvas, shot on screen, is not one flat colour."""
    page.wait_for_function("document.body.dataset.chartsDrawn !== undefined",
                           timeout=PAGES_TIMEOUT_MS)
    canvases = page.locator("canvas[data-chart]")
    for i in range(canvases.count()):
        canvas = canvases.nth(i)
        canvas.scroll_into_view_if_needed()
        assert canvas.get_attribute("data-drawn") == "true"
        shot = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
        colours = shot.getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 8, f"chart {i} on {page.url} is blank"
    return canvases.count()


def _register_and_ask_for_the_dashboard(page, person) -> None:
    """On the demo page: be this person, type their registration code, then แดชบอร์ด."""
    code = person.locator(".code").inner_text().strip()
    person.click()
    assert _send(page, code) == 200
    page.locator(".msg.bot").filter(has_text="ยินดีต้อนรับ").first.wait_for(
        timeout=BOT_TIMEOUT_MS)
    assert _send(page, "แดชบอร์ด") == 200


def test_a_coordinator_opens_the_dashboard_from_the_chat_and_downloads_a_logbook(
        browser, demo, tmp_path):   # noqa: F811
    chat = browser.new_context(viewport={"width": 900, "height": 900}, locale="th-TH",
                               timezone_id="Asia/Bangkok", accept_downloads=True)
    page = chat.new_page()
    page.goto(demo.page_url)
    district = _busiest_district(demo)
    page.locator(".person").first.wait_for()
    coordinator = page.locator('.person[data-role="coordinator"]', has_text=f"อ.{district}").first
    user_id = coordinator.get_attribute("data-user-id")
    _register_and_ask_for_the_dashboard(page, coordinator)
    button = page.locator(".msg.bot button", has_text="เปิดในเบราว์เซอร์").last
    button.wait_for(timeout=BOT_TIMEOUT_MS)
    with page.expect_popup() as popup:
        button.click()
    dash = popup.value
    dash.wait_for_url("**/dashboard/district", timeout=PAGES_TIMEOUT_MS)
    assert "t=" not in dash.url                      # the token left the address bar
    assert "ภาพรวมอำเภอ" in dash.locator("h1").inner_text()
    assert _charts_drawn(dash) >= 5
    dash.screenshot(path=str(tmp_path / "dashboard-district.png"), full_page=True)

    dash.click("text=ไฟล์ข้อมูล")
    dash.select_option("#kind", "logbook")
    dash.fill("#start", (utcnow().date() - timedelta(days=365)).isoformat())
    dash.click("button[type=submit]:has-text('สร้างไฟล์')")
    link = dash.locator("#job-download a")
    link.wait_for(state="visible", timeout=PAGES_TIMEOUT_MS)
    assert "เสร็จแล้ว" in dash.locator("#job-status").inner_text()
    with dash.expect_download() as download:
        link.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "รหัสประจำบ้าน" in text and "ชื่อหัวหน้าครัวเรือน" in text   # Thai headers intact
    with _db(demo).transaction() as s:
        mine = s.scalar(select(Person.district).where(Person.line_user_id == user_id))
        heads = list(s.scalars(select(Household.head_name).where(Household.district == mine)))
    assert any(head in text for head in heads)                # Thai data intact

    # The same card's LIFF button: the simulated LINE app opens the LIFF endpoint, whose page
    # trades LINE's ID token (checked by the stand-in's verify endpoint) for a session.
    liff_button = page.locator(".msg.bot button", has_text="เปิดแดชบอร์ดใน LINE").last
    with page.expect_popup() as popup:
        liff_button.click()
    inside = popup.value
    inside.wait_for_url("**/dashboard/district", timeout=PAGES_TIMEOUT_MS)
    assert "ภาพรวมอำเภอ" in inside.locator("h1").inner_text()
    assert demo.fake.calls("verifyIdToken")
    chat.close()


def test_every_page_renders_with_data_on_a_phone(context, demo, tmp_path):   # noqa: F811
    district = _busiest_district(demo)
    person = _registered(demo, Role.COORDINATOR, district)
    page = context.new_page()
    page.goto(_link(demo, person))
    page.wait_for_url("**/dashboard/district")
    _no_sideways_scroll(page)
    assert _charts_drawn(page) >= 5
    # every chart has its table (what a screen reader reads)
    assert page.locator("figure.chart table.numbers").count() >= 5
    page.click("nav >> text=พี่เลี้ยง")
    page.wait_for_url("**/dashboard/mentors**")
    _no_sideways_scroll(page)
    rows = page.locator("table.sortable tbody tr")
    assert rows.count() >= 1
    page.click("table.sortable thead a:has-text('เลยกำหนด')")
    assert page.locator("th[aria-sort]").count() == 1
    page.locator("table.sortable tbody tr th a").first.click()
    page.wait_for_url("**/dashboard/mentors/*")
    _no_sideways_scroll(page)
    assert page.locator("table.list tbody tr").count() >= 1
    page.locator("table.list tbody tr th a").first.click()
    page.wait_for_url("**/dashboard/households/*")
    _no_sideways_scroll(page)
    for heading in ("การเยี่ยมบ้าน", "แผนพัฒนาครัวเรือน", "ความช่วยเหลือที่ได้รับ",
                    "เรื่องที่ส่งต่อ", "ประวัติระดับการพัฒนา"):
        assert page.locator("h2", has_text=heading).count() == 1
    page.screenshot(path=str(tmp_path / "dashboard-household.png"), full_page=True)
    page.goto(f"{demo.base_url}/dashboard/exports")
    _no_sideways_scroll(page)


def test_the_province_sees_its_districts_side_by_side(context, demo, tmp_path):   # noqa: F811
    person = _registered(demo, Role.PROVINCE)
    page = context.new_page()
    page.goto(_link(demo, person))
    page.wait_for_url("**/dashboard/province")
    _no_sideways_scroll(page)
    rows = page.locator("table.list").first.locator("tbody tr")
    assert rows.count() >= 3                        # two districts and the province's total
    assert "รวมทั้งจังหวัด" in rows.last.inner_text()
    assert _charts_drawn(page) >= 2
    rows.first.locator("a").click()
    page.wait_for_url("**/dashboard/district?d=*")
    assert _charts_drawn(page) >= 5
    page.screenshot(path=str(tmp_path / "dashboard-province.png"), full_page=True)


def test_used_expired_and_forged_links_are_refused_in_thai(context, demo):   # noqa: F811
    person = _registered(demo, Role.COORDINATOR, _busiest_district(demo))
    link = _link(demo, person)
    first = context.new_page()
    first.goto(link)
    first.wait_for_url("**/dashboard/district")
    other = context.browser.new_context(viewport=PHONE)
    again = other.new_page()
    response = again.goto(link)
    assert response.status == 410 and "ถูกใช้ไปแล้ว" in again.inner_text("main")
    assert "แดชบอร์ด" in again.inner_text("main")
    response = again.goto(_link(demo, person, ago=timedelta(minutes=11)))
    assert response.status == 410 and "หมดอายุ" in again.inner_text("main")
    response = again.goto(f"{demo.base_url}/dashboard/signin?t=made-up")
    assert response.status == 403 and "ไม่ถูกต้อง" in again.inner_text("main")
    response = again.goto(f"{demo.base_url}/dashboard/district")
    assert response.status == 401
    other.close()


def test_another_districts_household_and_downloads_are_not_found(context, demo):   # noqa: F811
    district = _busiest_district(demo)
    person = _registered(demo, Role.COORDINATOR, district)
    with _db(demo).transaction() as s:
        away = s.scalar(select(Household.id).where(Household.district != district))
    page = context.new_page()
    page.goto(_link(demo, person))
    page.wait_for_url("**/dashboard/district")
    response = page.goto(f"{demo.base_url}/dashboard/households/{away}")
    assert response.status == 404 and "นอกพื้นที่ของท่าน" in page.inner_text("main")
    # another coordinator's export, by its address
    other = _registered(demo, Role.COORDINATOR, None)
    with _db(demo).transaction() as s:
        other_district = s.scalar(select(Person.district).where(Person.id == other.id))
    if other_district == district:
        with _db(demo).transaction() as s:
            other = s.scalars(select(Person).where(Person.role == Role.COORDINATOR,
                                                   Person.district != district)).first()
            other.line_user_id = other.line_user_id or "U" + f"{other.id:032x}"
            s.flush()
            s.expunge(other)
    from datetime import date

    from handlers.exports import jobs
    from handlers.exports.table import Area
    with _db(demo).transaction() as s:
        mine = s.get(Person, other.id)
        job = jobs.ask(s, mine, "logbook", Area(mine.province, mine.district),
                       date(2026, 1, 1), date(2026, 1, 31), "xlsx", utcnow())
        job_id = job.id
    for suffix in ("", "/status", "/download"):
        response = page.goto(f"{demo.base_url}/dashboard/exports/{job_id}{suffix}")
        assert response.status == 404, suffix
    # and a district outside the coordinator's area cannot be asked for
    response = page.request.post(f"{demo.base_url}/dashboard/exports", form={
        "csrf": page.evaluate("document.cookie") or "x", "kind": "logbook", "d": other.district,
        "start": "2026-01-01", "end": "2026-01-31", "format": "xlsx"})
    assert response.status in (403, 404)


def test_a_mentor_asking_for_the_dashboard_gets_no_link(browser, demo):   # noqa: F811
    chat = browser.new_context(viewport={"width": 900, "height": 900}, locale="th-TH")
    page = chat.new_page()
    page.goto(demo.page_url)
    _register_and_ask_for_the_dashboard(page, page.locator('.person[data-role="mentor"]').first)
    page.locator(".msg.bot").filter(has_text="ไม่ได้มีไว้สำหรับบทบาทของท่าน").first.wait_for(
        timeout=BOT_TIMEOUT_MS)
    with _db(demo).transaction() as s:
        assert s.scalar(select(func.count()).select_from(DashboardLink)) == 0
    chat.close()


def test_inside_line_the_liff_page_signs_in_with_a_verified_id_token(context, demo):   # noqa: F811
    person = _registered(demo, Role.COORDINATOR, _busiest_district(demo))
    page = context.new_page()
    page.goto(f"{demo.base_url}/dashboard/static/dashboard.css")   # the origin, for storage
    page.evaluate("id => localStorage.setItem('fakeLiff.userId', id)", person.line_user_id)
    page.goto(f"{demo.base_url}/dashboard/liff")
    page.wait_for_url("**/dashboard/district", timeout=PAGES_TIMEOUT_MS)
    assert "ภาพรวมอำเภอ" in page.locator("h1").inner_text()
    assert demo.fake.calls("verifyIdToken")


def test_a_liff_token_for_another_channel_or_a_mentor_is_refused(context, demo):   # noqa: F811
    coordinator = _registered(demo, Role.COORDINATOR, _busiest_district(demo))
    mentor = _registered(demo, Role.MENTOR)
    page = context.new_page()
    page.goto(f"{demo.base_url}/dashboard/liff")   # no LINE user: the page waits, says so

    def attempt(user_id: str, channel: str) -> tuple[int, dict]:
        html = page.request.get(f"{demo.base_url}/dashboard/liff").text()
        nonce = html.split('data-nonce="')[1].split('"')[0]
        token = demo.fake.mint_id_token(user_id, channel)
        answer = page.request.post(f"{demo.base_url}/dashboard/liff/session",
                                   data=json.dumps({"idToken": token, "nonce": nonce}),
                                   headers={"Content-Type": "application/json"})
        return answer.status, answer.json()

    channel = DEMO_LIFF_ID.split("-")[0]
    assert attempt(coordinator.line_user_id, "1999999999")[0] == 403   # another channel
    assert attempt(mentor.line_user_id, channel)[0] == 403             # no dashboard rights
    status, body = attempt(coordinator.line_user_id, channel)
    assert status == 200 and body["next"] == "/dashboard/"
