"""Registration codes: `mentorbot invite list|coordinator|reissue` and the domain functions."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from itertools import chain, repeat
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import handlers.invites as invites
from handlers.codes import display_code
from handlers.thai_dates import format_thai_date, to_local_date
from models import Person, RegistrationCode, Role

from .test_roster_import import SAMPLE_CSV, import_roster, write_roster

# The fixture clock is 7 May 2026; codes are valid 14 days.
EXPIRY = "21 พ.ค. 2569"
CODE = r"[A-Z0-9]{4}-[A-Z0-9]{4}"


def invite(runner, *args):
    return runner.invoke(args=["invite", *args])


def codes_of(db, phone):
    with db.transaction() as s:
        return s.scalars(select(RegistrationCode).join(RegistrationCode.person)
                         .where(Person.phone == phone).order_by(RegistrationCode.id)).all()


def test_list_shows_one_open_code_per_imported_mentor(runner, db, tmp_path):
    assert import_roster(runner, write_roster(tmp_path, SAMPLE_CSV)).exit_code == 0
    result = invite(runner, "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 7
    for line in lines:
        assert re.fullmatch(rf"{CODE}\t[^\t]+\tพี่เลี้ยง\t[^\t]+\t{EXPIRY}", line), line
    vichai = display_code(codes_of(db, "0810000001")[0].code)
    assert f"{vichai}\tนายวิชัย ทองดี\tพี่เลี้ยง\tเมืองเลย\t{EXPIRY}" in lines

    dansai = invite(runner, "list", "--district", "ด่านซ้าย").stdout.splitlines()
    assert [line.split("\t")[1] for line in dansai] == ["นายสุริยา พันธ์ดี"]


def test_coordinator_is_created_and_reused_by_phone(runner, db, clock):
    # --force: no roster imported, so the district has no household in the database yet.
    args = ["coordinator", "--name", "นางสาวสมหญิง ใจงาม", "--district", "วังสะพุง",
            "--phone", "๐๘๙-๑๒๓-๔๕๖๗", "--force"]
    first = invite(runner, *args)
    second = invite(runner, *args)

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    line = rf"{CODE}\tนางสาวสมหญิง ใจงาม\tผู้ประสานงาน ศจพ\.อ\.\tวังสะพุง\t{EXPIRY}"
    assert re.fullmatch(line, first.stdout.strip()) and re.fullmatch(line, second.stdout.strip())
    with db.transaction() as s:
        people = s.scalars(select(Person)).all()
    assert [(p.role, p.province, p.phone) for p in people] == [
        (Role.COORDINATOR, "เลย", "0891234567")]
    old, new = codes_of(db, "0891234567")
    assert old.revoked_at == clock.now and new.revoked_at is None
    assert invite(runner, "list").stdout.split("\t")[0] == display_code(new.code)


def coordinators(db) -> list[tuple[str, str]]:
    with db.transaction() as s:
        return [(p.district, p.province) for p in
                s.scalars(select(Person).where(Person.role == Role.COORDINATOR))]


@pytest.mark.parametrize("typed", ["อำเภอวังสะพุง", "อ.วังสะพุง", "อ. วังสะพุง", " วังสะพุง "])
def test_coordinator_district_is_stored_without_the_word_for_district(runner, db, tmp_path,
                                                                     typed):
    assert import_roster(runner, write_roster(tmp_path, SAMPLE_CSV)).exit_code == 0
    result = invite(runner, "coordinator", "--name", "นางสาวสมหญิง ใจงาม", "--district", typed)
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\t")[3] == "วังสะพุง"
    assert coordinators(db) == [("วังสะพุง", "เลย")]


@pytest.mark.parametrize("district, province", [("วังสะพุ", "เลย"), ("วังสะพุง", "ขอนแก่น")])
def test_coordinator_of_a_district_without_households_is_refused_unless_forced(
        runner, db, tmp_path, district, province):
    assert import_roster(runner, write_roster(tmp_path, SAMPLE_CSV)).exit_code == 0
    args = ["coordinator", "--name", "นางสาวสมหญิง ใจงาม", "--district", district,
            "--province", province]
    refused = invite(runner, *args)
    assert refused.exit_code == 1
    assert "no household" in refused.stderr and "--force" in refused.stderr
    assert refused.stdout == "" and coordinators(db) == []
    forced = invite(runner, *args, "--force")
    assert forced.exit_code == 0, forced.output
    assert coordinators(db) == [(district, province)]


def test_coordinator_phone_of_a_mentor_is_refused(runner, db, tmp_path):
    assert import_roster(runner, write_roster(tmp_path, SAMPLE_CSV)).exit_code == 0
    result = invite(runner, "coordinator", "--name", "นายวิชัย ทองดี", "--district", "เมืองเลย",
                    "--phone", "0810000001")

    assert result.exit_code == 1
    assert "belongs to a mentor" in result.stderr
    with db.transaction() as s:
        assert s.scalars(select(Person).where(Person.role == Role.COORDINATOR)).all() == []


def test_reissue_revokes_the_old_code(runner, db, tmp_path, clock):
    assert import_roster(runner, write_roster(tmp_path, SAMPLE_CSV)).exit_code == 0
    [old] = codes_of(db, "0810000001")
    clock.advance(hours=2)
    result = invite(runner, "reissue", "--phone", "081-000-0001")

    assert result.exit_code == 0, result.output
    old_after, new = codes_of(db, "0810000001")
    assert old_after.id == old.id and old_after.revoked_at == clock.now
    assert result.stdout.startswith(display_code(new.code) + "\tนายวิชัย ทองดี\t")
    listed = invite(runner, "list").stdout
    assert display_code(new.code) in listed and display_code(old.code) not in listed
    unknown = invite(runner, "reissue", "--phone", "0899999999")
    assert unknown.exit_code == 1 and "no mentor or coordinator" in unknown.stderr


def test_used_and_expired_codes_are_not_listed(runner, db, tmp_path, clock):
    path = write_roster(tmp_path, SAMPLE_CSV)
    assert import_roster(runner, path).exit_code == 0
    with db.transaction() as s:   # นายวิชัย registers with his code
        code = s.scalars(select(RegistrationCode).join(RegistrationCode.person)
                         .where(Person.phone == "0810000001")).one()
        code.used_at = code.person.registered_at = clock.now
        code.person.line_user_id = "U" + "1" * 32

    listed = invite(runner, "list").stdout
    assert len(listed.splitlines()) == 6 and "นายวิชัย" not in listed
    refused = invite(runner, "reissue", "--phone", "0810000001")
    assert refused.exit_code == 1 and "already registered" in refused.stderr

    clock.advance(days=15)
    expired = invite(runner, "list")
    assert expired.exit_code == 0 and expired.stdout == ""
    assert "no open registration codes" in expired.stderr
    # Importing again gives the six unregistered mentors fresh codes, and none to นายวิชัย.
    assert "registration codes issued: 6" in import_roster(runner, path).stdout
    assert len(invite(runner, "list").stdout.splitlines()) == 6


def _person(session, phone):
    person = Person(role=Role.MENTOR, name="ทดสอบ", phone=phone, district="เลย", province="เลย")
    session.add(person)
    session.flush()
    return person


def test_a_code_clash_draws_again(db, clock, monkeypatch):
    draws = chain(["ACDEFGHJ", "ACDEFGHJ", "KMNPQRTU", "ACDEFGHJ", "VWXY3456"], repeat("CCCCCCCC"))
    monkeypatch.setattr(invites, "generate_code", lambda: next(draws))
    with db.transaction() as s:
        first = invites.issue_code(s, _person(s, "0810000001"), clock.now, 14)
        second = invites.issue_code(s, _person(s, "0810000002"), clock.now, 14)   # single path
        third = _person(s, "0810000003")
        assert invites.issue_missing_codes(s, [third.id], clock.now, 14) == 1     # bulk path
    assert (first.code, second.code) == ("ACDEFGHJ", "KMNPQRTU")
    assert codes_of(db, "0810000003")[0].code == "VWXY3456"
    assert codes_of(db, "0810000001")[0].revoked_at is None


def test_thai_dates():
    assert format_thai_date(date(2026, 5, 7)) == "7 พ.ค. 2569"
    assert format_thai_date(date(2025, 12, 31)) == "31 ธ.ค. 2568"
    late_evening_utc = datetime(2026, 5, 6, 20, 0, tzinfo=UTC)
    assert to_local_date(late_evening_utc, ZoneInfo("Asia/Bangkok")) == date(2026, 5, 7)
