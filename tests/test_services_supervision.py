"""The supervision use cases over a store in memory: what is stored, what is refused, and the
events that say what follows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.supervision import SupervisionRequest
from bot.services import supervision
from bot.services.events import Collector

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.rows: dict[int, SupervisionRequest] = {}
        self.counts: list[str] = []
        self.in_transaction = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        before = dict(self.rows)
        self.in_transaction = True
        try:
            yield
        except BaseException:
            self.rows = before  # all or nothing
            raise
        finally:
            self.in_transaction = False

    async def open_supervision_request(self, peer_id: int) -> SupervisionRequest | None:
        return next(
            (r for r in self.rows.values() if r.peer_id == peer_id and r.taken_at is None), None
        )

    async def set_supervision_note(self, request_id: int, note: bytes) -> bool:
        row = self.rows[request_id]
        if row.taken_at is not None:
            return False
        self.rows[request_id] = replace(row, note=note)
        return True

    async def supervision_requests_of(self, peer_id: int) -> list[SupervisionRequest]:
        return [r for r in self.rows.values() if r.peer_id == peer_id]

    async def add_supervision_request(
        self, peer_id: int, urgency: str, note: bytes | None, now: datetime
    ) -> int:
        request_id = len(self.rows) + 1
        self.rows[request_id] = SupervisionRequest(
            request_id, peer_id, urgency, note, 0, None, None
        )
        return request_id

    async def get_supervision_request(self, request_id: int) -> SupervisionRequest | None:
        return self.rows.get(request_id)

    async def take_supervision_request(
        self, request_id: int, coordinator_id: int, now: datetime
    ) -> bool:
        row = self.rows[request_id]
        if row.taken_by is not None:
            return False
        self.rows[request_id] = replace(row, taken_by=coordinator_id, taken_at=1)
        return True

    async def bump_counter(self, name: str, day: str, region: str = "", by: int = 1) -> None:
        self.counts.append(name)


class Sealer:
    def encrypt(self, text: str) -> bytes:
        return text[::-1].encode()

    def decrypt(self, token: bytes) -> str:
        if token == b"old key":
            raise ValueError("not this key")
        return token.decode()[::-1]


async def ask(
    store: Store,
    events: Collector,
    note: str | None,
    *,
    role: str = "carer_peer",
    urgency: str = "week",
) -> supervision.Asked:
    return await supervision.request(
        store,
        Sealer(),
        events,
        peer_id=2001,
        role=role,
        urgency=urgency,
        note=note,
        now=NOW,
        day="2026-03-02",
    )


async def test_a_request_is_stored_sealed_counted_and_announced() -> None:
    store, events = Store(), Collector()
    asked = await ask(store, events, "  a hard week  ")
    assert asked == supervision.Asked(asked.request_id, added=False)
    assert store.rows[asked.request_id].note == b"keew drah a"  # sealed, without the edges
    assert store.counts == ["supervision_requested"]
    assert events.events == [supervision.SupervisionRequested(asked.request_id, 2001)]
    other = await supervision.request(
        store,
        Sealer(),
        events,
        peer_id=2002,
        role="carer_peer",
        urgency="not-an-urgency",
        note=None,
        now=NOW,
        day="2026-03-02",
    )
    assert store.rows[other.request_id].note is None
    assert store.rows[other.request_id].urgency == "whenever"


async def test_asking_again_while_one_waits_adds_to_it() -> None:
    store, events = Store(), Collector()
    first = await ask(store, events, "a hard week")
    again = await ask(store, events, "  it got harder  ", urgency="today")
    assert again == supervision.Asked(first.request_id, added=True)
    assert list(store.rows) == [first.request_id]  # still one request
    assert (
        Sealer().decrypt(store.rows[first.request_id].note or b"") == "a hard week\n\nit got harder"
    )
    assert store.counts == ["supervision_requested"]  # counted once
    assert events.events[-1] == supervision.SupervisionAdded(
        first.request_id, 2001, int(NOW.timestamp())
    )
    nothing = await ask(store, events, None)
    assert nothing == supervision.Asked(first.request_id, added=True, changed=False)
    assert len(events.events) == 2
    # Once a coordinator has it, asking again is a new request.
    await supervision.take(store, events, request_id=first.request_id, coordinator_id=900, now=NOW)
    assert not (await ask(store, events, "another thing")).added


async def test_adding_refuses_what_cannot_go_with_the_request() -> None:
    store, events = Store(), Collector()
    with pytest.raises(supervision.NothingWaiting):
        await supervision.add_to(store, Sealer(), events, peer_id=2001, note="more", now=NOW)
    first = await ask(store, events, "x" * 500)
    for _ in range(2):
        await supervision.add_to(store, Sealer(), events, peer_id=2001, note="y" * 400, now=NOW)
    before = store.rows[first.request_id].note
    with pytest.raises(supervision.NoteFull):  # past three notes' worth
        await supervision.add_to(store, Sealer(), events, peer_id=2001, note="z" * 200, now=NOW)
    with pytest.raises(supervision.NoteTooLong):
        await supervision.add_to(store, Sealer(), events, peer_id=2001, note="z" * 501, now=NOW)
    assert store.rows[first.request_id].note == before and len(events.events) == 3


async def test_within_runs_inside_the_transaction_with_the_event() -> None:
    store, events = Store(), Collector()
    seen: list[tuple[object, bool]] = []

    async def within(event: object) -> None:
        seen.append((event, store.in_transaction))

    first = await supervision.request(
        store,
        Sealer(),
        events,
        peer_id=2001,
        role="carer_peer",
        urgency="week",
        note=None,
        now=NOW,
        day="2026-03-02",
        within=within,
    )
    await supervision.add_to(
        store, Sealer(), events, peer_id=2001, note="more", now=NOW, within=within
    )
    await supervision.take(
        store, events, request_id=first.request_id, coordinator_id=900, now=NOW, within=within
    )
    assert [(type(e).__name__, inside) for e, inside in seen] == [
        ("SupervisionRequested", True),
        ("SupervisionAdded", True),
        ("SupervisionTaken", True),
    ]
    assert [e for e, _ in seen] == events.events


async def test_a_peer_workers_own_notes_are_opened_for_them() -> None:
    store, events = Store(), Collector()
    await ask(store, events, "a hard week")
    store.rows[2] = SupervisionRequest(2, 2001, "today", None, 0, 900, 1)
    store.rows[3] = SupervisionRequest(3, 2001, "today", b"old key", 0, 900, 1)
    store.rows[4] = SupervisionRequest(4, 2002, "today", b"sremoc rehto", 0, None, None)
    notes = await supervision.notes_of(store, Sealer(), 2001)
    assert [(r.id, text) for r, text in notes] == [(1, "a hard week"), (2, None), (3, None)]


async def test_refusals_store_nothing() -> None:
    store, events = Store(), Collector()
    with pytest.raises(supervision.NoteTooLong) as too_long:
        await ask(store, events, "x" * 501)
    assert too_long.value.key == "supervision.note_too_long"
    with pytest.raises(supervision.NotAPeerWorker):
        await ask(store, events, "hello", role="consumer")
    assert store.rows == {} and events.events == [] and store.counts == []


async def test_the_first_coordinator_takes_it_and_the_second_is_told() -> None:
    store, events = Store(), Collector()
    request_id = (await ask(store, events, None)).request_id
    taken = await supervision.take(
        store, events, request_id=request_id, coordinator_id=900, now=NOW
    )
    assert taken.peer_id == 2001
    assert events.events[-1] == supervision.SupervisionTaken(request_id, 2001, 900)
    with pytest.raises(supervision.AlreadyTaken):
        await supervision.take(store, events, request_id=request_id, coordinator_id=901, now=NOW)
    with pytest.raises(supervision.AlreadyTaken):
        await supervision.take(store, events, request_id=404, coordinator_id=901, now=NOW)
    assert len(events.events) == 2
