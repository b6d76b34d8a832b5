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
from tests.backends import database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = MatchPolicy()
PERSON, OTHER, PEER, NEW_PEER = 1001, 1002, 2001, 2002


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = Storage(database(tmp_path / "db.sqlite3"))
    await storage.connect()
    for uid, role in (
        (PERSON, "consumer"),
        (OTHER, "consumer"),
        (PEER, "consumer_peer"),
        (NEW_PEER, "consumer_peer"),
    ):
        await storage.record_consent(uid, NOW, given=True)
        await storage.update_user(uid, NOW, role=role, alias=f"U{uid}")
        if role == "consumer_peer":
            await storage.create_profile(
                uid,
                role,
                NOW,
                display_name=f"P{uid}",
                bio="",
                hours=parse_windows("Mon-Sun 00:00-24:00"),
                timezone="UTC",
                caseload_cap=2,
            )
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
        await store.hold_message(
            match_id=match_id,
            sender_id=PERSON,
            recipient_id=PEER,
            message_id=100 + i,
            reason="hours",
            sent_at=NOW,
            deliver_at=NOW + timedelta(hours=9),
        )


@pytest.mark.parametrize(
    ("by", "why"),
    [("person", "person"), ("peer", "peer"), ("person", "erasure"), ("peer", "erasure")],
)
async def test_every_ending_is_one_call_with_the_same_events(
    store: Storage, by: matches.Side, why: matches.Why
) -> None:
    match_id = await active(store)
    await hold(store, match_id, 2)
    events = Collector()
    ended = await matches.end_match(store, events, match_id, by=by, why=why, now=NOW)
    assert [type(e) for e in events.events] == [matches.MatchEnded, CapacityFreed]
    assert events.events[0] == ended
    assert (ended.by, ended.why, ended.unsent, ended.was_active) == (by, why, 2, True)
    assert (ended.match.status, ended.match.ended_by) == ("ended", by)
    assert await store.held_for_match(match_id) == []  # dropped with the ending
    with pytest.raises(matches.MatchOver):  # a second tap changes nothing
        await matches.end_match(store, Collector(), match_id, by=by, why=why, now=NOW)


async def test_withdrawing_a_request_is_the_same_ending(store: Storage) -> None:
    made = await store.create_request(PERSON, PEER, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    events = Collector()
    ended = await matches.end_match(
        store, events, made.match.id, by="person", why="person", now=NOW
    )
    assert ended.match.status == "withdrawn" and not ended.was_active
    assert events.events[1] == CapacityFreed(PEER)


async def test_a_handover_ends_the_old_match_like_any_other(store: Storage) -> None:
    match_id = await active(store)
    await hold(store, match_id, 1)
    old = await store.get_match(match_id)
    assert old is not None
    events = Collector()
    handed = await matches.hand_over(
        store, events, old, NEW_PEER, role="consumer", policy=POLICY, now=NOW
    )
    kinds = [type(e) for e in events.events]
    assert kinds == [matches.MatchEnded, matches.MatchHandedOver, CapacityFreed]
    ended = events.events[0]
    assert isinstance(ended, matches.MatchEnded)
    assert (ended.by, ended.why, ended.unsent) == ("coordinator", "handover", 1)
    assert handed.new.peer_id == NEW_PEER and handed.new.status == "active"
    assert handed.old.status == "ended" and handed.old.ended_by == "coordinator"
    # The same menu again: the match has changed, so nothing is done.
    with pytest.raises(matches.HandoverStale):
        await matches.hand_over(
            store, Collector(), handed.old, NEW_PEER, role="consumer", policy=POLICY, now=NOW
        )


async def test_a_handover_only_to_someone_with_room(store: Storage) -> None:
    await store.update_profile(NEW_PEER, NOW, caseload_cap=1)
    await active(store, OTHER, NEW_PEER)
    match = await store.get_match(await active(store))
    assert match is not None
    assert await matches.handover_candidates(store, match, "consumer", POLICY) == []
    with pytest.raises(matches.HandoverStale):
        await matches.hand_over(
            store, Collector(), match, NEW_PEER, role="consumer", policy=POLICY, now=NOW
        )


async def test_leaving_ends_everything_and_is_never_offered_again(store: Storage) -> None:
    await active(store, PERSON, PEER)
    made = await store.create_request(OTHER, PEER, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    events = Collector()
    assert await matches.leave(store, events, PEER, NOW) == 2
    ended = [e for e in events.events if isinstance(e, matches.MatchEnded)]
    assert [(e.by, e.why, e.was_active) for e in ended] == [
        ("peer", "erasure", True),
        ("peer", "erasure", False),
    ]
    profile = await store.get_profile(PEER)
    assert profile is not None and not profile.active
    assert await store.live_matches_of(PEER) == []


async def test_a_late_answer_expires_the_request_and_says_so(store: Storage) -> None:
    made = await store.create_request(PERSON, PEER, {}, NOW, NOW + timedelta(hours=48))
    assert made.match is not None
    events = Collector()
    with pytest.raises(matches.RequestClosed):
        await matches.answer(store, events, made.match, accept=True, now=NOW + timedelta(hours=49))
    assert [type(e) for e in events.events] == [matches.RequestExpired, CapacityFreed]


async def test_answers_publish_what_happened(store: Storage) -> None:
    for accept, kinds in (
        (True, [matches.MatchMade]),
        (False, [matches.RequestDeclined, CapacityFreed]),
    ):
        await store.execute("DELETE FROM matches")
        made = await store.create_request(PERSON, PEER, {}, NOW, NOW + timedelta(hours=48))
        assert made.match is not None
        events = Collector()
        await matches.answer(store, events, made.match, accept=accept, now=NOW)
        assert [type(e) for e in events.events] == kinds


async def test_who_may_be_asked(store: Storage) -> None:
    ask = dict(
        person_id=PERSON, role="consumer", policy=POLICY, now=NOW, answer_within=timedelta(hours=48)
    )
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


ASK = dict(person_id=PERSON, role="consumer", policy=POLICY, answer_within=timedelta(hours=48))


async def test_a_request_is_stored_with_what_within_keeps_or_not_at_all(store: Storage) -> None:
    seen: list[object] = []

    async def within(event: object) -> None:
        # Inside the request's transaction: the request is there to read already.
        assert isinstance(event, matches.RequestMade)
        seen.append(await store.live_match_for_person(PERSON))

    events = Collector()
    made = await matches.request(store, events, peer_id=PEER, now=NOW, within=within, **ASK)  # type: ignore[arg-type]
    assert seen == [made] and events.events == [matches.RequestMade(made)]

    async def broken(event: object) -> None:
        raise RuntimeError("the notice could not be kept")

    await store.execute("DELETE FROM matches")
    with pytest.raises(RuntimeError):
        await matches.request(store, Collector(), peer_id=PEER, now=NOW, within=broken, **ASK)  # type: ignore[arg-type]
    assert await store.live_match_for_person(PERSON) is None  # nothing half-done


async def test_asking_one_peer_worker_again_within_the_hour_is_refused(store: Storage) -> None:
    made = await matches.request(store, Collector(), peer_id=PEER, now=NOW, **ASK)  # type: ignore[arg-type]
    await matches.end_match(store, Collector(), made.id, by="person", why="person", now=NOW)
    later = NOW + timedelta(minutes=20)
    with pytest.raises(matches.TooSoon) as refused:
        await matches.request(store, Collector(), peer_id=PEER, now=later, **ASK)  # type: ignore[arg-type]
    assert refused.value.retry_at == NOW + matches.REQUEST_EVERY
    other = await matches.request(store, Collector(), peer_id=NEW_PEER, now=later, **ASK)  # type: ignore[arg-type]
    await matches.end_match(store, Collector(), other.id, by="person", why="person", now=later)
    again = await matches.request(
        store,
        Collector(),
        peer_id=PEER,  # type: ignore[arg-type]
        now=NOW + matches.REQUEST_EVERY,
        **ASK,
    )
    assert again.status == "requested"


async def test_a_place_held_for_someone_in_line_is_theirs_alone(store: Storage) -> None:
    await store.update_profile(PEER, NOW, caseload_cap=1)
    await store.join_waitlist(OTHER, NOW)
    await store.hold_for(OTHER, PEER, NOW, NOW + timedelta(hours=48))
    with pytest.raises(matches.PeerNotFree):
        await matches.request(store, Collector(), peer_id=PEER, now=NOW, **ASK)  # type: ignore[arg-type]
    mine = await matches.request(
        store,
        Collector(),
        peer_id=PEER,
        now=NOW,  # type: ignore[arg-type]
        **{**ASK, "person_id": OTHER},
    )
    assert mine.person_id == OTHER
    # Taking it lets the hold go and keeps the place in line until someone accepts.
    assert await store.held_places(NOW) == {}
    assert await store.waitlist_position(OTHER) == 1


async def test_a_peer_worker_is_reminded_once_a_day_before_the_request_closes(
    store: Storage,
) -> None:
    made = await matches.request(store, Collector(), peer_id=PEER, now=NOW, **ASK)  # type: ignore[arg-type]
    kept: list[object] = []

    async def within(event: object) -> None:
        kept.append(event)

    assert await matches.remind(store, Collector(), NOW + timedelta(hours=23), within) == []
    events = Collector()
    assert await matches.remind(store, events, NOW + timedelta(hours=24), within) == [made]
    assert events.events == kept == [matches.RequestReminder(made)]
    assert await matches.remind(store, Collector(), NOW + timedelta(hours=30), within) == []
    # A request that was open for less than a day never needs one.
    await store.execute("DELETE FROM matches")
    short = {**ASK, "answer_within": timedelta(hours=12)}
    await matches.request(store, Collector(), peer_id=PEER, now=NOW, **short)  # type: ignore[arg-type]
    assert await matches.remind(store, Collector(), NOW + timedelta(hours=1)) == []


async def test_a_request_that_cannot_be_delivered_is_withdrawn_freeing_both(store: Storage) -> None:
    made = await matches.request(store, Collector(), peer_id=PEER, now=NOW, **ASK)  # type: ignore[arg-type]
    events = Collector()
    closed = await matches.undelivered(store, events, made.id, NOW)
    assert closed is not None and (closed.status, closed.ended_by) == ("withdrawn", "system")
    assert events.events == [matches.RequestUndelivered(closed), CapacityFreed(PEER)]
    assert await store.caseload(PEER) == 0
    assert await store.live_match_for_person(PERSON) is None
    assert await matches.undelivered(store, Collector(), made.id, NOW) is None
    assert await store.recent_refusals(PERSON, NOW) == set()  # not the peer worker's "no"


async def test_answers_and_expiries_run_within_in_their_transaction(store: Storage) -> None:
    kept: list[type] = []

    async def within(event: object) -> None:
        kept.append(type(event))

    made = await matches.request(store, Collector(), peer_id=PEER, now=NOW, **ASK)  # type: ignore[arg-type]
    await matches.answer(store, Collector(), made, accept=False, now=NOW, within=within)
    other = await matches.request(store, Collector(), peer_id=NEW_PEER, now=NOW, **ASK)  # type: ignore[arg-type]
    with pytest.raises(matches.RequestClosed):
        await matches.answer(
            store, Collector(), other, accept=True, now=NOW + timedelta(hours=49), within=within
        )
    assert kept == [matches.RequestDeclined, matches.RequestExpired]
