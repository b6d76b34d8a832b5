"""Updates run concurrently, but never two of the same person at once, and each person's in the
order they arrived.

PTB processes one update at a time by default, so on a real network (50-250 ms a Bot API
call) everyone waits for everyone else's round trips. `PerPersonUpdateProcessor` is PTB's
documented extension point (`BaseUpdateProcessor`) for running them concurrently. It keys
each update by person (the sender, else the chat) and keeps one queue per key:

- an update whose person has nothing in hand starts at once (up to the cap);
- an update whose person has one in hand waits behind it, in arrival order, without taking
  one of the cap's places while it waits (so one person's burst can't crowd others out);
- updates without a person (none we use today) run unordered.

Per-person order is what keeps a person's steps correct, whether a step lives in PTB's
ConversationHandler or in a session row read at the start of an update and written at its end.

`in_update()` tells code whether it runs on behalf of an update (a reply someone is waiting
for) or not (jobs: broadcasts, reminders, check-in prompts); the rate limiter uses it to pick
a lane.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

__all__ = ["DEFAULT_MAX_CONCURRENT_UPDATES", "PerPersonUpdateProcessor", "in_update", "person_key"]

DEFAULT_MAX_CONCURRENT_UPDATES = 256

_CURRENT: contextvars.ContextVar[Hashable | None] = contextvars.ContextVar(
    "bot_current_update_key", default=None
)
_NO_KEY = object()
# BaseUpdateProcessor's own semaphore is taken before our per-person queue; give it room for
# every update that may be waiting, so only our cap (taken after a person's turn) decides.
_UNBOUNDED = 1_000_000_000


def person_key(update: object) -> Hashable | None:
    """Whose turn UPDATE waits for: ('user', id), else ('chat', id), else None."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return None


def in_update() -> bool:
    """True while running on behalf of an update (a handler, or a task it started)."""
    return _CURRENT.get() is not None


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Concurrent updates, one person at a time, in arrival order, at most MAX at once."""

    __slots__ = ("_across", "_cap", "_limit", "_queues", "_running")

    def __init__(
        self,
        max_concurrent_updates: int = DEFAULT_MAX_CONCURRENT_UPDATES,
        across: Callable[[Hashable], AbstractAsyncContextManager[object]] | None = None,
    ) -> None:
        """ACROSS, when given, is each person's turn across processes (on PostgreSQL,
        `storage.person_turn`: another replica may have that person's previous update in
        hand), taken after the turn here and a place under the cap."""
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be 1 or more")
        self._limit = _UNBOUNDED  # what the base class sizes its own semaphore by
        super().__init__(_UNBOUNDED)
        self._across = across
        self._limit = max_concurrent_updates
        self._cap = asyncio.Semaphore(max_concurrent_updates)
        self._queues: dict[Hashable, deque[asyncio.Future[None]]] = {}
        self._running = 0

    @property
    def max_concurrent_updates(self) -> int:
        """How many updates may be processed at once (the `max_concurrent_updates` setting)."""
        return self._limit

    @property
    def current_concurrent_updates(self) -> int:
        """How many updates are being processed right now (not counting those waiting)."""
        return self._running

    def waiting(self) -> int:
        """Updates that arrived but wait behind an earlier one of the same person."""
        return sum(len(q) for q in self._queues.values())

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this person's turn, then for a place under the cap, then process."""
        key = person_key(update)
        try:
            # Nothing before this point awaits, so turns are taken in the order PTB started
            # the updates, which is the order they arrived.
            if key is not None:
                await self._my_turn(key)
            try:
                async with self._cap:
                    self._running += 1
                    token = _CURRENT.set(_NO_KEY if key is None else key)
                    try:
                        if key is not None and self._across is not None:
                            async with self._across(key):
                                await coroutine
                        else:
                            await coroutine
                    finally:
                        _CURRENT.reset(token)
                        self._running -= 1
            finally:
                if key is not None:
                    self._next_turn(key)
        finally:
            if (
                inspect.iscoroutine(coroutine)
                and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED
            ):
                coroutine.close()  # cancelled while it waited: it never started

    async def _my_turn(self, key: Hashable) -> None:
        queue = self._queues.get(key)
        if queue is None:
            self._queues[key] = deque()
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._next_turn(key)  # the turn was ours already: pass it on
            else:
                queue.remove(turn)
            raise

    def _next_turn(self, key: Hashable) -> None:
        queue = self._queues.get(key)
        if queue is None:
            return
        while queue:
            turn = queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        del self._queues[key]

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close; PTB waits for the updates in hand before calling this."""
