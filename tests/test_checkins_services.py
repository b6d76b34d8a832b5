"""Check-in use cases over real storage, without a bot: what they refuse, and what they
publish for bot/app.py's table of consequences."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from bot.crypto import Cipher
from bot.domain.checkins import DAILY, NOTE_LIMIT
from bot.domain.matching import Match
from bot.services import checkins as service
from bot.services.events import Collector
from bot.storage import Storage
from tests.backends import database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SYDNEY = ZoneInfo("Australia/Sydney")
ANN = 3101


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = Storage(database(tmp_path / "bot.sqlite3"))
    await store.connect()
    await store.record_consent(ANN, NOW, given=True)
    yield store
    await store.close()


async def match_with(storage: Storage, peer: int, name: str = "Pat") -> Match:
    """An active match between ANN and a peer worker PEER (with a profile called NAME)."""
    await storage.record_consent(peer, NOW, given=True)
    await storage.create_profile(
        peer,
        "consumer_peer",
        NOW,
        display_name=name,
        bio="",
        hours=[],
        timezone="Australia/Sydney",
        caseload_cap=6,
    )
    made = await storage.create_request(ANN, peer, {}, NOW, NOW + timedelta(days=2))
    assert made.match is not None
    match = await storage.answer_request(made.match.id, peer, accept=True, now=NOW)
    assert match is not None
    return match


async def test_sharing_needs_a_schedule_and_the_match_it_names(storage: Storage) -> None:
    assert not await service.share_with(storage, ANN, 1, SYDNEY, NOW)
    await service.set_schedule(storage, ANN, DAILY, 19 * 60, SYDNEY, NOW)
    with pytest.raises(service.NeedsMatch) as refused:
        await service.share_with(storage, ANN, 1, SYDNEY, NOW)
    assert refused.value.key == "checkins.share_needs_match"
    match = await match_with(storage, 3190)
    with pytest.raises(service.NeedsMatch):  # a button naming another match
        await service.share_with(storage, ANN, match.id + 1, SYDNEY, NOW)
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None and not schedule.share_weekly
    assert await service.share_with(storage, ANN, match.id, SYDNEY, NOW)
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None and (schedule.share_weekly, schedule.share_match) == (
        True,
        match.id,
    )
    assert await service.current_peer(storage, ANN) == service.Peer(match.id, 3190, "Pat")


async def test_sharing_stops_with_the_match_and_is_asked_again(storage: Storage) -> None:
    """Weekly ratings follow the person's choice of one peer worker: when that match ends
    nothing goes to anyone, and they are asked again once matched with someone new."""
    await service.set_schedule(storage, ANN, DAILY, 19 * 60, SYDNEY, NOW)
    first = await match_with(storage, 3191)
    await service.share_with(storage, ANN, first.id, SYDNEY, NOW)
    assert await service.share_question(storage, ANN) is None  # chosen with this one
    # Another match of someone else's ending changes nothing here.
    assert not await service.match_ended(storage, replace(first, id=first.id + 99), NOW)
    await storage.close_match(first.id, "person", NOW)
    assert await service.match_ended(storage, first, NOW)
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None and not schedule.share_weekly and schedule.share_ask
    assert schedule.share_due is None
    assert await service.share_question(storage, ANN) is None  # nobody to ask about yet
    second = await match_with(storage, 3192, name="Sam")
    assert await service.share_question(storage, ANN) == service.Peer(second.id, 3192, "Sam")
    assert await service.keep_private(storage, ANN, NOW)
    assert await service.share_question(storage, ANN) is None
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None and not schedule.share_weekly and not schedule.share_ask


async def test_a_due_summary_never_goes_to_a_later_peer_worker(storage: Storage) -> None:
    """Even if a match ended without its event (an old row, a crash), the weekly summary is
    checked against the match it was chosen for."""
    await service.set_schedule(storage, ANN, DAILY, 19 * 60, SYDNEY, NOW)
    first = await match_with(storage, 3193)
    await service.share_with(storage, ANN, first.id, SYDNEY, NOW)
    moved = await storage.hand_over(first.id, await _peer(storage, 3194), NOW)
    assert moved is not None
    later = NOW + timedelta(days=8)
    assert await service.take_due_shares(storage, lambda _: SYDNEY, later) == []
    schedule = await storage.get_checkin_schedule(ANN)
    assert schedule is not None and not schedule.share_weekly and schedule.share_ask
    assert await service.share_question(storage, ANN) == service.Peer(moved[0].id, 3194, "Sam")


async def _peer(storage: Storage, peer: int) -> int:
    await storage.record_consent(peer, NOW, given=True)
    await storage.create_profile(
        peer,
        "consumer_peer",
        NOW,
        display_name="Sam",
        bio="",
        hours=[],
        timezone="Australia/Sydney",
        caseload_cap=6,
    )
    return peer


async def test_a_rating_is_kept_once_and_published_once(storage: Storage) -> None:
    events = Collector()
    checkin_id = await service.check_in_now(storage, ANN, NOW, events)
    assert await service.checkin_of(storage, ANN, checkin_id) is None  # not rated yet
    rated = await service.rate(storage, ANN, checkin_id, 2, NOW, events)
    assert rated is not None and rated.first and rated.row.rating == 2
    # The same press again (a double tap, an update handled again): nothing more.
    again = await service.rate(storage, ANN, checkin_id, 2, NOW, events)
    assert again is not None and not again.first and again.row.rating == 2
    with pytest.raises(service.AlreadyAnswered):
        await service.rate(storage, ANN, checkin_id, 5, NOW, events)
    assert await service.rate(storage, ANN + 1, checkin_id, 5, NOW, events) is None
    # Asked for now, so counted apart from scheduled check-ins.
    assert events.events == [
        service.CheckinsSent(1, "now"),
        service.CheckinAnswered(ANN, checkin_id, 2, low=True, kind="now"),
    ]


async def test_a_rating_is_never_kept_without_its_reply(storage: Storage) -> None:
    """The rating and its reply are kept in one transaction: if keeping the reply fails, the
    rating is not kept either, and the press can be made again."""
    checkin_id = await service.check_in_now(storage, ANN, NOW, Collector())

    async def broken(_: object) -> None:
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        await service.rate(storage, ANN, checkin_id, 4, NOW, Collector(), broken)
    row = await storage.get_checkin(checkin_id, ANN)
    assert row is not None and not row.answered
    kept: list[int] = []

    async def keep(row: object) -> None:
        kept.append(getattr(row, "rating", 0))

    rated = await service.rate(storage, ANN, checkin_id, 4, NOW, Collector(), keep)
    assert rated is not None and rated.first and kept == [4]


async def test_an_old_check_in_has_closed(storage: Storage) -> None:
    events = Collector()
    checkin_id = await service.check_in_now(storage, ANN, NOW, events)
    later = NOW + timedelta(days=2, minutes=1)
    with pytest.raises(service.CheckinClosed) as closed:
        await service.rate(storage, ANN, checkin_id, 3, later, events)
    assert closed.value.key == "checkins.closed"
    await service.rate(storage, ANN, checkin_id, 3, NOW, events)
    with pytest.raises(service.CheckinClosed):  # rated in time, but too old to go on with
        await service.open_checkin_of(storage, ANN, checkin_id, later)
    row = await service.open_checkin_of(storage, ANN, checkin_id, NOW + timedelta(days=1))
    assert row is not None and row.rating == 3


async def test_a_note_is_short_encrypted_and_never_empty(storage: Storage) -> None:
    cipher = Cipher(Fernet.generate_key())
    checkin_id = await service.check_in_now(storage, ANN, NOW, Collector())
    with pytest.raises(service.NoteTooLong):
        await service.save_note(storage, cipher, ANN, checkin_id, "x" * (NOTE_LIMIT + 1))
    assert not await service.save_note(storage, cipher, ANN, checkin_id, "   ")
    assert await service.save_note(storage, cipher, ANN, checkin_id, " mine ")
    assert await service.export_notes(storage, cipher, ANN) == [
        (checkin_id, int(NOW.timestamp()), "mine")
    ]
    other = Cipher(Fernet.generate_key())
    assert await service.export_notes(storage, other, ANN) == [
        (checkin_id, int(NOW.timestamp()), None)
    ]


async def test_a_long_outage_skips_and_says_how_many(storage: Storage) -> None:
    await service.set_schedule(storage, ANN, DAILY, 19 * 60, SYDNEY, NOW)
    events = Collector()
    later = NOW + timedelta(days=3, hours=2)  # well past the grace period
    claimed = await service.claim_due(
        storage, lambda _: SYDNEY, later, timedelta(minutes=90), events
    )
    assert (claimed.to_send, claimed.read, claimed.skipped) == ([], 1, 1)
    assert events.events == [service.CheckinsSkipped(1)]


async def test_no_mood_report_without_recent_answers(storage: Storage) -> None:
    assert await service.mood_report(storage, ANN, NOW) is None
    old = await storage.open_checkin(ANN, NOW - timedelta(days=100))
    await storage.rate_checkin(old, ANN, 3, NOW)
    assert await service.mood_report(storage, ANN, NOW) is None
