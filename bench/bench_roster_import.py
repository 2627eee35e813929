"""Benchmark the roster import at scale: a synthetic roster, imported, re-imported, then changed.

    python bench/bench_roster_import.py [--rows 100000] [--database-url URL] [--tracemalloc]

Without --database-url a temporary SQLite file is used. The database is migrated first and
should be empty (a scratch database). Timings cover reading, validating and writing, as the
`mentorbot import roster` command does. Peak memory is the process's peak RSS so far (from
getrusage); --tracemalloc also reports each phase's Python heap peak, but slows the run down.
"""
from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.migrate import upgrade  # noqa: E402
from delivery.db import Database  # noqa: E402
from handlers.roster.apply import apply_roster  # noqa: E402
from handlers.roster.reader import read_roster  # noqa: E402
from handlers.roster.validate import validate_roster  # noqa: E402
from models import utcnow  # noqa: E402

HEADER = ["house_id", "head_name", "house_no", "village_no", "village_name", "subdistrict",
          "district", "province", "members", "dimensions", "mentor_name", "mentor_position",
          "mentor_agency", "mentor_phone"]
DISTRICTS = ["เมืองเลย", "นาด้วง", "เชียงคาน", "ปากชม", "ด่านซ้าย", "นาแห้ว", "ภูเรือ", "ท่าลี่",
             "วังสะพุง", "ภูกระดึง", "ภูหลวง", "ผาขาว", "เอราวัณ", "หนองหิน"]
DIMENSIONS = ["income", "living", "health", "education", "access"]


def write_roster(path: Path, rows: int, changed: float = 0.0, seed: int = 42) -> None:
    """Households in 14 districts, about two per mentor. ``changed``: the share of households
    handed to a new mentor (the "district reassigned staff" case)."""
    rng = random.Random(seed)
    moved = random.Random(seed + 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for n in range(rows):
            district = n % len(DISTRICTS)
            mentor = n // 2 + (rows if moved.random() < changed else 0)
            dims = rng.sample(DIMENSIONS, rng.randint(1, 3))
            out.writerow([
                f"42{district + 1:02d}{n:07d}", f"หัวหน้าครัวเรือน {n}", str(rng.randint(1, 300)),
                str(rng.randint(1, 20)), f"บ้านทดสอบ {n % 97}", f"ตำบล {n % 90}",
                DISTRICTS[district], "เลย", str(rng.randint(1, 9)), "|".join(dims),
                f"พี่เลี้ยง {mentor}", "นักวิชาการ", f"หน่วยงาน {mentor % 50}", f"08{mentor:08d}"])


def run_phase(db: Database, path: Path, label: str, trace: bool) -> None:
    if trace:
        tracemalloc.reset_peak()
    started = time.perf_counter()
    roster = validate_roster(read_roster(path))
    validated = time.perf_counter()
    with db.transaction() as session:
        summary = apply_roster(session, roster, utcnow(), 14)
    done = time.perf_counter()
    rows = summary.rows
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    heap_mb = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0
    heap = f", python heap peak {heap_mb:.0f} MB" if trace else ""
    print(f"{label}: {rows} rows in {done - started:.1f}s = {rows / (done - started):,.0f} rows/s "
          f"(read+validate {validated - started:.1f}s, write {done - validated:.1f}s); "
          f"peak RSS so far {rss_mb:.0f} MB{heap}")
    print(f"    households {summary.households_created} created / {summary.households_updated} "
          f"updated / {summary.households_unchanged} unchanged; mentors "
          f"{summary.mentors_created} created; assignments {summary.assignments_created} created "
          f"/ {summary.assignments_ended} ended; codes {summary.codes_issued}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty scratch database (default: temp SQLite)")
    parser.add_argument("--changed", type=float, default=0.1,
                        help="share of households given a new mentor in the third import")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace the Python heap")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        first, changed = Path(tmp) / "roster.csv", Path(tmp) / "changed.csv"
        write_roster(first, args.rows)
        write_roster(changed, args.rows, changed=args.changed)
        print(f"database: {db.dialect}; roster: {args.rows} rows, "
              f"{first.stat().st_size / 2**20:.1f} MB")
        if args.tracemalloc:
            tracemalloc.start()
        try:
            run_phase(db, first, "first import", args.tracemalloc)
            run_phase(db, first, "re-import   ", args.tracemalloc)
            run_phase(db, changed, f"{args.changed:.0%} moved  ", args.tracemalloc)
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
