"""Matching storage: closing a match drops what waits on it in the same transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.hours import parse_windows
from bot.storage import Storage
from tests.backends import database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = Storage(database(tmp_path / "db.sqlite3"))
    await storage.connect()
    for uid, role in ((1, "consumer"), (2, "consumer_peer"), (3, "consumer_peer")):
        await storage.record_consent(uid, NOW, given=True)
        await storage.update_user(uid, NOW, role=role)
    for uid in (2, 3):
        await storage.create_profile(
            uid,
            "consumer_peer",
            NOW,
            display_name=f"P{uid}",
            bio="",
            hours=parse_windows("Mon 18:00-20:00"),
            timezone="UTC",
            caseload_cap=3,
        )
    yield storage
    await storage.close()


async def matched(store: Storage) -> int:
    made = await store.create_request(1, 2, {"gender": "woman"}, NOW, NOW + timedelta(days=2))
    assert made.match is not None
    await store.answer_request(made.match.id, 2, accept=True, now=NOW)
    await store.hold_message(
        match_id=made.match.id,
        sender_id=1,
        recipient_id=2,
        message_id=7,
        reason="hours",
        sent_at=NOW,
        deliver_at=NOW,
    )
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
    store: Storage,
) -> None:
    match_id = await matched(store)
    done = await store.hand_over(match_id, 3, NOW)
    assert done is not None
    new, dropped = done
    assert (new.person_id, new.peer_id, new.status, dropped) == (1, 3, "active", 1)
    assert new.preferences == {"gender": "woman"}
    old = await store.get_match(match_id)
    assert old is not None and (old.status, old.ended_by) == ("ended", "coordinator")
    assert await store.hand_over(match_id, 3, NOW) is None


async def test_a_request_keeps_the_place_in_line_until_it_is_accepted(store: Storage) -> None:
    await store.join_waitlist(1, NOW)
    await store.hold_for(1, 2, NOW, NOW + timedelta(days=2))
    made = await store.create_request(1, 2, {}, NOW, NOW + timedelta(days=2))
    assert made.match is not None
    assert [(e.person_id, e.held_peer_id) for e in await store.waitlist()] == [(1, None)]
    await store.answer_request(made.match.id, 2, accept=False, now=NOW)
    assert await store.waitlist_position(1) == 1  # declined: still in line
    again = await store.create_request(1, 3, {}, NOW, NOW + timedelta(days=2))
    assert again.match is not None
    await store.answer_request(again.match.id, 3, accept=True, now=NOW)
    assert await store.waitlist() == []  # accepted: no longer waiting


async def test_asking_the_same_peer_worker_too_soon_says_when_they_may_ask_again(
    store: Storage,
) -> None:
    made = await store.create_request(1, 2, {}, NOW, NOW + timedelta(days=2))
    assert made.match is not None
    await store.close_match(made.match.id, "person", NOW)
    hour = timedelta(hours=1)
    soon = await store.create_request(1, 2, {}, NOW + timedelta(minutes=5), NOW, every=hour)
    assert (soon.match, soon.problem, soon.retry_at) == (None, "too_soon", NOW + hour)
    assert (await store.create_request(1, 3, {}, NOW, NOW, every=hour)).match is not None


async def test_held_places_and_the_last_ending(store: Storage) -> None:
    await store.join_waitlist(1, NOW)
    await store.hold_for(1, 2, NOW, NOW + timedelta(hours=1))
    assert await store.held_places(NOW) == {2: 1}
    assert await store.held_places(NOW, besides=1) == {}
    assert await store.held_places(NOW + timedelta(hours=1)) == {}  # lapsed
    assert await store.held_for(1, NOW) == (2, NOW + timedelta(hours=1))
    match_id = await matched(store)
    assert await store.last_ended_peer(1, NOW) is None
    await store.close_match(match_id, "person", NOW + timedelta(minutes=1))
    assert await store.last_ended_peer(1, NOW) == 2
    assert await store.last_ended_peer(1, NOW + timedelta(hours=1)) is None


async def test_only_unsent_notices_are_given_up(store: Storage) -> None:
    for key in ("match:1:request", "match:1:reminder"):
        await store.outbox_add(key, 2, "notice", 2, b"x", NOW)
    [row] = await store.outbox_claim(NOW, 60, 1, ("match:1:request",))
    await store.outbox_done(row.id, NOW, sent=True)
    assert await store.drop_unsent(["match:1:request", "match:1:reminder"], NOW) == 1
    assert await store.outbox_status("match:1:request") == "sent"
    assert await store.outbox_status("match:1:reminder") == "dropped"


async def test_the_outbox_claims_in_one_statement_most_urgent_first_and_once(
    store: Storage,
) -> None:
    """Claiming is one UPDATE ... RETURNING: the rows come back most urgent first, each
    taken once until its lease runs out, its attempts counted."""
    await store.outbox_add("bulk:1", 1, "bulk", 9, b"b", NOW)
    await store.outbox_add("relay:1", 1, "relay", 3, b"r1", NOW)
    await store.outbox_add("card:1", 1, "card", 0, b"c", NOW + timedelta(seconds=1))
    await store.outbox_add("relay:2", 1, "relay", 3, b"r2", NOW - timedelta(seconds=5))
    await store.outbox_add("later", 1, "relay", 3, b"l", NOW + timedelta(minutes=5))
    later = NOW + timedelta(seconds=2)
    rows = await store.outbox_claim(later, 60, 3)
    assert [r.key for r in rows] == ["card:1", "relay:2", "relay:1"]
    assert [r.attempts for r in rows] == [1, 1, 1]
    assert bytes(rows[0].payload) == b"c"
    # taken: not again while the lease holds; the rest (the one due) is
    assert [r.key for r in await store.outbox_claim(later, 60, 10)] == ["bulk:1"]
    assert await store.outbox_claim(later, 60, 10) == []
    # the lease ran out: taken again, a second attempt
    again = await store.outbox_claim(later + timedelta(seconds=61), 60, 10, ("relay:1",))
    assert [(r.key, r.attempts) for r in again] == [("relay:1", 2)]
