"""Sending a broadcast: the 'tick:broadcast' job works through the stored outbox.

When a coordinator confirms, one outbox row per recipient is written before anything is
sent. The 'tick:broadcast' job sends pending rows through the rate limiter's bulk lane
(bot/lanes.py: its share of Telegram's limits; a 429 pauses the lane and is retried), marks
each row delivered, blocked (the person is marked inactive and skipped next time) or failed,
edits a progress message every couple of seconds, and posts a report at the end. A restart
resumes from the outbox: rows already recorded are never sent again, and none are skipped.
Only a hard crash (no graceful stop) can leave rows whose send was in flight; those are sent
again on start-up (see BroadcastStore.requeue_unconfirmed for why).

A broadcast is the service's: it goes on after its author erases their data (there is then
no progress message to edit and no author to report to), and when a coordinator other than
its author stops it, both get the report, the author's saying who stopped it.

The progress message is posted after the outbox is written, so a quick broadcast can finish
before it exists. Both sides read fresh state to settle that: the end of sending edits the
progress message stored by then, and posting the progress message looks again once it is
stored, editing it to the end when sending has already finished (`show_final`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.deps import Deps
from bot.domain.broadcast import Report, outcome_for_error, progress_due
from bot.lanes import BULK
from bot.services.broadcasts import progress
from bot.storage import from_epoch
from bot.storage.broadcast import Broadcast
from flows.broadcast import views

__all__ = ["CHUNK", "CONCURRENCY", "SENDER_KEY", "BroadcastSender", "sender_of"]

_LOG = logging.getLogger(__name__)

CONCURRENCY = 32  # sends in flight at once; the rate limiter decides how fast they go
CHUNK = 64  # outbox rows claimed (and results written) per step
#: Where the Application keeps its one sender (one per process: it holds the run lock).
SENDER_KEY = "broadcast_sender"


def sender_of(app: Application[Any, Any, Any, Any, Any, Any]) -> BroadcastSender:
    """The process's broadcast sender (put there at start-up)."""
    sender = app.bot_data.get(SENDER_KEY)
    if not isinstance(sender, BroadcastSender):
        raise LookupError("the broadcast sender starts with the application")
    return sender


def _never_sent(exc: TimedOut) -> bool:
    """Whether a timed-out request never reached Telegram (PTB raises TimedOut from the
    HTTP library's error: a connect timeout, or no free connection in the pool)."""
    import httpx

    return isinstance(exc.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout))


class BroadcastSender:
    """Sends pending outbox rows. One per process; `run` is safe to call from several ticks
    (a run already in progress makes the others return at once)."""

    def __init__(self, deps: Deps, *, concurrency: int = CONCURRENCY, chunk: int = CHUNK) -> None:
        self.deps = deps
        self.concurrency = concurrency
        self.chunk = chunk
        self._lock = asyncio.Lock()
        self._cancel_requested: set[int] = set()

    def request_cancel(self, broadcast_id: int) -> None:
        """Stop sending BROADCAST_ID's rows that this process has claimed but not sent."""
        self._cancel_requested.add(broadcast_id)

    async def render(self, broadcast: Broadcast) -> str:
        """The announcement as recipients see it (the coordinator's text escaped)."""
        group = (
            None
            if broadcast.group_id is None
            else await self.deps.storage.get_group(broadcast.group_id)
        )
        return views.announcement(
            self.deps.content,
            self.deps.settings.service_name,
            broadcast.text,
            group.name if group is not None else None,
        )

    async def run(
        self, app: Application[Any, Any, Any, Any, Any, Any], *, limit: int | None = None
    ) -> int:
        """Send pending rows of every broadcast being sent, at most LIMIT of them (None: all).

        Returns how many rows were claimed. Stops early, after recording what is in flight,
        when the Application starts shutting down.
        """
        if self._lock.locked():
            return 0
        storage = self.deps.storage
        async with self._lock, storage.job_turn("broadcast-sender") as mine:
            if not mine:  # another replica is sending; its rows are its own
                return 0
            if storage.dialect != "sqlite":
                # On PostgreSQL the one holding this turn is the only sender anywhere, so
                # rows left 'sending' are a stopped replica's unconfirmed sends (on SQLite
                # they are put back once, at start-up).
                await storage.requeue_unconfirmed()
            processed = 0
            was_running = app.running

            def stopping() -> bool:
                return was_running and not app.running

            for broadcast in await storage.broadcasts_sending():
                if limit is not None and processed >= limit:
                    break
                if stopping():
                    break
                processed += await self._run_one(
                    app, broadcast, None if limit is None else limit - processed, stopping
                )
            for broadcast in await storage.broadcasts_to_report():
                await self._finish(app, broadcast)
            return processed

    async def _again(
        self,
        bid: int,
        claimed_any: bool,
        processed: int,
        limit: int | None,
        stopping: Callable[[], bool],
    ) -> bool:
        """Whether to go round again: rows put back after a flood error are picked up in
        the same run."""
        if not claimed_any or stopping() or bid in self._cancel_requested:
            return False
        if limit is not None and processed >= limit:
            return False
        counts = await self.deps.storage.outbox_counts(bid)
        return bool(counts.get("pending"))

    async def _run_one(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        broadcast: Broadcast,
        limit: int | None,
        stopping: Callable[[], bool],
    ) -> int:
        storage, clock = self.deps.storage, self.deps.clock
        bid = broadcast.broadcast_id
        text = await self.render(broadcast)
        results: list[tuple[int, str]] = []
        in_flight: set[asyncio.Task[None]] = set()
        slots = asyncio.Semaphore(self.concurrency)
        processed = 0

        async def send_one(uid: int, attempts: int) -> None:
            try:
                if bid in self._cancel_requested:
                    results.append((uid, "not_sent"))
                    return
                results.append((uid, await self._deliver(app, broadcast, text, uid, attempts)))
            finally:
                slots.release()

        async def flush() -> None:
            if results:
                batch = results[:]
                del results[: len(batch)]
                await storage.record_outcomes(bid, batch, clock.now())

        while True:
            claimed_any = False
            while limit is None or processed < limit:
                if stopping():
                    break
                current = await storage.get_broadcast(bid)
                if current is None or current.status != "sending":
                    self._cancel_requested.add(bid)
                    break
                size = self.chunk if limit is None else min(self.chunk, limit - processed)
                rows = await storage.claim_outbox(bid, size, clock.now())
                if not rows:
                    break
                claimed_any = True
                processed += len(rows)
                for uid, attempts in rows:
                    await slots.acquire()
                    task = asyncio.create_task(send_one(uid, attempts))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                await flush()
                await self._progress(app, bid)
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
            await flush()
            if not await self._again(bid, claimed_any, processed, limit, stopping):
                break
        await self._progress(app, bid, force=True)  # where this run left it
        await self._finish(app, broadcast)
        return processed

    async def _deliver(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        broadcast: Broadcast,
        text: str,
        uid: int,
        attempts: int,
    ) -> str:
        """Send to one person; return the outbox status it ends in."""
        try:
            if broadcast.photo:
                await app.bot.send_photo(uid, broadcast.photo, caption=text, rate_limit_args=BULK)
            else:
                await app.bot.send_message(
                    uid, text, disable_web_page_preview=True, rate_limit_args=BULK
                )
        except Forbidden:
            return "blocked"
        except RetryAfter:  # still limited after the rate limiter's own retries
            return outcome_for_error("flood", attempts)
        except TimedOut as exc:
            # A connect or pool timeout: the request never left, so trying again cannot
            # double it. Only a read or write timeout may have reached Telegram.
            return outcome_for_error("network" if _never_sent(exc) else "timeout", attempts)
        except BadRequest:  # a NetworkError in PTB's tree, but permanent: never retried
            _LOG.info("A broadcast message was refused by Telegram")
            return outcome_for_error("bad", attempts)
        except NetworkError:
            return outcome_for_error("network", attempts)
        except TelegramError:
            _LOG.info("A broadcast message was refused by Telegram")
            return outcome_for_error("bad", attempts)
        return "delivered"

    async def _progress(
        self, app: Application[Any, Any, Any, Any, Any, Any], bid: int, *, force: bool = False
    ) -> None:
        storage, clock = self.deps.storage, self.deps.clock
        broadcast = await storage.get_broadcast(bid)
        if (
            broadcast is None
            or broadcast.progress_message_id is None
            or broadcast.created_by is None
        ):
            return
        now = clock.now()
        last = from_epoch(broadcast.progress_at) if broadcast.progress_at else None
        if not force and not progress_due(last, now):
            return
        report = await progress(storage, bid)
        await storage.set_progress(bid, None, now)
        await self._edit(app, broadcast, *views.progress(self.deps.content, bid, report))

    async def _edit(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        broadcast: Broadcast,
        text: str,
        markup: Any,
    ) -> None:
        if broadcast.created_by is None or broadcast.progress_message_id is None:
            return  # no progress message, or its author has erased their data
        try:
            await app.bot.edit_message_text(
                text,
                chat_id=broadcast.created_by,
                message_id=broadcast.progress_message_id,
                reply_markup=markup,
            )
        except BadRequest:  # the same text again, or the message is gone: nothing to do
            pass
        except TelegramError:
            _LOG.warning("Could not update a broadcast's progress message", exc_info=True)

    async def show_final(
        self, app: Application[Any, Any, Any, Any, Any, Any], broadcast_id: int
    ) -> None:
        """If BROADCAST_ID has finished, edit its progress message to how it ended, with no
        Stop button (read fresh, so whichever of posting it and finishing comes last does
        it; if both do, the second edit changes nothing)."""
        final = await self.deps.storage.get_broadcast(broadcast_id)
        if final is None or not final.finished:
            return
        report = await progress(self.deps.storage, broadcast_id)
        await self._edit(
            app,
            final,
            views.progress_done(self.deps.content, report, stopped=final.status == "cancelled"),
            None,
        )

    async def _finish(
        self, app: Application[Any, Any, Any, Any, Any, Any], broadcast: Broadcast
    ) -> None:
        storage = self.deps.storage
        bid = broadcast.broadcast_id
        if not await storage.finish_broadcast(bid, self.deps.clock.now()):
            return
        self._cancel_requested.discard(bid)
        # Fresh state: the progress message may have been posted, or the author erased,
        # or someone stopped it, since this run read BROADCAST.
        await self.show_final(app, bid)
        final = await storage.get_broadcast(bid)
        if final is not None:
            await self._report(app, final, await progress(storage, bid))
        await storage.bump_counter("broadcasts_sent", self.deps.local_day())

    async def _report(
        self, app: Application[Any, Any, Any, Any, Any, Any], final: Broadcast, report: Report
    ) -> None:
        """The report to its author (saying who stopped it, if someone did), and to the
        coordinator who stopped someone else's announcement."""
        storage = self.deps.storage
        stopped = final.status == "cancelled"
        author, stopper = final.created_by, final.stopped_by
        author_user = await storage.get_user(author) if author is not None else None
        stopper_user = await storage.get_user(stopper) if stopper is not None else None
        if author is not None:
            copy = self.deps.content.for_person(author_user)
            who = (
                views.stopped_by(
                    copy, you=stopper == author, name=getattr(stopper_user, "alias", None)
                )
                if stopped
                else None
            )
            await self._send(app, author, views.report(copy, report, stopped=stopped, stopper=who))
        if stopped and stopper is not None and stopper != author:
            copy = self.deps.content.for_person(stopper_user)
            name = getattr(author_user, "alias", None) or copy.button(
                "broadcast.coordinator_unnamed"
                if author is not None
                else "broadcast.sending_now_author_gone"
            )
            await self._send(app, stopper, views.report(copy, report, stopped=True, author=name))

    async def _send(
        self, app: Application[Any, Any, Any, Any, Any, Any], chat_id: int, text: str
    ) -> None:
        try:
            await app.bot.send_message(chat_id, text)
        except TelegramError:
            _LOG.warning("Could not send a broadcast report", exc_info=True)
