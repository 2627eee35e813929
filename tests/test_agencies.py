"""Agencies in a district: the standard list, suggestions per dimension and per จปฐ. indicator,
the catalogue's corrections, and `mentorbot import agencies` (both DBs)."""
from __future__ import annotations

import csv
import logging
from datetime import timedelta
from importlib import resources
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, event, func, select, text, update

from bot.migrate import downgrade, upgrade
from handlers.agencies import (
    agencies_for,
    agency_label,
    district_agencies,
    indicator_label,
    indicators_for,
)
from models import Agency, JpthIndicator
from models.agencies import STANDARD_AREA, read_standard_agencies
from models.reference import CURRENT_PERIOD, read_catalogue

from . import factories

PROVINCE, DISTRICT, OTHER = "เลย", "เมืองเลย", "วังสะพุง"
HEADER = "short_name,name,ministry,dimensions,province,district"
OWN_LIST = f"""\
{HEADER}
อบต.นาโป่ง,องค์การบริหารส่วนตำบลนาโป่ง,กระทรวงมหาดไทย,living|access,เลย,เมืองเลย
รพ.สต.นาโป่ง,โรงพยาบาลส่งเสริมสุขภาพตำบลนาโป่ง,กระทรวงสาธารณสุข,health,เลย,เมืองเลย
พช.อ.,สำนักงานพัฒนาชุมชนอำเภอเมืองเลย,กระทรวงมหาดไทย,income|access,เลย,เมืองเลย
วิสาหกิจชุมชน,เครือข่ายวิสาหกิจชุมชนเมืองเลย,ภาคประชาสังคม,income,เลย,เมืองเลย
"""


@pytest.fixture
def districts(db, clock):
    """A household in เมืองเลย and one in วังสะพุง, so both districts are known."""
    with db.transaction() as s:
        here = factories.person(s, phone="0810000091")
        factories.household(s, here, now=clock.now - timedelta(days=40))
        there = factories.person(s, phone="0810000092", district=OTHER)
        factories.household(s, there, house_id="42090000014", now=clock.now - timedelta(days=40))


def write(tmp_path, body: str, name: str = "agencies.csv"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def import_agencies(runner, path, *options: str):
    return runner.invoke(args=["import", "agencies", *options, str(path)])


def names(agencies) -> list[str]:
    return [a.short_name for a in agencies]


def agency_rows(db) -> list[tuple]:
    with db.transaction() as s:
        return [tuple(r) for r in s.execute(select(
            Agency.id, Agency.province, Agency.district, Agency.short_name, Agency.name,
            Agency.ministry, Agency.dimensions, Agency.position, Agency.active,
        ).order_by(Agency.id))]


# -- the standard list and the order of suggestions ------------------------------------------
def test_the_standard_list_is_there_after_migration(db):
    shipped = read_standard_agencies()
    with db.transaction() as s:
        stored = district_agencies(s, PROVINCE, DISTRICT)
        assert [(a.short_name, a.name, a.ministry, a.dimensions, a.position) for a in stored] == [
            (r["short_name"], r["name"], r["ministry"], r["dimensions"], r["position"])
            for r in shipped]
        assert {(a.province, a.district, a.active) for a in stored} == {
            (STANDARD_AREA, STANDARD_AREA, True)}
    assert len(shipped) == 29
    # Buttons show the short name; every shipped one fits a LINE label.
    assert max(len(r["short_name"]) for r in shipped) <= 20


FIRST_TWO = {
    "income": ["พช.อ.", "เกษตรอำเภอ"],
    "living": ["อปท.", "พมจ."],
    "health": ["รพ.สต.", "สสอ."],
    "education": ["สกร.อำเภอ", "โรงเรียน"],
    "access": ["อำเภอ", "อปท."],
}


def test_suggestions_per_dimension_come_in_a_sensible_order(db):
    with db.transaction() as s:
        got = {d: agencies_for(s, PROVINCE, DISTRICT, d) for d in FIRST_TWO}
        limited = agencies_for(s, PROVINCE, DISTRICT, "income", limit=3)
    assert {d: names(a[:2]) for d, a in got.items()} == FIRST_TWO
    # Income: then the labour units; nothing from the Ministry of Labour before พช.อ./เกษตร.
    assert [a.ministry for a in got["income"][2:4]] == ["กระทรวงแรงงาน"] * 2
    assert names(got["living"])[2:6] == ["บ้านมั่นคง", "ที่ดิน", "กฟภ.", "กปภ."]
    assert names(got["health"]) == ["รพ.สต.", "สสอ.", "รพ.", "อบจ.", "อปท."]
    assert "พมจ." in names(got["access"])[:3]
    # A unit high in the list that serves access second (อปท.) comes before one far down
    # that serves only access.
    assert names(got["access"]).index("อปท.") < names(got["access"]).index("ยุติธรรมจังหวัด")
    # Only units that serve the dimension, each once.
    for dimension, agencies in got.items():
        assert all(dimension in a.dimension_list for a in agencies)
        assert len(set(names(agencies))) == len(agencies)
    assert names(limited) == ["พช.อ.", "เกษตรอำเภอ", "พัฒนาฝีมือแรงงาน"]


def test_an_indicator_puts_its_lead_ministrys_units_first(db):
    with db.transaction() as s:
        jobs = agencies_for(s, PROVINCE, DISTRICT, "income", indicator_no=27)     # แรงงาน
        elderly = agencies_for(s, PROVINCE, DISTRICT, "access", indicator_no=34)  # พม.|สธ.
        preschool = agencies_for(s, PROVINCE, DISTRICT, "education", indicator_no=22)
        welfare_card = agencies_for(s, PROVINCE, DISTRICT, "access", indicator_no=32)
        plain = agencies_for(s, PROVINCE, DISTRICT, "income")
    assert names(jobs[:3]) == ["พัฒนาฝีมือแรงงาน", "จัดหางาน", "แรงงานจังหวัด"]
    assert {a.ministry for a in jobs[:3]} == {"กระทรวงแรงงาน"}
    assert sorted(names(jobs)) == sorted(names(plain))        # the same units, reordered
    # Lead พม.: พมจ.; lead สาธารณสุข has no unit for access, so its first unit joins;
    # then the partner (มหาดไทย) units whose main dimension is access.
    assert names(elderly[:3]) == ["พมจ.", "รพ.สต.", "อำเภอ"]
    # Partner "กระทรวงมหาดไทย (สถ.)" names the department: อปท. before the rest.
    assert names(preschool).index("อปท.") < names(preschool).index("กสศ.")
    assert names(welfare_card[:2]) == ["พมจ.", "ธ.ก.ส."]                    # lead คลัง


def test_suggestions_take_two_queries_at_most(db):
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    with db.transaction() as s:
        s.execute(select(1))                 # the transaction's own start is not counted
        engine = s.get_bind()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            agencies_for(s, PROVINCE, DISTRICT, "access", indicator_no=34, limit=5)
            with_indicator = len(statements)
            statements.clear()
            agencies_for(s, PROVINCE, DISTRICT, "living")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert with_indicator <= 2 and len(statements) == 1


def test_labels_for_buttons_listings_and_numbered_indicators(db):
    with db.transaction() as s:
        unit = next(a for a in district_agencies(s, PROVINCE, DISTRICT) if a.short_name == "รพ.สต.")
        health = indicators_for(s, "health")
        access = indicators_for(s, "access")
    assert agency_label(unit) == "รพ.สต."
    assert agency_label(unit, full=True) == "รพ.สต. (โรงพยาบาลส่งเสริมสุขภาพตำบล)"
    assert [i.no for i in health] == list(range(1, 13))
    assert [i.no for i in access] == list(range(31, 39))
    assert {i.survey_period for i in health} == {CURRENT_PERIOD}
    labels = [indicator_label(i) for i in health + access]
    assert all(len(label) <= 64 for label in labels)
    assert indicator_label(health[0]) == "การฝากครรภ์อย่างมีคุณภาพ"     # short: whole
    long = SimpleNamespace(indicator_th="ครัวเรือนมีความรู้และป้องกันตนเองเพื่อควบคุมปัจจัยเสี่ยงที่คุกคามสุขภาวะ")
    cut = indicator_label(long)
    assert cut.endswith("…") and len(cut) <= 60
    assert long.indicator_th.startswith(cut[:-1])
    # Never a Thai vowel or tone mark cut off from its letter, nor a leading vowel left alone.
    for text_ in ("เด็กแรกเกิดถึง 12 ปี ได้รับวัคซีนป้องกันโรคครบตามตารางสร้างเสริมภูมิคุ้มกันโรค",
                  "ก" * 58 + "เกี่ยวข้องกัน"):
        label = indicator_label(SimpleNamespace(indicator_th=text_))
        rest = text_[len(label) - 1:]
        assert rest[0] not in "ัิีึืุูู่้๊๋็์ะาำ" and label[-2] not in "เแโใไ"


# -- the จปฐ. catalogue -----------------------------------------------------------------------
def test_row_35_has_row_34s_agencies_and_the_note_column_is_not_stored(db):
    with db.transaction() as s:
        by_no = {i.no: i for i in s.scalars(select(JpthIndicator).where(
            JpthIndicator.survey_period == CURRENT_PERIOD, JpthIndicator.no.in_((33, 34, 35))))}
    assert by_no[35].lead_agencies == by_no[34].lead_agencies != ""
    assert by_no[35].partner_agencies == by_no[34].partner_agencies != ""
    assert "และ/หรือ" in by_no[33].indicator_th and "และหรือ" not in by_no[33].indicator_th
    assert all("note" not in row for row in read_catalogue())
    shipped = resources.files("models").joinpath("data", "jpth_indicators_2566.csv")
    notes = {int(r["no"]): r["note"] for r in csv.DictReader(
        shipped.read_text("utf-8-sig").splitlines()) if r["note"]}
    assert set(notes) == {33, 35}


def test_migration_0006_corrects_a_catalogue_loaded_before_it(db_url):
    """A database that loaded the catalogue as the source had it gets rows 33 and 35 fixed."""
    downgrade(db_url, "0005")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            table = JpthIndicator.__table__
            conn.execute(update(table).where(table.c.no == 35)
                         .values(lead_agencies="", partner_agencies=""))
            conn.execute(update(table).where(table.c.no == 33).values(
                indicator_th=func.replace(table.c.indicator_th, "และ/หรือ", "และหรือ")))
        upgrade(db_url)
        with engine.connect() as conn:
            rows = dict(conn.execute(text(
                "SELECT no, lead_agencies || ';' || partner_agencies || ';' || indicator_th "
                "FROM jpth_indicators WHERE no IN (33, 35)")).all())
    finally:
        engine.dispose()
    expected = {r["no"]: f"{r['lead_agencies']};{r['partner_agencies']};{r['indicator_th']}"
                for r in read_catalogue() if r["no"] in (33, 35)}
    assert rows == expected


# -- mentorbot import agencies ------------------------------------------------------------
def test_a_districts_list_replaces_the_standard_one_for_that_district_only(
        runner, db, tmp_path, districts, caplog):
    caplog.set_level(logging.INFO)
    result = import_agencies(runner, write(tmp_path, OWN_LIST))
    assert result.exit_code == 0, result.output
    assert "agencies: 4 added, 0 updated, 0 unchanged, 0 deactivated" in result.stdout
    with db.transaction() as s:
        own = district_agencies(s, PROVINCE, DISTRICT)
        assert names(own) == ["อบต.นาโป่ง", "รพ.สต.นาโป่ง", "พช.อ.", "วิสาหกิจชุมชน"]
        assert [a.position for a in own] == [0, 1, 2, 3]
        assert names(agencies_for(s, PROVINCE, DISTRICT, "income")) == ["พช.อ.", "วิสาหกิจชุมชน"]
        assert names(agencies_for(s, PROVINCE, DISTRICT, "health")) == ["รพ.สต.นาโป่ง"]
        # The district next door keeps the standard list.
        assert len(district_agencies(s, PROVINCE, OTHER)) == 29
        assert names(agencies_for(s, PROVINCE, OTHER, "income", limit=2)) == [
            "พช.อ.", "เกษตรอำเภอ"]
        assert s.scalar(select(func.count()).select_from(Agency).where(
            Agency.district == STANDARD_AREA)) == 29
    # Logs carry counts, not the file's contents.
    assert "นาโป่ง" not in caplog.text and "วิสาหกิจ" not in caplog.text


def test_reimport_deactivates_dropped_units_and_keeps_the_ids_of_kept_ones(
        runner, db, tmp_path, districts):
    assert import_agencies(runner, write(tmp_path, OWN_LIST)).exit_code == 0
    before = {r[3]: r for r in agency_rows(db) if r[2] == DISTRICT}
    second = """\
ชื่อย่อ,ชื่อหน่วยงาน,กระทรวง,มิติ,จังหวัด,อำเภอ
พช.อ.,สำนักงานพัฒนาชุมชนอำเภอเมืองเลย,กระทรวงมหาดไทย,"รายได้, การเข้าถึงบริการรัฐ",จังหวัดเลย,อำเภอเมืองเลย
อบต.นาโป่ง,องค์การบริหารส่วนตำบลนาโป่ง,กระทรวงมหาดไทย,ความเป็นอยู่|การศึกษา,เลย,เมืองเลย
กศน.ตำบล,ศูนย์ส่งเสริมการเรียนรู้ตำบลนาโป่ง,กระทรวงศึกษาธิการ,education,,
"""
    result = import_agencies(runner, write(tmp_path, second, "again.csv"))
    assert result.exit_code == 0, result.output
    assert "agencies: 1 added, 2 updated, 0 unchanged, 2 deactivated" in result.stdout
    after = {r[3]: r for r in agency_rows(db) if r[2] == DISTRICT}
    assert after["พช.อ."][0] == before["พช.อ."][0]
    assert after["อบต.นาโป่ง"][0] == before["อบต.นาโป่ง"][0]
    assert after["อบต.นาโป่ง"][6:] == ("living|education", 1, True)
    assert after["พช.อ."][6:] == ("income|access", 0, True)
    assert after["กศน.ตำบล"][6:] == ("education", 2, True)
    # Dropped units stay (assistance records point at them), inactive.
    assert after["รพ.สต.นาโป่ง"][0] == before["รพ.สต.นาโป่ง"][0]
    assert not after["รพ.สต.นาโป่ง"][8] and not after["วิสาหกิจชุมชน"][8]
    with db.transaction() as s:
        assert names(district_agencies(s, PROVINCE, DISTRICT)) == [
            "พช.อ.", "อบต.นาโป่ง", "กศน.ตำบล"]
        assert agencies_for(s, PROVINCE, DISTRICT, "health") == []
    # The same file again changes nothing; a dropped unit coming back is active again.
    same = import_agencies(runner, write(tmp_path, second, "again.csv"))
    assert "agencies: 0 added, 0 updated, 3 unchanged, 0 deactivated" in same.stdout
    back = import_agencies(runner, write(tmp_path, OWN_LIST))
    assert "agencies: 0 added, 4 updated, 0 unchanged, 1 deactivated" in back.stdout
    assert {r[3]: r[0] for r in agency_rows(db) if r[2] == DISTRICT and r[8]} == {
        name: before[name][0] for name in before}


def test_a_bad_file_is_refused_whole_with_every_problem_by_line(runner, db, tmp_path,
                                                               districts):
    assert import_agencies(runner, write(tmp_path, OWN_LIST)).exit_code == 0
    stored = agency_rows(db)
    bad = f"""\
{HEADER}
อบต.นาโป่ง,องค์การบริหารส่วนตำบลนาโป่ง,กระทรวงมหาดไทย,living|ที่อยู่,เลย,เมืองเลย
รพ.สต.นาโป่ง,,กระทรวงสาธารณสุข,health,เลย,เมืองเลย
อบต.นาโป่ง,อบต. อีกแห่ง,กระทรวงมหาดไทย,living,เลย,เมืองเลย
ใหม่,หน่วยใหม่,กระทรวงมหาดไทย,income,เลย,เมืองเลย
"""
    result = import_agencies(runner, write(tmp_path, bad, "bad.csv"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 2: dimensions 'living|ที่อยู่' has unknown dimension(s) ที่อยู่ (use income, "
        "living, health, education, access or the Thai names)",
        "line 3: name is empty",
        "line 4: short_name 'อบต.นาโป่ง' is also on line 2",
        "3 error(s); no changes made",
    ]
    assert agency_rows(db) == stored

    unknown = OWN_LIST.replace(",เลย,เมืองเลย", ",เลย,ภูเรือ")
    result = import_agencies(runner, write(tmp_path, unknown, "unknown.csv"))
    assert result.exit_code == 1
    assert ("line 2: district 'ภูเรือ', province 'เลย' has no household or person in the "
            "database") in result.stderr
    two_districts = OWN_LIST.replace("วิสาหกิจชุมชน,เครือข่ายวิสาหกิจชุมชนเมืองเลย,"
                                     "ภาคประชาสังคม,income,เลย,เมืองเลย",
                                     "วิสาหกิจชุมชน,เครือข่าย,ภาคประชาสังคม,income,เลย,วังสะพุง")
    result = import_agencies(runner, write(tmp_path, two_districts, "two.csv"))
    assert result.exit_code == 1
    assert ("line 5: district 'วังสะพุง' differs from 'เมืองเลย' (line 2): one district per "
            "file") in result.stderr
    no_district = "short_name,name,ministry,dimensions\nพช.อ.,สำนักงาน,กระทรวงมหาดไทย,income\n"
    result = import_agencies(runner, write(tmp_path, no_district, "none.csv"))
    assert result.exit_code == 1
    assert "no district: fill the district (อำเภอ) column or give --district" in result.stderr
    assert "line 1: missing required column(s): dimensions (มิติ)" in import_agencies(
        runner, write(tmp_path, "short_name,name,ministry\nก,ข,ค\n", "cols.csv")).stderr
    too_long = import_agencies(runner, write(
        tmp_path, no_district.replace("พช.อ.", "สำนักงานพัฒนาชุมชนอำเภอเมืองเลย"), "long.csv"),
        "--district", DISTRICT, "--province", PROVINCE)
    assert "is longer than 20 characters" in too_long.stderr
    assert agency_rows(db) == stored

    unreadable = write(tmp_path, "short_name\n", "list.txt")
    assert import_agencies(runner, unreadable).exit_code == 2
    windows = tmp_path / "thai.csv"
    windows.write_bytes(OWN_LIST.encode("cp874"))
    result = import_agencies(runner, windows)
    assert result.exit_code == 2 and "not UTF-8" in result.stderr
    assert agency_rows(db) == stored


def test_an_xlsx_list_with_thai_headers_and_the_district_as_an_option(runner, db, tmp_path,
                                                                      districts):
    book = Workbook()
    sheet = book.active
    sheet.append(["ชื่อย่อ", "ชื่อหน่วยงาน", "กระทรวง", "มิติ", "หมายเหตุ"])
    sheet.append(["รพ.สต.ผาน้อย", "โรงพยาบาลส่งเสริมสุขภาพตำบลผาน้อย", "กระทรวงสาธารณสุข",
                  "สุขภาพ", "ติดต่อ ผอ."])
    sheet.append([None, None, None, None, None])
    sheet.append(["อบต.ผาน้อย", "องค์การบริหารส่วนตำบลผาน้อย", "กระทรวงมหาดไทย",
                  "ด้านความเป็นอยู่, สุขภาพ", None])
    path = tmp_path / "agencies.xlsx"
    book.save(path)
    result = import_agencies(runner, path, "--district", f"อำเภอ{OTHER}", "--province", PROVINCE)
    assert result.exit_code == 0, result.output
    assert "agencies: 2 added" in result.stdout
    with db.transaction() as s:
        assert names(agencies_for(s, PROVINCE, OTHER, "health")) == [
            "รพ.สต.ผาน้อย", "อบต.ผาน้อย"]
        assert [a.dimensions for a in district_agencies(s, PROVINCE, OTHER)] == [
            "health", "living|health"]
        assert len(district_agencies(s, PROVINCE, DISTRICT)) == 29
