"""Benchmark one morning's tick at scale: digests for every mentor with something due.

    python bench/bench_tick.py [--households 200000] [--database-url URL]

Builds a synthetic province-sized (or national) set of registered mentors (two households
each, a third of them due or overdue) and coordinators in a scratch database, then times
`run_tick(..., send=False)`: the queries that find what is due and the queueing of one digest
per mentor (rendering included), and a second tick the same morning (which must queue nothing).
Sending is not timed: it is bounded by LINE's rate limits, not by this code.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from bot import create_app  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.services import services  # noqa: E402
from models import Assignment, Household, HouseholdDimension, OutboxMessage, Person, Role  # noqa: E402
from scheduler.tick import run_tick  # noqa: E402

DISTRICTS = 900          # about the number of districts in Thailand
MORNING = datetime(2026, 5, 20, 1, 5, tzinfo=UTC)   # 08:05 in Bangkok


def populate(db, households: int) -> None:
    mentors = households // 2
    now = datetime(2026, 3, 1, tzinfo=UTC)
    today = date(2026, 5, 20)
    with db.transaction() as s:
        s.execute(insert(Person), [
            {"id": i, "role": Role.MENTOR, "name": f"นายพี่เลี้ยง {i}", "phone": f"08{i:08d}",
             "province": "จังหวัด", "district": f"อำเภอ{i % DISTRICTS}",
             "line_user_id": f"U{i:032x}", "registered_at": now, "created_at": now,
             "updated_at": now} for i in range(1, mentors + 1)])
        s.execute(insert(Person), [
            {"id": mentors + d + 1, "role": Role.COORDINATOR, "name": f"ผู้ประสาน {d}",
             "province": "จังหวัด", "district": f"อำเภอ{d}", "line_user_id": f"C{d:032x}",
             "registered_at": now, "created_at": now, "updated_at": now}
            for d in range(DISTRICTS)])
        s.execute(insert(Household), [
            {"id": h, "house_id": f"{h:011d}", "head_name": f"นางครัวเรือน {h}", "village_no": "1",
             "village_name": "บ้านทดสอบ", "district": f"อำเภอ{((h + 1) // 2) % DISTRICTS}",
             "province": "จังหวัด", "members": 3, "last_visit_on": today - timedelta(days=40),
             "next_visit_due": today + timedelta(days=(h % 30) - 20), "created_at": now,
             "updated_at": now} for h in range(1, households + 1)])
        s.execute(insert(HouseholdDimension), [
            {"household_id": h, "dimension": "income"} for h in range(1, households + 1)])
        s.execute(insert(Assignment), [
            {"household_id": h, "mentor_id": (h + 1) // 2, "assigned_at": now}
            for h in range(1, households + 1)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "REQUIRE_LINE_CREDENTIALS": False,
                      "LINE_CHANNEL_SECRET": "bench", "EVENT_PROCESSING": "inline"})
    svc = services(app)
    started = time.perf_counter()
    populate(svc.db, args.households)
    if svc.db.dialect == "postgresql":
        # What autovacuum does soon after a bulk load in production: without statistics the
        # planner takes the fresh tables for empty and picks nested loops.
        with svc.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"populated {args.households:,} households in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    report = run_tick(svc, MORNING, send=False)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = run_tick(svc, MORNING + timedelta(minutes=1), send=False)
    second = time.perf_counter() - started
    with svc.db.transaction() as s:
        queued = s.scalar(select(func.count()).select_from(OutboxMessage))
    print(f"first tick: {first:.2f} s, queued {report.queued} ({queued:,} outbox rows)")
    print(f"second tick (nothing new): {second:.2f} s, queued {again.queued}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
