"""Matching storage: closing a match drops what waits on it in the same transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.hours import parse_windows
from bot.storage import Storage

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = Storage(tmp_path / "db.sqlite3")
    await storage.connect()
    for uid, role in ((1, "consumer"), (2, "consumer_peer"), (3, "consumer_peer")):
        await storage.record_consent(uid, NOW, given=True)
        await storage.update_user(uid, NOW, role=role)
    for uid in (2, 3):
        await storage.create_profile(uid, "consumer_peer", NOW, display_name=f"P{uid}", bio="",
                                     hours=parse_windows("Mon 18:00-20:00"), timezone="UTC",
                                     caseload_cap=3)
    yield storage
    await storage.close()


async def matched(store: Storage) -> int:
    made = await store.create_request(1, 2, {"gender": "woman"}, NOW, NOW + timedelta(days=2))
    assert made.match is not None
    await store.answer_request(made.match.id, 2, accept=True, now=NOW)
    await store.hold_message(match_id=made.match.id, sender_id=1, recipient_id=2,
                             message_id=7, reason="hours", sent_at=NOW, deliver_at=NOW)
    await store.remember_copies(2, [50, 51], made.match.id, 1, NOW)
    return made.match.id


async def test_closing_a_match_drops_held_messages_and_the_reply_map(store: Storage) -> None:
    match_id = await matched(store)
    closed = await store.close_match(match_id, "person", NOW)
    assert closed is not None
    match, dropped = closed
    assert (match.status, match.ended_by, dropped) == ("ended", "person", 1)
    assert await store.due_held(NOW) == []
    assert await store.match_for_copy(2, 50) is None
    assert await store.close_match(match_id, "peer", NOW) is None  # not live any more


async def test_closing_a_request_withdraws_it(store: Storage) -> None:
    made = await store.create_request(1, 2, {}, NOW, NOW + timedelta(days=2))
    assert made.match is not None
    closed = await store.close_match(made.match.id, "person", NOW)
    assert closed is not None and closed[0].status == "withdrawn" and closed[1] == 0


async def test_a_handover_closes_the_old_match_and_opens_the_new_one_at_once(
        store: Storage) -> None:
    match_id = await matched(store)
    done = await store.hand_over(match_id, 3, NOW)
    assert done is not None
    new, dropped = done
    assert (new.person_id, new.peer_id, new.status, dropped) == (1, 3, "active", 1)
    assert new.preferences == {"gender": "woman"}
    old = await store.get_match(match_id)
    assert old is not None and (old.status, old.ended_by) == ("ended", "coordinator")
    assert await store.hand_over(match_id, 3, NOW) is None
