"""The webhook under load, against line-bot-sdk's own echo bot, in one run.

    python bench/bench_webhook_load.py [--seconds 15] [--connections 16] [--mentors 2000]
                                       [--database-url URL] [--quick]

Both bots run under gunicorn with 2 workers (mentorbot as its Procfile runs it, plus the
settings given), against the same fixed-response nginx standing in for the Messaging API on
loopback, loaded by Debian's wrk with a Lua script over pre-signed bodies, each with its own
webhookEventId. mentorbot's events come from registered mentors in a realistic mix: the menu,
the household list, and a visit report's typed answers (typing a button's words counts as
tapping it). Printed, one JSON line each: requests/s accepted, events/s answered end to end
(replies nginx received while the load ran), /callback p50 and p99 (wrk), the time the backlog
took to drain after the load stopped, and mentorbot's ratios to the echo bot; then mentorbot at
about 200 events/s offered (8 connections, each pausing 30 ms after every answer); and last,
the floor: mentorbot with a constant answer in place of its conversations
(bench/load/floor_bot.py), the most any conversation on this stack can reach here.

Needs: apt-get install nginx wrk; PostgreSQL (the default URL is the machine's, database
bench_webhook, created if missing).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.databases import fresh_database  # noqa: E402
from models import Assignment, Household, HouseholdDimension, Person, Role  # noqa: E402
from tests.line_events import payload, sign, text_event  # noqa: E402

HERE = Path(__file__).resolve().parent / "load"
SECRET = "bench-webhook-secret"
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_webhook"
# What a mentor types in turn: the menu, the list, then a visit report's answers by their words.
# The paced run: 8 connections, each waiting 30 ms after every answer, offer at most 267/s and
# about 200/s while /callback answers in under 10 ms (wrk paces a closed loop: the rate it
# reached is printed as "requests accepted").
PACED = (8, 30)
MIX = ("เมนู", "บ้านที่ดูแล", "รายงานการเยี่ยมบ้าน", "วันนี้", "ข้ามทั้ง 4 ท", "ยกเลิก")


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(url: str, mentors: int) -> None:
    fresh_database(url)
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Person), [{
            "id": m, "role": Role.MENTOR, "name": f"นายพี่เลี้ยง ทดสอบ{m}", "phone": f"08{m:08d}",
            "province": "ทดสอบ", "district": "เขตทดสอบ", "line_user_id": f"U{m:032x}",
            "registered_at": now, "created_at": now, "updated_at": now}
            for m in range(1, mentors + 1)])
        conn.execute(insert(Household), [{
            "id": h, "house_id": f"{h:011d}", "head_name": f"นางครัวเรือน ทดสอบ{h}",
            "village_no": "1", "village_name": "บ้านทดสอบ", "subdistrict": "ตำบลทดสอบ",
            "district": "เขตทดสอบ", "province": "ทดสอบ", "members": 4, "created_at": now,
            "updated_at": now} for h in range(1, 2 * mentors + 1)])
        conn.execute(insert(HouseholdDimension), [
            {"household_id": h, "dimension": "income"} for h in range(1, 2 * mentors + 1)])
        conn.execute(insert(Assignment), [
            {"household_id": h, "mentor_id": (h + 1) // 2, "assigned_at": now}
            for h in range(1, 2 * mentors + 1)])
    engine.dispose()
    if make_url(url).get_backend_name() == "postgresql":
        # Settled as a database in use is (analysed, its new pages written out), so a run that
        # follows a rebuild is not slowed by the rebuild's after-effects.
        settle = create_engine(url, isolation_level="AUTOCOMMIT")
        with settle.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CHECKPOINT"))
        settle.dispose()


def _bodies(path: Path, count: int, users: int, texts: tuple[str, ...]) -> None:
    with path.open("w") as out:
        for i in range(count):
            user = f"U{(i % users) + 1:032x}"
            word = texts[(i // users) % len(texts)]
            body = payload(text_event(user, word))
            out.write(f"{sign(SECRET, body)}\t{body.decode()}\n")


class Nginx:
    def __init__(self, workdir: Path):
        self.prefix, self.port = workdir / "nginx", _free_port()
        for sub in ("", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        conf = (HERE / "nginx.conf.template").read_text().replace(
            "{prefix}", str(self.prefix)).replace("{port}", str(self.port))
        (self.prefix / "nginx.conf").write_text(conf)
        (self.prefix / "replies.log").touch()
        self.proc = subprocess.Popen(["nginx", "-c", str(self.prefix / "nginx.conf"),
                                      "-p", str(self.prefix)])
        _wait_for(f"http://127.0.0.1:{self.port}/", method="GET")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def replies(self) -> int:
        with (self.prefix / "replies.log").open("rb") as f:
            return sum(1 for _ in f)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGQUIT)
        self.proc.wait(10)


def _wait_for(url: str, method: str = "POST", timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(urllib.request.Request(url, method=method, data=b"" if
                                                          method == "POST" else None), timeout=2)
            return
        except urllib.error.HTTPError:
            return        # it answers (400 for an unsigned POST): up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _gunicorn(app: str, env: dict, port: int, extra: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", *extra,
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app],
        env={**os.environ, **env}, cwd=ROOT)


def _wrk(port: int, bodies: Path, seconds: int, connections: int, delay_ms: int = 0) -> dict:
    threads = 2 if connections >= 2 else 1
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", str(HERE / "bodies.lua"), f"http://127.0.0.1:{port}"],
        env={**os.environ, "BODIES": str(bodies), "THREADS": str(threads),
             "DELAY_MS": str(delay_ms)}, capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": total, "non_2xx": int(errors.group(1)) if errors else 0,
            "p50_ms": _percentile(out, 50), "p99_ms": _percentile(out, 99)}


def _percentile(out: str, percent: int) -> float:
    # The row of wrk's latency distribution, at the start of its line: a "+/- Stdev" figure
    # such as "85.50%" elsewhere also ends in "50%".
    return _ms(re.search(rf"^\s+{percent}%\s+(\S+)", out, re.MULTILINE).group(1))


def _ms(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group(0))
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[re.search(r"[a-z]+$", value).group(0)]


def _load(name: str, nginx: Nginx, port: int, bodies: Path, seconds: int,
          connections: int, delay_ms: int = 0) -> dict:
    before = nginx.replies()
    started = time.monotonic()
    result = _wrk(port, bodies, seconds, connections, delay_ms)
    ended = time.monotonic()
    during = nginx.replies() - before
    last, still = during, ended
    while time.monotonic() - still < 3.0 and time.monotonic() - ended < 120:
        time.sleep(0.25)
        now_count = nginx.replies() - before
        if now_count != last:
            last, still = now_count, time.monotonic()
    drained = max(0.0, still - ended)
    load_time = ended - started
    return {"bot": name, "accepted_per_s": (result["requests"] - result["non_2xx"]) / load_time,
            "answered_per_s": during / load_time, "answered_total": last,
            "accepted_total": result["requests"] - result["non_2xx"],
            "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "drain_s": drained}


def _figures(label: str, run: dict, baseline: dict | None) -> list[dict]:
    def fig(name, value, unit, base=None, target=None):
        return {"name": f"webhook {label}: {name}", "value": round(value, 2), "unit": unit,
                "baseline": None if base is None else round(base, 1), "target": target}
    out = [fig("requests accepted", run["accepted_per_s"], "req/s",
               baseline and baseline["accepted_per_s"]),
           fig("events answered end to end", run["answered_per_s"], "events/s",
               baseline and baseline["answered_per_s"]),
           fig("/callback p50", run["p50_ms"], "ms", baseline and baseline["p50_ms"]),
           fig("/callback p99", run["p99_ms"], "ms", baseline and baseline["p99_ms"]),
           fig("backlog drained after the load", run["drain_s"], "s")]
    if baseline:
        out.append(fig("answered, ratio to the echo bot",
                       run["answered_per_s"] / baseline["answered_per_s"], "x", None, ">= 0.35"))
    return out


def run(quick: bool = False, seconds: int | None = None, connections: int = 16,
        mentors: int = 2000, database_url: str = DEFAULT_DB) -> list[dict]:
    if not (shutil.which("nginx") and shutil.which("wrk")):
        return [{"name": "webhook: skipped (apt-get install nginx wrk)", "value": 0,
                 "unit": "", "baseline": None, "target": None}]
    seconds = seconds or (3 if quick else 15)
    if quick:
        mentors = min(mentors, 500)
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    _database(database_url, mentors)
    echo_bodies, bot_bodies = workdir / "echo.txt", workdir / "bot.txt"
    paced_bodies = workdir / "paced.txt"     # new event ids: not redeliveries of the first run
    count = 3000 * seconds
    _bodies(echo_bodies, count, mentors, ("สวัสดี",))
    _bodies(bot_bodies, count, mentors, MIX)
    _bodies(paced_bodies, 300 * seconds, mentors, MIX)
    floor_bodies = workdir / "floor.txt"
    _bodies(floor_bodies, count, mentors, MIX)
    nginx = Nginx(workdir)
    figures: list[dict] = []
    try:
        env = {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": "bench",
               "LINE_API_BASE_URL": nginx.url, "LINE_DATA_API_BASE_URL": nginx.url}
        port = _free_port()
        echo = _gunicorn("bench.load.echo_bot:create_app()", env, port, [])
        try:
            _wait_for(f"http://127.0.0.1:{port}/callback")
            baseline = _load("echo", nginx, port, echo_bodies, seconds, connections)
        finally:
            echo.terminate()
            echo.wait(10)
        figures += _figures("echo bot", baseline, None)
        port = _free_port()
        bot = _gunicorn("bot:create_app()", {**env, "DATABASE_URL": database_url}, port,
                        ["--threads", "4"])
        try:
            _wait_for(f"http://127.0.0.1:{port}/callback")
            loaded = _load("mentorbot", nginx, port, bot_bodies, seconds, connections)
            figures += _figures("mentorbot", loaded, baseline)
            paced = _load("mentorbot paced", nginx, port, paced_bodies, seconds, PACED[0],
                          delay_ms=PACED[1])
            figures += [f for f in _figures("mentorbot ~200/s offered", paced, None)
                        if "ratio" not in f["name"]]
            figures[-2]["target"] = "< 100"      # p99 at ~200 events/s
            figures[-1]["target"] = "~0 (no growing backlog)"
        finally:
            bot.terminate()
            bot.wait(10)
        # The floor: the same process with a constant answer instead of the conversations.
        _database(database_url, mentors)
        port = _free_port()
        floor = _gunicorn("bench.load.floor_bot:create_app()",
                          {**env, "DATABASE_URL": database_url}, port, ["--threads", "4"])
        try:
            _wait_for(f"http://127.0.0.1:{port}/callback")
            floored = _load("floor", nginx, port, floor_bodies, seconds, connections)
            figures += [f for f in _figures("mentorbot without its conversations (the floor)",
                                            floored, baseline)
                        if "p50" not in f["name"] and "drained" not in f["name"]]
            figures[-1]["target"] = None
        finally:
            floor.terminate()
            floor.wait(10)
    finally:
        nginx.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--mentors", type=int, default=2000)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for figure in run(args.quick, args.seconds, args.connections, args.mentors,
                      args.database_url):
        print(json.dumps(figure, ensure_ascii=False))


if __name__ == "__main__":
    main()
