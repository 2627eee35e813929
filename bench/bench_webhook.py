"""Benchmark the webhook: how fast LINE gets its 200, and how many events a process handles.

    python bench/bench_webhook.py [--events 2000] [--database-url URL]

Posts truly signed text events from strangers (each answered through the real SDK by the local
fake Messaging API) to /callback in "thread" mode, as gunicorn runs it. Prints the /callback
latency LINE would see (p50, p95, max) and the throughput until every event is answered.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import create_app  # noqa: E402
from bot.line_fake import FakeLineApi  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.services import services  # noqa: E402
from tests.line_events import payload, sign, text_event  # noqa: E402

SECRET = "bench-secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    fake = FakeLineApi().start()
    app = create_app({"DATABASE_URL": url, "LINE_CHANNEL_SECRET": SECRET,
                      "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_API_BASE_URL": fake.base_url,
                      "LINE_DATA_API_BASE_URL": fake.base_url, "EVENT_PROCESSING": "thread"})
    client = app.test_client()
    latencies = []
    started = time.perf_counter()
    for n in range(args.events):
        event = text_event(f"U{n:032x}", "สวัสดี")
        body = payload(event)
        headers = {"X-Line-Signature": sign(SECRET, body)}
        t0 = time.perf_counter()
        response = client.post("/callback", data=body, headers=headers,
                               content_type="application/json")
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 200
    services(app).processor.wait(timeout=600)
    elapsed = time.perf_counter() - started
    replies = len(fake.calls("reply"))
    fake.stop()
    ms = sorted(x * 1000 for x in latencies)
    print(f"{args.events} events, {replies} replies sent, {elapsed:.1f} s "
          f"({args.events / elapsed:.0f} events/s end to end)")
    print(f"/callback latency: p50 {statistics.median(ms):.1f} ms, "
          f"p95 {ms[int(len(ms) * 0.95)]:.1f} ms, max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
