"""What follows a supervision request: every coordinator is told, then the peer worker hears
how many were reached; once one picks it up, the peer worker hears who."""

from __future__ import annotations

from bot.deps import Deps
from bot.routing import AppCtx
from bot.services.supervision import CoordinatorsTold, SupervisionRequested, SupervisionTaken
from flows.supervision.views import for_coordinator, peer_told, sent

__all__ = ["confirm_to_peer", "peer_name", "tell_coordinators", "tell_peer_taken"]


async def peer_name(deps: Deps, peer_id: int) -> str | None:
    """The name a peer worker shows people (their profile's, else the one they chose)."""
    profile = await deps.storage.get_profile(peer_id)
    if profile is not None:
        return profile.display_name
    user = await deps.storage.get_user(peer_id)
    return user.alias if user is not None else None


async def tell_coordinators(event: SupervisionRequested, app: AppCtx) -> None:
    """Send the request to every coordinator, each in their own copy."""
    storage = app.deps.storage
    request = await storage.get_supervision_request(event.request_id)
    peer = await storage.get_user(event.peer_id)
    if request is None or peer is None or peer.role is None:
        return
    note = app.deps.cipher.decrypt(request.note) if request.note else None
    name = await peer_name(app.deps, peer.user_id)
    reached = 0
    for coordinator in await storage.users_with_roles(("coordinator",)):
        text, markup = for_coordinator(app.copy_for(coordinator), request.id, name=name,
                                       role=peer.role, urgency=request.urgency, note=note)
        if await app.tell(coordinator.user_id, text, markup):
            reached += 1
    app.events.publish(CoordinatorsTold(request.id, peer.user_id, reached))


async def confirm_to_peer(event: CoordinatorsTold, app: AppCtx) -> None:
    """Tell the peer worker how many coordinators their request reached."""
    peer = await app.deps.storage.get_user(event.peer_id)
    await app.tell(event.peer_id, sent(app.copy_for(peer), event.reached))


async def tell_peer_taken(event: SupervisionTaken, app: AppCtx) -> None:
    """Tell the peer worker which coordinator picked their request up."""
    storage = app.deps.storage
    peer, coordinator = await storage.get_user(event.peer_id), await storage.get_user(
        event.coordinator_id)
    await app.tell(event.peer_id, peer_told(app.copy_for(peer),
                                            coordinator.alias if coordinator else None))
