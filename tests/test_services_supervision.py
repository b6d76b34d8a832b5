"""The supervision use cases over a store in memory: what is stored, what is refused, and the
events that say what follows."""

from __future__ import annotations

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

    async def add_supervision_request(self, peer_id: int, urgency: str, note: bytes | None,
                                      now: datetime) -> int:
        request_id = len(self.rows) + 1
        self.rows[request_id] = SupervisionRequest(request_id, peer_id, urgency, note, 0, None,
                                                   None)
        return request_id

    async def get_supervision_request(self, request_id: int) -> SupervisionRequest | None:
        return self.rows.get(request_id)

    async def take_supervision_request(self, request_id: int, coordinator_id: int,
                                       now: datetime) -> bool:
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


async def ask(store: Store, events: Collector, note: str | None, *, role: str = "carer_peer",
              urgency: str = "week") -> int:
    return await supervision.request(store, Sealer(), events, peer_id=2001, role=role,
                                     urgency=urgency, note=note, now=NOW, day="2026-03-02")


async def test_a_request_is_stored_sealed_counted_and_announced() -> None:
    store, events = Store(), Collector()
    request_id = await ask(store, events, "  a hard week  ")
    assert store.rows[request_id].note == b"keew drah a"   # sealed, without the edges
    assert store.counts == ["supervision_requested"]
    assert events.events == [supervision.SupervisionRequested(request_id, 2001)]
    skipped = await ask(store, events, None, urgency="not-an-urgency")
    assert store.rows[skipped].note is None and store.rows[skipped].urgency == "whenever"


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
    request_id = await ask(store, events, None)
    taken = await supervision.take(store, events, request_id=request_id, coordinator_id=900,
                                   now=NOW)
    assert taken.peer_id == 2001
    assert events.events[-1] == supervision.SupervisionTaken(request_id, 2001, 900)
    with pytest.raises(supervision.AlreadyTaken):
        await supervision.take(store, events, request_id=request_id, coordinator_id=901, now=NOW)
    with pytest.raises(supervision.AlreadyTaken):
        await supervision.take(store, events, request_id=404, coordinator_id=901, now=NOW)
    assert len(events.events) == 2
