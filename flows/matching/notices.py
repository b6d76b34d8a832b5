"""The matching notices that must not be lost: a request reaching its peer worker, their
reminder, the answer reaching the person, an expiry reaching both. Each is kept in the outbox
(bot/outbox.py) under one key per match and purpose, inside the change's transaction (given
as WITHIN to bot/services/matches.py), and sent at once by the event's consequence; a key kept
before is never kept twice, so no notice doubles. A request notice that can never arrive
publishes DeliveryFailed under `request_key`, and the request is withdrawn."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from bot import outbox
from bot.content import Content
from bot.domain.matching import Match
from bot.nominated_hours import describe_hours, zone_name
from bot.routing import AppCtx
from bot.services.events import Event
from bot.services.matches import (
    MatchMade,
    RequestDeclined,
    RequestExpired,
    RequestMade,
    RequestReminder,
    Within,
)
from flows.matching import views
from flows.matching.offers import next_available, peer_label

__all__ = [
    "answer_key",
    "expired_key",
    "forget",
    "keep",
    "reminder_key",
    "request_key",
    "request_of",
    "send",
    "send_request",
    "within",
]


def request_key(match_id: int) -> str:
    """The key of the request notice to the peer worker of MATCH_ID."""
    return f"match:{match_id}:request"


def reminder_key(match_id: int) -> str:
    """The key of the one reminder to the peer worker of MATCH_ID."""
    return f"match:{match_id}:reminder"


def answer_key(match_id: int) -> str:
    """The key of the answer (accepted or declined) to the person of MATCH_ID."""
    return f"match:{match_id}:answer"


def expired_key(match_id: int, chat_id: int) -> str:
    """The key of the news that MATCH_ID's request closed unanswered, to CHAT_ID."""
    return f"match:{match_id}:expired:{chat_id}"


def request_of(key: str) -> int | None:
    """The match whose request notice KEY is (None for any other key)."""
    kind, _, rest = key.partition(":")
    match_id, _, what = rest.partition(":")
    return int(match_id) if kind == "match" and what == "request" and match_id.isdigit() else None


async def _alias(app: AppCtx, match: Match, copy: Content) -> str:
    person = await app.deps.storage.get_user(match.person_id)
    return views.name_of(copy, person.alias if person else None)


async def _to_peer(
    app: AppCtx, event: RequestMade | RequestReminder
) -> list[tuple[str, outbox.Send]]:
    storage, match, now = app.deps.storage, event.match, app.deps.clock.now()
    person, peer = await storage.get_user(match.person_id), await storage.get_user(match.peer_id)
    if person is None or person.role is None:
        return []
    copy = app.copy_for(peer)
    alias = views.name_of(copy, person.alias)
    respond_by = views.when_text(copy, match.respond_by, now, app.deps.zone(peer))
    if isinstance(event, RequestReminder):
        text, markup = views.reminder_to_peer(
            copy, alias=alias, respond_by=respond_by, match_id=match.id
        )
        return [(reminder_key(match.id), outbox.Send(match.peer_id, text, markup))]
    text, markup = views.request_to_peer(
        copy,
        alias=alias,
        role=person.role,
        prefs=match.preferences,
        match_id=match.id,
        respond_by=respond_by,
    )
    return [(request_key(match.id), outbox.Send(match.peer_id, text, markup))]


async def _to_person(
    app: AppCtx, event: MatchMade | RequestDeclined | RequestExpired
) -> list[tuple[str, outbox.Send]]:
    storage, match, now = app.deps.storage, event.match, app.deps.clock.now()
    person, profile = (
        await storage.get_user(match.person_id),
        await storage.get_profile(match.peer_id),
    )
    copy, name = app.copy_for(person), peer_label(app, profile, person)
    if isinstance(event, MatchMade):
        when = views.when_text(
            copy, next_available(app.deps, profile, now), now, app.deps.zone(person)
        )
        text = views.accepted_person(
            copy,
            name=name,
            when=when,
            hours=describe_hours(copy, profile.hours) if profile else "",
            tz=zone_name(copy, profile.timezone if profile else app.deps.settings.timezone),
        )
        return [(answer_key(match.id), outbox.Send(match.person_id, text))]
    place = views.kept_place(copy, await storage.waitlist_position(match.person_id))
    if isinstance(event, RequestDeclined):
        text = copy.text("matching.declined_person", name=name) + place
        return [(answer_key(match.id), outbox.Send(match.person_id, text))]
    peer_copy = app.copy_for(await storage.get_user(match.peer_id))
    return [
        (
            expired_key(match.id, match.peer_id),
            outbox.Send(
                match.peer_id,
                peer_copy.text("matching.expired_peer", alias=await _alias(app, match, peer_copy)),
            ),
        ),
        (
            expired_key(match.id, match.person_id),
            outbox.Send(match.person_id, copy.text("matching.expired_person", name=name) + place),
        ),
    ]


async def keep(event: Event, app: AppCtx) -> list[str]:
    """Keep the notices of EVENT in the outbox (inside the change's transaction when given as
    its WITHIN; kept before, they are not kept again); their keys. Once a request is
    answered or closed, a request notice or reminder not yet sent is given up."""
    sends: list[tuple[str, outbox.Send]] = []
    if isinstance(event, RequestMade | RequestReminder):
        sends = await _to_peer(app, event)
    elif isinstance(event, MatchMade | RequestDeclined | RequestExpired):
        await forget(app, event.match.id)
        sends = await _to_person(app, event)
    for key, message in sends:
        await outbox.queue(app.deps, key, "notice", message)
    return [key for key, _ in sends]


def within(app: AppCtx) -> Within:
    """`keep` for APP, to give a lifecycle call as its WITHIN."""
    return functools.partial(keep, app=app)


async def forget(app: AppCtx, match_id: int) -> None:
    """Give up MATCH_ID's request notice and reminder if they have not gone yet (the request
    has closed: a late one would ask for an answer nobody can give now)."""
    await app.deps.storage.drop_unsent(
        [request_key(match_id), reminder_key(match_id)], app.deps.clock.now()
    )


async def send(app: AppCtx, keys: Sequence[str]) -> None:
    """Try the kept notices KEYS now (after the commit); the outbox keeps trying after."""
    if keys:
        await outbox.send_now(app.deps, app.bot, keys, app.events)


async def send_request(app: AppCtx, match_id: int) -> str | None:
    """Try MATCH_ID's request notice now; then 'sent', 'pending' (Telegram couldn't take it
    yet: it is kept, and tried again) or 'dropped' (it never can: DeliveryFailed follows)."""
    await send(app, [request_key(match_id)])
    return await app.deps.storage.outbox_status(request_key(match_id))
