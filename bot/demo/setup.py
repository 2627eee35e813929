"""The demo's database: an SQLite file in the instance folder, migrated and loaded with the sample.

Everything goes through the same domain functions the real commands use (the roster import and
the coordinator invites), so the demo shows what a district really gets after its first import;
then ``history.add_history`` gives it some weeks of made-up past (visits, cases, help, levels)
through the domain functions a chat would call, so the dashboard has something to chart.
"""
from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from delivery.db import Database
from handlers.codes import display_code
from handlers.invites import ROLE_LABELS as _ROLE_LABELS
from handlers.invites import (
    create_coordinator,
    create_province_officer,
    issue_missing_codes,
    open_codes,
)
from handlers.roster.apply import ImportSummary, apply_roster
from handlers.roster.reader import read_roster
from handlers.roster.validate import validate_roster
from models import Assignment, Person, Role

from .. import migrate
from . import history

log = logging.getLogger(__name__)

BANGKOK = ZoneInfo("Asia/Bangkok")
SAMPLE_ROSTER = Path(__file__).with_name("roster_sample.csv")
DB_FILENAME = "demo.db"
ROLE_LABELS = {role.value: label for role, label in _ROLE_LABELS.items()}
# A made-up coordinator per district of the sample (names are synthetic, like the roster's).
_COORDINATOR_NAMES = ["นางสาวสุดารัตน์ ประสานดี", "นายกิตติพงษ์ ช่วยเหลือ",
                      "นางมาลัย ดูแลดี", "นายธนากร ใจงาม", "นางสาวอรุณี พัฒนากิจ"]
_COORDINATOR_POSITION = "นักวิชาการพัฒนาชุมชน (ผู้ประสานงาน ศจพ.อ.)"
_PROVINCE_OFFICER_NAME = "นางสาวกานดา จังหวัดดี"


def default_instance_path() -> str:
    """The instance folder ``create_app()`` uses (the same rule: Flask's, for the bot package)."""
    return Flask("bot", instance_relative_config=True).instance_path


def database_path(instance_path: str | None = None) -> Path:
    return Path(instance_path or default_instance_path()) / DB_FILENAME


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def prepare_database(path: Path, fresh: bool = False) -> str:
    """Create (or, with ``fresh``, recreate) the SQLite file and bring its schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        remove_database(path)
    url = sqlite_url(path)
    migrate.upgrade(url)
    return url


@dataclass
class LoadReport:
    roster: ImportSummary | None     # the roster import's own summary, None if already loaded
    coordinators_created: list[str]  # districts that got a new demo coordinator


def load_sample(db: Database, now: datetime, code_days: int = 14,
                roster_path: Path = SAMPLE_ROSTER,
                tz: ZoneInfo = BANGKOK) -> LoadReport:
    """Import the sample roster, give each of its districts a demo coordinator, and give the
    households some weeks of history (``history.add_history``).

    A database that already has people keeps them (restarting the demo keeps who registered and
    what they reported; ``--fresh`` starts over); only codes that expired meanwhile are renewed.
    All in one transaction: a failed load leaves an empty database to try again with.
    """
    roster = validate_roster(read_roster(roster_path))
    with db.transaction() as session:
        if session.scalar(select(func.count()).select_from(Person)):
            issue_missing_codes(session, session.scalars(select(Person.id)).all(), now, code_days)
            return LoadReport(roster=None, coordinators_created=[])
        # The same path as `mentorbot import roster FILE` (which also issues mentors' codes).
        summary = apply_roster(session, roster, now, code_days)
        created = _create_coordinators(session, now, code_days)
        _create_province_officers(session, now, code_days)
        # Seeded: every fresh demo database has the same history (see history.py for what it
        # keeps true: the first mentor's household unvisited, households due/overdue/visited).
        history.add_history(session, now, tz, random.Random(history.SEED))
    log.info("demo: sample roster imported (%d rows), %d demo coordinators",
             summary.rows, len(created))
    return LoadReport(roster=summary, coordinators_created=created)


def _create_coordinators(session, now: datetime, code_days: int) -> list[str]:
    """One made-up coordinator (ผู้ประสานงาน ศจพ.อ.) per district that has mentors."""
    created = []
    areas = session.execute(
        select(Person.province, Person.district).where(Person.role == Role.MENTOR)
        .distinct().order_by(Person.province, Person.district)).all()
    for index, (province, district) in enumerate(areas):
        name = _COORDINATOR_NAMES[index % len(_COORDINATOR_NAMES)]
        code = create_coordinator(session, name, district, province, f"08990000{index + 1:02d}",
                                  now, code_days)
        code.person.position = _COORDINATOR_POSITION
        code.person.agency = f"สำนักงานพัฒนาชุมชนอำเภอ{district}"
        created.append(district)
    return created


def _create_province_officers(session, now: datetime, code_days: int) -> None:
    """One made-up province officer (ศจพ.จ.) per province of the sample: the province's
    dashboard."""
    provinces = session.scalars(select(Person.province).where(Person.role == Role.MENTOR)
                                .distinct().order_by(Person.province)).all()
    for index, province in enumerate(provinces):
        code = create_province_officer(session, _PROVINCE_OFFICER_NAME, province,
                                       f"08991000{index + 1:02d}", now, code_days)
        code.person.position = "นักวิเคราะห์นโยบายและแผน (ศจพ.จ.)"
        code.person.agency = f"สำนักงานพัฒนาชุมชนจังหวัด{province}"


@dataclass
class SamplePerson:
    id: int
    name: str
    role: str
    district: str
    province: str
    position: str | None
    agency: str | None
    registered: bool
    line_user_id: str | None
    code: str | None          # the open registration code, shown grouped (ABCD-EFGH)
    households: int


def sample_people(db: Database, now: datetime) -> list[SamplePerson]:
    """Everyone in the demo database, mentors first, with their open code if they have one."""
    with db.transaction() as session:
        people = session.scalars(select(Person).order_by(Person.id)).all()
        # What `mentorbot invite list` prints: codes that still work, of people not registered.
        codes = {row.person_id: row.code for row in open_codes(session, now)}
        counts = dict(session.execute(
            select(Assignment.mentor_id, func.count())
            .where(Assignment.ended_at.is_(None)).group_by(Assignment.mentor_id)).all())
    order = {Role.MENTOR: 0, Role.COORDINATOR: 1, Role.PROVINCE: 2}
    people = sorted(people, key=lambda p: (order.get(p.role, 9), p.id))
    return [SamplePerson(
        id=p.id, name=p.name, role=p.role.value, district=p.district, province=p.province,
        position=p.position, agency=p.agency, registered=p.line_user_id is not None,
        line_user_id=p.line_user_id,
        code=display_code(codes[p.id]) if p.id in codes else None,
        households=counts.get(p.id, 0)) for p in people]


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(str(path) + suffix)
        except FileNotFoundError:
            pass
