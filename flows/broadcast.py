"""/broadcast: coordinators send an announcement to a group's members, all carers, all
consumers or all peer workers, and watch it go out.

On confirm, one outbox row per recipient is written before anything is sent. The
'tick:broadcast' job sends pending rows through the rate limiter's bulk lane (bot/lanes.py: its
share of Telegram's limits; a 429 pauses the lane and is retried), marks each row delivered,
blocked (the person is marked inactive and skipped next time) or failed, edits a progress
message every couple of seconds, and posts a report at the end. A restart resumes from the
outbox: rows already recorded are never sent again, and none are skipped. Only a hard crash (no
graceful stop) can leave rows whose send was in flight; those are sent again on start-up (see
BroadcastStore.requeue_unconfirmed for why).

```mermaid
stateDiagram-v2
    [*] --> Audience: /broadcast (coordinator)
    Audience --> PickGroup: members of one group
    PickGroup --> Audience: back
    Audience --> Text: carers / consumers / peer workers
    PickGroup --> Text: a group
    Text --> Preview: text, or a photo with a caption
    Preview --> Text: change the text
    Preview --> [*]: send (outbox written, progress message shown) / stop
```
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import CallbackCodec, InvalidCallback
from bot.deps import Deps
from bot.domain.broadcast import (
    AUDIENCES,
    audience_roles,
    fits_telegram,
    format_count,
    outcome_for_error,
    progress_due,
    report_from_counts,
)
from bot.flowkit import (
    END,
    Context,
    Flow,
    RepeatingJob,
    answer_query,
    buttons,
    conversation,
    require_role,
    send,
    show,
)
from bot.lanes import BULK
from bot.storage import from_epoch
from bot.storage.broadcast import Broadcast

__all__ = ["BroadcastSender", "build"]

_LOG = logging.getLogger(__name__)

CB = CallbackCodec("bc", {"aud", "grp", "send", "retext", "stop", "back"})
CTL = CallbackCodec("bcx", {"cancel"})
AUD, GROUP, TEXT, PREVIEW = "aud", "group", "text", "preview"
TICK_INTERVAL_S = 2.0
CONCURRENCY = 32   # sends in flight at once; the rate limiter decides how fast they go
CHUNK = 64         # outbox rows claimed (and results written) per step
MAX_TEXT = 3500


class BroadcastSender:
    """Sends pending outbox rows. One per process; `run` is safe to call from several ticks
    (a run already in progress makes the others return at once)."""

    def __init__(self, deps: Deps, *, concurrency: int = CONCURRENCY, chunk: int = CHUNK
                 ) -> None:
        self.deps = deps
        self.concurrency = concurrency
        self.chunk = chunk
        self._lock = asyncio.Lock()
        self._cancel_requested: set[int] = set()

    def request_cancel(self, broadcast_id: int) -> None:
        """Stop sending BROADCAST_ID's rows that this process has claimed but not sent."""
        self._cancel_requested.add(broadcast_id)

    def render(self, broadcast: Broadcast) -> str:
        """The announcement as recipients see it (the coordinator's text escaped)."""
        return self.deps.content.text("broadcast.message", service=self.deps.settings.service_name,
                                      text=broadcast.text)

    async def run(self, app: Application[Any, Any, Any, Any, Any, Any], *,
                  limit: int | None = None) -> int:
        """Send pending rows of every broadcast being sent, at most LIMIT of them (None: all).

        Returns how many rows were claimed. Stops early, after recording what is in flight,
        when the Application starts shutting down.
        """
        if self._lock.locked():
            return 0
        async with self._lock:
            storage = self.deps.storage
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
                    app, broadcast, None if limit is None else limit - processed, stopping)
            for broadcast in await storage.broadcasts_to_report():
                await self._finish(app, broadcast)
            return processed

    async def _run_one(self, app: Application[Any, Any, Any, Any, Any, Any],
                       broadcast: Broadcast, limit: int | None,
                       stopping: Callable[[], bool]) -> int:
        storage, clock = self.deps.storage, self.deps.clock
        bid = broadcast.broadcast_id
        text = self.render(broadcast)
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
                del results[:len(batch)]
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
            # Rows put back after a flood error are picked up in the same run.
            counts = await storage.outbox_counts(bid)
            if not claimed_any or not counts.get("pending") or stopping() \
                    or (limit is not None and processed >= limit) \
                    or bid in self._cancel_requested:
                break
        await self._progress(app, bid, force=True)  # where this run left it
        await self._finish(app, broadcast)
        return processed

    async def _deliver(self, app: Application[Any, Any, Any, Any, Any, Any],
                       broadcast: Broadcast, text: str, uid: int, attempts: int) -> str:
        """Send to one person; return the outbox status it ends in."""
        try:
            if broadcast.photo:
                await app.bot.send_photo(uid, broadcast.photo, caption=text,
                                         rate_limit_args=BULK)
            else:
                await app.bot.send_message(uid, text, disable_web_page_preview=True,
                                           rate_limit_args=BULK)
        except Forbidden:
            return "blocked"
        except RetryAfter:  # still limited after the rate limiter's own retries
            return outcome_for_error("flood", attempts)
        except TimedOut:
            return outcome_for_error("timeout", attempts)
        except NetworkError:
            return outcome_for_error("network", attempts)
        except TelegramError:
            _LOG.info("A broadcast message was refused by Telegram")
            return outcome_for_error("bad", attempts)
        return "delivered"

    def _progress_markup(self, bid: int) -> Any:
        return buttons([[(self.deps.content.button("broadcast.cancel_button"),
                          CTL.pack("cancel", bid))]])

    async def _progress(self, app: Application[Any, Any, Any, Any, Any, Any], bid: int, *,
                        force: bool = False) -> None:
        storage, clock = self.deps.storage, self.deps.clock
        broadcast = await storage.get_broadcast(bid)
        if broadcast is None or broadcast.progress_message_id is None:
            return
        now = clock.now()
        last = from_epoch(broadcast.progress_at) if broadcast.progress_at else None
        if not force and not progress_due(last, now):
            return
        report = report_from_counts(await storage.outbox_counts(bid))
        await storage.set_progress(bid, None, now)
        await self._edit(app, broadcast, self.deps.content.text(
            "broadcast.progress", done=format_count(report.done),
            total=format_count(report.total), percent=report.percent),
            self._progress_markup(bid))

    async def _edit(self, app: Application[Any, Any, Any, Any, Any, Any],
                    broadcast: Broadcast, text: str, markup: Any) -> None:
        try:
            await app.bot.edit_message_text(text, chat_id=broadcast.created_by,
                                            message_id=broadcast.progress_message_id,
                                            reply_markup=markup)
        except BadRequest:  # the same text again, or the message is gone: nothing to do
            pass
        except TelegramError:
            _LOG.warning("Could not update a broadcast's progress message", exc_info=True)

    async def _finish(self, app: Application[Any, Any, Any, Any, Any, Any],
                      broadcast: Broadcast) -> None:
        storage, content = self.deps.storage, self.deps.content
        bid = broadcast.broadcast_id
        if not await storage.finish_broadcast(bid, self.deps.clock.now()):
            return
        self._cancel_requested.discard(bid)
        final = await storage.get_broadcast(bid)
        report = report_from_counts(await storage.outbox_counts(bid))
        key = "broadcast.report_cancelled" if final and final.status == "cancelled" \
            else "broadcast.report"
        text = content.text(key, total=format_count(report.total),
                            delivered=format_count(report.delivered),
                            blocked=format_count(report.blocked),
                            failed=format_count(report.failed),
                            not_sent=format_count(report.not_sent))
        if broadcast.progress_message_id is not None:
            await self._edit(app, broadcast, content.text(
                "broadcast.progress_done", done=format_count(report.done),
                total=format_count(report.total)), None)
        try:
            await app.bot.send_message(broadcast.created_by, text)
        except TelegramError:
            _LOG.warning("Could not send a broadcast report", exc_info=True)
        await self.deps.storage.bump_counter("broadcasts_sent", self.deps.local_day())


def build(deps: Deps) -> Flow:
    """The broadcast flow: the conversation, the cancel button and the sending job."""
    content, storage, clock = deps.content, deps.storage, deps.clock
    sender = BroadcastSender(deps)

    async def coordinator(update: Update, context: Context) -> bool:
        return await require_role(deps, update, context, "coordinator") is not None

    def draft(context: Context) -> dict[str, Any]:
        assert context.user_data is not None
        return context.user_data.setdefault("broadcast", {})

    def stop_row() -> list[tuple[str, str]]:
        return [(content.button("broadcast.stop_button"), CB.pack("stop"))]

    async def audience_menu(update: Update, context: Context) -> str:
        rows = [[(content.button(f"broadcast.audience_{a}"), CB.pack("aud", a))]
                for a in AUDIENCES]
        await show(update, context, content.text("broadcast.ask_audience"),
                   buttons([*rows, stop_row()]))
        return AUD

    async def start(update: Update, context: Context) -> str | int:
        if not await coordinator(update, context):
            return END
        assert context.user_data is not None
        context.user_data["broadcast"] = {}
        return await audience_menu(update, context)

    async def recipients(d: dict[str, Any]) -> list[int]:
        if d.get("audience") == "group":
            return await storage.group_member_ids(int(d.get("group", 0)))
        users = await storage.users_with_roles(audience_roles(d["audience"]))
        return [u.user_id for u in users]

    def parsed(update: Update) -> Any:
        try:
            return CB.unpack_query(update)
        except InvalidCallback:
            return None

    async def on_audience(update: Update, context: Context) -> str | int:
        data = parsed(update)
        if data is None or data.action != "aud" or data.arg() not in AUDIENCES:
            await answer_query(update)
            return AUD
        d = draft(context)
        d["audience"] = data.arg()
        if data.arg() == "group":
            groups = await storage.list_groups()
            rows = [[(g.name[:40], CB.pack("grp", g.group_id))] for g in groups[:40]]
            key = "broadcast.ask_group" if groups else "broadcast.no_groups"
            await show(update, context, content.text(key),
                       buttons([*rows, [(content.button("common.back_button"),
                                         CB.pack("back"))], stop_row()]))
            return GROUP
        return await ask_text(update, context)

    async def on_group(update: Update, context: Context) -> str | int:
        data = parsed(update)
        if data is not None and data.action == "back":
            return await audience_menu(update, context)
        try:
            group = await storage.get_group(data.int_arg()) if data is not None and \
                data.action == "grp" else None
        except InvalidCallback:
            group = None
        if group is None or not group.active:
            await answer_query(update)
            return GROUP
        d = draft(context)
        d["group"], d["group_name"] = group.group_id, group.name
        return await ask_text(update, context)

    async def ask_text(update: Update, context: Context) -> str:
        d = draft(context)
        who = (content.button("broadcast.audience_group_named", name=d.get("group_name", ""))
               if d.get("audience") == "group"
               else content.button(f"broadcast.audience_{d.get('audience')}"))
        await show(update, context, content.text("broadcast.ask_text", audience=who),
                   buttons([stop_row()]))
        return TEXT

    async def on_text(update: Update, context: Context) -> str:
        message = update.effective_message
        assert message is not None and update.effective_chat is not None
        photo = message.photo[-1].file_id if message.photo else None
        text = (message.caption if photo else message.text) or ""
        text = text.strip()
        preview_text = content.text("broadcast.message", service=deps.settings.service_name,
                                    text=text)
        if (not text and not photo) or len(text) > MAX_TEXT or not fits_telegram(
                preview_text, photo=photo is not None):
            await send(context, update.effective_chat.id,
                       content.text("broadcast.too_long_caption" if photo
                                    else "broadcast.bad_text"), buttons([stop_row()]))
            return TEXT
        d = draft(context)
        d["text"], d["photo"] = text, photo
        return await preview(update, context)

    async def preview(update: Update, context: Context) -> str:
        assert update.effective_chat is not None
        chat = update.effective_chat.id
        d = draft(context)
        count = len(await recipients(d))
        await send(context, chat, content.text("broadcast.preview_intro"))
        rendered = content.text("broadcast.message", service=deps.settings.service_name,
                                text=d["text"])
        if d.get("photo"):
            await context.bot.send_photo(chat, d["photo"], caption=rendered)
        else:
            await send(context, chat, rendered)
        rows = [[(content.button("broadcast.retext_button"), CB.pack("retext"))], stop_row()]
        if count:
            rows.insert(0, [(content.button("broadcast.send_button", count=format_count(count)),
                             CB.pack("send"))])
        await send(context, chat, content.text(
            "broadcast.preview" if count else "broadcast.preview_nobody",
            count=format_count(count)), buttons(rows))
        return PREVIEW

    async def on_preview(update: Update, context: Context) -> str | int:
        data = parsed(update)
        if data is None:
            await answer_query(update)
            return PREVIEW
        if data.action == "retext":
            return await ask_text(update, context)
        if data.action != "send" or not await coordinator(update, context):
            await answer_query(update)
            return PREVIEW
        assert update.effective_user is not None and context.user_data is not None
        d = context.user_data.pop("broadcast", {})
        if "text" not in d:
            await answer_query(update)
            return END
        people = await recipients(d)
        if not people:
            await show(update, context, content.text("broadcast.preview_nobody", count=0))
            return END
        uid = update.effective_user.id
        bid = await storage.create_broadcast(uid, d["audience"], d.get("group"), d["text"],
                                             d.get("photo"), people, clock.now())
        await show(update, context, content.text("broadcast.confirmed",
                                                 count=format_count(len(people))))
        message = await send(context, uid, content.text(
            "broadcast.progress", done=format_count(0), total=format_count(len(people)),
            percent=0), sender._progress_markup(bid))
        await storage.set_progress(bid, message.message_id, clock.now())
        return END

    async def on_stop(update: Update, context: Context) -> int:
        assert context.user_data is not None
        context.user_data.pop("broadcast", None)
        await show(update, context, content.text("broadcast.stopped"))
        return END

    stop = CallbackQueryHandler(on_stop, pattern=r"^bc:stop")
    conv = conversation(
        deps, "broadcast",
        entry_points=[CommandHandler("broadcast", start)],
        states={
            AUD: [CallbackQueryHandler(on_audience, pattern=r"^bc:aud:")],
            GROUP: [CallbackQueryHandler(on_group, pattern=r"^bc:(grp|back)")],
            TEXT: [MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.PHOTO, on_text)],
            PREVIEW: [CallbackQueryHandler(on_preview, pattern=r"^bc:(send|retext)")],
        },
        fallbacks=[stop],
    )

    async def on_cancel(update: Update, context: Context) -> None:
        if not await coordinator(update, context):
            return
        try:
            bid = CTL.unpack_query(update).int_arg()
        except InvalidCallback:
            await answer_query(update)
            return
        sender.request_cancel(bid)
        stopped = await storage.cancel_broadcast(bid, clock.now())
        await answer_query(update, content.button("broadcast.cancelling" if stopped
                                                  else "broadcast.already_finished"))
        if stopped:
            # Nothing in flight here: finish at once. Otherwise the running job reports.
            await sender.run(context.application, limit=0)

    async def tick(context: Context) -> None:
        await sender.run(context.application)

    async def on_startup(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.bot_data["broadcast_sender"] = sender
        requeued = await storage.requeue_unconfirmed()
        if requeued:
            _LOG.warning("Resuming broadcasts: %d sends were unconfirmed at the last stop",
                         requeued)
        # A long broadcast keeps one tick busy; later ticks return at once instead of being
        # skipped (and logged) by APScheduler's one-instance rule.
        if app.job_queue is not None:
            for job in app.job_queue.get_jobs_by_name("tick:broadcast"):
                job.job.modify(max_instances=8)

    return Flow(
        name="broadcast",
        handlers=[conv, CallbackQueryHandler(on_cancel, pattern=CTL.pattern)],
        commands={"coordinator": [("broadcast", "commands.broadcast")]},
        jobs=[RepeatingJob("tick:broadcast", tick, interval_s=TICK_INTERVAL_S, first_s=3.0)],
        on_startup=on_startup,
    )

