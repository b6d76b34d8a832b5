"""The match lifecycle service over a real database: every way a match ends is one call with
one set of events; handovers, erasure, expiry and refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.hours import parse_windows
from bot.domain.matching import MatchPolicy
from bot.services import matches
from bot.services.events import Collector
from bot.services.profiles import CapacityFreed
from bot.storage import Storage

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = MatchPolicy()
PERSON, OTHER, PEER, NEW_PEER = 1001, 1002, 2001, 2002


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = Storage(tmp_path / "db.sqlite3")
    await storage.connect()
    for uid, role in ((PERSON, "consumer"), (OTHER, "consumer"), (PEER, "consumer_peer"),
                      (NEW_PEER, "consumer_peer")):
        await storage.record_consent(uid, NOW, given=True)
        await storage.update_user(uid, NOW, role=role, alias=f"U{uid}")
        if role == "consumer_peer":
            await storage.create_profile(uid, role, NOW, display_name=f"P{uid}", bio="",
                                         hours=parse_windows("Mon-Sun 00:00-24:00"),
                                         timezone="UTC", caseload_cap=2)
    yield storage
    await storage.close()


async def active(store: Storage, person: int = PERSON, peer: int = PEER) -> int:
    made = await store.create_request(person, peer, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    answered = await store.answer_request(made.match.id, peer, accept=True, now=NOW)
    assert answered is not None
    return answered.id


async def hold(store: Storage, match_id: int, n: int) -> None:
    for i in range(n):
        await store.hold_message(match_id=match_id, sender_id=PERSON, recipient_id=PEER,
                                 message_id=100 + i, reason="hours", sent_at=NOW,
                                 deliver_at=NOW + timedelta(hours=9))


@pytest.mark.parametrize(("by", "why"), [("person", "person"), ("peer", "peer"),
                                         ("person", "erasure"), ("peer", "erasure")])
async def test_every_ending_is_one_call_with_the_same_events(
        store: Storage, by: matches.Side, why: matches.Why) -> None:
    match_id = await active(store)
    await hold(store, match_id, 2)
    events = Collector()
    ended = await matches.end_match(store, events, match_id, by=by, why=why, now=NOW)
    assert [type(e) for e in events.events] == [matches.MatchEnded, CapacityFreed]
    assert events.events[0] == ended
    assert (ended.by, ended.why, ended.unsent, ended.was_active) == (by, why, 2, True)
    assert (ended.match.status, ended.match.ended_by) == ("ended", by)
    assert await store.held_for_match(match_id) == []     # dropped with the ending
    with pytest.raises(matches.MatchOver):                 # a second tap changes nothing
        await matches.end_match(store, Collector(), match_id, by=by, why=why, now=NOW)


async def test_withdrawing_a_request_is_the_same_ending(store: Storage) -> None:
    made = await store.create_request(PERSON, PEER, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    events = Collector()
    ended = await matches.end_match(store, events, made.match.id, by="person", why="person",
                                    now=NOW)
    assert ended.match.status == "withdrawn" and not ended.was_active
    assert events.events[1] == CapacityFreed(PEER)


async def test_a_handover_ends_the_old_match_like_any_other(store: Storage) -> None:
    match_id = await active(store)
    await hold(store, match_id, 1)
    old = await store.get_match(match_id)
    assert old is not None
    events = Collector()
    handed = await matches.hand_over(store, events, old, NEW_PEER, role="consumer",
                                     policy=POLICY, now=NOW)
    kinds = [type(e) for e in events.events]
    assert kinds == [matches.MatchEnded, matches.MatchHandedOver, CapacityFreed]
    ended = events.events[0]
    assert isinstance(ended, matches.MatchEnded)
    assert (ended.by, ended.why, ended.unsent) == ("coordinator", "handover", 1)
    assert handed.new.peer_id == NEW_PEER and handed.new.status == "active"
    assert handed.old.status == "ended" and handed.old.ended_by == "coordinator"
    # The same menu again: the match has changed, so nothing is done.
    with pytest.raises(matches.HandoverStale):
        await matches.hand_over(store, Collector(), handed.old, NEW_PEER, role="consumer",
                                policy=POLICY, now=NOW)


async def test_a_handover_only_to_someone_with_room(store: Storage) -> None:
    await store.update_profile(NEW_PEER, NOW, caseload_cap=1)
    await active(store, OTHER, NEW_PEER)
    match = await store.get_match(await active(store))
    assert match is not None
    assert await matches.handover_candidates(store, match, "consumer", POLICY) == []
    with pytest.raises(matches.HandoverStale):
        await matches.hand_over(store, Collector(), match, NEW_PEER, role="consumer",
                                policy=POLICY, now=NOW)


async def test_leaving_ends_everything_and_is_never_offered_again(store: Storage) -> None:
    await active(store, PERSON, PEER)
    made = await store.create_request(OTHER, PEER, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    events = Collector()
    assert await matches.leave(store, events, PEER, NOW) == 2
    ended = [e for e in events.events if isinstance(e, matches.MatchEnded)]
    assert [(e.by, e.why, e.was_active) for e in ended] == [("peer", "erasure", True),
                                                           ("peer", "erasure", False)]
    profile = await store.get_profile(PEER)
    assert profile is not None and not profile.active
    assert await store.live_matches_of(PEER) == []


async def test_a_late_answer_expires_the_request_and_says_so(store: Storage) -> None:
    made = await store.create_request(PERSON, PEER, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    events = Collector()
    with pytest.raises(matches.RequestClosed):
        await matches.answer(store, events, made.match, accept=True,
                             now=NOW + timedelta(hours=49))
    assert [type(e) for e in events.events] == [matches.RequestExpired, CapacityFreed]


async def test_answers_publish_what_happened(store: Storage) -> None:
    for accept, kinds in ((True, [matches.MatchMade]),
                          (False, [matches.RequestDeclined, CapacityFreed])):
        await store.execute("DELETE FROM matches")
        made = await store.create_request(PERSON, PEER, {}, NOW, NOW + timedelta(hours=48))
        assert made.match is not None
        events = Collector()
        await matches.answer(store, events, made.match, accept=accept, now=NOW)
        assert [type(e) for e in events.events] == kinds


async def test_who_may_be_asked(store: Storage) -> None:
    ask = dict(person_id=PERSON, role="consumer", policy=POLICY, now=NOW,
               answer_within=timedelta(hours=48))
    await store.update_profile(PEER, NOW, paused=True)
    with pytest.raises(matches.PeerNotFree):
        await matches.request(store, Collector(), peer_id=PEER, **ask)  # type: ignore[arg-type]
    with pytest.raises(matches.PeerNotFree):  # not a peer worker at all
        await matches.request(store, Collector(), peer_id=OTHER, **ask)  # type: ignore[arg-type]
    events = Collector()
    made = await matches.request(store, events, peer_id=NEW_PEER, **ask)  # type: ignore[arg-type]
    assert events.events == [matches.RequestMade(made)]
    with pytest.raises(matches.LiveMatch):
        await matches.request(store, Collector(), peer_id=NEW_PEER, **ask)  # type: ignore[arg-type]
