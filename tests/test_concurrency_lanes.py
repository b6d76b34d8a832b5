"""Two lanes to Telegram, on a fake timer (nothing sleeps): bulk sends keep to their share,
replies never queue behind them, a 429 pauses its lane for the whole wait, and per-chat limits
hold for every send."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter

from bot.lanes import BULK, INTERACTIVE, ChatLimits, LaneRateLimiter


class StepTimer:
    """A fake clock: sleepers wake only when the test moves time to them."""

    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Let the tasks run, moving time to the next sleeper whenever all are waiting."""
        while True:
            for _ in range(30):
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                return
            assert self._sleepers, "tasks wait on something other than time"
            wake, _, future = heapq.heappop(self._sleepers)
            self.t = max(self.t, wake)
            future.set_result(None)


class Recorder:
    """The request callback: records (time, lane, chat) of each request that reaches Telegram."""

    def __init__(self, timer: StepTimer) -> None:
        self.timer = timer
        self.sent: list[tuple[float, str, Any]] = []
        self.flood: dict[Any, float] = {}  # chat -> retry_after to answer once

    def request(self, lane: str, chat: Any) -> Coroutine[Any, Any, bool]:
        async def call() -> bool:
            if chat in self.flood:
                raise RetryAfter(timedelta(seconds=self.flood.pop(chat)))
            self.sent.append((self.timer.now(), lane, chat))
            return True

        return call()


def send(limiter: LaneRateLimiter, rec: Recorder, lane: str | None, chat: Any) -> asyncio.Task[Any]:
    name = lane or "default"

    async def go() -> Any:
        return await limiter.process_request(
            lambda: rec.request(name, chat),
            (),
            {},
            "sendMessage",
            {"chat_id": chat} if chat is not None else {},
            lane,
        )

    return asyncio.create_task(go())


def most_in_any_window(times: list[float], period: float) -> int:
    times = sorted(times)
    return max((sum(1 for u in times if t <= u < t + period) for t in times), default=0)


async def test_bulk_keeps_to_its_share_and_replies_never_wait_behind_it() -> None:
    timer = StepTimer()
    limiter = LaneRateLimiter(bulk_per_second=25, timer=timer)
    rec = Recorder(timer)
    bulk = [send(limiter, rec, BULK, 1000 + k) for k in range(200)]
    await asyncio.sleep(0)
    reply = send(limiter, rec, INTERACTIVE, 42)
    await timer.run([*bulk, reply])
    bulk_times = [t for t, lane, _ in rec.sent if lane == BULK]
    assert len(bulk_times) == 200
    assert most_in_any_window(bulk_times, 1.0) <= 25
    assert max(bulk_times) >= 7.0  # 200 at 25 a second: paced, not sent at once
    assert max(bulk_times) < 8.5  # and at the full share
    reply_time = next(t for t, lane, _ in rec.sent if lane == INTERACTIVE)
    assert reply_time == 0.0  # not behind the 200


async def test_a_429_pauses_its_lane_for_the_whole_wait_and_not_the_other_lane() -> None:
    timer = StepTimer()
    limiter = LaneRateLimiter(bulk_per_second=25, timer=timer)
    rec = Recorder(timer)
    rec.flood[1005] = 4.0  # the sixth bulk send is answered 429, retry after 4 s
    bulk = [send(limiter, rec, BULK, 1000 + k) for k in range(60)]
    for _ in range(50):  # the first 25 go at once (the lane's share); one of them is refused
        await asyncio.sleep(0)
    flooded_at = timer.now()
    assert limiter.retries[BULK] == 1
    assert limiter.paused(BULK) > 3.9
    reply = send(limiter, rec, INTERACTIVE, 77)
    await timer.run([reply])
    assert rec.sent[-1] == (flooded_at, INTERACTIVE, 77)  # replies go on during the pause
    await timer.run(bulk)
    after = [t for t, lane, _ in rec.sent if lane == BULK and t > flooded_at]
    # Nothing in the bulk lane for the whole 4 s, although other sends were in flight and
    # finished meanwhile (PTB's limiter would have resumed early: issue #5338).
    assert min(after) >= flooded_at + 4.0
    assert sorted(chat for _, lane, chat in rec.sent if lane == BULK) == list(
        range(1000, 1060)
    )  # the flooded one was retried; none lost, none twice
    assert limiter.retries[BULK] == 1


async def test_per_chat_limits_hold_in_both_lanes() -> None:
    timer = StepTimer()
    limiter = LaneRateLimiter(bulk_per_second=25, chat_limits=ChatLimits(), timer=timer)
    rec = Recorder(timer)
    tasks = [send(limiter, rec, BULK, 5) for _ in range(3)]
    tasks += [send(limiter, rec, INTERACTIVE, 6) for _ in range(5)]
    tasks += [send(limiter, rec, BULK, -100123) for _ in range(25)]
    await timer.run(tasks)
    chat5 = [t for t, _, chat in rec.sent if chat == 5]
    assert chat5 == [0.0, 1.0, 2.0]  # bulk: one a second in a private chat
    chat6 = [t for t, _, chat in rec.sent if chat == 6]
    assert chat6[:3] == [0.0, 0.0, 0.0] and min(chat6[3:]) >= 1.0  # a short burst, no more
    group = [t for t, _, chat in rec.sent if chat == -100123]
    assert most_in_any_window(group, 60.0) <= 20 and max(group) >= 60.0


async def test_a_reply_and_a_bulk_send_to_one_chat_share_its_record() -> None:
    timer = StepTimer()
    limiter = LaneRateLimiter(bulk_per_second=25, timer=timer)
    rec = Recorder(timer)
    reply = send(limiter, rec, INTERACTIVE, 9)
    await timer.run([reply])
    bulk = send(limiter, rec, BULK, 9)
    await timer.run([bulk])
    assert [t for t, _, _ in rec.sent] == [0.0, 1.0]  # the bulk send waited for the chat


async def test_requests_without_a_chat_are_not_counted() -> None:
    timer = StepTimer()
    limiter = LaneRateLimiter(bulk_per_second=1, timer=timer)
    rec = Recorder(timer)
    tasks = [send(limiter, rec, BULK, None) for _ in range(10)]
    await timer.run(tasks)
    assert [t for t, _, _ in rec.sent] == [0.0] * 10


async def test_limits_off_never_wait_but_still_pause_after_a_429() -> None:
    timer = StepTimer()
    limiter = LaneRateLimiter(bulk_per_second=None, chat_limits=None, timer=timer)
    rec = Recorder(timer)
    rec.flood[3] = 2.0
    tasks = [send(limiter, rec, None, chat) for chat in (1, 1, 1, 2, 3)]
    await timer.run(tasks)
    assert sorted(t for t, _, _ in rec.sent) == [0.0, 0.0, 0.0, 0.0, 2.0]


async def test_a_reply_never_waits_behind_a_bulk_send_to_the_same_person() -> None:
    # A broadcast has 60 copies queued in the bulk lane (25 a second); the 40th is for the
    # person who, just then, sends a message that needs an answer (a crisis card, say).
    timer = StepTimer()
    limiter = LaneRateLimiter(bulk_per_second=25, timer=timer)
    rec = Recorder(timer)
    bulk = [send(limiter, rec, BULK, 2000 + k) for k in range(60)]
    for _ in range(50):
        await asyncio.sleep(0)
    reply = send(limiter, rec, INTERACTIVE, 2039)
    await timer.run([reply])
    assert rec.sent[-1] == (0.0, INTERACTIVE, 2039)  # at once, not after 1.5 s of bulk
    await timer.run(bulk)
    copy = next(t for t, lane, chat in rec.sent if lane == BULK and chat == 2039)
    assert copy >= 1.0  # the copy waited for the chat: one a second, the reply counted
    bulk_times = [t for t, lane, _ in rec.sent if lane == BULK]
    assert len(bulk_times) == 60 and most_in_any_window(bulk_times, 1.0) <= 25
