"""What follows a supervision request: every coordinator is told (through the outbox,
flows/supervision/notices.py), then the peer worker hears the truth: how many have it, that it
is on its way, or that nobody could be reached. Once one picks it up, the peer worker is told
who, and only then does that coordinator hear "{name} has been told" (or that the news is on
its way, or can't arrive). A coordinator who joins later is sent every request still
waiting."""

from __future__ import annotations

from bot import outbox
from bot.routing import AppCtx
from bot.services.people import Onboarded
from bot.services.supervision import (
    CoordinatorsTold,
    SupervisionAdded,
    SupervisionRequested,
    SupervisionTaken,
)
from flows.supervision import notices
from flows.supervision.views import sent, taken, taken_unreachable

__all__ = [
    "confirm_to_peer",
    "tell_coordinators",
    "tell_new_coordinator",
    "tell_peer_taken",
    "tell_taken_failed",
]


async def tell_coordinators(event: SupervisionRequested | SupervisionAdded, app: AppCtx) -> None:
    """Send the request (or what was added to it) to every coordinator, each in their own
    copy; kept in the outbox with the change, so sending it here never sends it twice."""
    keys = await notices.keep(event, app)
    states = await notices.send(app, keys)
    app.events.publish(
        CoordinatorsTold(
            event.request_id,
            event.peer_id,
            reached=states.count("sent"),
            pending=states.count("pending"),
            dropped=states.count("dropped"),
            added=isinstance(event, SupervisionAdded),
        )
    )


async def confirm_to_peer(event: CoordinatorsTold, app: AppCtx) -> None:
    """Tell the peer worker how many coordinators their request reached, or that it is on its
    way, or that nobody could be reached."""
    peer = await app.deps.storage.get_user(event.peer_id)
    await app.tell(
        event.peer_id,
        sent(
            app.copy_for(peer),
            event.reached,
            pending=event.pending,
            dropped=event.dropped,
            added=event.added,
        ),
    )


async def tell_peer_taken(event: SupervisionTaken, app: AppCtx) -> None:
    """Tell the peer worker which coordinator picked their request up; then that coordinator
    hears it is done, or on its way. If it can never arrive, `tell_taken_failed` says so."""
    storage = app.deps.storage
    keys = await notices.keep(event, app)
    (state,) = await notices.send(app, keys) if keys else ["dropped"]
    if state == "dropped":
        return
    coordinator = await storage.get_user(event.coordinator_id)
    await app.tell(
        event.coordinator_id,
        taken(app.copy_for(coordinator), await notices.peer_name(app, event.peer_id), state),
    )


async def tell_taken_failed(event: outbox.DeliveryFailed, app: AppCtx) -> None:
    """The "picked up" news never reached the peer worker: the coordinator who took it hears
    so (other failed sends are not this one's)."""
    request_id = notices.taken_of(event.key)
    if request_id is None:
        return
    found = await app.deps.storage.get_supervision_request(request_id)
    if found is None or found.taken_by is None:
        return
    coordinator = await app.deps.storage.get_user(found.taken_by)
    await app.tell(
        found.taken_by,
        taken_unreachable(app.copy_for(coordinator), await notices.peer_name(app, found.peer_id)),
    )


async def tell_new_coordinator(event: Onboarded, app: AppCtx) -> None:
    """A coordinator has just joined: send them every request still waiting for someone to
    pick it up (under the same keys as to everyone, so nobody gets one twice)."""
    if event.role != "coordinator":
        return
    keys = []
    for found in await app.deps.storage.untaken_supervision_requests():
        message = await notices.to_coordinator(app, found, event.user_id)
        if message is None:
            continue
        key = notices.request_key(found.id, event.user_id)
        await outbox.queue(app.deps, key, "notice", message)
        keys.append(key)
    await notices.send(app, keys)
