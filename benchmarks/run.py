"""Benchmarks: one JSON object per figure on standard output.

    python benchmarks/run.py --quick     # everything, in under a minute

Figures (names as the issues give them):
- bare_updates_per_s: a bare python-telegram-bot echo bot on the in-process fake Bot API
- mixed_updates_per_s: this bot under a mixed workload of real flows on the same fake API
- throughput_ratio: mixed / bare, measured in the same run (goal >= 0.5)
- crisis_median_ms: the crisis detector's median time per message (goal < 1 ms)
- and whatever each benchmarks/bench_<area>.py adds through `figures(quick)`.

A bench module may also offer `mixed_step(env, i)`: one realistic step of its flow, added to
the mixed workload.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import AIORateLimiter, Application, MessageHandler, filters  # noqa: E402

from bot.clock import FakeClock  # noqa: E402
from tests.harness import TOKEN, BotEnv, Client, FakeBotAPI, onboard  # noqa: E402

Step = Callable[[BotEnv, int], Awaitable[None]]


def emit(name: str, value: float, unit: str) -> None:
    """Print one figure as a JSON line."""
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit}), flush=True)


def bench_modules() -> list[Any]:
    """Every benchmarks/bench_*.py module."""
    modules = []
    for file in sorted(Path(__file__).parent.glob("bench_*.py")):
        modules.append(importlib.import_module(f"benchmarks.{file.stem}"))
    return modules


class BareEnv:
    """Just enough of BotEnv for tests.harness.Client, around a bare Application."""

    def __init__(self, app: Application, fake: FakeBotAPI, clock: FakeClock) -> None:
        self.app, self.fake, self.clock = app, fake, clock
        self.processed = 0

    async def process(self, data: dict[str, Any]) -> None:
        """Feed one update, exactly as BotEnv does."""
        self.processed += 1
        await self.app.process_update(Update.de_json(data, self.app.bot))


async def bare_updates_per_s(n: int) -> float:
    """A bare PTB echo bot, the baseline: same fake API, same Client, same update path."""
    from datetime import UTC, datetime

    clock = FakeClock(datetime(2026, 3, 2, tzinfo=UTC))
    fake = FakeBotAPI(clock)
    fake.checks = False
    app = (Application.builder().token(TOKEN).request(fake).get_updates_request(fake)
           .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0)).build())

    async def echo(update: Update, context: Any) -> None:
        assert update.effective_message is not None and update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, update.effective_message.text)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    env = BareEnv(app, fake, clock)
    people = [Client(env, 5000 + i, "P") for i in range(200)]  # type: ignore[arg-type]
    started = time.perf_counter()
    for i in range(n):
        await people[i % len(people)].send(f"hello there {i}")
    elapsed = time.perf_counter() - started
    await app.shutdown()
    return n / elapsed


ORDINARY = ["thanks, see you next week", "I went for a walk today and it helped a bit",
            "what time is the group on thursday?", "my phone died so I missed your message",
            "this traffic is killing me"]


async def _onboarding_step(env: BotEnv, i: int) -> None:
    person = env.client(100_000 + i, "Pat")
    await onboard(person, "carer" if i % 2 else "consumer", alias=f"Pat{i}")


async def _chatter_step(env: BotEnv, i: int) -> None:
    person = env.client(100_000 + (i % 50), "Pat")
    await person.send(ORDINARY[i % len(ORDINARY)])
    await person.send("/help")


async def mixed_updates_per_s(steps: list[Step], rounds: int) -> float:
    """This bot under a mix of real flows; counts every update fed in."""
    with tempfile.TemporaryDirectory() as tmp:
        env = await BotEnv.create(Path(tmp))
        env.fake.checks = False  # the rule checks are the tests' job, not the bot's cost
        try:
            for i in range(20):  # warm up: people who exist before the timed part
                await _onboarding_step(env, 900_000 + i)
            for step in steps:  # each step's one-off set-up (profiles, matches) is not timed
                await step(env, 0)
            env.processed = 0
            started = time.perf_counter()
            for i in range(1, rounds + 1):
                for step in steps:
                    await step(env, i)
            elapsed = time.perf_counter() - started
            count = env.processed
        finally:
            await env.stop()
    if env.errors or env.fake.problems:
        raise SystemExit(f"mixed workload hit errors: {env.errors[:3]} {env.fake.problems[:3]}")
    return count / elapsed


def crisis_median_ms(limit: int | None) -> float:
    """Median time of one assess() over the development set's messages."""
    from bot.domain.crisis import assess

    lines = []
    for file in sorted((ROOT / "tests" / "crisis_data").glob("*.tsv")):
        for line in file.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                lines.append(parts[2])
    lines = lines[:limit] if limit else lines
    assess("warm up")
    times = []
    for text in lines:
        started = time.perf_counter()
        assess(text)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def main(quick: bool) -> None:
    """Run every benchmark and print its figures."""
    modules = bench_modules()
    steps: list[Step] = [_onboarding_step, _chatter_step]
    steps += [m.mixed_step for m in modules if hasattr(m, "mixed_step")]
    n = 3000 if quick else 20000
    rounds = 60 if quick else 400
    # Interleave baseline and bot runs so machine noise hits both alike.
    bare_runs, mixed_runs = [], []
    for _ in range(2 if quick else 3):
        bare_runs.append(await bare_updates_per_s(n))
        mixed_runs.append(await mixed_updates_per_s(steps, rounds))
    bare, mixed = max(bare_runs), max(mixed_runs)
    emit("bare_updates_per_s", bare, "updates/s")
    emit("mixed_updates_per_s", mixed, "updates/s")
    emit("throughput_ratio", mixed / bare, "ratio")
    for module in modules:
        if hasattr(module, "figures"):
            for figure in await module.figures(quick):
                emit(figure["name"], figure["value"], figure["unit"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, under a minute")
    asyncio.run(main(parser.parse_args().quick))
