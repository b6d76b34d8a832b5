"""What follows a handover: all three are told, each in their own copy."""

from __future__ import annotations

from bot.routing import AppCtx
from bot.services.matches import MatchHandedOver
from flows.relay.handover import views
from flows.relay.names import peer_name, person_name

__all__ = ["tell_all_three"]


async def tell_all_three(event: MatchHandedOver, app: AppCtx) -> None:
    """The person hears who supports them now; the new peer worker, whom they support; the
    old one, that the person was handed over."""
    storage, old, new = app.deps.storage, event.old, event.new
    copy = app.copy_for(await storage.get_user(old.person_id))
    await app.tell(old.person_id, views.to_person(
        copy, new=await peer_name(storage, copy, new.peer_id),
        old=await peer_name(storage, copy, old.peer_id), unsent=event.unsent))
    copy = app.copy_for(await storage.get_user(new.peer_id))
    await app.tell(new.peer_id, copy.text("relay.handover_to_new_peer",
                                          person=await person_name(storage, copy, new)))
    copy = app.copy_for(await storage.get_user(old.peer_id))
    await app.tell(old.peer_id, copy.text(
        "relay.handover_to_old_peer", person=await person_name(storage, copy, old),
        new=await peer_name(storage, copy, new.peer_id)))
