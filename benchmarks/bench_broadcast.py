"""Broadcast benchmark: 10,000 recipients through the real AIORateLimiter against the fake Bot
API, with time scaled so it runs in seconds.

Scaling: Telegram allows about 30 messages a second; the limiter here allows 30 per 1/SCALE
of a second (the same bucket, time running SCALE times faster), i.e. 30 * SCALE a second.
SCALE is 40 (1,200 a second) rather than 100: on a 2-core machine the in-process fake Bot API
plus PTB's own request and Message parsing top out near 2,700 sends a second, and the figure
should measure the limiter and the sender, not the CPU.

The fake answers 3% of sends with 429 (retry_after 0.001 s) and 5% of recipients have
blocked the bot. PTB's AIORateLimiter, unchanged, halts every request for retry_after + 0.1 s
after a 429; that 0.1 s is fixed real time, so in a run where time goes SCALE times faster it
would stand for 5 s of Telegram time. The limiter's sleeps are therefore scaled by the same
factor as its period (its `asyncio.sleep`, and nothing else, is divided by SCALE).

Figures:
- broadcast_fraction_of_limit: recipients finished per second / the configured rate. Every
  recipient costs at least one request and each 429 one more, so about 0.97 is the ceiling.
- broadcast_lost: recipients who had not blocked the bot but did not get the message.
- broadcast_duplicated: extra copies anyone got (should be 0).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram.ext import AIORateLimiter, _aioratelimiter  # noqa: E402

from tests.harness import AGREE, BotEnv  # noqa: E402

RECIPIENTS = 10_000
SCALE = 40               # time runs 40x faster: 30 per 25 ms = 1,200 a second
BURST = 30               # Telegram's bucket: 30 messages...
PERIOD = 1.0 / SCALE     # ...per (scaled) second
FLOOD_SHARE = 0.03
BLOCKED_SHARE = 0.05
FIRST_ID = 3_000_000
COORDINATOR = 900
TEXT = "The annual peer support day is on 14 March. Everyone is welcome, bring a friend."


class _ScaledAsyncio:
    """The asyncio module as AIORateLimiter sees it, with sleeps SCALE times shorter."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds / SCALE)


async def _run(tmp: Path) -> dict[str, float]:
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter as a timedelta, no warning
    real_asyncio = _aioratelimiter.asyncio
    _aioratelimiter.asyncio = _ScaledAsyncio()  # type: ignore[assignment]
    try:
        return await _measure(tmp)
    finally:
        _aioratelimiter.asyncio = real_asyncio


async def _measure(tmp: Path) -> dict[str, float]:
    limiter = AIORateLimiter(overall_max_rate=BURST, overall_time_period=PERIOD,
                             group_max_rate=0, max_retries=5)
    env = await BotEnv.create(tmp, rate_limiter=limiter, coordinators=(COORDINATOR,))
    try:
        rng = random.Random(2026)
        now = int(env.clock.now().timestamp())
        ids = list(range(FIRST_ID, FIRST_ID + RECIPIENTS))
        await env.storage.executemany(
            "INSERT INTO users (user_id, consent, consent_at, role, region, timezone, "
            "created_at, updated_at) VALUES (?, 'given', ?, 'consumer', 'AU', "
            "'Australia/Sydney', ?, ?)", [(uid, now, now, now) for uid in ids])
        blocked = set(rng.sample(ids, int(RECIPIENTS * BLOCKED_SHARE)))
        env.fake.blocked |= blocked
        flood_rng = random.Random(7)
        floods = 0

        def flood(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
            nonlocal floods
            if method == "sendMessage" and flood_rng.random() < FLOOD_SHARE:
                floods += 1
                return 429, {"ok": False, "error_code": 429,
                             "description": "Too Many Requests: retry after 0.001",
                             "parameters": {"retry_after": 0.001}}
            return None

        coord = env.client(COORDINATOR, "Casey")
        await coord.send("/start")
        await coord.click(AGREE)
        await coord.click("Skip")
        await coord.send("/broadcast")
        await coord.click("All people living with BPD")
        await coord.send(TEXT)
        await coord.click("Send to")

        env.fake.interceptor = flood
        sends_before = len(env.fake.calls_to("sendMessage"))
        started = time.perf_counter()
        await env.run_job("tick:broadcast")
        elapsed = time.perf_counter() - started
        requests = len(env.fake.calls_to("sendMessage")) - sends_before

        lost = duplicated = 0
        for uid in ids:
            got = sum(1 for m in env.fake.messages(uid) if "peer support day" in m.text)
            if uid in blocked:
                duplicated += got
            elif got == 0:
                lost += 1
            else:
                duplicated += got - 1
        counts = await env.storage.outbox_counts(1)
        finished = sum(v for k, v in counts.items() if k not in ("pending", "sending"))
        assert not env.errors, env.errors[:3]
    finally:
        await env.stop()
    rate = BURST / PERIOD
    return {"fraction": finished / elapsed / rate, "lost": lost, "duplicated": duplicated,
            "recipients_per_s": finished / elapsed, "requests_per_s": requests / elapsed,
            "floods": floods, "rate": rate}


async def figures(quick: bool) -> list[dict[str, Any]]:
    """The broadcast figures (the same 10,000 recipients in quick mode: it takes seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = await _run(Path(tmp))
    return [
        {"name": "broadcast_fraction_of_limit", "value": result["fraction"], "unit": "ratio"},
        {"name": "broadcast_lost", "value": result["lost"], "unit": "recipients"},
        {"name": "broadcast_duplicated", "value": result["duplicated"], "unit": "messages"},
        {"name": "broadcast_recipients_per_s", "value": result["recipients_per_s"],
         "unit": f"recipients/s (limit {result['rate']:.0f}/s)"},
        {"name": "broadcast_429_answers", "value": result["floods"], "unit": "responses"},
    ]


if __name__ == "__main__":
    import json

    for figure in asyncio.run(figures(quick=True)):
        print(json.dumps(figure))
