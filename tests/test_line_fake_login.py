"""FakeLineApi's LINE Login and LIFF stand-ins: the ID token verify endpoint, minting tokens,
the LIFF SDK script, and the demo page opening a LIFF link."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from bot.line_fake import FakeLineApi
from bot.line_fake import login as L

from .line_fake_helpers import TIMEOUT, USER, raw_post

CHANNEL = "1234567890"
LIFF_ID = f"{CHANNEL}-AbCdEfGh"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture()
def fake(clock):
    """A fresh fake on the tests' clock (shadows conftest's ``fake``)."""
    with FakeLineApi(clock=clock) as f:
        yield f


def verify(fake, body=None, content_type=L.FORM, method="POST", **form):
    """Call the verify endpoint; returns (status, parsed body, headers)."""
    data = body if body is not None else urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(fake.base_url + L.VERIFY_PATH, data=data, method=method,
                                 headers={"Content-Type": content_type})
    if method == "GET":
        req = urllib.request.Request(fake.base_url + L.VERIFY_PATH, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.status, json.loads(resp.read()), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), e.headers


def refused(description):
    return {"error": "invalid_request", "error_description": description}


def _part(token, index):
    text = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


# ---- minting and verifying ---------------------------------------------------------------------
def test_a_minted_token_verifies_with_line_login_claims(fake, clock):
    fake.set_profile(USER, "นางสาวมาลี ศรีเลย", pictureUrl="https://profile.line-scdn.net/x")
    token = fake.mint_id_token(USER, CHANNEL, nonce="n-1")
    assert token.count(".") == 2 and _part(token, 0) == {"typ": "JWT", "alg": "HS256"}

    status, claims, headers = verify(fake, id_token=token, client_id=CHANNEL, nonce="n-1",
                                     user_id=USER)
    assert status == 200
    iat = int(clock.now.timestamp())
    assert claims == {"iss": "https://access.line.me", "sub": USER, "aud": CHANNEL,
                      "exp": iat + 3600, "iat": iat, "nonce": "n-1", "amr": ["linesso"],
                      "name": "นางสาวมาลี ศรีเลย", "picture": "https://profile.line-scdn.net/x"}
    assert headers["x-line-request-id"]
    # Without a nonce in the request the token's nonce is not checked; a token minted without
    # one has no nonce claim; the name defaults to the profile's, as get_profile answers it.
    assert verify(fake, id_token=token, client_id=CHANNEL)[0] == 200
    plain = fake.mint_id_token("U" + "9" * 32, CHANNEL, ttl=timedelta(minutes=5), name="ชื่อ")
    status, claims, _ = verify(fake, id_token=plain, client_id=CHANNEL)
    assert status == 200 and "nonce" not in claims and claims["name"] == "ชื่อ"
    assert claims["exp"] - claims["iat"] == 300

    # Recorded like LINE's other calls; the token itself is never echoed to the debug list.
    calls = fake.calls("verifyIdToken")
    assert len(calls) == 3 and fake.calls(L.VERIFY_PATH) == calls
    assert calls[0].form["client_id"] == CHANNEL and calls[0].status == 200
    shown = calls[0].as_json()
    assert shown["form"]["id_token"] == "***" and token not in json.dumps(shown)
    fake.assert_no_violations()


def test_expiry_follows_the_fakes_clock(fake, clock):
    token = fake.mint_id_token(USER, CHANNEL)
    clock.advance(minutes=59, seconds=59)
    assert verify(fake, id_token=token, client_id=CHANNEL)[0] == 200
    clock.advance(seconds=1)
    assert verify(fake, id_token=token, client_id=CHANNEL)[:2] == (400, refused("IdToken expired."))
    # Refusing a genuine request is LINE's answer, not the bot's mistake.
    fake.assert_no_violations()


def test_clock_can_be_swapped_and_clear_restores_it(clock):
    with FakeLineApi() as fake:   # real time: a token minted on the tests' 2026 clock...
        fake.clock = lambda: clock.now - timedelta(days=3650)
        old = fake.mint_id_token(USER, CHANNEL)
        fake.clear()
        assert fake.clock is None
        assert verify(fake, id_token=old, client_id=CHANNEL)[1] == refused("IdToken expired.")


def test_another_channel_another_nonce_another_user(fake):
    token = fake.mint_id_token(USER, CHANNEL, nonce="right")
    assert verify(fake, id_token=token, client_id="9999999999")[:2] == (
        400, refused("Invalid IdToken Audience."))
    assert verify(fake, id_token=token, client_id=CHANNEL, nonce="wrong")[:2] == (
        400, refused("Invalid IdToken Nonce."))
    no_nonce = fake.mint_id_token(USER, CHANNEL)
    assert verify(fake, id_token=no_nonce, client_id=CHANNEL, nonce="right")[1] == refused(
        "Invalid IdToken Nonce.")
    assert verify(fake, id_token=token, client_id=CHANNEL, user_id="U" + "0" * 32)[1] == refused(
        "Invalid IdToken Subject Identifier.")
    fake.assert_no_violations()


def test_tampered_foreign_and_garbled_tokens_are_invalid(fake):
    token = fake.mint_id_token(USER, CHANNEL)
    head, body, signature = token.split(".")
    claims = _part(token, 1)
    forged_body = base64.urlsafe_b64encode(
        json.dumps({**claims, "sub": "U" + "f" * 32}).encode()).rstrip(b"=").decode()
    with FakeLineApi() as other:
        foreign = other.mint_id_token(USER, CHANNEL)
    none_alg = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    for bad in (f"{head}.{forged_body}.{signature}",   # payload changed, signature kept
                foreign,                               # minted by another LINE
                f"{none_alg}.{body}.",                 # unsigned
                f"{head}.{body}.{signature[:-2]}",     # signature cut
                "not-a-jwt", "a.b.c", "ก.ข.ค", "...", token + "."):
        assert verify(fake, id_token=bad, client_id=CHANNEL)[:2] == (
            400, refused("Invalid IdToken.")), bad
    fake.assert_no_violations()


def test_missing_parameters_are_the_callers_mistake(fake):
    token = fake.mint_id_token(USER, CHANNEL)
    status, answer, _ = verify(fake, client_id=CHANNEL)
    assert status == 400 and answer["error"] == "invalid_request"
    assert "id_token" in answer["error_description"]
    status, answer, _ = verify(fake, id_token=token)
    assert status == 400 and answer["error"] == "invalid_request"
    assert "client_id" in answer["error_description"]
    status, answer, _ = verify(fake, body=json.dumps({"id_token": token, "client_id": CHANNEL})
                               .encode(), content_type="application/json")
    assert status == 400 and answer["error"] == "invalid_request"
    assert verify(fake, method="GET")[0] == 405
    assert len(fake.violations()) == 4   # these are the bot's to fix: assert_no_violations fails
    with pytest.raises(AssertionError):
        fake.assert_no_violations()


def test_faults_and_latency_apply_to_verify_too(fake):
    token = fake.mint_id_token(USER, CHANNEL)
    fake.fail_next(endpoint="verifyIdToken", status=500)
    assert verify(fake, id_token=token, client_id=CHANNEL)[0] == 500
    assert fake.calls("verifyIdToken")[0].injected
    assert verify(fake, id_token=token, client_id=CHANNEL)[0] == 200


# ---- the LINE app's side of a LIFF app (fake-only routes) --------------------------------------
def test_id_token_route_mints_what_verify_accepts(fake):
    status, answer, headers = raw_post(fake, "/_fake/liff/id-token",
                                       {"userId": USER, "channelId": CHANNEL, "nonce": "n-2"},
                                       token=None)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    status, claims, _ = verify(fake, id_token=answer["idToken"], client_id=CHANNEL, nonce="n-2")
    assert status == 200 and claims["sub"] == USER and claims["nonce"] == "n-2"
    assert raw_post(fake, "/_fake/liff/id-token", {"channelId": CHANNEL}, token=None)[0] == 400
    assert raw_post(fake, "/_fake/liff/id-token", {"userId": USER}, token=None)[0] == 400
    assert raw_post(fake, "/_fake/liff/id-token", b"not json", token=None)[0] == 400
    preflight = urllib.request.Request(fake.base_url + "/_fake/liff/id-token", method="OPTIONS")
    with urllib.request.urlopen(preflight, timeout=TIMEOUT) as resp:
        assert resp.status == 204
        assert "Content-Type" in resp.headers["Access-Control-Allow-Headers"]
    # The fake's own routes are not LINE calls: only the verify is recorded.
    assert [r.endpoint for r in fake.requests] == ["verifyIdToken"]


def test_sdk_script_is_served_as_javascript(fake):
    with urllib.request.urlopen(fake.base_url + "/_fake/liff/sdk.js", timeout=TIMEOUT) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("application/javascript")
        text = resp.read().decode()
    for name in ("getIDToken", "getDecodedIDToken", "isInClient", "isLoggedIn", "closeWindow",
                 "getContext", "fakeLiff.userId", "document.currentScript"):
        assert name in text
    assert "eval(" not in text and "new Function" not in text


# ---- the SDK in a browser: mounted under a prefix, as in the demo ------------------------------
def _browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    return sync_playwright


@pytest.fixture()
def mounted(fake):
    """The fake under /_line of another app, on a real port (the demo's layout)."""
    app = DispatcherMiddleware(Response("<!doctype html><title>page</title>", mimetype="text/html"),
                               {"/_line": fake.wsgi_app})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_sdk_in_a_browser_gets_a_token_the_fake_verifies(fake, mounted):
    with _browser()() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(mounted + "/dashboard/liff")
            page.add_script_tag(url=mounted + "/_line/_fake/liff/sdk.js")
            nobody = page.evaluate("""async (liffId) => {
                const rejected = await liff.init({}).then(() => 'resolved', (e) => e.code);
                await liff.init({ liffId });
                return { rejected, loggedIn: liff.isLoggedIn(), token: liff.getIDToken() };
            }""", LIFF_ID)
            assert nobody == {"rejected": "INVALID_CONFIG", "loggedIn": False, "token": None}
            got = page.evaluate("""async ([user, liffId]) => {
                localStorage.setItem('fakeLiff.userId', user);
                await liff.init({ liffId });
                return { inClient: liff.isInClient(), loggedIn: liff.isLoggedIn(),
                         token: liff.getIDToken(), decoded: liff.getDecodedIDToken(),
                         context: liff.getContext() };
            }""", [USER, LIFF_ID])
            assert errors == []
        finally:
            browser.close()
    assert got["inClient"] and got["loggedIn"]
    assert got["decoded"]["sub"] == USER and got["decoded"]["aud"] == CHANNEL
    assert got["context"]["liffId"] == LIFF_ID and got["context"]["userId"] == USER
    status, claims, _ = verify(fake, id_token=got["token"], client_id=CHANNEL)
    assert status == 200 and claims["sub"] == USER


@pytest.mark.browser
def test_demo_page_opens_a_liff_link_as_the_person_chatting(tmp_path):
    from bot.demo.server import DemoServer

    with _browser()() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        demo = DemoServer(port=0, instance_path=str(tmp_path / "instance"), fresh=True,
                          rich_menus=False).start()
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(demo.page_url)
            coordinator = page.locator('.person[data-role="coordinator"]').first
            user_id = coordinator.get_attribute("data-user-id")
            coordinator.click()
            with context.expect_page() as opened:
                page.evaluate("(uri) => window.mentorbotDemo.doAction({type: 'uri', uri})",
                              f"https://liff.line.me/{LIFF_ID}/x?y=1")
            liff_tab = opened.value
            liff_tab.wait_for_load_state()
            assert liff_tab.url == demo.base_url + "/dashboard/liff/x?y=1"
            assert page.evaluate("() => localStorage.getItem('fakeLiff.userId')") == user_id
            with context.expect_page() as opened:
                page.evaluate("(uri) => window.mentorbotDemo.doAction({type: 'uri', uri})",
                              f"https://liff.line.me/{LIFF_ID}")
            opened.value.wait_for_load_state()
            assert opened.value.url == demo.base_url + "/dashboard/liff"
        finally:
            demo.shutdown()
            browser.close()
