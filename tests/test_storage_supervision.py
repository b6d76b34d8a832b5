"""Supervision requests in storage: stored as given, taken once, listed while untaken, and
erased with the peer worker who asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import Storage
from tests.backends import database

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = Storage(database(tmp_path / "bot.sqlite3"))
    await store.connect()
    yield store
    await store.close()


async def person(storage: Storage, user_id: int, role: str) -> None:
    await storage.record_consent(user_id, NOW, given=True)
    await storage.update_user(user_id, NOW, role=role)


async def test_a_request_is_taken_once_and_leaves_the_untaken_list(storage: Storage) -> None:
    await person(storage, 2001, "consumer_peer")
    await person(storage, 900, "coordinator")
    await person(storage, 901, "coordinator")
    first = await storage.add_supervision_request(2001, "week", b"sealed", NOW)
    second = await storage.add_supervision_request(2001, "today", None, NOW + timedelta(hours=1))
    assert [r.id for r in await storage.untaken_supervision_requests()] == [first, second]
    stored = await storage.get_supervision_request(first)
    assert stored is not None
    assert (stored.peer_id, stored.urgency, stored.note, stored.taken_by) == (
        2001,
        "week",
        b"sealed",
        None,
    )

    assert await storage.take_supervision_request(first, 900, NOW + timedelta(hours=2))
    assert not await storage.take_supervision_request(first, 901, NOW + timedelta(hours=3))
    taken = await storage.get_supervision_request(first)
    assert taken is not None and taken.taken_by == 900
    assert [r.id for r in await storage.untaken_supervision_requests()] == [second]
    assert await storage.get_supervision_request(999) is None
    assert not await storage.take_supervision_request(999, 900, NOW)


async def test_requests_go_with_the_peer_worker_who_asked(storage: Storage) -> None:
    await person(storage, 2001, "carer_peer")
    await person(storage, 900, "coordinator")
    request = await storage.add_supervision_request(2001, "whenever", b"sealed", NOW)
    await storage.take_supervision_request(request, 900, NOW)
    # The row is in /mydata's raw rows; the note, ciphertext, is left out of them.
    exported = (await storage.export_user(2001))["supervision_requests"]
    assert [row["urgency"] for row in exported] == ["whenever"]
    assert all("note" not in row for row in exported)
    await storage.delete_user(2001)
    assert await storage.get_supervision_request(request) is None
