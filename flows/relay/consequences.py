"""What follows a send of the relay's that Telegram will never take (DeliveryFailed, from
bot/outbox.py): whoever it came from is told the truth, in their own copy.

- `relay:{match}:{side}:{message}`: a relayed message; its sender hears it didn't arrive (or,
  when the original was deleted first, that it couldn't be passed on);
- `note:{id}`: a note's copy for the person; the writer hears the note is saved but the
  person didn't get a copy (it is in their /mydata);
- `match:{id}:ended:{chat}`: the news of an ending, to the person; the peer worker who ended
  it hears the person couldn't be told;
- `match:{id}:goodbye`: a peer worker's few words after an ending; they hear they didn't go.
"""

from __future__ import annotations

import logging

from bot.outbox import DeliveryFailed
from bot.routing import AppCtx
from flows.relay import views
from flows.relay.names import peer_name, person_name

__all__ = ["tell_sender"]

_LOG = logging.getLogger(__name__)


async def tell_sender(event: DeliveryFailed, app: AppCtx) -> None:
    """Tell whoever a failed send of the relay's came from (other keys are not ours)."""
    kind, _, rest = event.key.partition(":")
    try:
        if kind == "relay":
            await _relayed(event, app)
        elif kind == "note":
            await _note(int(rest), app)
        elif kind == "match":
            await _ending(event, rest, app)
    except ValueError:
        _LOG.warning("A failed send had a key the relay can't read")


async def _relayed(event: DeliveryFailed, app: AppCtx) -> None:
    storage = app.deps.storage
    send = await storage.relay_send(event.key)
    await storage.forget_relay_send(event.key)
    if send is None or send.source_id is None:
        return  # a name label: the copy after it says what happened
    match = await storage.get_match(send.match_id)
    sender = await storage.get_user(send.sender_id)
    if match is None or sender is None:
        return
    copy = app.copy_for(sender)
    name = (
        await peer_name(storage, copy, match.peer_id)
        if send.sender_id == match.person_id
        else await person_name(storage, copy, match)
    )
    if event.reason == "refused":
        text = views.gone(copy, send.sent_at.astimezone(app.deps.zone(sender)), name)
    else:
        text = copy.text("relay.not_delivered", name=name)
    await app.tell(send.sender_id, text)


async def _note(note_id: int, app: AppCtx) -> None:
    storage = app.deps.storage
    note = await storage.get_note(note_id)
    if note is None or note.author_id is None or note.match_id is None:
        return
    match = await storage.get_match(note.match_id)
    writer = await storage.get_user(note.author_id)
    if match is None:
        return
    copy = app.copy_for(writer)
    await app.tell(
        note.author_id,
        copy.text("relay.note_saved_unsent", person=await person_name(storage, copy, match)),
    )


async def _ending(event: DeliveryFailed, rest: str, app: AppCtx) -> None:
    parts = rest.split(":")
    storage = app.deps.storage
    match = await storage.get_match(int(parts[0]))
    if match is None or event.chat_id != match.person_id or match.ended_by != "peer":
        return
    if parts[1] not in ("ended", "goodbye"):
        return
    peer = await storage.get_user(match.peer_id)
    if peer is None:
        return  # they erased their data: nobody is left to tell
    copy = app.copy_for(peer)
    key = "relay.goodbye_not_delivered" if parts[1] == "goodbye" else "relay.ended_not_delivered"
    await app.tell(match.peer_id, copy.text(key, person=await person_name(storage, copy, match)))
