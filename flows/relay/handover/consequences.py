"""What follows a handover: all three are told, each in their own copy, in one message each.
The messages are kept in the outbox (bot/outbox.py) under one key per chat: by the handover's
own transaction when /handover made it, else here; either way sent once."""

from __future__ import annotations

from bot import outbox
from bot.routing import AppCtx
from bot.services.events import Event
from bot.services.matches import MatchHandedOver
from flows.relay.handover import views
from flows.relay.names import peer_name, person_name

__all__ = ["keep", "tell_all_three"]


def _key(event: MatchHandedOver, chat_id: int) -> str:
    return f"match:{event.old.id}:handover:{chat_id}"


async def keep(event: Event, app: AppCtx) -> list[str]:
    """Keep the three messages about EVENT (a MatchHandedOver): the person hears who supports
    them now; the new peer worker, whom they support; the old one, that the person was handed
    over. Returns their keys."""
    if not isinstance(event, MatchHandedOver):
        return []
    storage, old, new = app.deps.storage, event.old, event.new
    copy = app.copy_for(await storage.get_user(old.person_id))
    sends = [
        outbox.Send(
            old.person_id,
            views.to_person(
                copy,
                new=await peer_name(storage, copy, new.peer_id),
                old=await peer_name(storage, copy, old.peer_id),
                unsent=event.unsent,
            ),
        )
    ]
    copy = app.copy_for(await storage.get_user(new.peer_id))
    sends.append(
        outbox.Send(
            new.peer_id,
            copy.text("relay.handover_to_new_peer", person=await person_name(storage, copy, new)),
        )
    )
    copy = app.copy_for(await storage.get_user(old.peer_id))
    sends.append(
        outbox.Send(
            old.peer_id,
            copy.text(
                "relay.handover_to_old_peer",
                person=await person_name(storage, copy, old),
                new=await peer_name(storage, copy, new.peer_id),
            ),
        )
    )
    for send in sends:
        await outbox.queue(app.deps, _key(event, send.chat_id), "notice", send)
    return [_key(event, send.chat_id) for send in sends]


async def tell_all_three(event: MatchHandedOver, app: AppCtx) -> None:
    """Send the three messages (kept with the handover, or now)."""
    await outbox.send_now(app.deps, app.bot, await keep(event, app), app.events)
