"""What follows a match ending, as far as the chat goes: the other side is told, without
blame, in their own copy (a person also hears what was waiting and wasn't passed on)."""

from __future__ import annotations

from bot.routing import AppCtx
from bot.services.matches import MatchEnded
from flows.relay.names import peer_name, person_name
from flows.relay.views import unsent_line

__all__ = ["tell_other_side"]


async def tell_other_side(event: MatchEnded, app: AppCtx) -> None:
    """Tell whoever didn't end it (a handover tells all three in its own words)."""
    if event.why == "handover":
        return
    if event.by == "person":
        await _tell_peer(event, app)
    else:
        await _tell_person(event, app)


async def _tell_peer(event: MatchEnded, app: AppCtx) -> None:
    storage, match = app.deps.storage, event.match
    copy = app.copy_for(await storage.get_user(match.peer_id))
    if event.why == "erasure":
        text = copy.text("privacy.counterpart_ended",
                         name=await person_name(storage, copy, match))
    elif event.was_active:
        text = copy.text("relay.ended_by_person", person=await person_name(storage, copy, match))
    else:  # a request the person withdrew: they were only ever named as they chose
        person = await storage.get_user(match.person_id)
        alias = person.alias if person is not None and person.alias else None
        text = copy.text("matching.withdrawn_peer",
                         alias=alias or copy.button("matching.no_alias"))
    await app.tell(match.peer_id, text)


async def _tell_person(event: MatchEnded, app: AppCtx) -> None:
    storage, match = app.deps.storage, event.match
    copy = app.copy_for(await storage.get_user(match.person_id))
    peer = await peer_name(storage, copy, match.peer_id)
    text = (copy.text("privacy.counterpart_ended", name=peer) if event.why == "erasure"
            else copy.text("relay.ended_by_peer", peer=peer))
    await app.tell(match.person_id, text + unsent_line(copy, event.unsent, peer))
