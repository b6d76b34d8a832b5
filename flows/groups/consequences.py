"""What follows group events (bot/app.py's event table lists them, in order)."""

from __future__ import annotations

from bot.routing import AppCtx
from bot.services import groups as service
from bot.services.erasure import PersonErased
from flows.groups.notices import deliver_notices

__all__ = ["count_join", "fill_freed_places", "tell_now"]


async def tell_now(
    event: service.PlaceOffered | service.MeetingCancelled | service.GroupRetired, app: AppCtx
) -> None:
    """A place offered, a meeting cancelled or a group retired: the people it concerns are
    told now, through the outbox (their notices were queued with the change; the outbox
    retries a failed send, and the groups job hands on any notice left behind)."""
    await deliver_notices(app)


async def count_join(event: service.MemberJoined, app: AppCtx) -> None:
    """Count the join for the service's evaluation (a count, never who)."""
    await app.deps.storage.bump_counter("group_joins", app.deps.local_day())


async def fill_freed_places(event: PersonErased, app: AppCtx) -> None:
    """Places someone held until they erased their data go to the people waiting longest."""
    await service.fill_all_places(app.deps.storage, app.events, app.deps.clock.now())
