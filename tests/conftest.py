"""Fixtures: every database test runs on SQLite and on PostgreSQL, against a fake LINE API."""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot import create_app
from bot.line_fake import FakeLineApi
from bot.migrate import upgrade
from bot.services import services
from models import Role

from . import factories
from .case_fixtures import (
    COORD_A,
    COORD_B,
    COORD_OTHER,
    MENTOR,
    alert_of,
    drain,
    report_escalated_visit,
)
from .dashboard_helpers import area_ids  # noqa: F401 - the dashboard tests' two districts
from .export_area import area_data  # noqa: F401 - the export tests' shared area
from .line_events import payload, sign
from .players import Player

CHANNEL_SECRET = "test-channel-secret"
ACCESS_TOKEN = "test-access-token"
# The machine's PostgreSQL (trust auth). Each test gets its own database, cloned from a migrated
# template, so tests are isolated and fast.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


class Clock:
    """An injected clock: tests move time, nothing sleeps."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs):
        from datetime import timedelta
        self.now = self.now + timedelta(**kwargs)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template():
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"mentorbot_tpl_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - turn any connection failure into a clear message
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc.__class__.__name__}); "
                    "start it (see .ci/run) or set TEST_POSTGRES_URL", pytrace=False)
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "mentorbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"mentorbot_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def fake_line_server():
    fake = FakeLineApi()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_line(fake_line_server):
    fake_line_server.clear()
    yield fake_line_server
    fake_line_server.assert_no_violations()


@pytest.fixture
def clock():
    return Clock(datetime(2026, 5, 7, 3, 0, tzinfo=UTC))   # 10:00 in Bangkok


def build_app(db_url: str, fake_line, clock, **extra):
    """The bot as the tests run it: this database, the fake LINE API, inline processing, the
    injected clock (``extra`` overrides any setting). Close it with ``services(app).close()``."""
    return create_app({
        "TESTING": True,
        "DATABASE_URL": db_url,
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_API_BASE_URL": fake_line.base_url,
        "LINE_DATA_API_BASE_URL": fake_line.base_url,
        "LINE_HTTP_TIMEOUT": 2.0,
        "EVENT_PROCESSING": "inline",
        "CLOCK": clock,
        "PUBLIC_BASE_URL": "http://dashboard.test",
        **extra,
    })


@pytest.fixture
def app(db_url, fake_line, clock, tmp_path):
    app = build_app(db_url, fake_line, clock)
    app.instance_path = str(tmp_path / "instance")
    yield app
    services(app).close()


@pytest.fixture
def second_worker(app, fake_line):
    """Another app instance on the same database and fake LINE: a second gunicorn worker (or a
    second clock process) for the races the tests stage."""
    worker = build_app(app.config["DATABASE_URL"], fake_line, app.config["CLOCK"])
    yield worker
    services(worker).close()


@pytest.fixture
def db(app):
    return services(app).db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class LineChannel:
    """Plays LINE's side of the webhook: signs payloads and posts them to /callback."""

    def __init__(self, client, fake_line):
        self.client = client
        self.fake = fake_line

    def post(self, *events: dict, secret: str = CHANNEL_SECRET, body: bytes | None = None):
        for event in events:
            source = event.get("source")
            if event.get("replyToken") and isinstance(source, dict) and source.get("userId"):
                self.fake.register_reply_token(event["replyToken"], source["userId"])
        body = payload(*events) if body is None else body
        return self.client.post("/callback", data=body, content_type="application/json",
                                headers={"X-Line-Signature": sign(secret, body)})


@pytest.fixture
def line(client, fake_line):
    return LineChannel(client, fake_line)


# -- one registered mentor (U444…) with one household, assigned 40 days ago ------------------
# (files with a richer set-up define a ``mentor`` of their own)

@pytest.fixture
def mentor(db, clock, line, fake_line):
    with db.transaction() as s:
        person = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        factories.household(s, person, now=clock.now - timedelta(days=40))
    return Player(line, fake_line, MENTOR, clock)


# -- the fake LINE API's own tests: a fresh fake and an SDK client on it -----------------------

@pytest.fixture()
def fake():
    with FakeLineApi() as f:
        yield f


@pytest.fixture()
def api(fake):
    with ApiClient(Configuration(host=fake.base_url, access_token="t")) as client:
        yield MessagingApi(client)


# -- the case tests: a district with a mentor and three coordinators (one of another district) --

@pytest.fixture
def ids(db, clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        a = factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR, phone=None,
                             line_user_id=COORD_A)
        b = factories.person(s, name="นายสมชาย รักษ์ดี", role=Role.COORDINATOR, phone=None,
                             line_user_id=COORD_B)
        other = factories.person(s, name="นางรัตนา ภูเรือ", role=Role.COORDINATOR, phone=None,
                                 district="วังสะพุง", line_user_id=COORD_OTHER)
        household = factories.household(s, mentor, now=clock.now - timedelta(days=40))
        return {"mentor": mentor.id, "a": a.id, "b": b.id, "other": other.id,
                "household": household.id}


@pytest.fixture
def players(line, fake_line, clock, ids):
    return {name: Player(line, fake_line, uid, clock) for name, uid in
            (("mentor", MENTOR), ("a", COORD_A), ("b", COORD_B), ("other", COORD_OTHER))}


@pytest.fixture
def raised(players, app, fake_line):
    """The mentor has reported the visit and both coordinators of the district have the card."""
    report_escalated_visit(players["mentor"])
    assert drain(app) == 1                                # one multicast to the two coordinators
    return {"a": alert_of(fake_line, COORD_A), "b": alert_of(fake_line, COORD_B)}
