"""No personal data in the logs: every record of every logger, at DEBUG, across a scripted day.

A mentor registers with a code, reports a visit with a typed note that holds a phone number and
a name, sends a problem on to an agency (the coordinator is alerted and takes the case), and
the clock's ticks send the digests. Every record any logger makes on the way (the project's,
SQLAlchemy's statement and row logs, urllib3's request lines, the LINE SDK's, Flask's,
werkzeug's, APScheduler's) is formatted as a log file would show it, exception text included,
and searched for the roster's names, phone numbers, house codes, the LINE user ids, the
registration code and the typed texts. Personal data is Thai here and the logs are English, so
a Thai letter in a log line counts as a hit too.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.commands.richmenu_commands import richmenu_group
from bot.services import services
from delivery import log_privacy
from models import Role, VisitPhoto
from scheduler.jobs import drain_outbox, fetch_visit_photos, tick

from . import factories
from .players import Player

MENTOR_LINE = "U" + "3" * 32
COORDINATOR_LINE = "U" + "c" * 32
MENTOR_NAME, MENTOR_PHONE = "นายวิชัย ทองดี", "0812223344"
COORDINATOR_NAME, COORDINATOR_PHONE = "นางสาวมาลี ศรีเลย", "0899990001"
HOUSEHOLDS = {"42010000777": "นางสมศรี ใจดี", "42010000778": "นายบุญมา ศรีสุข"}
VILLAGE = "บ้านนาโป่ง"
TYPED_NOTE = "ลูกสาวนางสาวบุญมี ใจงาม โทร 089-765-4321 อยากมีรายได้เพิ่ม"
TYPED_PHONE = "0897654321"
TYPED_CASE_NOTE = "ต้องการฝึกอาชีพตัดเย็บ ติดต่อนายสมหมาย คำดี 0861112233"
THAI = re.compile("[\u0e00-\u0e7f]")
FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(threadName)s %(message)s")


class Everything(logging.Handler):
    """Keeps every record it is handed, formatted the way a log file would show it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.loggers: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(FORMAT.format(record))   # message % args, exception and stack text
        self.loggers.add(record.name)


@pytest.fixture
def every_log_record() -> Iterator[Everything]:
    """Every logger at DEBUG, propagating or not, into one handler; put back afterwards."""
    handler = Everything()
    manager = logging.root.manager
    loggers = [logging.root] + [lg for lg in manager.loggerDict.values()
                                if isinstance(lg, logging.Logger)]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
        if not lg.propagate:
            lg.addHandler(handler)
    logging.root.addHandler(handler)
    manager._clear_cache()   # type: ignore[attr-defined] # cached isEnabledFor answers
    yield handler
    logging.root.removeHandler(handler)
    for lg, level, disabled in saved:
        lg.setLevel(level)
        lg.disabled = disabled
        if handler in lg.handlers:
            lg.removeHandler(handler)
    manager._clear_cache()   # type: ignore[attr-defined]


def hits(lines: list[str], secrets: list[str]) -> list[tuple[str, str]]:
    """(what, line) for every line that holds a secret or any Thai letter."""
    found = [(secret, line) for line in lines for secret in secrets if secret in line]
    found += [("Thai text", line) for line in lines if THAI.search(line)]
    return found


def summary(found: list[tuple[str, str]]) -> str:
    """Which loggers leaked what (the lines themselves follow, a few of each)."""
    by_logger: dict[tuple[str, str], list[str]] = {}
    for what, line in found:
        by_logger.setdefault((line.split()[3], what), []).append(line)
    return "\n".join(f"{logger}: {what} ({len(lines)}x), e.g. {lines[0][:300]}"
                     for (logger, what), lines in sorted(by_logger.items()))


def name_parts(name: str) -> list[str]:
    """A full name and each of its words (the title stays on the given name)."""
    return [name, *name.split()]


def secrets_of(code: str) -> list[str]:
    phones = [MENTOR_PHONE, COORDINATOR_PHONE, TYPED_PHONE, "089-765-4321", "0861112233"]
    names = [MENTOR_NAME, COORDINATOR_NAME, *HOUSEHOLDS.values(), "นางสาวบุญมี ใจงาม",
             "นายสมหมาย คำดี"]
    return [*phones, *(part for name in names for part in name_parts(name)), *HOUSEHOLDS,
            VILLAGE, MENTOR_LINE, COORDINATOR_LINE, code, f"{code[:4]}-{code[4:]}", TYPED_NOTE,
            TYPED_CASE_NOTE, "อยากมีรายได้เพิ่ม", "ตัดเย็บ"]


@pytest.fixture
def roster(db, clock) -> str:
    """A mentor with a code (not registered yet) and two households; a registered coordinator."""
    with db.transaction() as s:
        mentor = factories.person(s, name=MENTOR_NAME, phone=MENTOR_PHONE)
        factories.person(s, name=COORDINATOR_NAME, role=Role.COORDINATOR,
                         phone=COORDINATOR_PHONE, line_user_id=COORDINATOR_LINE)
        for house_id, head in HOUSEHOLDS.items():
            factories.household(s, mentor, house_id=house_id, head=head, village=VILLAGE,
                                now=clock.now - timedelta(days=40))
        return factories.code_for(s, mentor, clock.now)


def local_morning(day: date) -> datetime:
    """08:05 in Bangkok: just after the digests' hour."""
    return datetime(day.year, day.month, day.day, 1, 5, tzinfo=UTC)


def a_scripted_day(app, runner, line, fake_line, clock, code: str) -> bytes:
    """The day; the photo's bytes as the bot fetched them from LINE."""
    mentor = Player(line, fake_line, MENTOR_LINE, clock)
    coordinator = Player(line, fake_line, COORDINATOR_LINE, clock)
    # Rich menus deployed, so registering links one: a request whose path names the user.
    assert runner.invoke(richmenu_group, ["deploy"]).exit_code == 0
    mentor.say(f"{code[:4]}-{code[4:]}")
    assert "ยินดีต้อนรับ" in mentor.text
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("1 สมศรี")
    mentor.tap("วันนี้")
    mentor.say(TYPED_NOTE)                                   # ทัศนคติ
    mentor.tap("ข้าม")
    mentor.tap("ข้าม")
    mentor.tap("ข้าม")
    mentor.tap("★รายได้")
    mentor.tap("ถัดไป")
    mentor.tap("ไม่ระบุ")
    mentor.tap("ต้องการหน่วยงานช่วย")
    mentor.tap("พช.อ.")
    mentor.say(TYPED_CASE_NOTE)
    mentor.image()                                            # a photo of the visit
    mentor.tap("6 มิ.ย. 2569")
    mentor.tap("ยืนยัน")
    assert "ส่งเรื่องขอความช่วยเหลือ 1 เรื่อง" in mentor.text
    svc = services(app)
    assert fetch_visit_photos(svc) == 1                       # its bytes come from LINE
    with svc.db.transaction() as session:
        photo = session.scalars(select(VisitPhoto.data)).one()
    assert drain_outbox(svc).sent == 1                        # the coordinator's alert
    coordinator.last = fake_line.sent_messages(COORDINATOR_LINE)
    coordinator.tap("รับเรื่อง")
    assert "รับเรื่อง" in coordinator.text
    # The clock: the next morning the mentor's digest (the other household is overdue), and on
    # Monday 11 May the coordinator's weekly standing.
    for day in (date(2026, 5, 8), date(2026, 5, 11)):
        clock.now = local_morning(day)
        tick(svc)
        drain_outbox(svc)
    assert any("42010000778" in str(m) or HOUSEHOLDS["42010000778"] in str(m)
               for m in fake_line.sent_messages(MENTOR_LINE))
    return photo


def test_a_scripted_day_logs_no_personal_data(app, runner, line, fake_line, clock, roster,
                                              every_log_record):
    photo = a_scripted_day(app, runner, line, fake_line, clock, roster)
    lines = every_log_record.lines
    # The capture did capture: the project's own loggers and the libraries' DEBUG records.
    assert any(name.startswith(("delivery.", "handlers.", "scheduler."))
               for name in every_log_record.loggers), every_log_record.loggers
    assert any(name.startswith("sqlalchemy.engine") for name in every_log_record.loggers)
    assert any(name.startswith("urllib3") for name in every_log_record.loggers)
    # The photo as a log line would show bytes (the LINE SDK logs response bodies at DEBUG).
    found = hits(lines, [*secrets_of(roster), repr(photo[-16:])[2:-1]])
    assert found == [], summary(found)


def test_the_scan_catches_a_planted_line(every_log_record):
    """The scan can fail: personal data planted in a message's arguments, in an exception's
    text, or a LINE user id, is found."""
    secrets = secrets_of("ACDE3456")
    logging.getLogger("handlers.visits").info("visit note: %s", "โทร " + TYPED_PHONE)
    try:
        raise ValueError(f"no household {next(iter(HOUSEHOLDS))}")
    except ValueError:
        logging.getLogger("delivery.processing").exception("event 1 failed")
    logging.getLogger("delivery.richmenu").debug("linked %s", MENTOR_LINE)
    found = {what for what, _ in hits(every_log_record.lines, secrets)}
    assert found == {TYPED_PHONE, next(iter(HOUSEHOLDS)), MENTOR_LINE, "Thai text"}


def test_the_libraries_records_are_filtered_where_they_are_made(every_log_record):
    log_privacy.install()
    log_privacy.install()                                     # once is enough, twice is harmless
    assert sum(isinstance(f, log_privacy.NoLineUserIds)
               for f in logging.getLogger("urllib3.connectionpool").filters) == 1
    engine = logging.getLogger("sqlalchemy.engine.Engine")
    engine.debug("Row %r", (1, MENTOR_NAME))                  # a result row: dropped
    engine.info("SELECT people.name FROM people")             # a statement: kept
    logging.getLogger("linebot.v3.messaging.rest").debug("response body: %s", b"\x89PNG")
    logging.getLogger("urllib3.connectionpool").warning(
        "Retrying (%r) after connection broken by '%r': %s", "Retry(total=2)", "timeout",
        f"/v2/bot/user/{MENTOR_LINE}/richmenu/richmenu-1")
    lines = every_log_record.lines
    assert [line.split(" ", 4)[4] for line in lines] == [
        "MainThread SELECT people.name FROM people",
        "MainThread Retrying ('Retry(total=2)') after connection broken by ''timeout'': "
        "/v2/bot/user/U…/richmenu/richmenu-1"]
