"""Benchmarks: one JSON object per figure on standard output.

    python benchmarks/run.py --quick     # everything, in under a minute

Each benchmarks/bench_<area>.py adds its figures through `figures(quick)`; what each figure
means, and its goal, is in that module's docstring:
- bench_concurrency: reply_p99_ms, crisis_card_p99_ms (and at 50 ms), reply_p99_during_
  broadcast_ms, same_work_ratio, event_loop_lag_max_ms;
- bench_broadcast: broadcast_fraction_of_limit, broadcast_429s, broadcast_lost,
  broadcast_duplicated, against a fake that enforces Telegram's limits;
- bench_crisis: crisis_median_ms and the detector's other timings;
- bench_matching, bench_checkins, bench_relay: shortlist_p99_ms, checkin_tick_ms,
  checkin_peak_mb, relay figures.

(The old throughput_ratio against an echo bot measured the wrong thing and is retired:
same_work_ratio compares this bot with a plain bot making exactly the same Bot API calls.)
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def emit(name: str, value: float, unit: str) -> None:
    """Print one figure as a JSON line."""
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit}), flush=True)


def bench_modules() -> list[Any]:
    """Every benchmarks/bench_*.py module."""
    modules = []
    for file in sorted(Path(__file__).parent.glob("bench_*.py")):
        modules.append(importlib.import_module(f"benchmarks.{file.stem}"))
    return modules


async def main(quick: bool) -> None:
    """Run every benchmark and print its figures."""
    started = time.perf_counter()
    for module in bench_modules():
        if hasattr(module, "figures"):
            began = time.perf_counter()
            for figure in await module.figures(quick):
                emit(figure["name"], figure["value"], figure["unit"])
            # where the minute goes, on standard error so the figures stay one JSON per line
            took = time.perf_counter() - began
            print(f"{module.__name__}: {took:.1f} s", file=sys.stderr, flush=True)
    emit("benchmarks_wall_s", time.perf_counter() - started, "s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, under a minute")
    asyncio.run(main(parser.parse_args().quick))
