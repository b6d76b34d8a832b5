"""The messages that tell each side a match has ended, kept in the outbox (bot/outbox.py)
under one key per match and chat, so the ending's transaction can keep them with the change
(bot/services/matches.py WITHIN) and the consequence that sends them never doubles them.

The person always gets one message: what happened, without blame, and what happens next.
When their peer worker ended it with /end, that message waits GOODBYE_WINDOW for the peer
worker's few words, so the words arrive inside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import outbox
from bot.domain.matching import Match
from bot.domain.relay import GOODBYE_WINDOW
from bot.routing import AppCtx
from bot.services.events import Event
from bot.services.matches import MatchEnded
from flows.relay.ending import views
from flows.relay.names import peer_name, person_name

__all__ = ["Notice", "ended_key", "goodbye_key", "keep", "to_person", "words_key"]


@dataclass(frozen=True)
class Notice:
    """One message about an ending, kept under KEY, to go at DUE (None: at once)."""

    key: str
    send: outbox.Send
    due: datetime | None = None


def ended_key(match_id: int, chat_id: int) -> str:
    """The key of the news of MATCH_ID's ending, to CHAT_ID."""
    return f"match:{match_id}:ended:{chat_id}"


def words_key(match_id: int, chat_id: int) -> str:
    """The key of the news with the peer worker's words in it (it replaces the plain one)."""
    return f"{ended_key(match_id, chat_id)}:words"


def goodbye_key(match_id: int) -> str:
    """The key of the peer worker's words on their own, when the news had gone already."""
    return f"match:{match_id}:goodbye"


async def to_person(
    app: AppCtx, match: Match, *, why: str, unsent: int, words: str | None = None
) -> outbox.Send:
    """The person's one message: what happened, without blame, and what happens next."""
    storage = app.deps.storage
    copy = app.copy_for(await storage.get_user(match.person_id))
    text, markup = views.for_person(
        copy,
        why=why,
        peer=await peer_name(storage, copy, match.peer_id),
        unsent=unsent,
        was_active=match.status == "ended",
        words=words,
    )
    return outbox.Send(match.person_id, text, markup)


async def _notices(event: MatchEnded, app: AppCtx) -> list[Notice]:
    """What tells each side about EVENT (the one who ended it reads it on their screen; a
    handover tells all three in its own words)."""
    storage, match = app.deps.storage, event.match
    if event.why == "handover":
        return []
    if event.by == "person":
        copy = app.copy_for(await storage.get_user(match.peer_id))
        person = await storage.get_user(match.person_id)
        text = views.for_peer(
            copy,
            why=event.why,
            was_active=event.was_active,
            person=await person_name(storage, copy, match),
            alias=person.alias if person is not None else None,
        )
        return [Notice(ended_key(match.id, match.peer_id), outbox.Send(match.peer_id, text))]
    waits = event.why == "peer" and event.was_active  # for the few words /end asks for
    out = [
        Notice(
            ended_key(match.id, match.person_id),
            await to_person(app, match, why=event.why, unsent=event.unsent),
            app.deps.clock.now() + GOODBYE_WINDOW if waits else None,
        )
    ]
    if event.why == "departure" and event.was_active:
        copy = app.copy_for(await storage.get_user(match.peer_id))
        out.append(
            Notice(
                ended_key(match.id, match.peer_id),
                outbox.Send(
                    match.peer_id,
                    copy.text(
                        "relay.departure_ended_peer", person=await person_name(storage, copy, match)
                    ),
                ),
            )
        )
    return out


async def keep(event: Event, app: AppCtx) -> list[Notice]:
    """Keep the messages about EVENT (a MatchEnded) in the outbox (inside the ending's
    transaction, when given as its WITHIN); kept before, they are not kept again."""
    if not isinstance(event, MatchEnded):
        return []
    notices = await _notices(event, app)
    for notice in notices:
        await outbox.queue(app.deps, notice.key, "notice", notice.send, due=notice.due)
    return notices
