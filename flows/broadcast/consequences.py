"""What follows broadcast events (bot/app.py's event table lists them, in order), and the
'tick:broadcast' job."""

from __future__ import annotations

from bot.domain.broadcast import report_from_counts
from bot.routing import AppCtx
from bot.services import broadcasts as service
from flows.broadcast import views
from flows.broadcast.sender import sender_of

__all__ = ["finish_stopped", "show_progress", "tick"]


async def show_progress(event: service.BroadcastConfirmed, app: AppCtx) -> None:
    """A confirmed broadcast gets a progress message, with Stop sending, that the sender
    keeps up to date. Sending may already have finished (the job runs beside this), and
    then nothing else would ever edit it: once it is stored, it is looked at again."""
    storage = app.deps.storage
    user = await storage.get_user(event.created_by)
    nothing_yet = report_from_counts({"pending": event.total})
    text, markup = views.progress(app.copy_for(user), event.broadcast_id, nothing_yet)
    message = await app.bot.send_message(event.created_by, text, reply_markup=markup)
    await storage.set_progress(event.broadcast_id, message.message_id, app.deps.clock.now())
    await sender_of(app.app).show_final(app.app, event.broadcast_id)


async def finish_stopped(event: service.BroadcastStopped, app: AppCtx) -> None:
    """A stopped broadcast sends nothing more from this process, and is reported at once
    (a run in progress elsewhere reports when it sees the stop)."""
    sender = sender_of(app.app)
    sender.request_cancel(event.broadcast_id)
    await sender.run(app.app, limit=0)


async def tick(app: AppCtx) -> None:
    """The 'tick:broadcast' job: send what is pending, a chunk at a time."""
    await sender_of(app.app).run(app.app)
