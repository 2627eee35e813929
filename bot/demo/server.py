"""Wiring of the demo: the real app, the stand-in LINE API and the chat page in one WSGI server.

    /callback, /healthz, ...   the bot, built by ``create_app()`` exactly as in production
    /demo                      the chat page (bot.demo.views), registered on this app only
    /_line/...                 bot.line_fake.FakeLineApi: the bot's LINE_API_BASE_URL points here

The bot calls its own server (over HTTP, through line-bot-sdk) to "send" to LINE; the page reads
what was sent from the stand-in and posts signed webhooks to /callback like LINE does.
"""
from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from delivery import richmenu
from models import AppSetting
from scheduler import jobs

from .. import create_app
from ..line_fake import FakeLineApi
from ..services import services
from . import setup, views

log = logging.getLogger(__name__)

LINE_PREFIX = "/_line"
DEMO_LIFF_ID = "2000000001-mentorbotdemo"
# Polled several times a second by the page: not worth a log line each.
_QUIET_PREFIXES = (LINE_PREFIX + "/_fake/", "/demo/api/people", "/demo/api/richmenu",
                   "/demo/api/requests",
                   "/demo/static/")


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = getattr(self, "path", "") or ""
        if path.startswith(_QUIET_PREFIXES) and str(code).startswith(("2", "3")):
            return
        super().log_request(code, size)


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"the demo is starting"]


class ListenError(RuntimeError):
    """The address is taken or not ours to listen on."""


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def demo_config(database_url: str, base_url: str, **overrides: Any) -> dict[str, Any]:
    """Settings of the demo app: a throw-away channel per run, LINE's API on this same server."""
    config = {
        "LINE_CHANNEL_SECRET": secrets.token_hex(16),
        "LINE_CHANNEL_ACCESS_TOKEN": secrets.token_urlsafe(32),
        "LINE_API_BASE_URL": base_url + LINE_PREFIX,
        "LINE_DATA_API_BASE_URL": base_url + LINE_PREFIX,
        "DATABASE_URL": database_url,
        "LINE_HTTP_TIMEOUT": 5.0,
        # No quiet hours: someone trying the demo at 21:00 must still see the alerts arrive
        # (a window that starts where it ends is never quiet).
        "QUIET_START": "00:00",
        "QUIET_END": "00:00",
        # The dashboard: sign-in links point at this server; the LIFF path runs against the
        # stand-in's LIFF SDK and ID token check (a made-up LINE Login channel).
        "PUBLIC_BASE_URL": base_url,
        "LIFF_ID": DEMO_LIFF_ID,
        "LIFF_SDK_URL": base_url + LINE_PREFIX + "/_fake/liff/sdk.js",
    }
    config.update(overrides)
    return config


@dataclass
class DemoServer:
    """``start()`` builds everything and serves in a background thread; ``wait()`` blocks until
    Ctrl+C (the command), ``shutdown()`` stops it all (tests)."""

    host: str = "127.0.0.1"
    port: int = 5000               # 0: any free port (tests)
    instance_path: str | None = None
    fresh: bool = False
    config: dict[str, Any] = field(default_factory=dict)   # extra app settings (tests)
    rich_menus: bool = True        # deploy the bot's rich menus to the stand-in on start

    app: Any = None
    fake: Any = None
    server: BaseWSGIServer | None = None
    db_path: Path | None = None
    load_report: setup.LoadReport | None = None
    rich_menu_error: str | None = None
    clock: Any = None              # the demo's clock: outbox sender and event recovery
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Where this process reaches itself (0.0.0.0 / :: are not addresses to connect to)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.bound_port}"

    @property
    def bound_port(self) -> int:
        return self.server.server_port if self.server is not None else self.port

    @property
    def page_url(self) -> str:
        return self.base_url + "/demo"

    def start(self) -> DemoServer:
        self.db_path = setup.database_path(self.instance_path)
        database_url = setup.prepare_database(self.db_path, fresh=self.fresh)
        # Bind first: with port 0 the URL the bot must call is known only afterwards.
        try:
            self.server = make_server(self.host, self.port, _not_ready, threaded=True,
                                      request_handler=_QuietRequestHandler)
        except OSError as exc:
            raise ListenError(f"cannot listen on {self.host}:{self.port} "
                              f"({exc.strerror or exc})") from exc
        try:
            config = demo_config(database_url, self.base_url, **self.config)
            self.fake = FakeLineApi(access_token=config["LINE_CHANNEL_ACCESS_TOKEN"])
            self.app = create_app(config)
            if self.instance_path:
                self.app.instance_path = str(self.instance_path)
            context = views.DemoContext(
                fake=self.fake, channel_secret=config["LINE_CHANNEL_SECRET"],
                destination=new_user_id(), run_id=secrets.token_hex(8), line_prefix=LINE_PREFIX)
            views.init_app(self.app, context)
            svc = services(self.app)
            self.load_report = setup.load_sample(
                svc.db, svc.clock(), code_days=int(self.app.config["REGISTRATION_CODE_DAYS"]),
                tz=svc.tz)
            self.server.app = DispatcherMiddleware(self.app, {LINE_PREFIX: self.fake.wsgi_app})
            self._thread = threading.Thread(target=self.server.serve_forever,
                                            kwargs={"poll_interval": 0.1},
                                            name="mentorbot-demo", daemon=True)
            self._thread.start()
            self.clock = _start_clock(svc)
            if self.rich_menus:
                # Through the stand-in, which is served by the thread just started; the menus'
                # postbacks are signed with this run's secret, so every run deploys afresh.
                self.rich_menu_error = _deploy_rich_menus(svc)
        except BaseException:
            self.shutdown()
            raise
        return self

    def wait(self) -> None:
        """Block until Ctrl+C (or SIGTERM turned into KeyboardInterrupt), then shut down."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if self.app is not None:
            # Let replies being worked on reach the stand-in before it goes away.
            processor = services(self.app).processor
            if processor is not None and hasattr(processor, "wait"):
                try:
                    processor.wait(timeout=10)
                except Exception:  # noqa: BLE001 - shutting down regardless
                    log.warning("demo: events still being handled at shutdown")
        if self.server is not None and self._thread is not None:
            self.server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.close()

    def close(self) -> None:
        if self.clock is not None:
            self.clock.shutdown(wait=True)
            self.clock = None
        if self.server is not None:
            self.server.server_close()
            self.server = None
        if self.app is not None:
            services(self.app).close()
            self.app = None


def _deploy_rich_menus(svc) -> str | None:
    """``mentorbot richmenu deploy``, against the stand-in. Returns why it failed, or None."""
    try:
        # Menus stored by an earlier run live in a stand-in that is gone: forget them rather
        # than have the deploy try to delete them there.
        with svc.db.transaction() as session:
            session.execute(delete(AppSetting)
                            .where(AppSetting.key.startswith(richmenu.KEY_PREFIX)))
        richmenu.deploy(svc, say=log.debug)
    except Exception as exc:  # noqa: BLE001 - the chat works without a rich menu
        log.warning("demo: rich menus not deployed: %s", exc)
        return str(exc)
    return None


def _start_clock(svc):
    """The clock process's jobs, in this process: pushes (e.g. a coordinator told of a new case)
    go out through the outbox like in production, drained every second rather than every five
    so the page feels live."""
    # A line per run every second, and per poll of the page, would drown the server's log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
    clock = BackgroundScheduler(timezone=svc.tz)
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    clock.add_job(jobs.drain_outbox, "interval", seconds=1, args=[svc], id="outbox", **common)
    clock.add_job(jobs.recover_events, "interval", minutes=1, args=[svc], id="recover-events",
                  **common)
    clock.add_job(jobs.tick, "interval", minutes=1, args=[svc], id="reminders", **common)
    clock.start()
    return clock
