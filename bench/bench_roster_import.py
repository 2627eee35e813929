"""Benchmark the roster import at scale: synthetic rosters as CSV and XLSX, imported into an
empty database, re-imported, then changed.

    python bench/bench_roster_import.py [--rows 100000] [--database-url URL] [--formats csv,xlsx]
                                        [--quick]

Each import runs in a process of its own, so its peak RSS is its own: a file of 10,000 rows and
one of ``--rows`` rows are imported in each format, and the two peaks side by side show whether
memory grows with the file (issue 12, target 4: under 60 s for 100,000 rows on PostgreSQL,
memory flat with file size). The database (default: a scratch PostgreSQL database
``bench_roster``, created and migrated if missing; a ``sqlite:///`` URL works too) is emptied
of people and households before each first import. Timings cover reading, validating and
writing, as `mentorbot import roster` does.

``run(quick)`` (for ``python -m bench``): quick = 10,000 rows, CSV and XLSX, PostgreSQL;
otherwise 10,000 and 100,000 rows of each, with a re-import of the large ones and a third
import of the large CSV where a tenth of the households moved to new mentors.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = os.environ.get("BENCH_ROSTER_URL",
                             "postgresql+psycopg://postgres@127.0.0.1:5432/bench_roster")
SMALL = 10_000
TARGET_SECONDS = 60
HEADER = ["house_id", "head_name", "house_no", "village_no", "village_name", "subdistrict",
          "district", "province", "members", "dimensions", "mentor_name", "mentor_position",
          "mentor_agency", "mentor_phone"]
DISTRICTS = ["เมืองเลย", "นาด้วง", "เชียงคาน", "ปากชม", "ด่านซ้าย", "นาแห้ว", "ภูเรือ", "ท่าลี่",
             "วังสะพุง", "ภูกระดึง", "ภูหลวง", "ผาขาว", "เอราวัณ", "หนองหิน"]
DIMENSIONS = ["income", "living", "health", "education", "access"]
# Before issue 12's roster work (commit c1d080b), on this 2-core machine shared with other
# work, PostgreSQL on the same machine: (seconds, peak RSS MiB) of a first import into an empty
# database, per (format, rows); and how much more the 100,000-row import's peak was.
BASELINE: dict[tuple[str, int], tuple[float, float]] = {
    ("csv", 10_000): (4.3, 98), ("csv", 100_000): (43.6, 261),
    ("xlsx", 10_000): (5.1, 97), ("xlsx", 100_000): (74.3, 261)}
BASELINE_GROWTH = {"csv": 163, "xlsx": 164}


# -- synthetic rosters -------------------------------------------------------------------------

def roster_rows(rows: int, changed: float = 0.0, seed: int = 42) -> Iterator[list]:
    """Households in 14 districts, about two per mentor. ``changed``: the share of households
    handed to a new mentor (the "district reassigned staff" case)."""
    rng = random.Random(seed)
    moved = random.Random(seed + 1)
    for n in range(rows):
        district = n % len(DISTRICTS)
        mentor = n // 2 + (rows if moved.random() < changed else 0)
        dims = rng.sample(DIMENSIONS, rng.randint(1, 3))
        yield [f"42{district + 1:02d}{n:07d}", f"หัวหน้าครัวเรือน {n}", str(rng.randint(1, 300)),
               str(rng.randint(1, 20)), f"บ้านทดสอบ {n % 97}", f"ตำบล {n % 90}",
               DISTRICTS[district], "เลย", str(rng.randint(1, 9)), "|".join(dims),
               f"พี่เลี้ยง {mentor}", "นักวิชาการ", f"หน่วยงาน {mentor % 50}", f"08{mentor:08d}"]


def write_roster(path: Path, rows: int, changed: float = 0.0, seed: int = 42) -> None:
    """The roster as CSV (UTF-8)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        out.writerows(roster_rows(rows, changed, seed))


def write_xlsx(path: Path, rows: int, changed: float = 0.0, seed: int = 42) -> None:
    """The same roster as an Excel workbook, as Excel keeps it: house codes and member counts
    as numbers, the phone as text (its leading zero kept)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("roster")
    sheet.append(HEADER)
    for row in roster_rows(rows, changed, seed):
        row[0], row[8] = int(row[0]), int(row[8])
        sheet.append(row)
    book.save(path)


WRITERS = {"csv": write_roster, "xlsx": write_xlsx}


# -- the database ---------------------------------------------------------------------------

def prepare(url: str) -> None:
    """Create (PostgreSQL) and migrate the scratch database."""
    from bot.migrate import upgrade

    if url.startswith("postgresql"):
        parsed = make_url(url)
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    upgrade(url)


def empty(url: str) -> None:
    """No people or households (nor anything hanging from them): a first import again."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if url.startswith("postgresql"):
            conn.execute(text("TRUNCATE people, households RESTART IDENTITY CASCADE"))
        else:
            for table in ("registration_codes", "household_dimensions", "assignments",
                          "households", "people"):
                conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


# -- one import, in a process of its own ------------------------------------------------------

def import_child(url: str, path: Path) -> dict:
    """Run in the child: import ``path`` once; time, peak RSS, what it did."""
    from delivery.db import Database
    from handlers.roster.apply import apply_roster
    from handlers.roster.reader import read_roster
    from handlers.roster.validate import validate_roster
    from models import utcnow

    db = Database(url)
    rss_before = _reset_peak_rss()
    started = time.perf_counter()
    roster = validate_roster(read_roster(path))
    validated = time.perf_counter()
    with db.transaction() as session:
        summary = apply_roster(session, roster, utcnow(), 14)
    done = time.perf_counter()
    db.dispose()
    return {"seconds": done - started, "read_seconds": validated - started,
            "write_seconds": done - validated, "rss_mib": _peak_rss_mib(),
            "rss_before_mib": rss_before, "rows": summary.rows,
            "households_created": summary.households_created,
            "households_unchanged": summary.households_unchanged,
            "mentors_created": summary.mentors_created,
            "assignments_created": summary.assignments_created,
            "assignments_ended": summary.assignments_ended, "codes": summary.codes_issued}


def _peak_rss_mib() -> float:
    """The process's peak RSS (since the reset, where the kernel allows one)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def _reset_peak_rss() -> float:
    """Forget the peak of starting up (imports): Linux resets the high-water mark on "5" to
    /proc/self/clear_refs. The RSS now, which the import's peak is to be compared with."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _peak_rss_mib()


def measure(url: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", url, str(path)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench(url: str, formats: list[str], sizes: list[int], again: bool) -> list[dict]:
    """Import each format at each size into an empty database; the largest also again (and the
    CSV a third time with a tenth of the households moved to new mentors) when ``again``."""
    prepare(url)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_roster_") as tmp:
        for fmt in formats:
            for rows in sizes:
                path = Path(tmp) / f"roster_{rows}.{fmt}"
                started = time.perf_counter()
                WRITERS[fmt](path, rows)
                made = time.perf_counter() - started
                empty(url)
                phases = [("first import", path)]
                if again and rows == max(sizes):
                    phases.append(("re-import", path))
                    if fmt == "csv":
                        moved = Path(tmp) / f"moved_{rows}.{fmt}"
                        WRITERS[fmt](moved, rows, changed=0.1)
                        phases.append(("10% moved", moved))
                for phase, file in phases:
                    result = measure(url, file)
                    result.update(format=fmt, size=rows, phase=phase,
                                  file_mib=file.stat().st_size / 2**20, made_seconds=made,
                                  database=make_url(url).get_backend_name())
                    print(f"# {_line(result)}", file=sys.stderr, flush=True)
                    results.append(result)
                for file in Path(tmp).iterdir():
                    file.unlink()
    return results


def _line(r: dict) -> str:
    return (f"{r['format']} {r['size']:,} rows ({r['file_mib']:.1f} MiB), {r['database']}, "
            f"{r['phase']}: {r['seconds']:.1f}s (read+validate {r['read_seconds']:.1f}s, "
            f"write {r['write_seconds']:.1f}s); peak RSS {r['rss_mib']:.0f} MiB "
            f"({r['rss_before_mib']:.0f} MiB before reading the file); households "
            f"{r['households_created']} created / {r['households_unchanged']} unchanged, "
            f"mentors {r['mentors_created']} "
            f"created, assignments {r['assignments_created']} created / "
            f"{r['assignments_ended']} ended, codes {r['codes']}")


def figures(results: list[dict]) -> list[dict]:
    out: list[dict] = []
    for r in results:
        label = f"roster: {r['size']:,} rows {r['format']}, {r['database']}, {r['phase']}"
        first = r["phase"] == "first import"
        base_s, base_rss = (BASELINE.get((r["format"], r["size"]), (None, None))
                            if first and r["database"] == "postgresql" else (None, None))
        large = r["size"] >= 100_000 and r["database"] == "postgresql"
        out += [
            {"name": f"{label}: time", "value": round(r["seconds"], 2), "unit": "s",
             "baseline": base_s, "target": f"< {TARGET_SECONDS}" if large else None},
            {"name": f"{label}: peak RSS", "value": round(r["rss_mib"]), "unit": "MiB",
             "baseline": base_rss, "target": None},
        ]
    for fmt in sorted({r["format"] for r in results}):
        peaks = {(r["database"], r["size"]): r["rss_mib"] for r in results
                 if r["format"] == fmt and r["phase"] == "first import"}
        for (database, size), peak in sorted(peaks.items()):
            small = peaks.get((database, SMALL))
            if size > SMALL and small:
                out.append({"name": f"roster: {fmt}, {database}, peak RSS at {size:,} rows "
                                    f"minus at {SMALL:,}", "value": round(peak - small),
                            "unit": "MiB", "baseline": BASELINE_GROWTH.get(fmt)
                            if database == "postgresql" and size == 100_000 else None,
                            "target": "flat (0)"})
    return out


def run(quick: bool) -> list[dict]:
    sizes = [SMALL] if quick else [SMALL, 100_000]
    return figures(bench(DEFAULT_URL, ["csv", "xlsx"], sizes, again=not quick))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000,
                        help="the large file's rows (a 10,000-row file is imported too)")
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="a scratch database: emptied of people and households")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--quick", action="store_true", help="10,000 rows only, no re-import")
    parser.add_argument("--first-only", action="store_true", help="no re-import")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(import_child(args.child[0], Path(args.child[1]))))
        return
    sizes = sorted({SMALL, args.rows}) if not args.quick else [min(SMALL, args.rows)]
    results = bench(args.database_url, args.formats.split(","), sizes,
                    again=not (args.quick or args.first_only))
    for row in figures(results):
        print(json.dumps(row, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
