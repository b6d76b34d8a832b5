"""/broadcast: coordinators send an announcement to a group's members, all carers, all
consumers or all peer workers, and watch it go out (broadcast.mmd). Sending is the
'tick:broadcast' job's, from an outbox written before anything is sent (sender.py).
Broadcasts are the service's: they outlive their author's /delete, and any coordinator may
stop one."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from telegram.ext import Application

from bot.deps import Deps
from bot.flowkit import Flow
from bot.routing import Button, Command, Job
from flows.broadcast import callbacks as cb
from flows.broadcast.consequences import tick
from flows.broadcast.handlers import Handlers
from flows.broadcast.sender import SENDER_KEY, BroadcastSender

__all__ = ["build"]

_LOG = logging.getLogger(__name__)

COORDINATORS = frozenset({"coordinator"})
TICK_INTERVAL_S = 2.0


def build(deps: Deps) -> Flow:
    """The broadcast flow's route table, its sending job and its start-up."""
    h = Handlers()
    sender = BroadcastSender(deps)

    async def on_startup(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Keep the sender where the job finds it; resume what a crash left in flight."""
        app.bot_data[SENDER_KEY] = sender
        # On PostgreSQL another replica may be sending right now: its rows are put back by
        # whichever replica sends next (sender.py), never by one starting up.
        requeued = (
            await deps.storage.requeue_unconfirmed() if deps.storage.dialect == "sqlite" else 0
        )
        if requeued:
            _LOG.warning(
                "Resuming broadcasts: %d sends were unconfirmed at the last stop", requeued
            )
        # A long broadcast keeps one tick busy; later ticks return at once instead of being
        # skipped (and logged) by APScheduler's one-instance rule.
        if app.job_queue is not None:
            for job in app.job_queue.get_jobs_by_name("tick:broadcast"):
                job.job.modify(max_instances=8)

    async def export(user_id: int) -> dict[str, Any]:
        """/mydata: the announcements this coordinator wrote (they are the service's, so
        /delete leaves them, without the author's id)."""
        sent = await deps.storage.broadcasts_by(user_id)
        if not sent:
            return {}
        keep = (
            "broadcast_id",
            "audience",
            "group_id",
            "text",
            "status",
            "total",
            "created_at",
            "finished_at",
        )
        return {
            "broadcasts_written": [{k: v for k, v in asdict(b).items() if k in keep} for b in sent]
        }

    return Flow(
        name="broadcast",
        routes=[
            Command("broadcast", h.start, roles=COORDINATORS, menu="commands.broadcast"),
            Button(cb.PickAudience, h.on_audience, roles=COORDINATORS),
            Button(cb.PickGroup, h.on_group, roles=COORDINATORS),
            Button(cb.Back, h.on_back, roles=COORDINATORS),
            Button(cb.Retext, h.on_retext, roles=COORDINATORS),
            Button(cb.Send, h.on_send, roles=COORDINATORS),
            Button(cb.Stop, h.on_stop, roles=COORDINATORS),
            Button(cb.StopSending, h.on_stop_sending, roles=COORDINATORS),
            *h.steps(),
        ],
        jobs=[Job("tick:broadcast", tick, interval_s=TICK_INTERVAL_S, first_s=3.0)],
        on_startup=on_startup,
        export=export,
    )
