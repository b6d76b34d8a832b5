"""The supervision notices that must not be lost: a request (or what was added to it) reaching
each coordinator, and "picked up" reaching the peer worker. Each is kept in the outbox
(bot/outbox.py) under one key per request, purpose and reader, inside the change's transaction
(given as WITHIN to bot/services/supervision.py), and sent at once by the event's consequence;
a key kept before is never kept twice, so nobody is told twice, and a coordinator who joins
later is sent each waiting request under the same key (flows/supervision/consequences.py)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from bot import outbox
from bot.domain.supervision import SupervisionRequest
from bot.routing import AppCtx
from bot.services.events import Event
from bot.services.supervision import (
    SupervisionAdded,
    SupervisionRequested,
    SupervisionTaken,
    Within,
)
from flows.supervision import views

__all__ = [
    "added_key",
    "keep",
    "peer_name",
    "request_key",
    "send",
    "statuses",
    "taken_key",
    "taken_of",
    "to_coordinator",
    "within",
]


def request_key(request_id: int, coordinator_id: int) -> str:
    """The key of request REQUEST_ID's notice to COORDINATOR_ID."""
    return f"supervision:{request_id}:to:{coordinator_id}"


def added_key(request_id: int, at: int, coordinator_id: int) -> str:
    """The key of what was added to REQUEST_ID at AT, to COORDINATOR_ID."""
    return f"supervision:{request_id}:added:{at}:to:{coordinator_id}"


def taken_key(request_id: int) -> str:
    """The key of "a coordinator picked it up", to the peer worker of REQUEST_ID."""
    return f"supervision:{request_id}:taken"


def taken_of(key: str) -> int | None:
    """The request whose "picked up" notice KEY is (None for any other key)."""
    kind, _, rest = key.partition(":")
    request_id, _, what = rest.partition(":")
    return (
        int(request_id)
        if kind == "supervision" and what == "taken" and request_id.isdigit()
        else None
    )


async def peer_name(app: AppCtx, peer_id: int) -> str | None:
    """The name a peer worker shows people (their profile's, else the one they chose)."""
    profile = await app.deps.storage.get_profile(peer_id)
    if profile is not None:
        return profile.display_name
    user = await app.deps.storage.get_user(peer_id)
    return user.alias if user is not None else None


async def to_coordinator(
    app: AppCtx, found: SupervisionRequest, coordinator_id: int, *, added: bool = False
) -> outbox.Send | None:
    """Request FOUND as COORDINATOR_ID reads it (ADDED: "… added to their request"), with the
    button that picks it up; None if the peer worker is gone."""
    storage = app.deps.storage
    peer, coordinator = (
        await storage.get_user(found.peer_id),
        await storage.get_user(coordinator_id),
    )
    if peer is None or peer.role is None:
        return None
    copy = app.copy_for(coordinator)
    note = app.deps.cipher.decrypt(found.note) if found.note else None
    asked = copy.when(datetime.fromtimestamp(found.created_at, app.deps.zone(coordinator)))
    text, markup = views.for_coordinator(
        copy,
        found.id,
        name=await peer_name(app, found.peer_id),
        role=peer.role,
        urgency=found.urgency,
        note=note,
        asked=asked,
        added=added,
    )
    return outbox.Send(coordinator_id, text, markup)


async def keep(event: Event, app: AppCtx) -> list[str]:
    """Keep the notices of EVENT in the outbox (inside the change's transaction when given as
    its WITHIN; kept before, they are not kept again); their keys."""
    storage = app.deps.storage
    sends: list[tuple[str, outbox.Send | None]] = []
    if isinstance(event, SupervisionRequested | SupervisionAdded):
        found = await storage.get_supervision_request(event.request_id)
        if found is None:
            return []
        for coordinator in await storage.users_with_roles(("coordinator",)):
            key = (
                request_key(found.id, coordinator.user_id)
                if isinstance(event, SupervisionRequested)
                else added_key(found.id, event.at, coordinator.user_id)
            )
            sends.append(
                (
                    key,
                    await to_coordinator(
                        app, found, coordinator.user_id, added=isinstance(event, SupervisionAdded)
                    ),
                )
            )
    elif isinstance(event, SupervisionTaken):
        peer, taker = (
            await storage.get_user(event.peer_id),
            await storage.get_user(event.coordinator_id),
        )
        text = views.peer_told(app.copy_for(peer), taker.alias if taker else None)
        sends.append((taken_key(event.request_id), outbox.Send(event.peer_id, text)))
    kept = []
    for key, message in sends:
        if message is not None:
            await outbox.queue(app.deps, key, "notice", message)
            kept.append(key)
    return kept


def within(app: AppCtx) -> Within:
    """`keep` for APP, to give a change as its WITHIN."""
    return functools.partial(keep, app=app)


async def send(app: AppCtx, keys: Sequence[str]) -> list[str | None]:
    """Try the kept notices KEYS now (after the commit; the outbox keeps trying after), and
    say what became of each: 'sent', 'pending' or 'dropped'."""
    if keys:
        await outbox.send_now(app.deps, app.bot, keys, app.events)
    return await statuses(app, keys)


async def statuses(app: AppCtx, keys: Sequence[str]) -> list[str | None]:
    """What became of each of KEYS: 'sent', 'pending', 'dropped' (None: never kept)."""
    return [await app.deps.storage.outbox_status(key) for key in keys]
