"""A peer worker going on leave, or leaving the service, without anyone they support being
dropped (DESIGN rules 3 and 6: a peer worker can pause new matches; nobody is left without a
word, or without a peer worker, by a change they did not choose).

- Going on leave: new matches pause at once; for each person the peer worker chooses a
  handover (a coordinator is asked to move them to someone with room) or a pause (they are
  told, and what they send waits for the return). `back` ends the leave.
- Leaving the service: new matches pause, and a coordinator is asked to hand each person over
  (or, when nobody can take them on, to end the match kindly). The peer worker's access ends
  when the last one has a new peer worker.

Either may be started by the peer worker or by a coordinator (`start_departure`, BY).
bot/app.py lists what follows each event.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.domain.matching import Match, PeerProfile
from bot.domain.relay import Departure
from bot.services import matches
from bot.services.events import DomainError, Event, Events
from bot.services.profiles import CapacityFreed

__all__ = [
    "AccessEnded",
    "BackFromLeave",
    "Choice",
    "DepartureStarted",
    "DepartureStore",
    "Kind",
    "LeaveChosen",
    "NoProfile",
    "NotAway",
    "back",
    "choose",
    "finish_if_done",
    "start_departure",
]

#: Going on leave (back later), or leaving the service.
Kind = Literal["leave", "leaving"]
#: While on leave, for one person: a coordinator hands them over, or the match pauses.
Choice = Literal["handover", "pause"]


class DepartureStore(matches.MatchStore, Protocol):
    """The storage departures need (the relay and matching areas')."""

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """Several writes as one."""
        ...

    async def get_profile(self, user_id: int) -> PeerProfile | None:
        """A peer worker's profile."""
        ...

    async def update_profile(self, user_id: int, now: datetime, **fields: Any) -> Any:
        """Change some of a profile's fields."""
        ...

    async def update_user(self, user_id: int, now: datetime, **fields: Any) -> None:
        """Change some of a person's fields (their role, here)."""
        ...

    async def open_requests_for_peer(self, peer_id: int) -> list[Match]:
        """Requests waiting for PEER_ID's answer."""
        ...

    async def active_matches_for_peer(self, peer_id: int) -> list[Match]:
        """A peer worker's active matches, oldest first."""
        ...

    async def start_departure(
        self, peer_id: int, kind: str, by: int | None, now: datetime
    ) -> Departure:
        """Record a leave or a leaving."""
        ...

    async def get_departure(self, peer_id: int) -> Departure | None:
        """A peer worker's leave or leaving, with the choices made."""
        ...

    async def choose_for(self, peer_id: int, match_id: int, choice: str, now: datetime) -> None:
        """Record the choice for one person."""
        ...

    async def end_departure(self, peer_id: int) -> bool:
        """Forget a departure and its choices."""
        ...

    async def release_held(self, match_ids: Sequence[int], at: datetime) -> int:
        """Let what waits on MATCH_IDS go at AT."""
        ...


@dataclass(frozen=True)
class DepartureStarted(Event):
    """PEER_ID is going on leave or leaving (KIND), started by them (BY None) or by a
    coordinator; MATCHES are the people they support now."""

    peer_id: int
    kind: str
    by: int | None
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class LeaveChosen(Event):
    """While on leave, CHOICE was made for the person of MATCH."""

    match: Match
    choice: str


@dataclass(frozen=True)
class BackFromLeave(Event):
    """PEER_ID is back from leave; the people in PAUSED were waiting for them."""

    peer_id: int
    paused: tuple[Match, ...]


@dataclass(frozen=True)
class AccessEnded(Event):
    """PEER_ID has left the service: everyone they supported has someone new."""

    peer_id: int


class NoProfile(DomainError):
    """Only a peer worker with a profile can go on leave or leave."""

    def __init__(self) -> None:
        super().__init__("relay.departure_no_profile")


class NotAway(DomainError):
    """The peer worker is not on leave (or the choice names someone they don't support)."""

    def __init__(self) -> None:
        super().__init__("relay.departure_stale")


async def start_departure(
    store: DepartureStore,
    events: Events,
    *,
    peer_id: int,
    kind: Kind,
    by: int | None,
    now: datetime,
) -> Departure:
    """PEER_ID goes on leave or is leaving (started by them, or by coordinator BY): new
    matches pause at once. Leaving with nobody to hand over ends their access now."""
    profile = await store.get_profile(peer_id)
    if profile is None or not profile.active:
        raise NoProfile
    async with store.transaction():
        departure = await store.start_departure(peer_id, kind, by, now)
        await store.update_profile(peer_id, now, paused=True)
    events.publish(
        DepartureStarted(peer_id, kind, by, tuple(await store.active_matches_for_peer(peer_id)))
    )
    # Nobody waits days for an answer that can't come: requests waiting for them close now,
    # and each person is told why, kindly, with their waitlist place kept.
    for request in await store.open_requests_for_peer(peer_id):
        try:
            await matches.end_match(
                store,
                events,
                request.id,
                by="peer",
                why="leave" if kind == "leave" else "departure",
                now=now,
            )
        except matches.MatchOver:
            continue  # answered or withdrawn a moment ago
    if kind == "leaving":
        await finish_if_done(store, events, peer_id, now)
    return departure


async def choose(
    store: DepartureStore,
    events: Events,
    *,
    peer_id: int,
    match_id: int,
    choice: Choice,
    now: datetime,
) -> Match:
    """While on leave, PEER_ID's CHOICE for the person of MATCH_ID (one of theirs)."""
    departure = await store.get_departure(peer_id)
    match = next(
        (m for m in await store.active_matches_for_peer(peer_id) if m.id == match_id), None
    )
    if departure is None or departure.kind != "leave" or match is None:
        raise NotAway
    await store.choose_for(peer_id, match_id, choice, now)
    if departure.choices.get(match_id) != choice:
        events.publish(LeaveChosen(match, choice))
    return match


async def back(
    store: DepartureStore, events: Events, *, peer_id: int, resume_at: datetime, now: datetime
) -> tuple[Match, ...]:
    """PEER_ID is back from leave: new matches resume, and what the people who waited sent
    goes at RESUME_AT (when their hours next open). Returns who waited."""
    departure = await store.get_departure(peer_id)
    if departure is None or departure.kind != "leave":
        raise NotAway
    paused = tuple(
        m for m in await store.active_matches_for_peer(peer_id) if departure.paused(m.id)
    )
    async with store.transaction():
        await store.end_departure(peer_id)
        await store.release_held([m.id for m in paused], resume_at)
        await store.update_profile(peer_id, now, paused=False)
    events.publish(BackFromLeave(peer_id, paused))
    events.publish(CapacityFreed(peer_id))
    return paused


async def finish_if_done(
    store: DepartureStore, events: Events, peer_id: int, now: datetime
) -> bool:
    """If PEER_ID is leaving and supports nobody now, their access ends (never offered
    again, no staff role); whether it ended."""
    departure = await store.get_departure(peer_id)
    if departure is None or departure.kind != "leaving":
        return False
    if await store.active_matches_for_peer(peer_id):
        return False
    async with store.transaction():
        await store.end_departure(peer_id)
        await store.update_profile(peer_id, now, active=False, paused=True)
        await store.update_user(peer_id, now, role=None)
    events.publish(AccessEnded(peer_id))
    return True
