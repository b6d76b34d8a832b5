"""tick:checkins, the one dispatcher: nothing is scheduled per person. Each schedule keeps its
next due time in the database (indexed); every minute this sends what is due and moves each
schedule on in the person's own time zone, then sends the weekly summaries that are due.

After downtime, a check-in at most `checkin_grace_minutes` late is sent once; older ones are
skipped, so a restart never sends a burst of missed ones.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.routing import AppCtx
from bot.services.checkins import BATCH, CheckinsSent, claim_due, take_due_shares, undelivered
from flows.checkins.views import prompt, weekly_share

__all__ = ["MAX_BATCHES", "SEND_CONCURRENCY", "TICK", "TICK_SECONDS", "tick"]

TICK = "tick:checkins"
TICK_SECONDS = 60.0
MAX_BATCHES = 20  # per tick; anything beyond waits for the next tick, still within grace
SEND_CONCURRENCY = 16


async def tick(app: AppCtx) -> None:
    """Send every check-in that is due, move each schedule on, skip the long-missed; then
    the weekly summaries."""
    now = app.deps.clock.now()
    grace = timedelta(minutes=app.deps.settings.checkin_grace_minutes)
    sent = 0
    for _ in range(MAX_BATCHES):
        batch = await claim_due(app.deps.storage, app.deps.zone, now, grace, app.events)
        gate = asyncio.Semaphore(SEND_CONCURRENCY)
        results = await asyncio.gather(*(_deliver(app, user_id, checkin_id, gate)
                                         for user_id, checkin_id, _ in batch.to_send))
        sent += sum(results)
        if batch.read < BATCH:
            break
    if sent:
        app.events.publish(CheckinsSent(sent))
    await _send_weekly_shares(app, now)


async def _deliver(app: AppCtx, user_id: int, checkin_id: int, gate: asyncio.Semaphore) -> bool:
    """Send one claimed check-in in its person's copy; forget it if it can't reach them."""
    async with gate:
        person = await app.deps.storage.get_user(user_id)
        text, markup = prompt(app.copy_for(person), checkin_id,
                              person.alias if person is not None else None)
        if await app.tell(user_id, text, markup):
            return True
    await undelivered(app.deps.storage, checkin_id)
    return False


async def _send_weekly_shares(app: AppCtx, now: datetime) -> None:
    """Each due weekly summary, to the peer worker of the person who chose to share it."""
    for share in await take_due_shares(app.deps.storage, app.deps.zone, now):
        peer = await app.deps.storage.get_user(share.peer_id)
        await app.tell(share.peer_id, weekly_share(app.copy_for(peer), share))
