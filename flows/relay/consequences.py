"""What follows a send of the relay's that Telegram will never take (DeliveryFailed, from
bot/outbox.py): whoever it came from is told the truth, in their own copy.

- `relay:{match}:{side}:{message}`: a relayed message; its sender hears it didn't arrive (or,
  when the original was deleted first, that it couldn't be passed on);
- `note:{id}`: a note's copy for the person; the writer hears the note is saved but the
  person didn't get a copy (it is in their /mydata);
- `match:{id}:ended:{chat}`: the news of an ending, to the person; the peer worker who ended
  it hears the person couldn't be told;
- `match:{id}:goodbye`: a peer worker's few words after an ending; they hear they didn't go;
- `match:{id}:name:...` and `match:{id}:hours:...`: news of a new name or new hours
  (tell_new_name, tell_new_hours), to the other side of a match; nobody else is told.
"""

from __future__ import annotations

import logging
import zlib

from bot import outbox
from bot.nominated_hours import describe_hours
from bot.outbox import DeliveryFailed
from bot.routing import AppCtx
from bot.services.people import NameChanged
from bot.services.profiles import HoursChanged
from flows.relay import views
from flows.relay.names import peer_name, person_name

__all__ = ["tell_new_hours", "tell_new_name", "tell_sender"]

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


async def tell_new_name(event: NameChanged, app: AppCtx) -> None:
    """The other side of each active match learns the name it will see from now on: a
    person's peer worker their new chosen name, a peer worker's people their new display
    name. (A peer worker's /settings name is not the one their people see.)"""
    storage = app.deps.storage
    sends: list[tuple[int, outbox.Send]] = []
    if event.what == "alias":
        match = await storage.active_match_for_person(event.user_id)
        if match is not None:
            copy = app.copy_for(await storage.get_user(match.peer_id))
            old = event.old or copy.button("relay.person_fallback", number=match.id)
            new = await person_name(storage, copy, match)
            text = copy.text("relay.renamed_person", old=old, new=new)
            sends.append((match.id, outbox.Send(match.peer_id, text)))
    else:
        for match in await storage.active_matches_for_peer(event.user_id):
            copy = app.copy_for(await storage.get_user(match.person_id))
            old = event.old or copy.button("relay.peer_fallback")
            text = copy.text("relay.renamed_peer", old=old, new=event.new)
            sends.append((match.id, outbox.Send(match.person_id, text)))
    await _notify(app, "name", sends)


async def tell_new_hours(event: HoursChanged, app: AppCtx) -> None:
    """Each person a peer worker supports hears their new nominated hours: what they were
    told at the match is no longer true."""
    storage = app.deps.storage
    profile = await storage.get_profile(event.peer_id)
    if profile is None:
        return
    sends: list[tuple[int, outbox.Send]] = []
    for match in await storage.active_matches_for_peer(event.peer_id):
        copy = app.copy_for(await storage.get_user(match.person_id))
        text = copy.text(
            "relay.new_hours",
            name=await peer_name(storage, copy, event.peer_id),
            hours=describe_hours(copy, profile.hours, profile.timezone),
        )
        sends.append((match.id, outbox.Send(match.person_id, text)))
    await _notify(app, "hours", sends)


async def _notify(app: AppCtx, news: str, sends: list[tuple[int, outbox.Send]]) -> None:
    """Keep SENDS (NEWS about the other side of each match, at this moment) and try them
    now. Keyed by match, never by anyone's Telegram id."""
    stamp = int(app.deps.clock.now().timestamp() * 1000)
    keys = []
    for match_id, send in sends:
        # the words' checksum too: two changes in one moment are two pieces of news
        key = f"match:{match_id}:{news}:{stamp}:{zlib.crc32(send.text.encode())}"
        if await outbox.queue(app.deps, key, "notice", send):
            keys.append(key)
    await outbox.send_now(app.deps, app.bot, keys, app.events)
