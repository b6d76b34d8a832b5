"""Supervision (DESIGN rule 6): a peer worker asks, every coordinator hears, one picks it up.

`request` stores the request (the note encrypted) and publishes `SupervisionRequested`;
telling the coordinators publishes `CoordinatorsTold` with how many it reached, so the peer
worker hears exactly that. `take` lets the first coordinator have it and publishes
`SupervisionTaken`. bot/app.py lists what follows each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.roles import PEER_ROLES
from bot.domain.supervision import NOTE_LIMIT, URGENCIES, SupervisionRequest
from bot.services.events import DomainError, Event, Events

__all__ = [
    "AlreadyTaken",
    "CoordinatorsTold",
    "NotAPeerWorker",
    "NoteTooLong",
    "Sealer",
    "SupervisionRequested",
    "SupervisionStore",
    "SupervisionTaken",
    "request",
    "take",
]


class SupervisionStore(Protocol):
    """The storage supervision needs."""

    async def add_supervision_request(self, peer_id: int, urgency: str, note: bytes | None,
                                      now: datetime) -> int:
        """Store a request; its id."""
        ...

    async def get_supervision_request(self, request_id: int) -> SupervisionRequest | None:
        """One request, if it exists."""
        ...

    async def take_supervision_request(self, request_id: int, coordinator_id: int,
                                       now: datetime) -> bool:
        """Mark it taken; False if someone already had."""
        ...

    async def bump_counter(self, name: str, day: str, region: str = "", by: int = 1) -> None:
        """Add to a daily count."""
        ...


class Sealer(Protocol):
    """Encryption for text at rest."""

    def encrypt(self, text: str) -> bytes:
        """TEXT as ciphertext."""
        ...


@dataclass(frozen=True)
class SupervisionRequested(Event):
    """PEER_ID asked for supervision (request REQUEST_ID)."""

    request_id: int
    peer_id: int


@dataclass(frozen=True)
class CoordinatorsTold(Event):
    """A supervision request reached REACHED coordinators (none: nobody is set up yet)."""

    request_id: int
    peer_id: int
    reached: int


@dataclass(frozen=True)
class SupervisionTaken(Event):
    """COORDINATOR_ID picked up PEER_ID's request."""

    request_id: int
    peer_id: int
    coordinator_id: int


class NoteTooLong(DomainError):
    """A note over NOTE_LIMIT characters."""

    def __init__(self) -> None:
        super().__init__("supervision.note_too_long")


class NotAPeerWorker(DomainError):
    """Only peer workers ask for supervision."""

    def __init__(self) -> None:
        super().__init__("common.not_for_you")


class AlreadyTaken(DomainError):
    """Another coordinator picked it up first (or it is gone)."""

    def __init__(self) -> None:
        super().__init__("supervision.taken_already")


async def request(store: SupervisionStore, sealer: Sealer, events: Events, *, peer_id: int,
                  role: str | None, urgency: str, note: str | None, now: datetime, day: str
                  ) -> int:
    """Store PEER_ID's request, with the note (if any) encrypted; returns its id."""
    if role not in PEER_ROLES:
        raise NotAPeerWorker
    text = (note or "").strip()
    if len(text) > NOTE_LIMIT:
        raise NoteTooLong
    request_id = await store.add_supervision_request(
        peer_id, urgency if urgency in URGENCIES else "whenever",
        sealer.encrypt(text) if text else None, now)
    await store.bump_counter("supervision_requested", day)
    events.publish(SupervisionRequested(request_id, peer_id))
    return request_id


async def take(store: SupervisionStore, events: Events, *, request_id: int,
               coordinator_id: int, now: datetime) -> SupervisionRequest:
    """Give the request to COORDINATOR_ID, or AlreadyTaken if another was first."""
    found = await store.get_supervision_request(request_id)
    if found is None or not await store.take_supervision_request(request_id, coordinator_id,
                                                                 now):
        raise AlreadyTaken
    events.publish(SupervisionTaken(request_id, found.peer_id, coordinator_id))
    return found
