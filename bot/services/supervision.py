"""Supervision (DESIGN rule 6): a peer worker asks, every coordinator hears, one picks it up.

A peer worker has at most one request waiting at a time. `request` stores a new one (the note
encrypted) and publishes `SupervisionRequested`; while one is waiting, words asked again are
added to it instead (`SupervisionAdded`), so coordinators are never sent a pile of requests
from one person. `take` lets the first coordinator have it and publishes `SupervisionTaken`.

Each change runs WITHIN inside its transaction with the event it will publish, so the notices
kept there (bot/outbox.py: to every coordinator; "taken" to the peer worker) are stored with
the change or not at all. Telling the coordinators publishes `CoordinatorsTold` with how many
it reached, so the peer worker hears exactly that. bot/app.py lists what follows each event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.roles import PEER_ROLES
from bot.domain.supervision import NOTE_LIMIT, URGENCIES, SupervisionRequest
from bot.services.events import DomainError, Event, Events

__all__ = [
    "ADDED_LIMIT",
    "AlreadyTaken",
    "Asked",
    "CoordinatorsTold",
    "NotAPeerWorker",
    "NoteFull",
    "NoteTooLong",
    "NothingWaiting",
    "Sealer",
    "SupervisionAdded",
    "SupervisionRequested",
    "SupervisionStore",
    "SupervisionTaken",
    "Within",
    "add_to",
    "notes_of",
    "request",
    "take",
    "waiting",
]

#: How long a request's note may grow with what is added while it waits.
ADDED_LIMIT = 3 * NOTE_LIMIT

#: Called inside a change's transaction with the event that will be published.
Within = Callable[[Event], Awaitable[object]]


class SupervisionStore(Protocol):
    """The storage supervision needs."""

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """Several writes as one."""
        ...

    async def add_supervision_request(
        self, peer_id: int, urgency: str, note: bytes | None, now: datetime
    ) -> int:
        """Store a request; its id."""
        ...

    async def get_supervision_request(self, request_id: int) -> SupervisionRequest | None:
        """One request, if it exists."""
        ...

    async def open_supervision_request(self, peer_id: int) -> SupervisionRequest | None:
        """PEER_ID's request nobody has picked up yet, if any."""
        ...

    async def set_supervision_note(self, request_id: int, note: bytes) -> bool:
        """Replace a waiting request's note; False once it is taken."""
        ...

    async def supervision_requests_of(self, peer_id: int) -> list[SupervisionRequest]:
        """Every request PEER_ID made."""
        ...

    async def take_supervision_request(
        self, request_id: int, coordinator_id: int, now: datetime
    ) -> bool:
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

    def decrypt(self, token: bytes) -> str:
        """The text of TOKEN (ValueError if this key can't read it)."""
        ...


@dataclass(frozen=True)
class SupervisionRequested(Event):
    """PEER_ID asked for supervision (request REQUEST_ID)."""

    request_id: int
    peer_id: int


@dataclass(frozen=True)
class SupervisionAdded(Event):
    """PEER_ID added a few words to their waiting request REQUEST_ID, at AT (epoch seconds:
    one addition, one notice to each coordinator)."""

    request_id: int
    peer_id: int
    at: int


@dataclass(frozen=True)
class CoordinatorsTold(Event):
    """A supervision request (or what was added to it, when ADDED) reached REACHED
    coordinators; PENDING more are on their way (Telegram couldn't take them yet), and
    DROPPED never can be (a coordinator blocked the bot). All none: nobody is set up yet."""

    request_id: int
    peer_id: int
    reached: int
    pending: int = 0
    dropped: int = 0
    added: bool = False


@dataclass(frozen=True)
class SupervisionTaken(Event):
    """COORDINATOR_ID picked up PEER_ID's request."""

    request_id: int
    peer_id: int
    coordinator_id: int


@dataclass(frozen=True)
class Asked:
    """What became of asking: request REQUEST_ID, new, or ADDED to the one already waiting
    (CHANGED: False when there was nothing to add)."""

    request_id: int
    added: bool
    changed: bool = True


class NoteTooLong(DomainError):
    """A note over NOTE_LIMIT characters."""

    def __init__(self) -> None:
        super().__init__("supervision.note_too_long")


class NoteFull(DomainError):
    """A waiting request's note would grow past ADDED_LIMIT."""

    def __init__(self) -> None:
        super().__init__("supervision.note_full")


class NotAPeerWorker(DomainError):
    """Only peer workers ask for supervision."""

    def __init__(self) -> None:
        super().__init__("common.not_for_you")


class NothingWaiting(DomainError):
    """Words to add, but the request was picked up meanwhile (or is gone)."""

    def __init__(self) -> None:
        super().__init__("supervision.nothing_waiting")


class AlreadyTaken(DomainError):
    """Another coordinator picked it up first (or it is gone)."""

    def __init__(self) -> None:
        super().__init__("supervision.taken_already")


def _clean(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > NOTE_LIMIT:
        raise NoteTooLong
    return text


async def waiting(store: SupervisionStore, peer_id: int) -> SupervisionRequest | None:
    """PEER_ID's request still waiting for a coordinator, if any."""
    return await store.open_supervision_request(peer_id)


async def request(
    store: SupervisionStore,
    sealer: Sealer,
    events: Events,
    *,
    peer_id: int,
    role: str | None,
    urgency: str,
    note: str | None,
    now: datetime,
    day: str,
    within: Within | None = None,
) -> Asked:
    """Store PEER_ID's request, with the note (if any) encrypted; while one is waiting, the
    note is added to that one instead (at most one open request per peer worker)."""
    if role not in PEER_ROLES:
        raise NotAPeerWorker
    text = _clean(note)
    async with store.transaction():
        open_request = await store.open_supervision_request(peer_id)
        if open_request is not None:
            return await _add(store, sealer, events, open_request, text, now, within)
        request_id = await store.add_supervision_request(
            peer_id,
            urgency if urgency in URGENCIES else "whenever",
            sealer.encrypt(text) if text else None,
            now,
        )
        await store.bump_counter("supervision_requested", day)
        happened = SupervisionRequested(request_id, peer_id)
        if within is not None:
            await within(happened)
    events.publish(happened)
    return Asked(request_id, added=False)


async def add_to(
    store: SupervisionStore,
    sealer: Sealer,
    events: Events,
    *,
    peer_id: int,
    note: str | None,
    now: datetime,
    within: Within | None = None,
) -> Asked:
    """Add NOTE to PEER_ID's waiting request; NothingWaiting if one was picked up meanwhile."""
    text = _clean(note)
    async with store.transaction():
        open_request = await store.open_supervision_request(peer_id)
        if open_request is None:
            raise NothingWaiting
        return await _add(store, sealer, events, open_request, text, now, within)


async def _add(
    store: SupervisionStore,
    sealer: Sealer,
    events: Events,
    open_request: SupervisionRequest,
    text: str,
    now: datetime,
    within: Within | None,
) -> Asked:
    if not text:
        return Asked(open_request.id, added=True, changed=False)
    before = sealer.decrypt(open_request.note) if open_request.note else ""
    combined = f"{before}\n\n{text}" if before else text
    if len(combined) > ADDED_LIMIT:
        raise NoteFull
    if not await store.set_supervision_note(open_request.id, sealer.encrypt(combined)):
        raise NothingWaiting
    happened = SupervisionAdded(open_request.id, open_request.peer_id, int(now.timestamp()))
    if within is not None:
        await within(happened)
    events.publish(happened)
    return Asked(open_request.id, added=True)


async def take(
    store: SupervisionStore,
    events: Events,
    *,
    request_id: int,
    coordinator_id: int,
    now: datetime,
    within: Within | None = None,
) -> SupervisionRequest:
    """Give the request to COORDINATOR_ID, or AlreadyTaken if another was first."""
    async with store.transaction():
        found = await store.get_supervision_request(request_id)
        if found is None or not await store.take_supervision_request(
            request_id, coordinator_id, now
        ):
            raise AlreadyTaken
        happened = SupervisionTaken(request_id, found.peer_id, coordinator_id)
        if within is not None:
            await within(happened)
    events.publish(happened)
    return found


async def notes_of(
    store: SupervisionStore, sealer: Sealer, peer_id: int
) -> list[tuple[SupervisionRequest, str | None]]:
    """Each of PEER_ID's requests with its note decrypted for them (None: none was given, or
    the current key can't read it)."""
    out: list[tuple[SupervisionRequest, str | None]] = []
    for found in await store.supervision_requests_of(peer_id):
        try:
            text = sealer.decrypt(found.note) if found.note else None
        except ValueError:
            text = None
        out.append((found, text))
    return out
