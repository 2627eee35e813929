"""Benchmark answers under a slow Messaging API: does the lag stay near LINE's own latency?

    python bench/bench_slow_line.py [--latency 1.5] [--rate 10] [--seconds 30]
                                    [--reply-workers 32] [--database-url URL]

Offers signed text events from many users at a steady rate to /callback in "thread" mode (as
gunicorn runs it), while the local fake Messaging API takes ``--latency`` seconds to answer
every call. For each event it measures the lag from posting the event to LINE's answer to its
reply, and prints p50, p99, max and the share of replies later than 30 s (reply tokens expire
and the answers then cost quota as pushes). ``--reply-workers 0`` sends each reply from the
event thread itself, as the bot did before replies got their own threads.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
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
    parser.add_argument("--latency", type=float, default=1.5)
    parser.add_argument("--rate", type=float, default=10.0, help="events offered per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--event-workers", type=int, default=4)
    parser.add_argument("--reply-workers", type=int, default=32)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    fake = FakeLineApi(latency=args.latency).start()
    app = create_app({"DATABASE_URL": url, "LINE_CHANNEL_SECRET": SECRET,
                      "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_API_BASE_URL": fake.base_url,
                      "LINE_DATA_API_BASE_URL": fake.base_url, "EVENT_PROCESSING": "thread",
                      "EVENT_WORKERS": args.event_workers,
                      "REPLY_WORKERS": args.reply_workers,
                      "LINE_HTTP_TIMEOUT": args.latency + 10})
    client = app.test_client()
    posted: dict[str, float] = {}
    count = int(args.rate * args.seconds)
    started = time.time()
    for n in range(count):
        due = started + n / args.rate
        time.sleep(max(0.0, due - time.time()))
        event = text_event(f"U{n % 500:032x}", "สวัสดี")
        body = payload(event)
        posted[event["replyToken"]] = time.time()
        response = client.post("/callback", data=body, content_type="application/json",
                               headers={"X-Line-Signature": sign(SECRET, body)})
        assert response.status_code == 200
    services(app).processor.wait(timeout=3600)
    lags = []
    for rec in fake.calls("replyMessage"):
        answered = datetime.fromisoformat(rec.at).timestamp() + args.latency
        lags.append(answered - posted[rec.json["replyToken"]])
    fake.stop()
    lags.sort()
    late = sum(1 for lag in lags if lag > 30)
    print(f"{count} events at {args.rate:g}/s, LINE answering in {args.latency:g} s, "
          f"{args.event_workers} event threads, {args.reply_workers or 'no'} reply threads: "
          f"{len(lags)} replies")
    print(f"lag from event to LINE's answer: p50 {statistics.median(lags):.2f} s, "
          f"p99 {lags[int(len(lags) * 0.99) - 1]:.2f} s, max {lags[-1]:.2f} s; "
          f"later than 30 s: {late} ({100 * late / len(lags):.0f}%)")


if __name__ == "__main__":
    main()
