"""Two lanes to Telegram: replies never queue behind bulk sends.

Telegram allows a bot about 30 messages a second overall, about one a second in a chat and
20 a minute in a group, and answers 429 with `retry_after` when a bot goes over. A broadcast
of 10,000 messages at that rate takes minutes; if replies shared its queue, a crisis card
would wait behind it. So every request goes in one of two lanes:

- **interactive** (replies to people, the crisis card): never limited overall here, so they
  always have the headroom the bulk lane leaves; only the per-chat limits apply.
- **bulk** (broadcasts, reminders, check-in prompts, delivery of held messages): its own
  sliding-window limiter at `bulk_messages_per_second` (default 25 of Telegram's 30), so the
  other 5 a second are always there for replies.

A send says it is bulk with `rate_limit_args=BULK` (PTB's documented way); a send that says
nothing is interactive while an update is being processed and bulk otherwise (periodic jobs).

Per-chat limits hold for every send, in both lanes, from one shared record per chat: a bulk
send waits until the chat has had nothing for a second; a reply may make a short burst (up to
3 in a second in a private chat: a card and an answer, say) but no more; a group gets at most
20 a minute. A bulk send waits for its lane without holding the chat's record, so a reply to
someone whose broadcast copy is still queued goes first.

A 429 pauses the lane it came from for the whole `retry_after` (PTB's AIORateLimiter ends its
pause as soon as any other request in flight finishes, python-telegram-bot issue #5338), and
the request is retried after it. Time comes from a `Timer`, so tests move a fake one and
benchmarks may run a scaled one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.concurrency import in_update

__all__ = [
    "BULK",
    "INTERACTIVE",
    "ChatLimits",
    "LaneRateLimiter",
    "MonotonicTimer",
    "SlidingWindow",
    "Timer",
    "lane_of",
]

_LOG = logging.getLogger(__name__)

BULK = "bulk"
INTERACTIVE = "interactive"
LANES = (INTERACTIVE, BULK)

#: Telegram's overall limit, and the bulk lane's default share of it.
TELEGRAM_PER_SECOND = 30
DEFAULT_BULK_PER_SECOND = 25


class Timer(Protocol):
    """Where the limiter's time comes from."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait SECONDS."""
        ...


class MonotonicTimer:
    """Real time."""

    def now(self) -> float:
        """The event loop's clock if there is one, else time.monotonic()."""
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep."""
        await asyncio.sleep(seconds)


class SlidingWindow:
    """At most LIMIT grants in any PERIOD seconds, first come first served."""

    def __init__(self, limit: int, period: float, timer: Timer) -> None:
        self.limit, self.period, self.timer = limit, period, timer
        self._stamps: deque[float] = deque()
        self._queue = asyncio.Lock()  # FIFO: waiters are served in arrival order

    def _expire(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.period:
            self._stamps.popleft()

    def wait_time(self, now: float) -> float:
        """How long a grant asked for at NOW would wait (0: free now)."""
        self._expire(now)
        if len(self._stamps) < self.limit:
            return 0.0
        return self._stamps[-self.limit] + self.period - now

    def take(self, now: float) -> None:
        """Record a grant at NOW (the caller checked `wait_time` is 0)."""
        self._stamps.append(now)

    async def acquire(self) -> None:
        """Wait for a place, then take it."""
        async with self._queue:
            while (delay := self.wait_time(self.timer.now())) > 0:
                await self.timer.sleep(delay)
            self.take(self.timer.now())

    def idle(self, now: float) -> bool:
        """True when nothing in the window is recent (the record can be forgotten)."""
        self._expire(now)
        return not self._stamps and not self._queue.locked()


@dataclass(frozen=True)
class ChatLimits:
    """Per-chat limits: (count, seconds) windows."""

    private_reply: tuple[int, float] = (3, 1.0)  # a reply may burst a little
    private_bulk: tuple[int, float] = (1, 1.0)  # bulk: one a second, nothing close by
    group: tuple[int, float] = (20, 60.0)  # groups: 20 a minute, both lanes


class _Chat:
    """One chat's send record, shared by both lanes."""

    __slots__ = ("group", "lock", "pending", "stamps")

    def __init__(self, group: bool) -> None:
        self.group = group
        self.stamps: deque[float] = deque()
        self.lock = asyncio.Lock()  # replies to the chat, in order
        self.pending = 0  # bulk sends on their way (the record is kept while there are any)

    def wait_time(self, now: float, limit: int, period: float) -> float:
        while self.stamps and self.stamps[0] <= now - 60.0:
            self.stamps.popleft()
        recent = [s for s in self.stamps if s > now - period]
        if len(recent) < limit:
            return 0.0
        return recent[-limit] + period - now


class _Lane:
    __slots__ = ("name", "paused_until", "window")

    def __init__(self, name: str, window: SlidingWindow | None) -> None:
        self.name = name
        self.window = window
        self.paused_until = 0.0


def lane_of(rate_limit_args: Any) -> str:
    """The lane a request goes in: as the send said, else interactive inside an update."""
    if rate_limit_args in LANES:
        return str(rate_limit_args)
    return INTERACTIVE if in_update() else BULK


def _retry_after_s(exc: RetryAfter) -> float:
    value: Any = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class LaneRateLimiter(BaseRateLimiter[str]):
    """PTB rate limiter with an interactive and a bulk lane (see the module doc).

    `bulk_per_second=None` and `chat_limits=None` switch the limits off (the offline tests:
    they never wait), keeping lane pauses after a 429.
    """

    def __init__(
        self,
        *,
        bulk_per_second: int | None = DEFAULT_BULK_PER_SECOND,
        chat_limits: ChatLimits | None = ChatLimits(),
        max_retries: int = 3,
        timer: Timer | None = None,
    ) -> None:
        self.timer: Timer = timer or MonotonicTimer()
        self.max_retries = max_retries
        self.chat_limits = chat_limits
        bulk = SlidingWindow(bulk_per_second, 1.0, self.timer) if bulk_per_second else None
        self.lanes = {INTERACTIVE: _Lane(INTERACTIVE, None), BULK: _Lane(BULK, bulk)}
        self._chats: OrderedDict[int | str, _Chat] = OrderedDict()
        self.retries = {INTERACTIVE: 0, BULK: 0}  # 429s seen, per lane

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def paused(self, lane: str) -> float:
        """Seconds LANE is still paused after a 429 (0: not paused)."""
        return max(0.0, self.lanes[lane].paused_until - self.timer.now())

    async def _wait_pause(self, lane: _Lane) -> None:
        while (left := lane.paused_until - self.timer.now()) > 0:
            await self.timer.sleep(left)

    def _chat(self, chat_id: int | str) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            group = isinstance(chat_id, str) or chat_id < 0
            chat = self._chats[chat_id] = _Chat(group)
            if len(self._chats) > 10_000:
                self._forget_idle()
        else:
            self._chats.move_to_end(chat_id)
        return chat

    def _forget_idle(self) -> None:
        now = self.timer.now()
        for key in list(self._chats)[:5_000]:
            chat = self._chats[key]
            if (
                not chat.lock.locked()
                and not chat.pending
                and all(s <= now - 60.0 for s in chat.stamps)
            ):
                del self._chats[key]

    async def _take_places(self, chat_id: int | str | None, lane: _Lane) -> None:
        """Wait for the chat's limit (and a bulk send for its lane too); the chat's record
        holds the moment of sending, so a send that waited in the lane is not counted early.
        """
        if chat_id is None or self.chat_limits is None:
            if chat_id is not None and lane.window is not None:
                await lane.window.acquire()
            return
        chat = self._chat(chat_id)
        if chat.group:
            limit, period = self.chat_limits.group
        elif lane.name == BULK:
            limit, period = self.chat_limits.private_bulk
        else:
            limit, period = self.chat_limits.private_reply
        if lane.window is None:
            async with chat.lock:
                while (delay := chat.wait_time(self.timer.now(), limit, period)) > 0:
                    await self.timer.sleep(delay)
                chat.stamps.append(self.timer.now())
            return
        # A bulk send waits for its lane without holding the chat: a reply to the same
        # person (a crisis card, say) must not queue behind a broadcast copy that is waiting
        # its turn in the lane. The chat is checked again at the moment of sending; if a
        # reply went first meanwhile, the bulk send waits for the chat and goes round again
        # (the lane place it took is left unused: slower, never over a limit).
        chat.pending += 1
        try:
            while True:
                async with chat.lock:  # any reply to this chat that is waiting goes first
                    pass
                while (delay := chat.wait_time(self.timer.now(), limit, period)) > 0:
                    await self.timer.sleep(delay)
                await lane.window.acquire()
                now = self.timer.now()
                if not chat.lock.locked() and chat.wait_time(now, limit, period) <= 0:
                    chat.stamps.append(now)
                    return
        finally:
            chat.pending -= 1

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the lane and the chat, send, and after a 429 pause the lane and retry."""
        lane = self.lanes[lane_of(rate_limit_args)]
        chat_id = data.get("chat_id")
        if isinstance(chat_id, str):
            with contextlib.suppress(ValueError):
                chat_id = int(chat_id)
        for attempt in range(self.max_retries + 1):
            await self._wait_pause(lane)
            await self._take_places(chat_id, lane)
            await self._wait_pause(lane)  # a 429 may have come in meanwhile
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _retry_after_s(exc)
                self.retries[lane.name] += 1
                lane.paused_until = max(lane.paused_until, self.timer.now() + wait)
                if attempt == self.max_retries:
                    _LOG.warning(
                        "Telegram still said 'too many requests' after %d tries (%s lane)",
                        attempt + 1,
                        lane.name,
                    )
                    raise
                _LOG.info("Telegram asked the %s lane to wait %.1f s", lane.name, wait)
        raise AssertionError("unreachable")  # pragma: no cover
