"""What follows a match ending, as far as the chat goes: each side who didn't end it is told,
in one message, without blame, in their own copy (bot/outbox.py keeps it until Telegram has
it; the ending kept it in its own transaction where it could); and when someone is left
without a peer worker by an ending they did not choose, every coordinator is told (their
chosen name and counts, nothing else)."""

from __future__ import annotations

from datetime import timedelta

from bot import outbox
from bot.routing import AppCtx
from bot.services.matches import MatchEnded
from flows.relay.ending import notices, views
from flows.relay.names import person_name

__all__ = ["LEFT_WITHOUT_DAYS", "tell_coordinators", "tell_other_side"]

#: The window the coordinators' count of people left without a peer worker covers.
LEFT_WITHOUT_DAYS = 30


async def tell_other_side(event: MatchEnded, app: AppCtx) -> None:
    """Send what the ending kept (or keep it now, for a path that didn't): everything due at
    once; the person's news after /end waits for the peer worker's few words."""
    kept = await notices.keep(event, app)
    await outbox.send_now(app.deps, app.bot, [n.key for n in kept if n.due is None], app.events)


def left_without(event: MatchEnded) -> bool:
    """Whether EVENT leaves its person without a peer worker by an ending they didn't choose:
    their peer worker ended it, erased their data, or is leaving and nobody could take over."""
    if not event.was_active:
        return False
    return event.why in ("peer", "departure") or (event.why == "erasure" and event.by == "peer")


async def tell_coordinators(event: MatchEnded, app: AppCtx) -> None:
    """Every coordinator hears that someone is without a peer worker: their chosen name, how
    many are in the same place lately, and how many are waiting; nothing about why."""
    if not left_without(event):
        return
    storage, match = app.deps.storage, event.match
    since = app.deps.clock.now() - timedelta(days=LEFT_WITHOUT_DAYS)
    left = await storage.people_left_without(since)
    waiting = len(await storage.waitlist())
    keys = []
    for coordinator in await storage.users_with_roles(("coordinator",)):
        copy = app.copy_for(coordinator)
        key = f"match:{match.id}:alone:{coordinator.user_id}"
        text = views.coordinators(
            copy, person=await person_name(storage, copy, match), left=left, waiting=waiting
        )
        if await outbox.queue(app.deps, key, "notice", outbox.Send(coordinator.user_id, text)):
            keys.append(key)
    await outbox.send_now(app.deps, app.bot, keys, app.events)
