"""Broadcast benchmark: 10,000 recipients (2,500 with --quick, 100 s of Telegram time) through
the bulk lane, against a fake Bot API that enforces Telegram's limits, with time scaled so it
runs in seconds.

The fake (StrictBotAPI) answers like Telegram under load:
- at most 30 requests to chats in any sliding second, overall;
- at most 1 a second in any one chat;
- a request over either limit is answered 429 with `retry_after` in whole seconds, and every
  request during that flood wait is refused the same way;
- each call takes a 250 ms round trip; 5% of recipients have blocked the bot (403).

Time runs SCALE times faster for the fake and for the rate limiter alike (both read one
`ScaledTimer`), so 400 s of Telegram time pass in 20 s; nothing else is changed.

Figures:
- broadcast_fraction_of_limit: recipients finished per (Telegram) second / the bulk lane's
  share (25 a second). Goal >= 0.90.
- broadcast_429s: 429 answers the fake had to give (our own pacing should need none). Goal 0.
- broadcast_lost: recipients who had not blocked the bot but did not get the message. Goal 0.
- broadcast_duplicated: extra copies anyone got. Goal 0.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import sys
import tempfile
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram.request import RequestData  # noqa: E402

from bot.lanes import DEFAULT_BULK_PER_SECOND, TELEGRAM_PER_SECOND, LaneRateLimiter  # noqa: E402
from tests.harness import AGREE, BotEnv, FakeBotAPI  # noqa: E402

__all__ = ["ScaledTimer", "StrictBotAPI", "figures"]

RECIPIENTS = 10_000
QUICK_RECIPIENTS = 2_500
# 20x: 500 sends a (wall) second, well inside what this process can do on one core, so the
# figure measures the pacing and not the CPU (at 40x the CPU, not the limiter, set the pace).
SCALE = 20.0
RTT = 0.25
BLOCKED_SHARE = 0.05
FIRST_ID = 3_000_000
COORDINATOR = 900
TEXT = "The annual peer support day is on 14 March. Everyone is welcome, bring a friend."
_COUNTED = ("send", "copyMessage", "forwardMessage", "editMessage")


class ScaledTimer:
    """Telegram time running SCALE times faster than the wall clock."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def now(self) -> float:
        """Scaled seconds."""
        return asyncio.get_running_loop().time() * self.scale

    async def sleep(self, seconds: float) -> None:
        """Wait SECONDS of scaled time."""
        await asyncio.sleep(max(seconds, 0.0) / self.scale)


class StrictBotAPI(FakeBotAPI):
    """The fake Bot API, enforcing Telegram's overall and per-chat limits (see module doc)."""

    def __init__(self, clock: Any, timer: ScaledTimer) -> None:
        super().__init__(clock)
        self.timer = timer
        self.enforce = False
        self.rtt = 0.0
        self.recent: deque[float] = deque()
        self.last_in_chat: dict[int, float] = {}
        self.flood_until = 0.0
        self.refused = 0
        self.sent_to: dict[int, int] = defaultdict(int)

    def _too_many(self, now: float) -> tuple[int, dict[str, Any]]:
        self.refused += 1
        wait = max(1, math.ceil(self.flood_until - now))
        return 429, {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {wait}",
            "parameters": {"retry_after": wait},
        }

    def _check(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if not self.enforce or "chat_id" not in params or not method.startswith(_COUNTED):
            return None
        now = self.timer.now()
        if now < self.flood_until:
            return self._too_many(now)
        while self.recent and self.recent[0] <= now - 1.0:
            self.recent.popleft()
        chat = int(params["chat_id"])
        if (
            len(self.recent) >= TELEGRAM_PER_SECOND
            or now - self.last_in_chat.get(chat, -10.0) < 1.0
        ):
            self.flood_until = now + 1.0
            return self._too_many(now)
        self.recent.append(now)
        self.last_in_chat[chat] = now
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """The limits, as of the moment the request leaves (the network's delay is the same
        for every request, so that is the order Telegram sees), then a round trip."""
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        refused = self._check(api_method, params)
        if self.rtt:
            await self.timer.sleep(self.rtt / 2)
        if refused is not None:
            import json

            result = refused[0], json.dumps(refused[1]).encode()
        else:
            result = await super().do_request(url, method, request_data)
        if self.rtt:
            await self.timer.sleep(self.rtt / 2)
        return result


async def _measure(tmp: Path, recipients: int) -> dict[str, float]:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    timer = ScaledTimer(SCALE)
    limiter = LaneRateLimiter(bulk_per_second=DEFAULT_BULK_PER_SECOND, timer=timer, max_retries=5)
    env = await BotEnv.create(tmp, rate_limiter=limiter, coordinators=(COORDINATOR,))
    await env.stop()
    fake = env.fake = StrictBotAPI(env.clock, timer)
    await env.start()
    try:
        fake.checks = False
        rng = random.Random(2026)
        now = int(env.clock.now().timestamp())
        ids = list(range(FIRST_ID, FIRST_ID + recipients))
        await env.storage.executemany(
            "INSERT INTO users (user_id, consent, consent_at, role, region, timezone, "
            "created_at, updated_at) VALUES (?, 'given', ?, 'consumer', 'AU', "
            "'Australia/Sydney', ?, ?)",
            [(uid, now, now, now) for uid in ids],
        )
        blocked = set(rng.sample(ids, int(recipients * BLOCKED_SHARE)))
        fake.blocked |= blocked

        coord = env.client(COORDINATOR, "Casey")
        await coord.send("/start")
        await coord.click(AGREE)
        await coord.click("Skip")
        await coord.send("/broadcast")
        await coord.click("All people living with BPD")
        await coord.send(TEXT)
        await coord.click("Send to")

        fake.enforce, fake.rtt = True, RTT
        await timer.sleep(1.0)  # the coordinator's own messages leave the window
        started = timer.now()
        await env.run_job("tick:broadcast")
        elapsed = timer.now() - started
        fake.enforce, fake.rtt = False, 0.0

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
    return {
        "fraction": finished / elapsed / DEFAULT_BULK_PER_SECOND,
        "lost": lost,
        "duplicated": duplicated,
        "refused": fake.refused,
        "per_s": finished / elapsed,
    }


async def figures(quick: bool) -> list[dict[str, Any]]:
    """The broadcast figures."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = await _measure(Path(tmp), QUICK_RECIPIENTS if quick else RECIPIENTS)
    wall = time.perf_counter() - started
    return [
        {
            "name": "broadcast_fraction_of_limit",
            "value": result["fraction"],
            "unit": f"of the bulk lane's {DEFAULT_BULK_PER_SECOND}/s (goal >= 0.90)",
        },
        {"name": "broadcast_429s", "value": result["refused"], "unit": "responses (goal 0)"},
        {"name": "broadcast_lost", "value": result["lost"], "unit": "recipients (goal 0)"},
        {
            "name": "broadcast_duplicated",
            "value": result["duplicated"],
            "unit": "messages (goal 0)",
        },
        {
            "name": "broadcast_recipients_per_s",
            "value": result["per_s"],
            "unit": f"per Telegram second (time x{SCALE:.0f}; {wall:.1f} s of wall time)",
        },
    ]


if __name__ == "__main__":
    import json

    for figure in asyncio.run(figures(quick=True)):
        print(json.dumps(figure))
