"""Run every benchmark: one JSON line per figure (name, value, unit, baseline, target).

    python -m bench [--quick] [--only webhook,tick,...]

``--quick`` is the short form of each (well under two minutes in all, on a 2-core machine);
without it each runs at the sizes its docstring gives. Run benchmarks alone: a test suite or
another benchmark on the same cores changes every number.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback

# name -> module: each has run(quick: bool) -> list[dict]
SUITES = {
    "webhook": "bench.bench_webhook_load",
    "tick": "bench.bench_tick",
    "send": "bench.bench_send",
    "roster": "bench.bench_roster_import",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated: " + ", ".join(SUITES))
    args = parser.parse_args()
    wanted = args.only.split(",") if args.only else list(SUITES)
    started = time.perf_counter()
    failed = False
    for name in wanted:
        began = time.perf_counter()
        try:
            module = importlib.import_module(SUITES[name])
            figures = module.run(quick=args.quick)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the rest
            traceback.print_exc(file=sys.stderr)
            figures = [{"name": f"{name}: failed ({type(exc).__name__})", "value": None,
                        "unit": "", "baseline": None, "target": None}]
            failed = True
        for figure in figures:
            print(json.dumps(figure, ensure_ascii=False), flush=True)
        print(json.dumps({"name": f"{name}: benchmark time", "value": round(
            time.perf_counter() - began, 1), "unit": "s", "baseline": None, "target": None}),
            flush=True)
    print(json.dumps({"name": "all benchmarks", "value": round(time.perf_counter() - started, 1),
                      "unit": "s", "baseline": None,
                      "target": "< 120 with --quick" if args.quick else None}), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
