"""Benchmark the exports at scale: rows per second and peak memory, XLSX and CSV.

    python bench/bench_export.py [--visits 100000] [--database-url URL] [--kinds logbook,plans]

Builds a synthetic province (10 districts) in a scratch database with set-based inserts: a
household for every 4 visits, a mentor for every 2 households, 4 visits each (Jan–Apr 2026,
"4 ท" filled in, a problem on every other visit), an assistance record for every fourth
household, and a goal with two plan items for each. Then runs each kind through the CLI's own
path (resolve the area, build, write, audit row, commit, move into place) for the whole
province and the whole range, and prints the rows, rows/s, the file's size and the process's
peak RSS so far. The exports stream, so peak RSS after an export of 100,000 rows should be
about what it is before it (the data load's own lists of rows are the high mark; with
--skip-populate on a database built before, the run shows the exports' own peak).
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bot import create_app  # noqa: E402
from bot.commands.export_commands import run_export  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.services import services  # noqa: E402
from models import (  # noqa: E402
    Assignment,
    AssistanceRecord,
    GoalLevel,
    Household,
    HouseholdDimension,
    HouseholdPlan,
    ItemStatus,
    Person,
    PlanItem,
    Role,
    Visit,
    VisitProblem,
)

DISTRICTS = 10
PROVINCE = "ทดสอบ"
CHUNK = 10_000
FIRST_VISIT = date(2026, 1, 5)


def _chunked(session, model, rows) -> None:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            session.execute(insert(model), batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)


def populate(db, visits: int) -> None:
    households = max(visits // 4, 1)
    mentors = max(households // 2, 1)
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def district(h: int) -> str:
        return f"เขต{h % DISTRICTS}"

    with db.transaction() as s:
        _chunked(s, Person, ({
            "id": m, "role": Role.MENTOR, "name": f"นายพี่เลี้ยง ทดสอบ{m}",
            "position": "นักวิชาการ", "agency": "ที่ว่าการอำเภอ", "phone": f"08{m:08d}",
            "province": PROVINCE, "district": district(m * 2),
            "line_user_id": f"U{m:032x}" if m % 3 else None,
            "registered_at": now if m % 3 else None, "created_at": now, "updated_at": now}
            for m in range(1, mentors + 1)))
        _chunked(s, Household, ({
            "id": h, "house_id": f"{h:011d}", "head_name": f"นางครัวเรือน ทดสอบ{h}",
            "house_no": f"{h % 200}/1", "village_no": str(h % 12 + 1), "village_name": "บ้านทดสอบ",
            "subdistrict": "ตำบลทดสอบ", "district": district(h), "province": PROVINCE,
            "members": 4, "last_visit_on": FIRST_VISIT + timedelta(days=90),
            "next_visit_due": FIRST_VISIT + timedelta(days=120), "created_at": now,
            "updated_at": now} for h in range(1, households + 1)))
        _chunked(s, HouseholdDimension, ({"household_id": h, "dimension": "income"}
                                         for h in range(1, households + 1)))
        _chunked(s, Assignment, ({"household_id": h, "mentor_id": (h + 1) // 2 if
                                  (h + 1) // 2 <= mentors else mentors, "assigned_at": now}
                                 for h in range(1, households + 1)))
        _chunked(s, Visit, ({
            "id": v, "household_id": (v - 1) // 4 + 1,
            "mentor_id": min(((v - 1) // 4 + 2) // 2, mentors),
            "visited_on": FIRST_VISIT + timedelta(days=30 * ((v - 1) % 4)),
            "attitude": "อยากมีรายได้เพิ่ม ตั้งใจทำบัญชีครัวเรือน", "skills": "ปลูกผัก เลี้ยงไก่",
            "resources": "ที่ดิน 2 ไร่", "way_out": "ปลูกผักขายในหมู่บ้าน",
            "no_new_problem": v % 2 == 0,
            "next_visit_due": FIRST_VISIT + timedelta(days=30 * ((v - 1) % 4 + 1)),
            "created_at": now} for v in range(1, visits + 1)))
        _chunked(s, VisitProblem, ({
            "visit_id": v, "dimension": "income", "indicator_no": 23,
            "needs_outside_help": v % 6 == 1, "agency": "เกษตรอำเภอ" if v % 6 == 1 else None,
            "note": "รายได้ไม่พอรายจ่าย"} for v in range(1, visits + 1, 2)))
        _chunked(s, AssistanceRecord, ({
            "household_id": h, "given_on": FIRST_VISIT + timedelta(days=45), "dimension": "income",
            "kind": "training", "agency_name": "พัฒนาชุมชนอำเภอ", "by_mentor": False,
            "value_baht": Decimal("1500.00"), "note": "ฝึกอาชีพทำขนม",
            "recorded_by_id": min((h + 1) // 2, mentors), "province": PROVINCE,
            "district": district(h), "created_at": now} for h in range(1, households + 1, 4)))
        _chunked(s, HouseholdPlan, ({
            "household_id": h, "goal": "มีรายได้พอใช้ ไม่มีหนี้นอกระบบ",
            "level": GoalLevel.SURVIVE, "updated_by_id": min((h + 1) // 2, mentors),
            "updated_at": now} for h in range(1, households + 1)))
        _chunked(s, PlanItem, ({
            "household_id": (i - 1) // 2 + 1, "dimension": "income" if i % 2 else "health",
            "household_action": "ปลูกผักสวนครัว 10 ชนิด ทำบัญชีครัวเรือน",
            "support_action": "เมล็ดพันธุ์ การทำปุ๋ยหมัก", "start_month": date(2026, 1, 1),
            "end_month": date(2026, 6, 1), "status": ItemStatus.ONGOING,
            "created_by_id": min(((i - 1) // 2 + 2) // 2, mentors), "created_at": now,
            "updated_at": now} for i in range(1, 2 * households + 1)))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--kinds", help="comma-separated; default: logbook if present, "
                                        "then plans and mentors")
    parser.add_argument("--skip-populate", action="store_true",
                        help="export what --database-url holds already (a run of its own "
                             "shows the exports' peak RSS without the data load's)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "REQUIRE_LINE_CREDENTIALS": False,
                      "LINE_CHANNEL_SECRET": "bench", "EVENT_PROCESSING": "inline"})
    svc = services(app)
    started = time.perf_counter()
    if not args.skip_populate:
        populate(svc.db, args.visits)
        if svc.db.dialect == "postgresql":
            with svc.db.engine.begin() as conn:   # what autovacuum does soon after a bulk load
                conn.exec_driver_sql("ANALYZE")
        print(f"{svc.db.dialect}: populated {args.visits:,} visits in "
              f"{time.perf_counter() - started:.1f} s; peak RSS {peak_rss_mib():.0f} MiB")
    else:
        print(f"{svc.db.dialect}: exporting what is there; peak RSS {peak_rss_mib():.0f} MiB")
    wanted = (args.kinds.split(",") if args.kinds else
              ["logbook", "plans", "mentors"])
    out = Path(tempfile.mkdtemp())
    with app.app_context():
        for kind in wanted:
            for file_format in ("xlsx", "csv"):
                target = out / f"{kind}.{file_format}"
                started = time.perf_counter()
                rows, files = run_export(kind, None, PROVINCE, date(2026, 1, 1),
                                      date(2026, 6, 30), file_format, target, None)
                took = time.perf_counter() - started
                size = sum(f.stat().st_size for f in files) / 1024 / 1024
                print(f"{kind:8} {file_format:4} {rows:>9,} rows in {took:6.1f} s = "
                      f"{rows / took:>8,.0f} rows/s, {size:6.1f} MiB; "
                      f"peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
