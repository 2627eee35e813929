"""Benchmark the dashboard's pages at scale: the time and the number of queries of each page's
figures, for one district and for the whole province.

    python bench/bench_dashboard.py [--visits 400000] [--database-url URL] [--skip-populate]

Builds the synthetic province of bench/bench_export.py (10 districts; a household for every 4
visits, a mentor for every 2 households; visits Jan–Apr 2026), then times each figure as the
page asks for it on 30 Apr 2026: the district overview, the mentors list, one mentor's page,
one household's page, and the province overview. Each is run 3 times; the best is printed with
its query count (constant whatever the size: set-based SQL, no query per row).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, func, select  # noqa: E402

from bench.bench_export import PROVINCE, peak_rss_mib, populate  # noqa: E402
from bot import create_app  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.services import services  # noqa: E402
from handlers.dashboard import figures  # noqa: E402
from handlers.dashboard import mentors as mentor_figures  # noqa: E402
from handlers.dashboard import province as province_figures  # noqa: E402
from handlers.dashboard.household_detail import household_page  # noqa: E402
from handlers.exports.table import Area  # noqa: E402
from models import Household, Person, Role  # noqa: E402

TODAY = date(2026, 4, 30)
TZ = ZoneInfo("Asia/Bangkok")
RUNS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=400_000)
    parser.add_argument("--database-url")
    parser.add_argument("--skip-populate", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "REQUIRE_LINE_CREDENTIALS": False,
                      "LINE_CHANNEL_SECRET": "bench", "EVENT_PROCESSING": "inline"})
    svc = services(app)
    if not args.skip_populate:
        started = time.perf_counter()
        populate(svc.db, args.visits)
        if svc.db.dialect == "postgresql":
            with svc.db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"{svc.db.dialect}: populated {args.visits:,} visits in "
              f"{time.perf_counter() - started:.1f} s")
    queries = [0]

    @event.listens_for(svc.db.engine, "before_cursor_execute")
    def _count(*_args) -> None:
        queries[0] += 1

    with svc.db.reading() as s:
        # A district with mentors of its own (the synthetic roster puts mentors in half of them).
        district = s.scalar(select(Person.district).where(Person.role == Role.MENTOR)
                            .group_by(Person.district).order_by(func.count().desc()).limit(1))
        area = Area(PROVINCE, district)
        households = s.scalar(select(func.count()).select_from(Household)
                              .where(Household.district == district))
        mentor_id = s.scalar(select(Person.id).where(Person.role == Role.MENTOR,
                                                     Person.district == district).limit(1))
        mentors = s.scalar(select(func.count()).select_from(Person).where(
            Person.role == Role.MENTOR, Person.district == district))
        household_id = s.scalar(select(Household.id).where(Household.district == district)
                                .limit(1))
        print(f"one district: {households:,} households, {mentors:,} mentors; the province: "
              f"{s.scalar(select(func.count()).select_from(Household)):,}")
        pages = {
            "district overview": lambda: figures.district_overview(
                s, area, TODAY, tz=TZ, first_visit_days=14),
            "mentors (district)": lambda: mentor_figures.mentor_rows(
                s, area, TODAY, first_visit_days=14, tz=TZ),
            "one mentor": lambda: mentor_figures.mentor_page(
                s, area, mentor_id, TODAY, first_visit_days=14, tz=TZ),
            "one household": lambda: household_page(
                s, area, household_id, tz=TZ, today=TODAY, first_visit_days=14),
            "province overview": lambda: province_figures.province_overview(
                s, PROVINCE, TODAY, tz=TZ, first_visit_days=14),
        }
        for name, page in pages.items():
            best, count = float("inf"), 0
            for _ in range(RUNS):
                queries[0] = 0
                started = time.perf_counter()
                page()
                best = min(best, time.perf_counter() - started)
                count = queries[0]
            print(f"{name:20} {best * 1000:8.0f} ms  {count:3d} queries")
    print(f"peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
