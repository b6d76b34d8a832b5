"""tick:checkins, the one dispatcher: nothing is scheduled per person. Each schedule keeps its
next due time in the database (indexed); every minute this sends what is due and moves each
schedule on in the person's own time zone, then sends the weekly summaries that are due.

After downtime, a check-in at most `checkin_grace_minutes` late is sent once; older ones are
skipped, so a restart never sends a burst of missed ones.

A due check-in and its prompt are kept in one transaction (the prompt in the outbox, under
the check-in's own key), then sent at once. A prompt Telegram could not take just now (a
429, a 5xx, a timeout) stays in the outbox and its worker tries it again, never twice; one
it refused for good (blocked, chat gone) is dropped, and its check-in forgotten
(consequences.forget_undelivered).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import outbox
from bot.routing import AppCtx
from bot.services.checkins import BATCH, CheckinsSent, claim_due, take_due_shares
from flows.checkins import sends
from flows.checkins.views import prompt, weekly_share

__all__ = ["MAX_BATCHES", "TICK", "TICK_SECONDS", "tick"]

TICK = "tick:checkins"
TICK_SECONDS = 60.0
MAX_BATCHES = 20  # per tick; anything beyond waits for the next tick, still within grace


async def tick(app: AppCtx) -> None:
    """Send every check-in that is due, move each schedule on, skip the long-missed; then
    the weekly summaries."""
    storage, now = app.deps.storage, app.deps.clock.now()
    grace = timedelta(minutes=app.deps.settings.checkin_grace_minutes)
    kept = 0
    for _ in range(MAX_BATCHES):
        async with storage.transaction():
            batch = await claim_due(storage, app.deps.zone, now, grace, app.events)
            keys = [
                await _keep_prompt(app, user_id, checkin_id)
                for user_id, checkin_id, _ in batch.to_send
            ]
        kept += len(keys)
        await sends.send_kept(app, keys)
        if batch.read < BATCH:
            break
    if kept:
        app.events.publish(CheckinsSent(kept))
    await _send_weekly_shares(app, now)


async def _keep_prompt(app: AppCtx, user_id: int, checkin_id: int) -> str:
    """Keep one claimed check-in's prompt, in its person's copy, in the outbox; its key."""
    person = await app.deps.storage.get_user(user_id)
    text, markup = prompt(
        app.copy_for(person), checkin_id, person.alias if person is not None else None
    )
    key = sends.key(checkin_id, sends.PROMPT)
    await outbox.queue(app.deps, key, "bulk", outbox.Send(user_id, text, markup))
    return key


async def _send_weekly_shares(app: AppCtx, now: datetime) -> None:
    """Each due weekly summary, to the peer worker of the person who chose to share it."""
    for share in await take_due_shares(app.deps.storage, app.deps.zone, now):
        peer = await app.deps.storage.get_user(share.peer_id)
        await app.tell(share.peer_id, weekly_share(app.copy_for(peer), share))
