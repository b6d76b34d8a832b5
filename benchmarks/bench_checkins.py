"""Check-in benchmarks: the dispatcher with 100,000 scheduled people, and a check-in answer
in the mixed workload.

Figures:
- checkin_tick_ms: median time of the dispatcher's own work in one tick (goal < 50 ms) with
  100,000 people scheduled and a few hundred due: the one indexed query, the daylight-saving
  maths in each person's zone, and the one transaction that records the check-ins and moves
  every schedule on (bot.services.checkins.claim_due, exactly what tick:checkins runs).
- checkin_tick_with_sends_ms: the whole tick:checkins job, the same load, including sending
  each check-in through python-telegram-bot to the in-process fake Bot API. Sending costs
  about half a millisecond a message in PTB itself; in production Telegram's own rate limit
  (about 30 messages a second) bounds the sends, not the dispatcher.
- checkin_due_per_tick / checkin_claimed_per_tick: how many were due (and sent) in each
  measured tick, and claimed in each dispatcher-only measurement: the load behind the above.
- checkin_peak_mb: the peak memory (ru_maxrss) of a process that did only this (goal < 150 MB).

The tick figures run in a child process of their own, so the peak memory is this
benchmark's and not whatever ran before it in benchmarks/run.py.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

_SELF = str(Path(__file__).resolve())
ROOT = Path(_SELF).parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.domain.checkins import DAILY, WEEKDAYS_ONLY  # noqa: E402
from bot.services.checkins import claim_due  # noqa: E402
from bot.services.events import Collector  # noqa: E402
from bot.storage import epoch  # noqa: E402
from flows.checkins import TICK  # noqa: E402
from tests.harness import BotEnv, Client, onboard  # noqa: E402

__all__ = ["figures", "mixed_step"]

PEOPLE = 100_000
DUE_PER_MINUTE = 300
_ZONES = (
    "Australia/Sydney",
    "Australia/Perth",
    "Europe/London",
    "America/New_York",
    "Pacific/Auckland",
)
_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_BASE = 3_000_000
_POOL = 20
_pools: dict[int, list[Client]] = {}


async def _populate(env: BotEnv, people: int) -> None:
    """PEOPLE consented people, each with a schedule whose next time falls in the coming
    hours, about DUE_PER_MINUTE of them in each minute.

    The rows are made as they are written (storage takes them 500 at a time), so the peak
    memory measured is the bot's, not a list of 200,000 made-up rows held by the benchmark.
    """
    now = env.clock.now()
    ts = epoch(now)

    def person(k: int) -> tuple[int, str, datetime, str]:
        zone = _ZONES[k % len(_ZONES)]
        due = now + timedelta(minutes=1 + k // DUE_PER_MINUTE)
        local = due.astimezone(ZoneInfo(zone))
        days = DAILY if k % 3 else (WEEKDAYS_ONLY if local.weekday() < 5 else DAILY)
        return _BASE + k, zone, due, days

    def users() -> Iterator[tuple[Any, ...]]:
        for k in range(people):
            uid, zone, _, _ = person(k)
            yield (uid, "given", ts, "consumer", "AU", zone, f"P{k % 997}", ts, ts)

    def schedules() -> Iterator[tuple[Any, ...]]:
        for k in range(people):
            uid, zone, due, days = person(k)
            local = due.astimezone(ZoneInfo(zone))
            yield (uid, days, local.hour * 60 + local.minute, epoch(due), ts, ts)

    await env.storage.executemany(
        "INSERT INTO users (user_id, consent, consent_at, role, region, timezone, alias, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        users(),
    )
    await env.storage.executemany(
        "INSERT INTO checkin_schedules (user_id, days, minute, next_due, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        schedules(),
    )


async def _tick_figures(ticks: int) -> list[dict[str, Any]]:
    """Run in a child process: time the dispatcher on a 100,000-person database."""
    with tempfile.TemporaryDirectory() as tmp:
        env = await BotEnv.create(Path(tmp), start=_START)
        env.fake.checks = False  # the message rule checks are the tests' job
        try:
            await _populate(env, PEOPLE)
            assert env.deps is not None
            grace = timedelta(minutes=env.deps.settings.checkin_grace_minutes)
            tick_ms, claim_ms, due_counts, claim_counts = [], [], [], []
            await env.run_job(TICK)  # warm up: caches, prepared statements
            for _ in range(ticks):
                env.clock.advance(minutes=1)
                before = len(env.fake.calls)
                started = time.perf_counter()
                await env.run_job(TICK)
                tick_ms.append((time.perf_counter() - started) * 1000)
                due_counts.append(len(env.fake.calls) - before)
                # The next minute's load without the sends: the query, maths and transaction.
                env.clock.advance(minutes=1)
                started = time.perf_counter()
                claimed = await claim_due(
                    env.deps.storage, env.deps.zone, env.clock.now(), grace, Collector()
                )
                claim_ms.append((time.perf_counter() - started) * 1000)
                claim_counts.append(len(claimed.to_send))
            sent = await env.storage.fetchval("SELECT COUNT(*) FROM checkins")
            assert sent and not env.errors, env.errors[:3]
        finally:
            await env.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        {"name": "checkin_tick_ms", "value": statistics.median(claim_ms), "unit": "ms"},
        {"name": "checkin_tick_with_sends_ms", "value": statistics.median(tick_ms), "unit": "ms"},
        {
            "name": "checkin_due_per_tick",
            "value": statistics.median(due_counts),
            "unit": "check-ins",
        },
        {
            "name": "checkin_claimed_per_tick",
            "value": statistics.median(claim_counts),
            "unit": "check-ins",
        },
        {"name": "checkin_peak_mb", "value": peak_mb, "unit": "MB"},
    ]


async def figures(quick: bool) -> list[dict[str, Any]]:
    """The dispatcher's figures, measured in a fresh child process."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        _SELF,
        "--ticks",
        "8" if quick else "30",
        stdout=asyncio.subprocess.PIPE,
        cwd=str(ROOT),
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"bench_checkins child failed ({child.returncode})")
    return [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]


async def mixed_step(env: BotEnv, i: int) -> None:
    """A person checks in: /checkins, "Check in now", a rating, then skips the feelings."""
    pool = _pools.get(id(env))
    if pool is None:
        pool = []
        for k in range(_POOL):
            person = env.client(_BASE - 1000 + k, "Cam")
            await onboard(person, "consumer" if k % 2 else "carer", alias=f"Cam{k}")
            pool.append(person)
        _pools[id(env)] = pool
    person = pool[i % _POOL]
    await person.send("/checkins")
    await person.click("Check in now")
    await person.click(str(3 + i % 3), exact=True)
    await person.click("Skip")


if __name__ == "__main__":
    ticks = int(sys.argv[sys.argv.index("--ticks") + 1]) if "--ticks" in sys.argv else 8
    for figure in asyncio.run(_tick_figures(ticks)):
        print(json.dumps(figure), flush=True)
